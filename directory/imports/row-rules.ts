import { badRequest, conflict, isAppError, type AppError } from '../../platform/errors.ts';
import type { Sheet } from '../../platform/sheets/read-sheet.ts';
import { parseIdNumber } from '../codes/id-number.ts';
import { parseUscc } from '../codes/uscc.ts';
import { maskIdNumber } from '../masking.ts';
import type { UnitCategory, UnitKind } from '../models/index.ts';
import type { PersonInput } from '../persons/person-repository.ts';
import { parsePersonInput } from '../persons/person-rules.ts';
import { ACCOUNT_KINDS, isYes, lookup, readLayout, UNIT_CATEGORY_VALUES, UNIT_KINDS, type LayoutRow, type SheetKind } from './sheet-layout.ts';

export interface UnitRow {
  name: string;
  code: string;
  /** R2 — the serial of a derived code (its creator's code + 2 digits); null for a USCC. */
  derivedSerial: number | null;
  kind: UnitKind;
  category: UnitCategory | null;
  creatorCode: string;
  adminDivision: string | null;
  affiliationConfirmed: boolean;
  admin: PersonInput;
}

export interface AccountRow {
  person: PersonInput;
  unitCode: string;
}

export interface GrantRow {
  idNumber: string;
  unitCode: string;
  roleCode: string;
}

/** A row read and checked on its own: `key` names it in the report (ID numbers masked), `ref` links rows of other sheets to it. */
export type Prepared<T> = { line: number; key: string; ref: string } & ({ ok: true; value: T } | { ok: false; error: AppError });

const invalid = (column: string, message: string) => badRequest('import.value_invalid', `${column}: ${message}`, { column });

/** Checks one row; an AppError thrown by a rule becomes the row's failure, anything else is a bug. */
function prepare<K extends SheetKind, T>(
  kind: K,
  sheet: Sheet,
  identity: (row: LayoutRow<K>) => { key: string; ref: string; dedupe: string },
  check: (row: LayoutRow<K>) => T,
): Array<Prepared<T>> {
  const seen = new Map<string, number>();
  return readLayout(kind, sheet).map((row) => {
    const { key, ref, dedupe } = identity(row);
    const first = seen.get(dedupe);
    try {
      if (first !== undefined) throw conflict('import.duplicate_row', `The row repeats line ${first}`, { firstLine: first });
      seen.set(dedupe, row.line);
      return { line: row.line, key, ref, ok: true as const, value: check(row) };
    } catch (err) {
      if (!isAppError(err)) throw err;
      return { line: row.line, key, ref, ok: false as const, error: err };
    }
  });
}

const upper = (s: string) => s.trim().toUpperCase();
/** The report never shows a full ID number (R25); an unparseable one is masked the same way. */
const maskedId = (raw: string) => (raw.length >= 8 ? maskIdNumber(upper(raw)) : '***');

/** R2 — a 20-character code ending in 01…99 is a derived code; its creator is checked when the row is applied. */
function parseUnitCode(raw: string, creatorCode: string): { code: string; derivedSerial: number | null } {
  const code = upper(raw);
  const derived = /^[0-9A-Z]{18,}(\d{2})$/.exec(code);
  if (derived && code.length === creatorCode.length + 2 && code.startsWith(creatorCode)) {
    const serial = Number(derived[1]);
    if (serial >= 1) return { code, derivedSerial: serial };
  }
  return { code: parseUscc(code), derivedSerial: null }; // R1: both check characters
}

export function prepareUnitRows(sheet: Sheet): Array<Prepared<UnitRow>> {
  return prepare('units', sheet, (r) => ({ key: upper(r.fields.code), ref: upper(r.fields.code), dedupe: upper(r.fields.code) }), ({ fields: f }) => {
    const name = f.name.trim();
    if (!name || name.length > 200) throw invalid('单位名称', 'a unit name is 1 to 200 characters');
    const kind = lookup(UNIT_KINDS, f.kind);
    if (!kind) throw invalid('单位类型', 'one of 人社部门, 主管部门, 用人单位 (hrss, competent, employer)');
    const creatorCode = upper(f.creatorCode);
    if (!creatorCode) throw invalid('上级单位代码', 'the code of the unit that created this one');
    const category = f.category.trim() ? lookup(UNIT_CATEGORY_VALUES, f.category) : undefined;
    if (f.category.trim() && !category) throw invalid('单位类别', 'one of 事业单位, 企业, 社会组织');
    // Issue 8 — the same rule as POST /units: an employer says its category, other kinds have none.
    if (kind === 'employer' && !category) throw badRequest('unit.category_required', 'An employer needs its category: institution, enterprise or social-organization');
    if (kind !== 'employer' && category) throw badRequest('unit.category_not_applicable', 'Only employers have a category');
    const adminDivision = f.adminDivision.trim() || null;
    if (adminDivision && !/^\d{6}$/.test(adminDivision)) throw invalid('行政区划', 'six digits');
    const { code, derivedSerial } = parseUnitCode(f.code, creatorCode);
    const admin = parsePersonInput({ name: f.adminName, idNumber: f.adminIdNumber, phone: f.adminPhone }); // R8
    return { name, code, derivedSerial, kind, category: category ?? null, creatorCode, adminDivision, affiliationConfirmed: isYes(f.affiliationConfirmed), admin };
  });
}

export function prepareAccountRows(sheet: Sheet): Array<Prepared<AccountRow>> {
  return prepare(
    'accounts',
    sheet,
    (r) => {
      const ref = `${upper(r.fields.idNumber)}@${upper(r.fields.unitCode)}`;
      return { key: `${maskedId(r.fields.idNumber)}@${upper(r.fields.unitCode)}`, ref, dedupe: ref };
    },
    ({ fields: f }) => {
      const kind = f.kind.trim() ? lookup(ACCOUNT_KINDS, f.kind) : 'operator';
      if (!kind) throw invalid('账号类型', '经办人 (operator)');
      if (kind === 'admin') throw badRequest('import.account_kind', "The accounts sheet imports operators; a unit's administrator comes with the units sheet");
      const unitCode = upper(f.unitCode);
      if (!unitCode) throw invalid('所属单位代码', 'the code of the account’s unit');
      return { person: parsePersonInput({ name: f.name, idNumber: f.idNumber, phone: f.phone }), unitCode }; // R8
    },
  );
}

export function prepareGrantRows(sheet: Sheet): Array<Prepared<GrantRow>> {
  return prepare(
    'grants',
    sheet,
    (r) => {
      const ref = `${upper(r.fields.idNumber)}@${upper(r.fields.unitCode)}`;
      return { key: `${maskedId(r.fields.idNumber)}@${upper(r.fields.unitCode)}/${r.fields.roleCode.trim()}`, ref, dedupe: `${ref}/${r.fields.roleCode.trim()}` };
    },
    ({ fields: f }) => {
      const unitCode = upper(f.unitCode);
      const roleCode = f.roleCode.trim();
      if (!unitCode) throw invalid('所属单位代码', 'the code of the account’s unit');
      if (!roleCode) throw invalid('角色编码', 'a role code');
      return { idNumber: parseIdNumber(f.idNumber), unitCode, roleCode };
    },
  );
}
