import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

/**
 * Issue 8 — the unit kinds the subsystems need: an employer is a 事业单位 (public institution, which the
 * personnel subsystem serves), a 企业 (enterprise) or a 社会组织 (social organisation). Required for new
 * employers, editable by the unit above, in lists and in tokens (`unit.category`, `unit_category`).
 */
let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const call = (accountId: string, method: string, path: string, body?: unknown) => f.api(f.token(accountId), method, path, body);
let usccSeq = 9600;
const employer = (name: string, extra: Record<string, unknown> = {}) => ({ kind: 'employer', name, uscc: sampleUscc(usccSeq++), responsibilities: '', admin: samplePerson(), ...extra });

describe('issue 8: the category of an employer', () => {
  it('an employer is created with its category; without one it is refused with a clear message; other kinds have none', async () => {
    const made = await call(f.county.adminId, 'POST', '/units', employer('某科技有限公司', { category: 'enterprise' }));
    expect(made.status).toBe(201);
    expect(made.body.unit.category).toBe('enterprise');
    const missing = await call(f.county.adminId, 'POST', '/units', employer('无类别单位'));
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'unit.category_required', message: expect.stringContaining('事业单位') });
    const wrong = await call(f.county.adminId, 'POST', '/units', { ...employer('某局'), kind: 'competent', category: 'institution' });
    expect(wrong.body.error.code).toBe('unit.category_not_applicable');
    const bad = await call(f.county.adminId, 'POST', '/units', employer('坏类别单位', { category: 'government' }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('request.invalid');
  });

  it('R10: the unit above edits it (audited); the unit itself may not; lists show and filter by it', async () => {
    const u = await f.child(f.county.adminId, 'employer', '改类别协会');
    const changed = await call(f.county.adminId, 'PUT', `/units/${u.unitId}`, { category: 'social-organization' });
    expect(changed.status).toBe(200);
    expect(changed.body.category).toBe('social-organization');
    const own = await call(u.adminId, 'PUT', `/units/${u.unitId}`, { category: 'enterprise' });
    expect(own.status).toBe(403);
    expect(own.body.error.code).toBe('unit.update_own_forbidden');
    const listed = await call(f.county.adminId, 'GET', '/units?category=social-organization&limit=200');
    expect(listed.body.items.map((x: { id: string }) => x.id)).toContain(u.unitId);
    expect(listed.body.items.every((x: { category: string }) => x.category === 'social-organization')).toBe(true);
    const events = await call(f.county.adminId, 'GET', `/audit-events?action=unit.update&unitId=${u.unitId}`);
    expect(events.body.items[0].details.changes).toEqual({ category: 'social-organization' });
  });
});
