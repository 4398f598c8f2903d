import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormBrowser } from './support/browser.ts';
import { clientConfig, pkceAuthorizationUrl, signIn } from './support/oidc.ts';
import { argon2Hasher } from '../directory/credentials/password-hasher.ts';
import { insertAccount, insertCredential, insertPerson, WORLD_PASSWORD, openSignInWorld, type SignInWorld } from './identity-fixtures.ts';

/**
 * Issue 5 item 8 on the sign-in forms: a NUL character or text that is not valid Unicode in a
 * posted field is refused with a 400 page — never a 500 — and counts as no sign-in attempt.
 */
let env: SignInWorld;
let server: SignInWorld['server'];
let rp: SignInWorld['rp'];
let world: SignInWorld['world'];

beforeAll(async () => {
  env = await openSignInWorld();
  ({ server, rp, world } = env);
});
afterAll(() => env?.close());

const title = () => world.client('title');

/** A fresh operator of the school (its own credential, so no test locks another's). */
async function operator(mustChange: boolean) {
  const { sequelize } = server.tongmen.base.db;
  const person = await insertPerson(sequelize, server.tongmen.base.pii, '赵输入');
  await insertAccount(sequelize, { kind: 'operator', unitId: world.school.id, unitKind: 'employer', personId: person.id });
  await insertCredential(sequelize, { personId: person.id, hash: await argon2Hasher.hash(WORLD_PASSWORD), mustChange });
  return person;
}

async function openSignIn() {
  const config = await clientConfig(server.url, 'title', title().clientSecret!);
  const { url } = await pkceAuthorizationUrl(config, { redirectUri: title().redirectUris[0]!, resource: 'urn:tongmen:title' });
  const browser = new FormBrowser();
  await browser.follow(url.toString());
  return browser;
}

/** Percent-encoded values a browser would never send: NUL, a CESU-8 lone surrogate, broken UTF-8, an HTML entity of one. */
const BAD = ['%00', 'a%00b', '%ED%A0%80', '%ED%B0%80x', '%F0%9F', '%C0%80', '&#55296;'];

describe('item 8: sign-in form posts with NUL or ill-formed text never answer 500', () => {
  it('in the username and the password of the password page', async () => {
    const person = await operator(false);
    for (const field of ['username', 'password']) {
      for (const bad of BAD) {
        const browser = await openSignIn();
        const fields: Record<string, string> = { username: person.phone, password: WORLD_PASSWORD };
        await browser.submit(fields, { encoded: { [field]: `${encodeURIComponent(fields[field]!)}${bad}` } });
        expect([field, bad, browser.lastStatus < 500]).toEqual([field, bad, true]);
      }
    }
  });

  it('a NUL in the username is refused with 400 on the sign-in page, not checked as a guess', async () => {
    const person = await operator(false);
    const browser = await openSignIn();
    await browser.submit({ password: WORLD_PASSWORD }, { encoded: { username: `${encodeURIComponent(person.phone)}%00` } });
    expect(browser.lastStatus).toBe(400);
    expect(browser.lastHtml).toMatch(/name="password"/);
  });

  it('in the new password of the forced change and in the account choice', async () => {
    for (const bad of BAD) {
      const person = await operator(true);
      const browser = await openSignIn();
      await browser.submit({ username: person.phone, password: WORLD_PASSWORD });
      expect(browser.lastHtml).toMatch(/name="newPassword"/);
      const typed = `Good%23Pass2026${bad}`;
      await browser.submit({}, { encoded: { newPassword: typed, confirmPassword: typed }, stopAt: (u) => u.origin === rp.url });
      expect([bad, browser.lastStatus < 500]).toEqual([bad, true]);
      // A NUL is refused on the page itself; undecodable escapes arrive as the literal text typed.
      if (bad.includes('%00')) expect([bad, browser.lastStatus, /name="newPassword"/.test(browser.lastHtml)]).toEqual([bad, 400, true]);
    }
    const browser = await openSignIn();
    await browser.submit({ username: world.dual.phone, password: WORLD_PASSWORD });
    expect(browser.lastHtml).toMatch(/name="accountId"/);
    for (const bad of BAD) {
      await browser.submit({}, { encoded: { accountId: bad } });
      expect([bad, browser.lastStatus]).toEqual([bad, 400]);
    }
    // The person still signs in afterwards (nothing was stored from the bad posts).
    const ok = await signIn({
      issuer: server.url, clientId: 'title', clientSecret: title().clientSecret!, redirectUri: title().redirectUris[0]!,
      resource: 'urn:tongmen:title', username: world.dual.phone, password: WORLD_PASSWORD, accountId: world.dual.operatorId,
    });
    expect(ok.ok).toBe(true);
  });
});
