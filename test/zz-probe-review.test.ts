import { afterAll, beforeAll, it, expect } from 'vitest';
import { sampleUscc } from '../directory/codes/test-data.ts';
import { openBootstrappedCore, samplePerson } from './support/core.ts';
let core: Awaited<ReturnType<typeof openBootstrappedCore>>;
beforeAll(async () => { core = await openBootstrappedCore(); });
afterAll(async () => core?.close());
it('cycle probe', async () => {
  const { units, affiliation } = core.services;
  const p = await core.actor(core.root.admin.accountId);
  let cycles = 0;
  for (let i = 0; i < 8; i++) {
    const a = await units.create(p, { kind: 'employer', name: `甲${i}`, uscc: sampleUscc(7000 + 2 * i), admin: samplePerson() }, core.meta);
    const b = await units.create(p, { kind: 'employer', name: `乙${i}`, uscc: sampleUscc(7001 + 2 * i), admin: samplePerson() }, core.meta);
    const aa = await core.actor(a.admin.accountId), ba = await core.actor(b.admin.accountId);
    const r1 = await affiliation.request(aa, b.unit.id, core.meta);
    const r2 = await affiliation.request(ba, a.unit.id, core.meta);
    const res = await Promise.allSettled([affiliation.decide(ba, r1.id, true, undefined, core.meta), affiliation.decide(aa, r2.id, true, undefined, core.meta)]);
    const [rows] = await core.base.db.sequelize.query(`SELECT id, path, parent_unit_id FROM units WHERE id IN (:ids)`, { replacements: { ids: [a.unit.id, b.unit.id] } });
    const cyc = (rows as any[]).every((r) => r.parent_unit_id);
    if (cyc) cycles++;
    console.log(i, res.map((r) => r.status === 'fulfilled' ? 'ok' : (r.reason as any).code ?? (r.reason as any).name), cyc, JSON.stringify(rows));
  }
  console.log('cycles', cycles);
  // constraint name probe
  const e = await core.base.db.sequelize.query(`INSERT INTO units (kind, name, uscc, path) SELECT kind, name, uscc, path FROM units LIMIT 1`).catch((e) => e);
  console.log(e.name, e.parent?.constraint, e.original?.constraint, Object.keys(e));
});
