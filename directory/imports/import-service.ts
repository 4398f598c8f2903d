import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { Database } from '../../platform/db/database.ts';
import { badRequest, isAppError, type AppError } from '../../platform/errors.ts';
import { errorEntry } from '../../platform/error-codes/index.ts';
import type { Sheet } from '../../platform/sheets/read-sheet.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import type { AccountFactory } from '../accounts/account-factory.ts';
import type { AccountRepository } from '../accounts/account-repository.ts';
import type { AuditService } from '../audit/audit-service.ts';
import { authorize } from '../authz/policy.ts';
import type { InitialPassword } from '../credentials/credential-service.ts';
import type { Unit } from '../models/index.ts';
import type { PersonRepository } from '../persons/person-repository.ts';
import type { RoleGrantService } from '../roles/role-grants.ts';
import type { RoleRepository } from '../roles/role-repository.ts';
import { canAffiliate, checkCreation } from '../units/creation-rules.ts';
import type { UnitRepository } from '../units/unit-repository.ts';
import { prepareAccountRows, prepareGrantRows, prepareUnitRows, type Prepared, type AccountRow, type GrantRow, type UnitRow } from './row-rules.ts';
import type { SheetKind } from './sheet-layout.ts';

export interface ImportSheets {
  units?: Sheet | undefined;
  accounts?: Sheet | undefined;
  grants?: Sheet | undefined;
}

/** `created` in a dry run means "would be created". */
export type RowOutcome = 'created' | 'unchanged' | 'failed';

export interface ReportRow {
  sheet: SheetKind;
  file: string;
  line: number;
  outcome: RowOutcome;
  /** The unit code, the ID number masked, or the role: what the row is about. */
  key: string;
  code?: string;
  reason?: string;
  reasonZh?: string;
  details?: Record<string, unknown>;
}

export type SheetCounts = Record<RowOutcome, number>;
export type ImportCounts = Record<SheetKind, SheetCounts>;

export interface ImportResult {
  runId: string;
  dryRun: boolean;
  counts: ImportCounts;
  rows: ReportRow[];
}

export interface ImportProgress {
  sheet: SheetKind;
  done: number;
  total: number;
}

export interface ImportOptions {
  dryRun: boolean;
  meta: RequestMeta;
  /** Rows per transaction (default 250): short enough to keep the audit chain's lock brief. */
  batchSize?: number | undefined;
  onProgress?: ((p: ImportProgress) => void | Promise<void>) | undefined;
  /** Names the run in every audit event (the API's job id); a fresh id otherwise. */
  runId?: string | undefined;
}

const SHEETS: SheetKind[] = ['units', 'accounts', 'grants'];

class DryRunRollback extends Error {}

/** What one run knows about the rows before it: units by code, rows that failed (their dependants fail too). */
interface RunState {
  actor: Actor;
  runId: string;
  meta: RequestMeta;
  secret: InitialPassword;
  units: Map<string, Unit>;
  failedUnits: Set<string>;
  failedAccounts: Set<string>;
}

/**
 * Issue 8 — moving in from the old platform. Rows are checked by the rules of the API (R1, R2, R4,
 * R8, the employer category, R17) and written through the directory's repositories and account
 * factory, each row in a savepoint of a batch transaction, with its audit event. A row already
 * present (unit by code, operator by ID number and unit, grant) is `unchanged`: a re-run writes only
 * its `import.run` summary. Imported persons and unit accounts get a credential nobody can use (hashed
 * once per run): they sign in by SMS or QR code, or get a password by an administrator's reset.
 *
 * Units are created by the unit named in 上级单位代码 (R4 is checked against it), which must exist or
 * come on an earlier line; the actor — a province hrss administrator with scope all — is the importer
 * the audit names.
 */
export class ImportService {
  constructor(
    private readonly deps: {
      db: Database;
      audit: AuditService;
      units: UnitRepository;
      accounts: AccountRepository;
      persons: PersonRepository;
      factory: AccountFactory;
      roles: RoleRepository;
      roleGrants: RoleGrantService;
      prepareSecret: () => Promise<InitialPassword>;
    },
  ) {}

  /** The province administrator the command line imports as: the root's first active administrator with scope all. */
  async provinceImporter(tx?: Transaction): Promise<string | null> {
    const root = await this.deps.units.findRoot(tx);
    if (!root) return null;
    const admins = await this.deps.accounts.activeAdmins(tx, root.id);
    return admins.find((a) => a.scope?.includes('all'))?.id ?? null;
  }

