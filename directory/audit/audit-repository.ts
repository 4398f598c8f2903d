import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { JURISDICTION_SQL } from '../authz/jurisdiction.ts';

/** One stored audit event, as `audit_events` holds it. */
export interface AuditRow {
  seq: number;
  id: string;
  at: Date;
  actor_account_id: string | null;
  actor_kind: string | null;
  actor_unit_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  unit_id: string | null;
  result: 'success' | 'failure';
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** A new event as it is inserted: its columns in order, the unit path it is scoped by, its hash. */
export type NewAuditRow = Omit<AuditRow, 'at' | 'seq'> & { seq: number; at: string; unit_path: string[] };

/** What `readPage` selects by (see `AuditQuery` for who may ask what). */
export interface AuditReadFilter {
  jurisdictionUnitId: string;
  root: boolean;
  actor?: string | undefined;
  unitId?: string | undefined;
  /** Events whose target is one of these (an account and its person). */
  subjects?: string[] | undefined;
  action?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  beforeSeq?: number | undefined;
  limit: number;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * The one owner of the audit trail's tables and functions (R25): `audit_events` (partitioned by
 * month), the `audit_head` row the database moves, `audit_chain_head()` that locks it and
 * `audit_maintain_partitions()`. The chain, the hashing and the masking are the service's.
 */
export class AuditRepository {
  private readonly sequelize: Sequelize;

  constructor(deps: { sequelize: Sequelize }) {
    this.sequelize = deps.sequelize;
  }

  /** The chain head, locked for the rest of `tx` (one order of events on every node). */
  async lockHead(tx: Transaction): Promise<ChainHead> {
    const [rows] = await this.sequelize.query('SELECT seq, hash FROM audit_chain_head()', { transaction: tx });
    return (rows as ChainHead[])[0]!;
  }

  /**
   * The head, locked, with the affiliation path of the event's unit in the same round trip (issue 11:
   * the chain's lock is every write's one point of order; it is held from here to the commit, so each
   * round trip saved while holding it counts for all writers).
   */
  async lockHeadWithPath(tx: Transaction, unitId: string | null): Promise<ChainHead & { unitPath: string[] | null }> {
    const [rows] = await this.sequelize.query(
      'SELECT h.seq, h.hash, (SELECT u.path FROM units u WHERE u.id = CAST(:unitId AS uuid)) AS "unitPath" FROM audit_chain_head() h',
      { replacements: { unitId }, transaction: tx },
    );
    return (rows as Array<ChainHead & { unitPath: string[] | null }>)[0]!;
  }

