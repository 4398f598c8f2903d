import type ExcelJS from 'exceljs';
import { badRequest } from '../errors.ts';

/** One data row of a sheet: its line as the user sees it (the header is line 1) and its cells as text. */
export interface SheetRow {
  line: number;
  cells: string[];
}

export interface Sheet {
  /** The file's name, as the report names it. */
  name: string;
  headers: string[];
  rows: SheetRow[];
}

/** xlsx files are zip archives: they start with "PK". Anything else is read as CSV (UTF-8, an optional BOM). */
const isXlsx = (bytes: Uint8Array) => bytes[0] === 0x50 && bytes[1] === 0x4b;

/**
 * Reads the first worksheet of an xlsx file, or a CSV file, into text cells. Blank rows are skipped
 * but keep their line numbers, so a report's line is the one the user opens. Unreadable files are
 * 400 `import.file_unreadable`, never a crash.
 */
export async function readSheet(name: string, bytes: Uint8Array): Promise<Sheet> {
  const lines = isXlsx(bytes) ? await xlsxLines(name, bytes) : csvLines(Buffer.from(bytes).toString('utf8').replace(/^\uFEFF/, ''));
  const [header, ...rest] = lines;
  if (!header) throw badRequest('import.file_unreadable', `${name}: the sheet is empty`, { file: name });
  const rows: SheetRow[] = [];
  rest.forEach((cells, i) => {
    if (cells.some((c) => c.trim() !== '')) rows.push({ line: i + 2, cells: cells.map((c) => c.trim()) });
  });
  return { name, headers: header.map((h) => h.trim()), rows };
}

async function xlsxLines(name: string, bytes: Uint8Array): Promise<string[][]> {
  // Loaded on the first xlsx only: exceljs and its zip libraries are megabytes the server never needs otherwise (issue 11).
  const { default: Excel } = await import('exceljs');
  const book = new Excel.Workbook();
  try {
    // exceljs's typing wants its own Buffer type; the bytes are what it reads.
    await book.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  } catch {
    throw badRequest('import.file_unreadable', `${name}: not a readable xlsx file`, { file: name });
  }
  const sheet = book.worksheets[0];
  if (!sheet) return [];
  const out: string[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row, rowNumber) => {
    const cells: string[] = [];
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      cells[col - 1] = cellText(cell.value);
    });
    out[rowNumber - 1] = Array.from(cells, (c) => c ?? '');
  });
  return Array.from(out, (r) => r ?? []);
}

/** ID numbers and codes must come out as typed: numbers without exponent, rich text flattened. */
function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v).toString() : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if ('richText' in v) return v.richText.map((t) => t.text).join('');
  if ('text' in v) return String(v.text);
  if ('result' in v) return v.result === undefined ? '' : cellText(v.result as ExcelJS.CellValue);
  return '';
}

/** RFC 4180 CSV: quoted fields with doubled quotes and line breaks, CRLF or LF. */
function csvLines(text: string): string[][] {
  const lines: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      lines.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    lines.push(row);
  }
  return lines;
}
