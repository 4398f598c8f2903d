import type { ImportProgress, ReportRow } from '../directory/imports/import-service.ts';

const COLUMNS: Array<keyof ReportRow> = ['sheet', 'file', 'line', 'outcome', 'key', 'code', 'reasonZh', 'reason'];
const HEADERS = ['表格', '文件', '行号', '结果', '对象', '错误码', '原因', 'reason'];

const csvField = (v: unknown) => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** The per-row report as CSV (UTF-8 with a BOM, so that Excel shows the Chinese headers). */
export const reportCsv = (rows: ReportRow[]) =>
  `\uFEFF${[HEADERS.join(','), ...rows.map((r) => COLUMNS.map((c) => csvField(r[c])).join(','))].join('\r\n')}\r\n`;

/** A progress bar on stderr: redrawn in place on a terminal, one line per batch otherwise. */
export function progressBar(out: NodeJS.WriteStream) {
  return ({ sheet, done, total }: ImportProgress) => {
    const width = 30;
    const filled = total ? Math.round((done / total) * width) : width;
    const text = `${sheet.padEnd(8)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
    out.write(out.isTTY ? `\r${text}${done === total ? '\n' : ''}` : `${text}\n`);
  };
}