  /** Issue 8 (import batches) — several events in one statement; the chain trigger checks each row in order. */
  async insertMany(tx: Transaction, rows: NewAuditRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000);
      const bind: unknown[] = [];
      const values = chunk.map((r) => {
        const at = bind.length;
        bind.push(
          r.seq, r.id, r.at, r.actor_account_id, r.actor_kind, r.actor_unit_id, r.action, r.target_type, r.target_id,
          r.unit_id, r.unit_path, r.result, r.reason, r.ip, r.user_agent, r.request_id, JSON.stringify(r.details),
          r.prev_hash, r.hash,
        );
        return `(${Array.from({ length: 19 }, (_, k) => `$${at + k + 1}`).join(',')})`;
      });
      await this.sequelize.query(
        `INSERT INTO audit_events (seq, id, at, actor_account_id, actor_kind, actor_unit_id, action, target_type,
           target_id, unit_id, unit_path, result, reason, ip, user_agent, request_id, details, prev_hash, hash)
         VALUES ${values.join(',')}`,
        { bind, transaction: tx },
      );
    }
  }

  async insert(tx: Transaction, r: NewAuditRow): Promise<void> {
    await this.sequelize.query(
      `INSERT INTO audit_events (seq, id, at, actor_account_id, actor_kind, actor_unit_id, action, target_type,
         target_id, unit_id, unit_path, result, reason, ip, user_agent, request_id, details, prev_hash, hash)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)`,
      {
        bind: [
          r.seq, r.id, r.at, r.actor_account_id, r.actor_kind, r.actor_unit_id, r.action, r.target_type, r.target_id,
          r.unit_id, r.unit_path, r.result, r.reason, r.ip, r.user_agent, r.request_id, JSON.stringify(r.details),
          r.prev_hash, r.hash,
        ],
        transaction: tx,
      },
    );
  }

  /**
   * R25, R10 — newest first, the events of `jurisdictionUnitId`'s jurisdiction matching the filter:
   * events whose unit path (recorded when they happened) passes through that unit, events about
   * units of its jurisdiction today, and — for the province root (`root`) — events about no unit.
   * `limit + 1` rows, below `beforeSeq` when paging on.
   */
  readPage(f: AuditReadFilter): Promise<AuditRow[]> {
    const where = [
      `(e.unit_path @> ARRAY[CAST(:jurisdictionUnitId AS uuid)]
        OR e.unit_id IN (SELECT u.id FROM units u WHERE ${JURISDICTION_SQL})
        OR (e.unit_id IS NULL AND :root))`,
    ];
    const r: Record<string, unknown> = { jurisdictionUnitId: f.jurisdictionUnitId, root: f.root, limit: f.limit + 1 };
    if (f.actor) (where.push('e.actor_account_id = :actor'), (r.actor = f.actor));
    if (f.unitId) (where.push('(e.unit_path @> ARRAY[CAST(:unitId AS uuid)] OR e.unit_id = :unitId)'), (r.unitId = f.unitId));
    if (f.subjects) (where.push('e.target_id IN (:subjects)'), (r.subjects = f.subjects));
    if (f.action?.endsWith('*')) {
      where.push(`e.action LIKE :action ESCAPE '\\'`);
      r.action = `${f.action.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`;
    } else if (f.action) (where.push('e.action = :action'), (r.action = f.action));
    if (f.from) (where.push('e.at >= :from'), (r.from = f.from));
    if (f.to) (where.push('e.at < :to'), (r.to = f.to));
    if (f.beforeSeq !== undefined) (where.push('e.seq < :seq'), (r.seq = f.beforeSeq));
    return this.sequelize.query<AuditRow>(`SELECT e.* FROM audit_events e WHERE ${where.join(' AND ')} ORDER BY e.seq DESC LIMIT :limit`, {
      replacements: r,
      type: QueryTypes.SELECT,
    });
  }

  /**
   * Issue 7 — newest first, the sign-in events about one owner (a person, or a unit account): every
   * completed sign-in (`signin.complete`) and every refused attempt (`signin.*` failures, a wrong
   * old password at a change included). Events of no target (unknown names, throttling) are nobody's.
   */
  signInsOf(targets: Array<{ type: string; id: string }>, limit: number): Promise<AuditRow[]> {
    const where = targets.map((_, i) => `(e.target_type = :type${i} AND e.target_id = :id${i})`).join(' OR ');
    const replacements: Record<string, unknown> = { limit };
    targets.forEach((t, i) => Object.assign(replacements, { [`type${i}`]: t.type, [`id${i}`]: t.id }));
    if (!targets.length) return Promise.resolve([]);
    return this.sequelize.query<AuditRow>(
      `SELECT e.* FROM audit_events e
       WHERE (${where})
         AND (e.action = 'signin.complete' OR (e.result = 'failure' AND (e.action LIKE 'signin.%'
           OR (e.action = 'password.change' AND e.reason IN ('wrong_password', 'locked')))))
       ORDER BY e.seq DESC LIMIT :limit`,
      { replacements, type: QueryTypes.SELECT },
    );
  }

  /** Oldest first, up to `limit` events after `seq` (the chain verifier's pages). */
  async after(seq: number, limit = 1000): Promise<AuditRow[]> {
    const [rows] = await this.sequelize.query('SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2', { bind: [seq, limit] });
    return rows as AuditRow[];
  }

  /** The seq of an event after `seq` whose hash is `hash`, if there is one. */
  async laterWithHash(hash: string, seq: number): Promise<number | undefined> {
    const [rows] = await this.sequelize.query('SELECT seq FROM audit_events WHERE hash = $1 AND seq > $2 LIMIT 1', { bind: [hash, seq] });
    return (rows as Array<{ seq: number }>)[0]?.seq;
  }

  /** The chain head as the database keeps it (not locked); undefined only if the row is missing. */
  async head(): Promise<ChainHead | undefined> {
    const [rows] = await this.sequelize.query('SELECT seq, hash FROM audit_head');
    return (rows as ChainHead[])[0];
  }

  /** Creates the months ahead and moves rows out of the default partition (the server's role may call it). */
  async maintainPartitions(): Promise<void> {
    await this.sequelize.query('SELECT audit_maintain_partitions()');
  }
}
