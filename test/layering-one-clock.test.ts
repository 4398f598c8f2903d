import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { openBootstrappedCore, samplePerson } from './support/core.ts';

let core: Awaited<ReturnType<typeof openBootstrappedCore>>;
beforeAll(async () => {
  core = await openBootstrappedCore();
});
afterAll(() => core?.close());

/** Operators written by plain SQL in ONE transaction: each stamped by the database, none by the server. */
async function insertOperatorsBySql(unitId: string, count: number): Promise<string[]> {
  return core.base.db.transaction(async (tx) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const tag = crypto.randomUUID();
      const [person] = await core.base.db.sequelize.query<{ id: string }>(
        `INSERT INTO persons (name, id_number_enc, id_number_hash, id_number_masked, phone_enc, phone_hash, phone_masked)
         VALUES ('时钟测试', :tag, :tag, '5201**********0000', :tag, :tag || '-p', '138****0000') RETURNING id`,
        { replacements: { tag }, type: QueryTypes.SELECT, transaction: tx },
      );
      const [account] = await core.base.db.sequelize.query<{ id: string }>(
        `INSERT INTO accounts (kind, unit_id, unit_kind, person_id) VALUES ('operator', :unitId, 'hrss', :personId) RETURNING id`,
        { replacements: { unitId, personId: person!.id }, type: QueryTypes.SELECT, transaction: tx },
      );
      ids.push(account!.id);
    }
    return ids;
  });
}

describe('issue 6 item 1: one clock for row stamps', () => {
  it('R10/R25: accounts written by SQL in one transaction page one by one, each exactly once (the cursor holds what the row holds)', async () => {
    const admin = await core.actor(core.root.admin.accountId);
    const inserted = await insertOperatorsBySql(core.root.unit.id, 5);
    const seen: string[] = [];
    let next: string | undefined;
    // A cursor that is coarser than the stamps would hand back the same row forever: give up after enough pages.
    for (let pages = 0; pages < 30; pages++) {
      const page = await core.services.accounts.list(admin, { unitId: core.root.unit.id, kind: 'operator', limit: 1, next });
      seen.push(...page.items.map((a) => a.id));
      next = page.next;
      if (!next) break;
    }
    expect(next).toBeUndefined();
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(inserted));
  });

  it('stamps rows written through the services and by SQL with the same clock, in milliseconds', async () => {
    const admin = await core.actor(core.root.admin.accountId);
    const { account } = await core.services.accounts.createOperator(admin, samplePerson('时钟测试'), [], core.meta);
    const [bySql] = await insertOperatorsBySql(core.root.unit.id, 1);
    const rows = await core.base.db.sequelize.query<{ id: string; exact: boolean }>(
      `SELECT id, created_at = date_trunc('milliseconds', created_at) AS exact FROM accounts WHERE id IN (:ids)`,
      { replacements: { ids: [account.id, bySql] }, type: QueryTypes.SELECT },
    );
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.exact)).toBe(true);
    // The later row is not stamped before the earlier one (one clock, not the server's and the database's).
    const [order] = await core.base.db.sequelize.query<{ ordered: boolean }>(
      `SELECT (SELECT created_at FROM accounts WHERE id = :a) <= (SELECT created_at FROM accounts WHERE id = :b) AS ordered`,
      { replacements: { a: account.id, b: bySql }, type: QueryTypes.SELECT },
    );
    expect(order!.ordered).toBe(true);
  });
});
