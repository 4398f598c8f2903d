import { notFound } from '../../platform/errors.ts';
import { decodeCursor, toPage, type Page } from '../../platform/pagination.ts';
import type { Database } from '../../platform/db/database.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize, isProvinceHrss } from '../authz/policy.ts';
import type { AccountRepository } from '../accounts/account-repository.ts';
import type { UnitRepository } from '../units/unit-repository.ts';
import type { AuditRepository } from './audit-repository.ts';
import { toAuditEvent, type AuditEvent, type AuditService } from './audit-service.ts';

export interface AuditFilter {
  /** Account id of the actor. */
  actor?: string | undefined;
  /** Events about this unit and the units below it. */
  unitId?: string | undefined;
  /** Issue 8: events about this account and about its person (sign-in attempts name the person). */
  subject?: string | undefined;
  /** An exact action, or a prefix ending in `*` (`account.*`). */
  action?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** Rows per query when exporting, and the most one export returns. */
const EXPORT_PAGE = 500;
const EXPORT_MAX = 100_000;

const CSV_COLUMNS = [
  'seq', 'id', 'at', 'actorAccountId', 'actorKind', 'actorUnitId', 'action', 'targetType', 'targetId', 'unitId',
  'result', 'reason', 'ip', 'userAgent', 'requestId', 'details', 'prevHash', 'hash',
] as const;

/**
 * R25 — administrators read the audit trail of their jurisdiction (R10): events whose unit path
 * (recorded when they happened) passes through the caller's unit, events about units of its
 * jurisdiction today (e.g. created but not yet affiliated), and — for the province root — events
 * about no unit at all (sign-in attempts with unknown names). Newest first, keyset-paged by `seq`.
 */
export class AuditQuery {
  constructor(private readonly deps: { db: Database; audit: AuditService; events: AuditRepository; units: UnitRepository; accounts: AccountRepository }) {}

  async list(actor: Actor, f: AuditFilter & { limit: number; next?: string | undefined }): Promise<Page<AuditEvent>> {
    authorize(actor, 'audit.read');
    await this.checkUnit(actor, f.unitId);
    return this.page(actor, f, await this.subjects(actor, f.subject));
  }

  /**
   * The same query as a stream of NDJSON lines or CSV rows. The export itself is audited first (in
   * its own transaction): who took a copy of the trail, with which filter.
   */
  async export(actor: Actor, f: AuditFilter, format: 'ndjson' | 'csv', meta: RequestMeta): Promise<AsyncIterable<string>> {
    authorize(actor, 'audit.read');
    await this.checkUnit(actor, f.unitId);
    const subjects = await this.subjects(actor, f.subject);
    // Details must be plain JSON (the chain hashes them as stored): dates as ISO strings, no undefined.
    const filter = JSON.parse(JSON.stringify(f)) as Record<string, unknown>;
    await this.deps.db.transaction((tx) =>
      this.deps.audit.record(tx, { actor, action: 'audit.export', unitId: actor.unitId, details: { format, filter }, meta }),
    );
    const pages = this.pages(actor, f, subjects);
    return (async function* () {
      if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
      for await (const e of pages) yield format === 'csv' ? csvRow(e) : `${JSON.stringify(e)}\n`;
    })();
  }

  private async *pages(actor: Actor, f: AuditFilter, subjects: string[] | undefined): AsyncGenerator<AuditEvent> {
    let next: string | undefined;
    let count = 0;
    do {
      const page = await this.page(actor, { ...f, limit: EXPORT_PAGE, next }, subjects);
      for (const e of page.items) {
        if (count++ >= EXPORT_MAX) return;
        yield e;
      }
      next = page.next;
    } while (next);
  }

  private async checkUnit(actor: Actor, unitId: string | undefined) {
    if (unitId && !(await this.deps.units.inJurisdiction(undefined, actor.unitId, unitId))) {
      throw notFound('unit.not_found', 'Unit not found');
    }
  }

  /**
   * The targets an account's history covers: the account and its person. The account must be in the
   * caller's jurisdiction (404 otherwise, R10); the events are still only those of the jurisdiction.
   */
  private async subjects(actor: Actor, accountId: string | undefined): Promise<string[] | undefined> {
    if (!accountId) return undefined;
    const account = await this.deps.accounts.findById(undefined, accountId);
    if (!account || !(await this.deps.units.inJurisdiction(undefined, actor.unitId, account.unitId))) {
      throw notFound('account.not_found', 'Account not found');
    }
    return account.personId ? [account.id, account.personId] : [account.id];
  }

  private async page(actor: Actor, f: AuditFilter & { limit: number; next?: string | undefined }, subjects: string[] | undefined): Promise<Page<AuditEvent>> {
    const cursor = decodeCursor(f.next, ['seq']);
    const rows = await this.deps.events.readPage({
      ...f,
      subjects,
      jurisdictionUnitId: actor.unitId,
      root: isProvinceHrss(actor),
      beforeSeq: cursor ? (cursor[0] as number) : undefined,
    });
    return toPage(rows, f.limit, (row) => [Number(row.seq)], toAuditEvent);
  }
}

/** One CSV line (RFC 4180). Cells that a spreadsheet would run as a formula are defused with a quote. */
function csvRow(e: AuditEvent): string {
  const cells = [
    e.seq, e.id, e.at, e.actor.accountId, e.actor.kind, e.actor.unitId, e.action, e.target.type, e.target.id, e.unitId,
    e.result, e.reason, e.ip, e.userAgent, e.requestId, JSON.stringify(e.details), e.prevHash, e.hash,
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
