import { badRequest } from '../../platform/errors.ts';
import type { Sheet } from '../../platform/sheets/read-sheet.ts';

/**
 * Issue 8 (legacy import) — the columns of the three sheets the old platform exports, by their
 * Chinese headers as its users know them; English aliases are accepted too (case and spaces ignored).
 * docs/import-templates/ holds a sample of each.
 */
const LAYOUT = {
  units: {
    name: { headers: ['单位名称', 'name'], required: true },
    code: { headers: ['统一社会信用代码', '单位代码', 'uscc', 'code'], required: true },
    kind: { headers: ['单位类型', 'kind', 'type'], required: true },
    category: { headers: ['单位类别', 'category'], required: false },
    creatorCode: { headers: ['上级单位代码', '创建单位代码', 'parent code', 'creator code'], required: true },
    adminDivision: { headers: ['行政区划', '行政区划代码', 'admin division'], required: false },
    affiliationConfirmed: { headers: ['隶属关系已确认', '隶属已确认', 'affiliation confirmed'], required: false },
    adminName: { headers: ['管理员姓名', 'admin name'], required: true },
    adminIdNumber: { headers: ['管理员身份证号', 'admin id number'], required: true },
    adminPhone: { headers: ['管理员手机号', 'admin phone'], required: true },
  },
  accounts: {
    name: { headers: ['姓名', 'name'], required: true },
    idNumber: { headers: ['身份证号', '身份证号码', 'id number'], required: true },
    phone: { headers: ['手机号', '手机号码', 'phone'], required: true },
    unitCode: { headers: ['所属单位代码', 'unit code'], required: true },
    kind: { headers: ['账号类型', 'account type', 'kind'], required: false },
  },
  grants: {
    idNumber: { headers: ['身份证号', '身份证号码', 'id number'], required: true },
    unitCode: { headers: ['所属单位代码', 'unit code'], required: true },
    roleCode: { headers: ['角色编码', 'role code', 'role'], required: true },
  },
} as const;

export type SheetKind = keyof typeof LAYOUT;
export type Fields<K extends SheetKind> = { [F in keyof (typeof LAYOUT)[K]]: string };
export interface LayoutRow<K extends SheetKind> {
  line: number;
  fields: Fields<K>;
}

const norm = (h: string) => h.toLowerCase().replace(/[\s_\-（）()]/g, '');

/**
 * Maps a sheet's headers to the layout's fields. A missing required column refuses the whole sheet
 * (400 `import.columns_missing`, naming the Chinese headers expected): no row could be read.
 */
export function readLayout<K extends SheetKind>(kind: K, sheet: Sheet): Array<LayoutRow<K>> {
  const layout = LAYOUT[kind] as Record<string, { headers: readonly string[]; required: boolean }>;
  const index: Record<string, number> = {};
  const missing: string[] = [];
  for (const [field, spec] of Object.entries(layout)) {
    const at = sheet.headers.findIndex((h) => spec.headers.some((alias) => norm(alias) === norm(h)));
    if (at >= 0) index[field] = at;
    else if (spec.required) missing.push(spec.headers[0]!);
  }
  if (missing.length) {
    throw badRequest('import.columns_missing', `${sheet.name}: missing columns ${missing.join(', ')}`, { file: sheet.name, sheet: kind, missing });
  }
  return sheet.rows.map((row) => ({
    line: row.line,
    fields: Object.fromEntries(Object.keys(layout).map((f) => [f, index[f] === undefined ? '' : (row.cells[index[f]] ?? '')])) as Fields<K>,
  }));
}

/** The Chinese headers of a sheet, in order (the templates and `--help`). */
export const headersOf = (kind: SheetKind): string[] => Object.values(LAYOUT[kind]).map((s) => s.headers[0]);

/** Values as the old platform writes them, and their English forms. */
export const UNIT_KINDS: Record<string, 'hrss' | 'competent' | 'employer'> = {
  人社部门: 'hrss', 人力资源和社会保障部门: 'hrss', hrss: 'hrss',
  主管部门: 'competent', competent: 'competent',
  用人单位: 'employer', employer: 'employer',
};
export const UNIT_CATEGORY_VALUES: Record<string, 'institution' | 'enterprise' | 'social-organization'> = {
  事业单位: 'institution', institution: 'institution',
  企业: 'enterprise', enterprise: 'enterprise',
  社会组织: 'social-organization', 'social-organization': 'social-organization',
};
export const ACCOUNT_KINDS: Record<string, 'operator' | 'admin'> = { 经办人: 'operator', 操作员: 'operator', operator: 'operator', 管理员: 'admin', admin: 'admin' };
const YES = new Set(['是', 'y', 'yes', 'true', '1', '已确认']);
export const isYes = (v: string) => YES.has(v.trim().toLowerCase());
export const lookup = <T>(table: Record<string, T>, v: string): T | undefined => (Object.hasOwn(table, v.trim().toLowerCase()) ? table[v.trim().toLowerCase()] : Object.hasOwn(table, v.trim()) ? table[v.trim()] : undefined);
