import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { CompactSign } from 'jose';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../platform/config.ts';
import { generateEsscDevKeyPair, signEsscAssertion } from '../../../identity/essc/simulator.ts';
import type { SignatureVerifier } from './signature-verifier.ts';
import { verifyEsscAssertion } from './verify-assertion.ts';

/** R22 — the card app's signed confirmation of a QR sign-in ticket: accepted forms and every refusal. */
const ec = generateEsscDevKeyPair('ec');
const rsa = generateEsscDevKeyPair('rsa');
const other = generateEsscDevKeyPair('ec');
const TICKET = 'tkt_0123456789abcdefABCDEF';
const NOW = new Date('2026-12-02T08:00:00Z');
const nowSeconds = NOW.getTime() / 1000;
const person = { ticket: TICKET, idNumber: '52010219900101123x', name: '张三', issuedAt: nowSeconds - 5 };
const b64 = (o: unknown) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');

const verify = (input: unknown, over: Partial<Parameters<typeof verifyEsscAssertion>[1]> = {}) =>
  verifyEsscAssertion(input, { publicKey: ec.publicKeyPem, expectedTicket: TICKET, now: NOW, ...over });
const refused = (p: Promise<unknown>, code: string, details?: Record<string, unknown>) =>
  expect(p).rejects.toMatchObject({ code, ...(details ? { details } : {}) });

