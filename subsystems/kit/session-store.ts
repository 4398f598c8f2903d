import crypto from 'node:crypto';
import type { SubsystemStore } from './store.ts';

/** What the subsystem keeps of one sign-in: the tokens and the few ID-token claims its pages show. */
export interface LocalSession {
  id: string;
  sub: string;
  /** The provider's session id (ID token `sid`): what a back-channel logout names. */
  sid: string | null;
  csrf: string;
  idToken: string;
  accessToken: string;
  refreshToken: string | null;
  /** When the access token expires (seconds since the epoch). */
  accessExpiresAt: number;
  /** ID token claims shown on the pages (name, unit). */
  profile: { name?: string; acctKind?: string; unit?: { id: string; name: string; uscc?: string } };
}

interface Row {
  id: string;
  sub: string;
  sid: string | null;
  csrf: string;
  id_token: string;
  access_token: string;
  refresh_token: string | null;
  access_expires_at: string;
  profile: LocalSession['profile'] | string;
}

const toSession = (r: Row): LocalSession => ({
  id: r.id,
  sub: r.sub,
  sid: r.sid,
  csrf: r.csrf,
  idToken: r.id_token,
  accessToken: r.access_token,
  refreshToken: r.refresh_token,
  accessExpiresAt: Number(r.access_expires_at),
  profile: typeof r.profile === 'string' ? JSON.parse(r.profile) : r.profile,
});

/**
 * The subsystem's local sessions, in its own store (never a cookie holding tokens): the cookie
 * carries only a random session id, and a back-channel logout from Tongmen can end every local
 * session of a provider session (`sid`) or of an account (`sub`) on every node of the subsystem.
 */
export class SessionStore {
  private readonly table: string;
  constructor(private readonly store: SubsystemStore, private readonly maxSeconds: number) {
    this.table = `${store.schema}.sessions`;
  }

  async migrate() {
    await this.store.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
      id text PRIMARY KEY, sub text NOT NULL, sid text, csrf text NOT NULL, id_token text NOT NULL,
      access_token text NOT NULL, refresh_token text, access_expires_at bigint NOT NULL,
      profile jsonb NOT NULL, expires_at timestamptz NOT NULL)`);
    await this.store.query(`CREATE INDEX IF NOT EXISTS sessions_sid ON ${this.table} (sid)`);
    await this.store.query(`CREATE INDEX IF NOT EXISTS sessions_sub ON ${this.table} (sub)`);
  }

  async create(s: Omit<LocalSession, 'id' | 'csrf'>): Promise<LocalSession> {
    const session = { ...s, id: crypto.randomBytes(32).toString('base64url'), csrf: crypto.randomBytes(24).toString('base64url') };
    // Sessions past their end are never honoured (find); each new sign-in also clears them away.
    await this.store.query(`DELETE FROM ${this.table} WHERE expires_at <= now()`);
    await this.store.query(
      `INSERT INTO ${this.table} (id, sub, sid, csrf, id_token, access_token, refresh_token, access_expires_at, profile, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(secs => $10))`,
      [session.id, s.sub, s.sid, session.csrf, s.idToken, s.accessToken, s.refreshToken, s.accessExpiresAt, JSON.stringify(s.profile), this.maxSeconds],
    );
    return session;
  }

  async find(id: string): Promise<LocalSession | undefined> {
    const [row] = await this.store.query<Row>(`SELECT * FROM ${this.table} WHERE id = $1 AND expires_at > now()`, [id]);
    return row ? toSession(row) : undefined;
  }

  async updateTokens(id: string, t: { accessToken: string; refreshToken: string | null; accessExpiresAt: number }) {
    await this.store.query(`UPDATE ${this.table} SET access_token = $2, refresh_token = $3, access_expires_at = $4 WHERE id = $1`, [
      id, t.accessToken, t.refreshToken, t.accessExpiresAt,
    ]);
  }

  async delete(id: string) {
    await this.store.query(`DELETE FROM ${this.table} WHERE id = $1`, [id]);
  }

  /** Back-channel logout: the sessions of one provider session, or (no `sid`) all of one account. Returns how many ended. */
  async endFor(sub: string | undefined, sid: string | undefined): Promise<number> {
    const rows = sid
      ? await this.store.query(`DELETE FROM ${this.table} WHERE sid = $1 RETURNING id`, [sid])
      : await this.store.query(`DELETE FROM ${this.table} WHERE sub = $1 RETURNING id`, [sub]);
    return rows.length;
  }
}
