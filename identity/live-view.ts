import type { Client as ClientRow } from '../directory/models/index.ts';
import type { IdentityReads } from '../directory/identity-reads.ts';
import type { ChangeFeed } from '../platform/db/change-feed.ts';

/** What a token's liveness needs of its account (R11, R12). */
export interface AccountLiveness {
  live: boolean;
  unitId: string;
}

/** What a token's liveness needs of its grant: that it exists, for whom, for which client, until when. */
export interface GrantFacts {
  accountId: string | undefined;
  clientId: string | undefined;
  /** Epoch seconds. */
  exp: number | undefined;
}

export interface LiveViewLoaders {
  clients: Pick<IdentityReads['clients'], 'findActive'>;
  accounts: IdentityReads['accounts'];
  grant(grantId: string): Promise<GrantFacts | undefined>;
}

interface Entry<V> {
  value: V;
  until: number;
}

/** Entries older than this are re-read even without a notification (belt and braces). */
const TTL_MS = 60_000;
const MAX_ENTRIES = 100_000;

/**
 * Issue 11 — an in-process view of what decides whether a Tongmen JWT still stands (accounts'
 * liveness and unit, active clients, grants), so that introspection and the admin API's token
 * check need no database round trip once warm. It is kept current across nodes by PostgreSQL
 * LISTEN/NOTIFY (migration 0014's triggers announce every relevant change at commit, platform/db/
 * change-feed.ts delivers them): offboarding on one node answers `active: false` on every node
 * within the time a notification takes (milliseconds).
 *
 * Safety: the view is used only while the feed is `synced` (listening, heartbeat answered within
 * 1 s); otherwise every lookup reads the database, and a loss or a (re)connection drops the whole
 * view. A read that raced a notification is not kept (the change counter moved meanwhile). Only
 * positive answers are kept (a missing account, client or grant is read again). Without a feed
 * (the embedded database, whose NOTIFY does not reach other processes) it always reads through.
 */
export class LiveView {
  private changes = 0;
  private readonly accounts = new Map<string, Entry<AccountLiveness>>();
  private readonly clients = new Map<string, Entry<ClientRow>>();
  private readonly grants = new Map<string, Entry<GrantFacts>>();
  private feed: ChangeFeed | undefined;

  constructor(private readonly loaders: LiveViewLoaders) {}

  /** Starts trusting the view while `feed` is synced; its notifications go to `changed`/`dropAll`. */
  attach(feed: ChangeFeed): void {
    this.feed = feed;
  }

  /** One notification of migration 0014: `<kind>:<id>`. */
  changed(payload: string): void {
    this.changes++;
    const colon = payload.indexOf(':');
    const kind = payload.slice(0, colon);
    const id = payload.slice(colon + 1);
    if (kind === 'account') this.accounts.delete(id);
    else if (kind === 'unit') this.accounts.clear(); // its accounts' liveness: rare, drop them all
    else if (kind === 'client') this.clients.delete(id);
    else if (kind === 'grant') this.grants.delete(id);
    else this.dropAll();
  }

  dropAll(): void {
    this.changes++;
    this.accounts.clear();
    this.clients.clear();
    this.grants.clear();
  }

  private async cached<V>(map: Map<string, Entry<V>>, key: string, load: () => Promise<V | undefined>, expiresAt?: (v: V) => number | undefined): Promise<V | undefined> {
    if (!this.feed?.synced()) return load();
    const now = Date.now();
    const hit = map.get(key);
    if (hit && hit.until > now) return hit.value;
    const before = this.changes;
    const value = await load();
    if (value !== undefined && before === this.changes && this.feed.synced()) {
      if (map.size >= MAX_ENTRIES) map.clear();
      map.set(key, { value, until: Math.min(now + TTL_MS, expiresAt?.(value) ?? Infinity) });
    }
    return value;
  }

  account(accountId: string): Promise<AccountLiveness | undefined> {
    return this.cached(this.accounts, accountId, async () => {
      const v = await this.loaders.accounts.signInView(undefined, accountId);
      return v ? { live: v.live, unitId: v.unitId } : undefined;
    });
  }

  /** An active client's row (its secret sealed), as `clients.findActive` gives it. */
  async activeClient(clientId: string): Promise<ClientRow | null> {
    return (await this.cached(this.clients, clientId, async () => (await this.loaders.clients.findActive(undefined, clientId)) ?? undefined)) ?? null;
  }

  grant(grantId: string): Promise<GrantFacts | undefined> {
    return this.cached(this.grants, grantId, () => this.loaders.grant(grantId), (g) => (g.exp ? g.exp * 1000 : undefined));
  }
}