  async run(actor: Actor, sheets: ImportSheets, options: ImportOptions): Promise<ImportResult> {
    authorize(actor, 'import.run');
    if (!sheets.units && !sheets.accounts && !sheets.grants) throw badRequest('import.no_files', 'Give at least one of the units, accounts or grants sheets');
    // Every row is read and checked on its own first (columns, R1, R8, duplicates): nothing touches the database yet.
    const prepared = {
      units: sheets.units ? prepareUnitRows(sheets.units) : [],
      accounts: sheets.accounts ? prepareAccountRows(sheets.accounts) : [],
      grants: sheets.grants ? prepareGrantRows(sheets.grants) : [],
    };
    const state: RunState = {
      actor,
      runId: options.runId ?? crypto.randomUUID(),
      meta: options.meta,
      secret: await this.deps.prepareSecret(),
      units: new Map(),
      failedUnits: new Set(),
      failedAccounts: new Set(),
    };
    const rows: ReportRow[] = [];
    const files = { units: sheets.units?.name ?? '', accounts: sheets.accounts?.name ?? '', grants: sheets.grants?.name ?? '' };
    const work = async (tx: Transaction | null) => {
      for (const sheet of SHEETS) {
        const list = prepared[sheet] as Array<Prepared<UnitRow | AccountRow | GrantRow>>;
        const size = options.batchSize ?? 250;
        for (let i = 0; i < list.length; i += size) {
          const batch = list.slice(i, i + size);
          const apply = async (t: Transaction) => {
            for (const row of batch) rows.push(await this.applyRow(t, state, sheet, files[sheet], row));
          };
          if (tx) await apply(tx);
          else await this.deps.db.transaction(apply);
          await options.onProgress?.({ sheet, done: Math.min(i + size, list.length), total: list.length });
        }
      }
    };
    if (options.dryRun) {
      // A dry run takes every step of a real one, in one transaction rolled back at the end: the same report, nothing written.
      await this.deps.db
        .transaction(async (tx) => {
          await work(tx);
          throw new DryRunRollback();
        })
        .catch((err: unknown) => {
          if (!(err instanceof DryRunRollback)) throw err;
        });
    } else {
      await work(null);
    }
    const counts = countRows(rows);
    if (!options.dryRun) {
      await this.deps.db.transaction((tx) =>
        this.deps.audit.record(tx, {
          actor,
          action: 'import.run',
          target: { type: 'import', id: state.runId },
          unitId: actor.unitId,
          details: { counts, files: Object.values(files).filter(Boolean) },
          meta: options.meta,
        }),
      );
    }
    return { runId: state.runId, dryRun: options.dryRun, counts, rows };
  }

  /** One row in a savepoint: its writes and audit event stand or fall together, the batch goes on. */
  private async applyRow(tx: Transaction, state: RunState, sheet: SheetKind, file: string, row: Prepared<UnitRow | AccountRow | GrantRow>): Promise<ReportRow> {
    const base = { sheet, file, line: row.line, key: row.key };
    const fail = (err: AppError): ReportRow => {
      // Rows of the later sheets that name this one fail with a reason pointing here.
      if (sheet === 'units') state.failedUnits.add(row.ref);
      if (sheet === 'accounts') state.failedAccounts.add(row.ref);
      return { ...base, outcome: 'failed', code: err.code, reason: err.message, reasonZh: errorEntry(err.code).zh, ...(err.details ? { details: err.details } : {}) };
    };
    if (!row.ok) return fail(row.error);
    try {
      const outcome = await this.deps.db.sequelize.transaction({ transaction: tx }, (sp) => {
        if (sheet === 'units') return this.unitRow(sp, state, row.line, row.value as UnitRow);
        if (sheet === 'accounts') return this.accountRow(sp, state, row.line, row.value as AccountRow);
        return this.grantRow(sp, state, row.line, row.value as GrantRow);
      });
      return { ...base, outcome };
    } catch (err) {
      if (isAppError(err)) return fail(err);
      throw err;
    }
  }

  private async unitByCode(tx: Transaction, state: RunState, code: string): Promise<Unit | null> {
    const known = state.units.get(code);
    if (known) return known;
    const found = await this.deps.units.findByUscc(tx, code);
    if (found) state.units.set(code, found);
    return found;
  }

