import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { Database } from '../../platform/db/database.ts';
import { badRequest, isAppError, type AppError } from '../../platform/errors.ts';
import { errorEntry } from '../../platform/error-codes/index.ts';
import type { Sheet } from '../../platform/sheets/read-sheet.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import type { AccountFactory } from '../accounts/account-factory.ts';
import type { AccountRepository } from '../accounts/account-repository.ts';
import type { AuditInput, AuditService } from '../audit/audit-service.ts';
import { authorize } from '../authz/policy.ts';
import type { InitialPassword } from '../credentials/credential-service.ts';
import type { Unit } from '../models/index.ts';
import type { PersonRepository } from '../persons/person-repository.ts';
import type { GrantableRole, RoleGrantService } from '../roles/role-grants.ts';
import type { RoleRepository } from '../roles/role-repository.ts';
import { canAffiliate, checkCreation } from '../units/creation-rules.ts';
import type { UnitRepository } from '../units/unit-repository.ts';
import { uniqueConflict } from '../unique-conflicts.ts';
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
  /** R17 answers per unit and role code: a role resolved once per run, not once per row. */
  roles: Map<string, GrantableRole | AppError>;
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
      roles: new Map(),
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
            if (sheet === 'units') for (const row of batch) rows.push(await this.unitRowIn(t, state, files.units, row as Prepared<UnitRow>));
            else if (sheet === 'accounts') rows.push(...(await this.accountBatch(t, state, files.accounts, batch as Array<Prepared<AccountRow>>)));
            else rows.push(...(await this.grantBatch(t, state, files.grants, batch as Array<Prepared<GrantRow>>)));
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

  /** A row's line in the report; a failed row also fails the rows of later sheets that name it. */
  private report(state: RunState, sheet: SheetKind, file: string, row: Prepared<unknown>, outcome: RowOutcome | AppError): ReportRow {
    const base = { sheet, file, line: row.line, key: row.key };
    if (typeof outcome === 'string') return { ...base, outcome };
    if (sheet === 'units') state.failedUnits.add(row.ref);
    if (sheet === 'accounts') state.failedAccounts.add(row.ref);
    const err = outcome;
    return { ...base, outcome: 'failed', code: err.code, reason: err.message, reasonZh: errorEntry(err.code).zh, ...(err.details ? { details: err.details } : {}) };
  }

  /** Runs `work`, turning a rule's refusal into the row's failure; anything else is a bug and stops the run. */
  private async refusal<T>(work: () => Promise<T>): Promise<T | AppError> {
    try {
      return await work();
    } catch (err) {
      if (isAppError(err)) return err;
      throw err;
    }
  }

  /** A unit row in a savepoint: the unit, its unit account, administrator and audit event stand or fall together. */
  private async unitRowIn(tx: Transaction, state: RunState, file: string, row: Prepared<UnitRow>): Promise<ReportRow> {
    if (!row.ok) return this.report(state, 'units', file, row, row.error);
    const outcome = await this.refusal(async () => {
      try {
        return await this.deps.db.sequelize.transaction({ transaction: tx }, (sp) => this.unitRow(sp, state, row.line, row.value));
      } catch (err) {
        // A race with another import or the API past the checks (the code, the administrator): the savepoint
        // is rolled back, the constraint that fired is the row's reason, the batch goes on.
        throw uniqueConflict(err) ?? err;
      }
    });
    return this.report(state, 'units', file, row, outcome);
  }

  /**
   * A batch of operator rows: the units resolved, then the persons and accounts read and written per
   * batch by the account factory (R8, same rules as one by one), then one audit event per created account.
   */
  private async accountBatch(tx: Transaction, state: RunState, file: string, batch: Array<Prepared<AccountRow>>): Promise<ReportRow[]> {
    const outcomes: Array<RowOutcome | AppError> = [];
    const todo: Array<{ i: number; line: number; unit: Unit; row: AccountRow }> = [];
    for (const [i, row] of batch.entries()) {
      if (!row.ok) {
        outcomes[i] = row.error;
        continue;
      }
      const unit = await this.refusal(() => this.unitOf(tx, state, row.value.unitCode));
      if (isAppError(unit)) outcomes[i] = unit;
      else todo.push({ i, line: row.line, unit, row: row.value });
    }
    const answers = await this.deps.factory.createOperators(tx, todo.map((t) => ({ unit: t.unit, person: t.row.person })), state.secret);
    const events: AuditInput[] = [];
    for (const [k, t] of todo.entries()) {
      const answer = answers[k]!;
      outcomes[t.i] = answer.outcome === 'failed' ? answer.error : answer.outcome;
      if (answer.outcome !== 'created') continue;
      events.push({
        actor: state.actor,
        action: 'import.account',
        target: { type: 'account', id: answer.accountId },
        unitId: t.unit.id,
        details: { runId: state.runId, line: t.line, unit: t.unit.uscc, kind: 'operator', personCreated: answer.personCreated },
        meta: state.meta,
      });
    }
    await this.deps.audit.recordMany(tx, events);
    return batch.map((row, i) => this.report(state, 'accounts', file, row, outcomes[i]!));
  }

  /** A batch of grant rows: accounts read per batch, roles resolved once per unit and code (R17), grants written in one statement. */
  private async grantBatch(tx: Transaction, state: RunState, file: string, batch: Array<Prepared<GrantRow>>): Promise<ReportRow[]> {
    const outcomes: Array<RowOutcome | AppError> = [];
    const persons = await this.deps.persons.findByIdNumbers(tx, batch.flatMap((r) => (r.ok ? [r.value.idNumber] : [])));
    const accounts = await this.deps.accounts.activeOfPersons(tx, [...persons.values()].map((p) => p.id), 'operator');
    const wanted: Array<{ i: number; line: number; unit: Unit; accountId: string; role: GrantableRole }> = [];
    for (const [i, row] of batch.entries()) {
      if (!row.ok) {
        outcomes[i] = row.error;
        continue;
      }
      const g = row.value;
      const resolved = await this.refusal(async () => {
        const unit = await this.unitOf(tx, state, g.unitCode);
        const person = persons.get(g.idNumber);
        const accountId = person ? accounts.get(`${person.id}@${unit.id}`) : undefined;
        if (!accountId) {
          if (state.failedAccounts.has(`${g.idNumber}@${g.unitCode}`)) throw badRequest('import.account_failed', 'The row of this account failed');
          throw badRequest('import.account_unknown', `The person has no operator account in unit ${unit.uscc}`, { unitCode: unit.uscc });
        }
        return { unit, accountId, role: await this.grantable(tx, state, unit.id, g.roleCode) };
      });
      if (isAppError(resolved)) outcomes[i] = resolved;
      else wanted.push({ i, line: row.line, ...resolved });
    }
    const added = await this.deps.roles.grantMany(tx, wanted.map((w) => ({ accountId: w.accountId, roleId: w.role.id })), state.actor.accountId);
    const events: AuditInput[] = [];
    for (const w of wanted) {
      const isNew = added.has(`${w.accountId}/${w.role.id}`);
      outcomes[w.i] = isNew ? 'created' : 'unchanged';
      if (isNew) {
        events.push({
          actor: state.actor,
          action: 'import.grant',
          target: { type: 'account', id: w.accountId },
          unitId: w.unit.id,
          details: { runId: state.runId, line: w.line, role: w.role.code },
          meta: state.meta,
        });
      }
    }
    await this.deps.audit.recordMany(tx, events);
    return batch.map((row, i) => this.report(state, 'grants', file, row, outcomes[i]!));
  }

  /** R17 — the same resolution as PUT /accounts/{id}/roles (unknown, not grantable here, disabled), once per unit and code in a run. */
  private async grantable(tx: Transaction, state: RunState, unitId: string, code: string): Promise<GrantableRole> {
    const key = `${unitId}/${code}`;
    let answer = state.roles.get(key);
    if (!answer) {
      answer = await this.refusal(async () => (await this.deps.roleGrants.grantableRoleIds(tx, unitId, [code]))[0]!);
      state.roles.set(key, answer);
    }
    if (isAppError(answer)) throw answer;
    return answer;
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
    await this.deps.audit.record(tx, {
      actor: state.actor,
      action: 'import.unit',
      target: { type: 'unit', id: unit.id },
      unitId: unit.id,
      details: { runId: state.runId, line, uscc: unit.uscc, kind: unit.kind, level, category: unit.category, createdBy: creator.uscc, affiliation: unit.affiliation, adminAccountId: admin.account.id },
      meta: state.meta,
    });
    state.units.set(unit.uscc, unit); // only once every write of the row stands
    return 'created';
  }

  private async unitOf(tx: Transaction, state: RunState, code: string): Promise<Unit> {
    const unit = await this.unitByCode(tx, state, code);
    if (unit) return unit;
    if (state.failedUnits.has(code)) throw badRequest('import.unit_failed', `The row of unit ${code} failed`, { unitCode: code });
    throw badRequest('import.unit_unknown', `Unit ${code} is not known`, { unitCode: code });
  }

}

function countRows(rows: ReportRow[]): ImportCounts {
  const zero = (): SheetCounts => ({ created: 0, unchanged: 0, failed: 0 });
  const counts: ImportCounts = { units: zero(), accounts: zero(), grants: zero() };
  for (const r of rows) counts[r.sheet][r.outcome]++;
  return counts;
}
