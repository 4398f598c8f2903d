import type { Sequelize, Transaction } from 'sequelize';

/** What a reserved attempt may check: the stored hash and the state the password leads to. */
export interface ReservedAttempt {
  credentialId: string;
  personId: string | null;
  accountId: string | null;
  hash: string;
  mustChange: boolean;
  changedAt: Date;
  /** The failure count including this attempt. */
  failedCount: number;
  /** Set when this very attempt locked the credential: the lock's time in microseconds. */
  lockedByThisAttempt: number | null;
}

/**
 * R19 — reserves one guess before the password is checked: a single UPDATE counts the attempt and,
 * at the threshold, locks the credential. PostgreSQL serializes concurrent UPDATEs of the row and
 * re-checks `locked_at IS NULL` after waiting, so on any number of nodes at most `threshold`
 * attempts ever get a row back; every later one gets `null` (locked) and is never checked.
 * The reservation commits before argon2 runs: no transaction is held across the hashing.
 *
 * Queries here use named replacements (simple-query protocol), not bind parameters: the embedded
 * PGlite server multiplexes connections message by message, and the Parse/Bind/Execute messages of
 * two concurrent parameterized statements outside a transaction can interleave there.
 */
export async function reserveAttempt(
  sequelize: Sequelize,
  credentialId: string,
  threshold: number,
): Promise<ReservedAttempt | null> {
  const [rows] = await sequelize.query(
    `UPDATE credentials SET failed_count = failed_count + 1,
       locked_at = CASE WHEN failed_count + 1 >= :threshold THEN clock_timestamp() END
     WHERE id = :credentialId AND locked_at IS NULL
     RETURNING id, person_id, account_id, hash, must_change, changed_at, failed_count,
       (extract(epoch FROM locked_at) * 1000000)::bigint AS locked_us`,
    { replacements: { credentialId, threshold } },
  );
  const r = (rows as Array<Record<string, unknown>>)[0];
  if (!r) return null;
  return {
    credentialId: r.id as string,
    personId: r.person_id as string | null,
    accountId: r.account_id as string | null,
    hash: r.hash as string,
    mustChange: r.must_change as boolean,
    changedAt: new Date(r.changed_at as string | Date),
    failedCount: r.failed_count as number,
    lockedByThisAttempt: r.locked_us === null ? null : Number(r.locked_us),
  };
}

/**
 * R19 — a right password resets the counter and lifts the lock only if this very attempt set it
 * (the threshold-th guess may be the right one). A lock set by a parallel wrong guess stays: only
 * an administrator's reset lifts it. The password must also still be the one that was checked: an
 * administrator's reset or a change that committed while argon2 ran replaces it, and the old
 * password must not sign in after that. Returns `settled`, `locked` (still locked) or `changed`.
 */
export async function settleRightPassword(
  sequelize: Sequelize,
  tx: Transaction,
  attempt: ReservedAttempt,
): Promise<'settled' | 'locked' | 'changed'> {
  const replacements = { credentialId: attempt.credentialId, hash: attempt.hash, lockedUs: attempt.lockedByThisAttempt ?? -1 };
  const [rows] = await sequelize.query(
    `UPDATE credentials SET failed_count = 0, locked_at = NULL
     WHERE id = :credentialId AND hash = :hash
       AND (locked_at IS NULL OR (extract(epoch FROM locked_at) * 1000000)::bigint = :lockedUs)
     RETURNING id`,
    { replacements, transaction: tx },
  );
  if (rows.length > 0) return 'settled';
  const [current] = await sequelize.query(`SELECT hash = :hash AS same FROM credentials WHERE id = :credentialId`, {
    replacements,
    transaction: tx,
  });
  return (current as Array<{ same: boolean }>)[0]?.same ? 'locked' : 'changed';
}