describe('R22 e-SSC assertion: accepted', () => {
  it('an ES256 assertion signed by the configured key gives its claims, the ID number upper-cased', async () => {
    const jws = await signEsscAssertion(person, ec.privateKeyPem);
    const verified = await verify(jws);
    expect(verified).toEqual({
      ticket: TICKET,
      idNumber: '52010219900101123X',
      name: '张三',
      issuedAt: new Date((nowSeconds - 5) * 1000),
      algorithm: 'ES256',
      assertionId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // The same assertion has the same id (for the replay check); another one another id.
    expect((await verify(jws)).assertionId).toBe(verified.assertionId);
    expect((await verify(await signEsscAssertion(person, ec.privateKeyPem))).assertionId).not.toBe(verified.assertionId);
  });

  it('RSA keys: RS256 and PS256; a P-384 key: ES384; the key as PEM, KeyObject or verifier', async () => {
    expect((await verify(await signEsscAssertion(person, rsa.privateKeyPem), { publicKey: rsa.publicKeyPem })).algorithm).toBe('RS256');
    const ps = await signEsscAssertion(person, rsa.privateKeyPem, { algorithm: 'PS256' });
    expect((await verify(ps, { publicKey: createPublicKey(rsa.publicKeyPem) })).algorithm).toBe('PS256');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    expect((await verify(await signEsscAssertion(person, p384.privateKey), { publicKey: p384.publicKey })).algorithm).toBe('ES384');
  });

  it('accepts issuedAt at the edges: exactly maxAgeSeconds old, and within the clock skew ahead', async () => {
    for (const issuedAt of [nowSeconds - 120, nowSeconds + 30]) {
      await expect(verify(await signEsscAssertion({ ...person, issuedAt }, ec.privateKeyPem))).resolves.toMatchObject({ ticket: TICKET });
    }
    const old = await signEsscAssertion({ ...person, issuedAt: nowSeconds - 300 }, ec.privateKeyPem);
    await expect(verify(old, { maxAgeSeconds: 300 })).resolves.toMatchObject({ ticket: TICKET });
  });

  it('another signature algorithm (SM2 later) plugs in as a SignatureVerifier', async () => {
    const seen: string[] = [];
    const sm2: SignatureVerifier = {
      algorithms: ['SM2SM3'],
      verify: (alg, input, sig) => {
        seen.push(alg);
        return Buffer.from(sig).toString() === `ok:${Buffer.from(input).length}`;
      },
    };
    const head = `${b64({ alg: 'SM2SM3', typ: 'essc-assertion+jwt' })}.${b64(person)}`;
    const jws = `${head}.${b64(`ok:${head.length}`)}`;
    expect((await verify(jws, { publicKey: sm2 })).algorithm).toBe('SM2SM3');
    await refused(verify(`${head}.${b64('forged')}`, { publicKey: sm2 }), 'essc.assertion_foreign_signed', { reason: 'signature' });
    await refused(verify(await signEsscAssertion(person, ec.privateKeyPem), { publicKey: sm2 }), 'essc.assertion_foreign_signed', { reason: 'algorithm' });
    expect(seen).toEqual(['SM2SM3', 'SM2SM3']);
  });
});

describe('R22 e-SSC assertion: refusals', () => {
  it('unsigned: alg none, no alg, or an empty signature', async () => {
    const payload = b64(person);
    await refused(verify(`${b64({ alg: 'none', typ: 'essc-assertion+jwt' })}.${payload}.`), 'essc.assertion_unsigned');
    await refused(verify(`${b64({ alg: 'NONE', typ: 'essc-assertion+jwt' })}.${payload}.${b64('x')}`), 'essc.assertion_unsigned');
    await refused(verify(`${b64({ typ: 'essc-assertion+jwt' })}.${payload}.${b64('x')}`), 'essc.assertion_unsigned');
    const [h, p] = (await signEsscAssertion(person, ec.privateKeyPem)).split('.');
    await refused(verify(`${h}.${p}.`), 'essc.assertion_unsigned');
  });

  it('foreign-signed: another key, an altered claim, or an algorithm the key does not use', async () => {
    await refused(verify(await signEsscAssertion(person, other.privateKeyPem)), 'essc.assertion_foreign_signed', { reason: 'signature' });
    const [h, , s] = (await signEsscAssertion(person, ec.privateKeyPem)).split('.');
    await refused(verify(`${h}.${b64({ ...person, name: '李四' })}.${s}`), 'essc.assertion_foreign_signed', { reason: 'signature' });
    await refused(verify(await signEsscAssertion(person, rsa.privateKeyPem)), 'essc.assertion_foreign_signed', { reason: 'algorithm' });
    // The public key used as an HMAC secret (algorithm confusion) is not a way in.
    const hs = await new CompactSign(new TextEncoder().encode(JSON.stringify(person)))
      .setProtectedHeader({ alg: 'HS256', typ: 'essc-assertion+jwt' })
      .sign(new TextEncoder().encode(ec.publicKeyPem));
    await refused(verify(hs), 'essc.assertion_foreign_signed', { reason: 'algorithm' });
    // An ES256 signature of the wrong length for the curve.
    await refused(verify(`${h}.${b64(person)}.${b64('x'.repeat(70))}`), 'essc.assertion_foreign_signed', { reason: 'signature' });
  });

  it('malformed: not a string, not three parts, unreadable or untyped header, too long, unknown critical extensions, a payload that is no JSON object', async () => {
    const good = await signEsscAssertion(person, ec.privateKeyPem);
    const [h, p, s] = good.split('.');
    for (const input of [undefined, 42, { jws: good }, '', `${h}.${p}`, `${h}.${p}.${s}.x`, `${h}!.${p}.${s}`, `${b64('{not json')}.${p}.${s}`,
      `${b64('[1]')}.${p}.${s}`, `${b64({ alg: 'ES256' })}.${p}.${s}`, `${b64({ alg: 'ES256', typ: 'JWT' })}.${p}.${s}`, `${good}${'A'.repeat(8192)}`]) {
      await refused(verify(input), 'essc.assertion_malformed');
    }
    // jose refuses to sign an unknown critical extension: signed here with node:crypto.
    const critInput = `${b64({ alg: 'ES256', typ: 'essc-assertion+jwt', crit: ['exp'], exp: 1 })}.${b64(person)}`;
    const critSig = sign('sha256', Buffer.from(critInput), { key: createPrivateKey(ec.privateKeyPem), dsaEncoding: 'ieee-p1363' });
    await refused(verify(`${critInput}.${critSig.toString('base64url')}`), 'essc.assertion_malformed');
    const notJson = await new CompactSign(new TextEncoder().encode('ticket=x'))
      .setProtectedHeader({ alg: 'ES256', typ: 'essc-assertion+jwt' })
      .sign(createPrivateKey(ec.privateKeyPem));
    await refused(verify(notJson), 'essc.assertion_malformed');
  });

  it('incomplete: each missing or ill-formed claim is named', async () => {
    const { idNumber: _i, ...noId } = person;
    const signClaims = (claims: Record<string, unknown>) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
        .setProtectedHeader({ alg: 'ES256', typ: 'essc-assertion+jwt' })
        .sign(createPrivateKey(ec.privateKeyPem));
    await refused(verify(await signClaims(noId)), 'essc.assertion_incomplete', { fields: ['idNumber'] });
    await refused(verify(await signClaims({})), 'essc.assertion_incomplete', { fields: ['ticket', 'idNumber', 'name', 'issuedAt'] });
    await refused(verify(await signClaims({ ...person, idNumber: '5201021990' })), 'essc.assertion_incomplete', { fields: ['idNumber'] });
    await refused(verify(await signClaims({ ...person, name: '  ' })), 'essc.assertion_incomplete', { fields: ['name'] });
    await refused(verify(await signClaims({ ...person, issuedAt: '2026-12-02T08:00:00Z' })), 'essc.assertion_incomplete', { fields: ['issuedAt'] });
    await refused(verify(await signClaims({ ...person, ticket: 'short' })), 'essc.assertion_incomplete', { fields: ['ticket'] });
  });

  it('expired: older than maxAgeSeconds, or dated beyond the clock skew ahead', async () => {
    await refused(verify(await signEsscAssertion({ ...person, issuedAt: nowSeconds - 121 }, ec.privateKeyPem)), 'essc.assertion_expired', { reason: 'too_old' });
    await refused(verify(await signEsscAssertion({ ...person, issuedAt: nowSeconds + 31 }, ec.privateKeyPem)), 'essc.assertion_expired', { reason: 'in_future' });
    await refused(verify(await signEsscAssertion({ ...person, issuedAt: nowSeconds - 11 }, ec.privateKeyPem), { maxAgeSeconds: 10 }), 'essc.assertion_expired', {
      reason: 'too_old',
    });
  });

  it('a confirmation of another ticket is refused', async () => {
    const jws = await signEsscAssertion(person, ec.privateKeyPem);
    await refused(verify(jws, { expectedTicket: 'tkt_0123456789abcdefABCDEG' }), 'essc.ticket_mismatch');
    await refused(verify(jws, { expectedTicket: 'tkt_other' }), 'essc.ticket_mismatch');
  });

  it('each refusal has its catalogued status', async () => {
    await expect(verify('x')).rejects.toMatchObject({ status: 400 });
    await expect(verify(await signEsscAssertion(person, other.privateKeyPem))).rejects.toMatchObject({ status: 401 });
  });
});

describe('R22 ESSC_PUBLIC_KEY is checked at start', () => {
  it('accepts an RSA or EC public key in PEM, also written on one line with \\n escapes', () => {
    expect(loadConfig({ ESSC_PUBLIC_KEY: ec.publicKeyPem }).esscPublicKey).toBe(ec.publicKeyPem);
    expect(() => loadConfig({ ESSC_PUBLIC_KEY: rsa.publicKeyPem.replaceAll('\n', '\\n') })).not.toThrow();
  });

  it('refuses what cannot verify the card app: garbage, a private key, short RSA, other key types', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const cases: Array<[string, RegExp]> = [
      ['not a key', /ESSC_PUBLIC_KEY must be a PEM public key/],
      [ec.privateKeyPem, /ESSC_PUBLIC_KEY must be a PEM public key/],
      ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', /ESSC_PUBLIC_KEY is not a readable PEM public key/],
      [weak, /ESSC_PUBLIC_KEY RSA keys must have at least 2048 bits/],
      [ed, /ESSC_PUBLIC_KEY must be an RSA or EC \(ECDSA\) key/],
    ];
    for (const [pem, message] of cases) {
      expect(() => loadConfig({ ESSC_PUBLIC_KEY: pem })).toThrow(message);
    }
  });
});
