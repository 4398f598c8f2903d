import { QueryTypes } from 'sequelize';
import { notFound } from '../../platform/errors.ts';
import { decodeCursor, toPage, type Page } from '../../platform/pagination.ts';
import type { BaseContext } from '../../server/context.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { isInJurisdiction, JURISDICTION_SQL } from '../authz/jurisdiction.ts';
import { authorize } from '../authz/policy.ts';
import { toAuditEvent, type AuditEvent } from './audit-service.ts';

type AuditRow = Parameters<typeof toAuditEvent>[0];

export interface AuditFilter {
  /** Account id of the actor. */
  actor?: string | undefined;
  /** Events about this unit and the units below it. */
  unitId?: string | undefined;
  /** An exact action, or a prefix ending in `*` (`account.*`). */
  action?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** Rows per query when exporting, and the most one export returns. */
const EXPORT_PAGE = 500;
export const EXPORT_MAX = 100_000;

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
  constructor(private readonly base: BaseContext) {}

  async list(actor: Actor, f: AuditFilter & { limit: number; next?: string | undefined }): Promise<Page<AuditEvent>> {
    authorize(actor, 'audit.read');
    await this.checkUnit(actor, f.unitId);
    return this.page(actor, f);
  }

  /**
   * The same query as a stream of NDJSON lines or CSV rows. The export itself is audited first (in
   * its own transaction): who took a copy of the trail, with which filter.
   */
  async export(actor: Actor, f: AuditFilter, format: 'ndjson' | 'csv', meta: RequestMeta): Promise<AsyncIterable<string>> {
    authorize(actor, 'audit.read');
    await this.checkUnit(actor, f.unitId);
    // Details must be plain JSON (the chain hashes them as stored): dates as ISO strings, no undefined.
    const filter = JSON.parse(JSON.stringify(f)) as Record<string, unknown>;
    await this.base.db.transaction((tx) =>
      this.base.audit.record(tx, { actor, action: 'audit.export', unitId: actor.unitId, details: { format, filter }, meta }),
    );
    const pages = this.pages(actor, f);
    return (async function* () {
      if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
      for await (const e of pages) yield format === 'csv' ? csvRow(e) : `${JSON.stringify(e)}\n`;
    })();
  }

  private async *pages(actor: Actor, f: AuditFilter): AsyncGenerator<AuditEvent> {
    let next: string | undefined;
    let count = 0;
    do {
      const page = await this.page(actor, { ...f, limit: EXPORT_PAGE, next });
      for (const e of page.items) {
        if (count++ >= EXPORT_MAX) return;
        yield e;
      }
      next = page.next;
    } while (next);
  }

  private async checkUnit(actor: Actor, unitId: string | undefined) {
    if (unitId && !(await isInJurisdiction(this.base.db.sequelize, actor.unitId, unitId))) {
      throw notFound('unit.not_found', 'Unit not found');
    }
  }

  private async page(actor: Actor, f: AuditFilter & { limit: number; next?: string | undefined }): Promise<Page<AuditEvent>> {
    const where = [
      `(e.unit_path @> ARRAY[CAST(:jurisdictionUnitId AS uuid)]
        OR e.unit_id IN (SELECT u.id FROM units u WHERE ${JURISDICTION_SQL})
        OR (e.unit_id IS NULL AND :root))`,
    ];
    const root = actor.unitKind === 'hrss' && actor.unitLevel === 'province';
    const r: Record<string, unknown> = { jurisdictionUnitId: actor.unitId, root, limit: f.limit + 1 };
    if (f.actor) (where.push('e.actor_account_id = :actor'), (r.actor = f.actor));
    if (f.unitId) (where.push('(e.unit_path @> ARRAY[CAST(:unitId AS uuid)] OR e.unit_id = :unitId)'), (r.unitId = f.unitId));
    if (f.action?.endsWith('*')) {
      where.push(`e.action LIKE :action ESCAPE '\\'`);
      r.action = `${f.action.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`;
    } else if (f.action) (where.push('e.action = :action'), (r.action = f.action));
    if (f.from) (where.push('e.at >= :from'), (r.from = f.from));
    if (f.to) (where.push('e.at < :to'), (r.to = f.to));
    const cursor = decodeCursor(f.next, ['seq']);
    if (cursor) (where.push('e.seq < :seq'), (r.seq = cursor[0]));
    const rows = await this.base.db.sequelize.query<AuditRow>(
      `SELECT e.* FROM audit_events e WHERE ${where.join(' AND ')} ORDER BY e.seq DESC LIMIT :limit`,
      { replacements: r, type: QueryTypes.SELECT },
    );
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