  private async unitRow(tx: Transaction, state: RunState, line: number, row: UnitRow): Promise<RowOutcome> {
    if (await this.unitByCode(tx, state, row.code)) return 'unchanged';
    const creator = await this.unitByCode(tx, state, row.creatorCode);
    if (!creator) {
      if (state.failedUnits.has(row.creatorCode)) throw badRequest('import.parent_failed', `The row of unit ${row.creatorCode} failed`, { creatorCode: row.creatorCode });
      throw badRequest('import.parent_unknown', `Unit ${row.creatorCode} is neither known nor on an earlier line`, { creatorCode: row.creatorCode });
    }
    const level = checkCreation(creator, row.kind); // R4, against the creator the old platform names
    if (row.derivedSerial !== null) {
      // R2 — a derived code is its creator's code and a serial; the creator's next serial moves past it.
      if (row.code !== creator.uscc + String(row.derivedSerial).padStart(2, '0')) {
        throw badRequest('import.derived_code_mismatch', `A derived code under ${creator.uscc} is ${creator.uscc}01…${creator.uscc}99`, { creatorCode: creator.uscc });
      }
      await this.deps.units.reserveDerivedSerial(tx, creator.id, row.derivedSerial);
    }
    const shape = { kind: row.kind, level };
    if (row.affiliationConfirmed && !canAffiliate(shape, creator)) {
      throw badRequest('import.affiliation_not_allowed', 'This unit may not be affiliated to its upper unit (R13)');
    }
    const id = crypto.randomUUID();
    const unit = await this.deps.units.create(tx, {
      id,
      kind: row.kind,
      level,
      category: row.category,
      name: row.name,
      uscc: row.code,
      derived: row.derivedSerial !== null,
      adminDivision: row.adminDivision,
      createdByUnitId: creator.id,
      // R13 — confirmed where the old platform had it confirmed; otherwise unaffiliated until the upper unit confirms.
      ...(row.affiliationConfirmed ? { parentUnitId: creator.id, affiliation: 'confirmed' as const, path: [...creator.path, id] } : { path: [id] }),
    });
    await this.deps.factory.createUnitAccount(tx, unit, state.secret);
    const admin = await this.deps.factory.createPersonAccount(tx, {
      unit,
      kind: 'admin',
      person: row.admin,
      scope: unit.kind === 'hrss' ? ['all'] : null,
      secret: state.secret,
      sight: null, // the importer is a province administrator: every person is in its sight (R10)
    });
    state.units.set(unit.uscc, unit);
    await this.deps.audit.record(tx, {
      actor: state.actor,
      action: 'import.unit',
      target: { type: 'unit', id: unit.id },
      unitId: unit.id,
      details: { runId: state.runId, line, uscc: unit.uscc, kind: unit.kind, level, category: unit.category, createdBy: creator.uscc, affiliation: unit.affiliation, adminAccountId: admin.account.id },
      meta: state.meta,
    });
    return 'created';
  }

  private async unitOf(tx: Transaction, state: RunState, code: string): Promise<Unit> {
    const unit = await this.unitByCode(tx, state, code);
    if (unit) return unit;
    if (state.failedUnits.has(code)) throw badRequest('import.unit_failed', `The row of unit ${code} failed`, { unitCode: code });
    throw badRequest('import.unit_unknown', `Unit ${code} is not known`, { unitCode: code });
  }

  private async accountRow(tx: Transaction, state: RunState, line: number, row: AccountRow): Promise<RowOutcome> {
    const unit = await this.unitOf(tx, state, row.unitCode);
    const person = await this.deps.persons.findByIdNumber(tx, row.person.idNumber);
    if (person && (await this.deps.accounts.findActive(tx, { personId: person.id, unitId: unit.id, kind: 'operator' }))) return 'unchanged';
    const created = await this.deps.factory.createPersonAccount(tx, { unit, kind: 'operator', person: row.person, scope: null, secret: state.secret, sight: null });
    await this.deps.audit.record(tx, {
      actor: state.actor,
      action: 'import.account',
      target: { type: 'account', id: created.account.id },
      unitId: unit.id,
      details: { runId: state.runId, line, unit: unit.uscc, kind: 'operator', personCreated: created.initialPassword !== null },
      meta: state.meta,
    });
    return 'created';
  }

  private async grantRow(tx: Transaction, state: RunState, line: number, row: GrantRow): Promise<RowOutcome> {
    const unit = await this.unitOf(tx, state, row.unitCode);
    const person = await this.deps.persons.findByIdNumber(tx, row.idNumber);
    const account = person ? await this.deps.accounts.findActive(tx, { personId: person.id, unitId: unit.id, kind: 'operator' }) : null;
    if (!account) {
      if (state.failedAccounts.has(`${row.idNumber}@${row.unitCode}`)) throw badRequest('import.account_failed', 'The row of this account failed');
      throw badRequest('import.account_unknown', `The person has no operator account in unit ${unit.uscc}`, { unitCode: unit.uscc });
    }
    // R17 — the same resolution as PUT /accounts/{id}/roles: unknown, not grantable here, disabled.
    const [role] = await this.deps.roleGrants.grantableRoleIds(tx, unit.id, [row.roleCode]);
    if (!(await this.deps.roles.grant(tx, account.id, role!.id, state.actor.accountId))) return 'unchanged';
    await this.deps.audit.record(tx, {
      actor: state.actor,
      action: 'import.grant',
      target: { type: 'account', id: account.id },
      unitId: unit.id,
      details: { runId: state.runId, line, role: role!.code },
      meta: state.meta,
    });
    return 'created';
  }
}

function countRows(rows: ReportRow[]): ImportCounts {
  const zero = (): SheetCounts => ({ created: 0, unchanged: 0, failed: 0 });
  const counts: ImportCounts = { units: zero(), accounts: zero(), grants: zero() };
  for (const r of rows) counts[r.sheet][r.outcome]++;
  return counts;
}
