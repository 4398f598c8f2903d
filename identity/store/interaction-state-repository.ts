import type { Sequelize } from 'sequelize';

/**
 * The one owner of `interaction_state`: the step state of a sign-in, keyed by the interaction uid,
 * kept in the database (the next request may reach any node) and expiring with the interaction.
 */
export class InteractionStateRepository<State extends object> {
  private readonly sequelize: Sequelize;

  constructor(deps: { sequelize: Sequelize }) {
    this.sequelize = deps.sequelize;
  }

  /** The live state of `uid`, undefined when there is none or it expired. */
  async find(uid: string): Promise<State | undefined> {
    const [rows] = await this.sequelize.query(`SELECT data FROM interaction_state WHERE uid = :uid AND expires_at > now()`, {
      replacements: { uid },
    });
    return (rows as Array<{ data: State }>)[0]?.data;
  }

  /** `expiresAt` in epoch seconds (the interaction's own expiry). */
  async save(uid: string, data: State, expiresAt: number): Promise<void> {
    await this.sequelize.query(
      `INSERT INTO interaction_state (uid, data, expires_at) VALUES (:uid, CAST(:data AS jsonb), to_timestamp(:expiresAt))
       ON CONFLICT (uid) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at`,
      { replacements: { uid, data: JSON.stringify(data), expiresAt } },
    );
  }

  async remove(uid: string): Promise<void> {
    await this.sequelize.query(`DELETE FROM interaction_state WHERE uid = :uid`, { replacements: { uid } });
  }

  async deleteExpired(): Promise<void> {
    await this.sequelize.query(`DELETE FROM interaction_state WHERE expires_at < now()`);
  }
}
