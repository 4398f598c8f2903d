import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBootstrappedCore, samplePerson } from './support/core.ts';

let core: Awaited<ReturnType<typeof openBootstrappedCore>>;
beforeAll(async () => {
  core = await openBootstrappedCore();
});
afterAll(() => core?.close());

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');
function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [rel] : [];
  });
}

describe('issue 6 item 4: each rule in one function, called by the services', () => {
  it('R8: the account service validates a new phone and name itself, whoever calls it (not only the HTTP route)', async () => {
    const admin = await core.actor(core.root.admin.accountId);
    const { account } = await core.services.accounts.createOperator(admin, samplePerson('规则测试'), [], core.meta);
    await expect(core.services.accounts.update(admin, account.id, { phone: 'not a phone' }, core.meta)).rejects.toMatchObject({
      status: 400,
      code: 'person.phone_invalid',
    });
    await expect(core.services.accounts.update(admin, account.id, { name: '   ' }, core.meta)).rejects.toMatchObject({
      status: 400,
      code: 'person.name_invalid',
    });
    // A valid phone written with the +86 prefix and dashes is stored normalized (the sign-in name must match it, R8).
    const fresh = samplePerson().phone;
    const updated = await core.services.accounts.update(admin, account.id, { phone: `+86 ${fresh.slice(0, 3)}-${fresh.slice(3)}` }, core.meta);
    expect(updated.phone).toBe(`${fresh.slice(0, 3)}****${fresh.slice(7)}`);
  });

  it('R15/R16/R25/R1: "the province hrss unit" is one predicate (policy.isProvinceHrss); no service spells it out', () => {
    const spelled = sources('directory').filter((f) => f !== path.join('directory', 'authz', 'policy.ts') && /unitLevel\s*===\s*'province'/.test(read(f)));
    expect(spelled).toEqual([]);
  });

  it("R1: bootstrap accepts a code failing only its checks by the uscc module's own rule, not a list of its own", () => {
    expect(read('directory/bootstrap/bootstrap.ts')).not.toMatch(/'check_character'|'organization_code_check'/);
  });

  it('R18: the sign-in page states the minimum length the password policy enforces (one number)', () => {
    expect(read('identity/interactions/change-password.ts')).not.toMatch(/\? 15 : 8|\b15\b.*\b8\b/);
  });
});
