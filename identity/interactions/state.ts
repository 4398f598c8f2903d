import type { Sequelize } from 'sequelize';
import type { SignInAccount } from '../../directory/credentials/credential-service.ts';

/**
 * Step state of one sign-in, keyed by the interaction uid and kept in the database (never in a
 * node's memory: the next request may reach any node). It expires with the interaction.
 */
export interface SignInState {
  /** Set when a sign-in method has proved who is there. */
  auth?: {
    method: string;
    amr: string[];
    credentialId: string;
    accounts: SignInAccount[];
    /** R18/R20 — the password must be changed before the sign-in completes. */
    mustChange: boolean;
  };
  /** R9 — the account chosen among several. */
  accountId?: string;
}

export class SignInStateStore {
  constructor(private readonly sequelize: Sequelize) {}

  async load(uid: string): Promise<SignInState> {
    const [rows] = await this.sequelize.query(
      `SELECT data FROM interaction_state WHERE uid = :uid AND expires_at > now()`,
      { replacements: { uid } },
    );
    return (rows as Array<{ data: SignInState }>)[0]?.data ?? {};
  }

  /** `expiresAt` in epoch seconds (the interaction's own expiry). */
  async save(uid: string, state: SignInState, expiresAt: number): Promise<void> {
    await this.sequelize.query(
      `INSERT INTO interaction_state (uid, data, expires_at) VALUES (:uid, CAST(:data AS jsonb), to_timestamp(:expiresAt))
       ON CONFLICT (uid) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at`,
      { replacements: { uid, data: JSON.stringify(state), expiresAt } },
    );
  }

  async remove(uid: string): Promise<void> {
    await this.sequelize.query(`DELETE FROM interaction_state WHERE uid = :uid`, { replacements: { uid } });
  }
}
