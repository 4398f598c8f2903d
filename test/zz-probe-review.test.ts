import { afterAll, beforeAll, it } from 'vitest';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';
let f: AdminFixture;
beforeAll(async () => { f = await openAdminFixture(); });
afterAll(async () => f?.close());
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
it('probe', async () => {
  const t = f.token(f.province.adminId);
  const probes: Array<[string, string, unknown?]> = [
    ['GET', `/units?next=${b64(['a', 'not-a-uuid'])}`],
    ['GET', `/units?next=${b64([5, 6])}`],
    ['GET', `/accounts?next=${b64(['x', 'y'])}`],
    ['GET', `/audit-events?next=${b64(['abc'])}`],
    ['GET', `/audit-events?next=${b64([1e300])}`],
    ['GET', `/affiliation-requests?next=${b64(['x', 'y'])}`],
    ['GET', `/migrations?next=${b64(['x', 'y'])}`],
    ['GET', `/role-change-requests?next=${b64(['x', 'y'])}`],
    ['GET', `/audit-events?from=0000-01-01`],
    ['GET', `/audit-events?to=9999-12-31T23:59:59%2B14:00`],
    ['GET', `/audit-events?from=2024-01-01T00:00:00.123456789Z`],
    ['GET', `/units?q=%00`],
    ['GET', `/units?q=%25_%5C'%22`],
    ['GET', `/audit-events?action=%00*`],
    ['GET', `/audit-events?action=%00`],
    ['POST', '/units', { kind: 'employer', name: 'a\u0000b', admin: samplePerson() }],
    ['POST', '/units', { kind: 'employer', name: 'ok', responsibilities: 'x\u0000', admin: samplePerson() }],
    ['POST', '/units', { kind: 'employer', name: 'ok2', admin: { ...samplePerson(), name: 'a\u0000' } }],
    ['POST', '/roles', { code: 'title.zz-probe', name: 'n\u0000', subsystem: 'title', modules: ['title:apply'] }],
    ['POST', '/clients', { name: 'c\u0000', resources: ['urn:x:y'] }],
    ['PUT', `/units/${f.city.unitId}`, { responsibilities: '\u0000' }],
    ['POST', '/affiliation-requests/00000000-0000-4000-8000-000000000000/reject', { reason: '\u0000' }],
    ['POST', '/units', { kind: 'employer', name: '\ud800', admin: samplePerson() }],
    ['GET', `/units?q=${'%F0%9F%98%80'.repeat(60)}`],
  ];
  for (const [m, p, body] of probes) {
    const r = await f.api(t, m, p, body);
    console.log(m, p.slice(0, 60), r.status, JSON.stringify(r.body).slice(0, 160));
  }
});
