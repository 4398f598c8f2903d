import ExcelJS from 'exceljs';

/** A sheet as the old platform exports it: Chinese headers, then rows of text cells. */
export interface SheetData {
  headers: string[];
  rows: string[][];
}

export const UNIT_HEADERS = ['单位名称', '统一社会信用代码', '单位类型', '单位类别', '上级单位代码', '行政区划', '隶属关系已确认', '管理员姓名', '管理员身份证号', '管理员手机号'];
export const ACCOUNT_HEADERS = ['姓名', '身份证号', '手机号', '所属单位代码', '账号类型'];
export const GRANT_HEADERS = ['身份证号', '所属单位代码', '角色编码'];

const field = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** CSV as Excel writes it for Chinese users: UTF-8 with a BOM, CRLF. */
export const toCsv = (s: SheetData) => Buffer.from(`\uFEFF${[s.headers, ...s.rows].map((r) => r.map(field).join(',')).join('\r\n')}\r\n`, 'utf8');

/** An xlsx workbook with one worksheet; ID numbers and codes as text cells, as the old platform writes them. */
export async function toXlsx(s: SheetData): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Sheet1');
  sheet.addRow(s.headers);
  for (const r of s.rows) sheet.addRow(r);
  return Buffer.from(await book.xlsx.writeBuffer());
}
