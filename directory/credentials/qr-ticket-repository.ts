import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

/** A QR sign-in ticket's life (R22): pending → confirmed (by the card app) → consumed (by the browser); or superseded by a refresh. */
export type QrTicketState = 'pending' | 'confirmed' | 'consumed' | 'superseded';

export interface QrTicketRow {
  id: string;
  binding: string;
  status: QrTicketState;
  expiresAt: Date;
  personId: string | null;
}

const COLUMNS = `id, binding, status, expires_at AS "expiresAt", person_id AS "personId"`;
const toRow = (r: QrTicketRow): QrTicketRow => ({ ...r, expiresAt: new Date(r.expiresAt) });

/**
 * SQL of `qr_tickets` and `essc_assertions` (R22). Every state change is one conditional UPDATE or
 * an INSERT on a primary key, so two nodes racing on one ticket or one assertion never both win.
 * Times come from the caller (the server's clock, which also judges the card app's `issuedAt`).
 * Named replacements, not bind parameters: see credential-repository.ts about the embedded database.
 */
export class QrTicketRepository {
  private readonly sequelize: Sequelize;

  constructor(deps: { sequelize: Sequelize }) {
    this.sequelize = deps.sequelize;
  }

  private select<T extends object>(sql: string, replacements: Record<string, unknown>, transaction?: Transaction): Promise<T[]> {
    return this.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT, transaction });
  }

  /** A new pending ticket; every older live ticket of the binding is superseded (a refresh invalidates the old QR code). */
  async issue(tx: Transaction, t: { id: string; binding: string; expiresAt: Date }): Promise<number> {
    const superseded = await this.select<{ id: string }>(
      `UPDATE qr_tickets SET status = 'superseded' WHERE binding = :binding AND status IN ('pending', 'confirmed') RETURNING id`,
      { binding: t.binding },
      tx,
    );
    await this.sequelize.query(`INSERT INTO qr_tickets (id, binding, expires_at) VALUES (:id, :binding, :expiresAt)`, {
      replacements: t,
      transaction: tx,
    });
    return superseded.length;
  }

  /** The newest ticket of a binding that is still pending or confirmed (not yet consumed) and unexpired at `now`. */
  async live(binding: string, now: Date): Promise<QrTicketRow | undefined> {
    const [row] = await this.select<QrTicketRow>(
      `SELECT ${COLUMNS} FROM qr_tickets WHERE binding = :binding AND status IN ('pending', 'confirmed') AND expires_at > :now
       ORDER BY created_at DESC LIMIT 1`,
      { binding, now },
    );
    return row && toRow(row);
  }

  /** One ticket of a binding (a browser sees only its own tickets). */
  async ofBinding(binding: string, id: string, tx?: Transaction): Promise<QrTicketRow | undefined> {
    const [row] = await this.select<QrTicketRow>(`SELECT ${COLUMNS} FROM qr_tickets WHERE id = :id AND binding = :binding`, { id, binding }, tx);
    return row && toRow(row);
  }

  /** The ticket, locked for the rest of the transaction (the card app's confirmation decides on it). */
  async lock(tx: Transaction, id: string): Promise<QrTicketRow | undefined> {
    const [row] = await this.select<QrTicketRow>(`SELECT ${COLUMNS} FROM qr_tickets WHERE id = :id FOR UPDATE`, { id }, tx);
    return row && toRow(row);
  }

  /**
   * Records an assertion as seen; false when it was seen before (a replay), on any node. The
   * primary key decides: a concurrent insert of the same id waits for the other and then conflicts.
   */
  async recordAssertion(tx: Transaction, assertionId: string, ticketId: string): Promise<boolean> {
    const rows = await this.select<{ assertion_id: string }>(
      `INSERT INTO essc_assertions (assertion_id, ticket_id) VALUES (:assertionId, :ticketId)
       ON CONFLICT (assertion_id) DO NOTHING RETURNING assertion_id`,
      { assertionId, ticketId },
      tx,
    );
    return rows.length > 0;
  }

  /** pending → confirmed with the matched person and accounts; `expiresAt` gives the browser time to pick it up. */
  async confirm(tx: Transaction, id: string, c: { personId: string; accountIds: string[]; now: Date; expiresAt: Date }): Promise<boolean> {
    const rows = await this.select<{ id: string }>(
      `UPDATE qr_tickets SET status = 'confirmed', person_id = :personId, account_ids = CAST(:accountIds AS uuid[]),
         confirmed_at = :now, expires_at = GREATEST(expires_at, CAST(:expiresAt AS timestamptz))
       WHERE id = :id AND status = 'pending' AND expires_at > :now RETURNING id`,
      { id, personId: c.personId, accountIds: `{${c.accountIds.join(',')}}`, now: c.now, expiresAt: c.expiresAt },
      tx,
    );
    return rows.length > 0;
  }

  /** confirmed → consumed, once, by the browser the ticket is bound to; returns the confirmed person. */
  async consume(tx: Transaction, binding: string, id: string, now: Date): Promise<string | undefined> {
    const [row] = await this.select<{ personId: string }>(
      `UPDATE qr_tickets SET status = 'consumed', consumed_at = :now
       WHERE id = :id AND binding = :binding AND status = 'confirmed' AND expires_at > :now RETURNING person_id AS "personId"`,
      { id, binding, now },
      tx,
    );
    return row?.personId;
  }

  /** Deletes tickets and assertion ids older than `olderThanSeconds` (the periodic clean-up). */
  async purge(olderThanSeconds: number): Promise<void> {
    const replacements = { seconds: olderThanSeconds };
    await this.sequelize.query(`DELETE FROM qr_tickets WHERE expires_at < now() - make_interval(secs => :seconds)`, { replacements });
    await this.sequelize.query(`DELETE FROM essc_assertions WHERE seen_at < now() - make_interval(secs => :seconds)`, { replacements });
  }
}
