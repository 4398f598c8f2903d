import Provider, { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { PayloadRepository, StoredPayload } from './store/payload-repository.ts';

/**
 * oidc-provider's storage over one PostgreSQL table (`oidc_payloads`, keyed by model and id,
 * through its repository): every node reads and writes the same artifacts, so any node serves any
 * request (SPEC §4). Lookup columns (grant, uid, user code, account) are copied out of the payload
 * and indexed; `find` is a primary-key read. Expired rows are never returned, and the periodic
 * cleanup deletes them.
 */
export class PayloadAdapter implements Adapter {
  constructor(
    private readonly payloads: PayloadRepository,
    private readonly model: string,
    private readonly prefetched: RequestPrefetch = new RequestPrefetch(),
  ) {}

  private static toPayload(row: StoredPayload | undefined): AdapterPayload | undefined {
    if (!row) return undefined;
    return row.consumed === null ? row.payload : { ...row.payload, consumed: row.consumed };
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    // Sessions and grants carry accountId at the top; so do tokens. It lets the session ender find them all.
    await this.payloads.upsert(this.model, id, payload, expiresIn);
  }

  async find(id: string) {
    const ctx = Provider.ctx;
    if ((this.model === 'RefreshToken' || this.model === 'AuthorizationCode') && ctx) {
      // Issue 11: the refresh and the code exchange read the grant and the session next; one round trip for the three.
      const model = this.model;
      const rows = await this.payloads.findWithGrantAndSession(model, id);
      for (const row of rows) if (row.model !== model) this.prefetched.put(ctx, `${row.model}:${row.key}`, row);
      return PayloadAdapter.toPayload(rows.find((r) => r.model === model));
    }
    const early = ctx && this.prefetched.take(ctx, `${this.model}:${id}`);
    if (early) return PayloadAdapter.toPayload(early);
    return PayloadAdapter.toPayload(await this.payloads.find(this.model, { id }));
  }

  async findByUid(uid: string) {
    const ctx = Provider.ctx;
    const early = ctx && this.model === 'Session' && this.prefetched.take(ctx, `Session:${uid}`);
    if (early) return PayloadAdapter.toPayload(early);
    return PayloadAdapter.toPayload(await this.payloads.find(this.model, { uid }));
  }

  async findByUserCode(userCode: string) {
    return PayloadAdapter.toPayload(await this.payloads.find(this.model, { userCode }));
  }

  /**
   * Marks a code (or a rotated refresh token) used. oidc-provider checks `consumed` on the row it
   * found and then calls this, so two parallel redemptions of one code both pass its check: only
   * the repository's conditional UPDATE decides, and exactly one caller wins. A loser is a replay
   * racing the legitimate use; like a sequential replay (RFC 6749 §4.1.2) it revokes the whole grant
   * (the Grant row goes, so even what the winner issues dies at refresh and introspection).
   */
  async consume(id: string): Promise<void> {
    if (await this.payloads.markConsumed(this.model, id)) return;
    await this.payloads.deleteGrantOf(this.model, id);
    throw new errors.InvalidGrant(`${this.model} already used`);
  }

  async destroy(id: string): Promise<void> {
    await this.payloads.delete(this.model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.payloads.deleteByGrant(this.model, grantId);
  }
}

/**
 * Rows read ahead for the request being served (issue 11: a refresh token's grant and session come
 * with it), each handed out once, to that request only: a later read goes to the database again.
 */
export class RequestPrefetch {
  private readonly byRequest = new WeakMap<object, Map<string, StoredPayload>>();

  put(ctx: object, key: string, row: StoredPayload): void {
    let rows = this.byRequest.get(ctx);
    if (!rows) this.byRequest.set(ctx, (rows = new Map()));
    rows.set(key, row);
  }

  take(ctx: object, key: string): StoredPayload | undefined {
    const rows = this.byRequest.get(ctx);
    const row = rows?.get(key);
    rows?.delete(key);
    return row;
  }
}
