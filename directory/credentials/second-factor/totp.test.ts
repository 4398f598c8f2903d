import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { createPiiCipher } from '../../../platform/crypto/pii.ts';
import { isAppError } from '../../../platform/errors.ts';
import { hashRecoveryCode, newRecoveryCodes, RECOVERY_CODE_COUNT, useRecoveryCode } from './recovery-codes.ts';
import { openTotpSecret, sealTotpSecret } from './sealing.ts';
import { DEFAULT_TOTP_ISSUER, enrolmentQrSvg, newTotpSecret, totpUri, verifyTotp } from './totp.ts';

// RFC 6238 appendix B: the SHA-1 secret is the ASCII "12345678901234567890" (Base32 below).
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const at = (seconds: number) => new Date(seconds * 1000);
const pii = createPiiCipher({ keys: [{ kid: 'k1', key: Buffer.alloc(32, 7) }] });

async function codeOf(promise: Promise<unknown> | (() => unknown)) {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    if (isAppError(e)) return `${e.status} ${e.code}`;
    throw e;
  }
  return 'accepted';
}

describe('R23 TOTP second factor', () => {
  it('R23 matches the RFC 6238 test vector (SHA-1, T=59: 94287082, 6 digits 287082)', async () => {
    expect(await generate({ secret: RFC_SECRET, digits: 8, epoch: 59 })).toBe('94287082');
    expect(await verifyTotp(RFC_SECRET, '287082', { now: at(59) })).toEqual({ step: 1 });
    expect(await verifyTotp(RFC_SECRET, '287 082', { now: at(59) })).toEqual({ step: 1 });
  });

  it('R23 accepts the step before and after, refuses two steps away', async () => {
    const code = await generate({ secret: RFC_SECRET, epoch: 300 }); // step 10
    expect(await verifyTotp(RFC_SECRET, code, { now: at(300 + 30) })).toEqual({ step: 10 });
    expect(await verifyTotp(RFC_SECRET, code, { now: at(300 - 30) })).toEqual({ step: 10 });
    expect(await codeOf(verifyTotp(RFC_SECRET, code, { now: at(300 + 60) }))).toBe('401 second_factor.code_invalid');
    expect(await codeOf(verifyTotp(RFC_SECRET, code, { now: at(300 - 60) }))).toBe('401 second_factor.code_invalid');
  });

  it('R23 refuses a code of the last accepted step or an earlier one (replay), accepts a later one', async () => {
    const step10 = await generate({ secret: RFC_SECRET, epoch: 300 });
    const step11 = await generate({ secret: RFC_SECRET, epoch: 330 });
    const { step } = await verifyTotp(RFC_SECRET, step10, { now: at(305) });
    expect(await codeOf(verifyTotp(RFC_SECRET, step10, { now: at(310), lastStep: step }))).toBe('401 second_factor.code_reused');
    // An earlier code still inside the window is refused once a later one was used.
    expect(await codeOf(verifyTotp(RFC_SECRET, step10, { now: at(335), lastStep: 11 }))).toBe('401 second_factor.code_reused');
    expect(await verifyTotp(RFC_SECRET, step11, { now: at(335), lastStep: step })).toEqual({ step: 11 });
  });

  it('R23 refuses a code that is not 6 digits, and a wrong code', async () => {
    expect(await codeOf(verifyTotp(RFC_SECRET, '12345', { now: at(59) }))).toBe('400 second_factor.code_malformed');
    expect(await codeOf(verifyTotp(RFC_SECRET, '94287082', { now: at(59) }))).toBe('400 second_factor.code_malformed');
    expect(await codeOf(verifyTotp(RFC_SECRET, '12345a', { now: at(59) }))).toBe('400 second_factor.code_malformed');
    expect(await codeOf(verifyTotp(RFC_SECRET, '287083', { now: at(59) }))).toBe('401 second_factor.code_invalid');
  });

  it('R23 a new secret is 160 random bits in Base32 and works with the verifier', async () => {
    const a = newTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(a);
    const now = at(1_800_000_000);
    expect(await verifyTotp(a, await generate({ secret: a, epoch: 1_800_000_000 }), { now })).toEqual({ step: 60_000_000 });
  });

  it('R23/R25 the otpauth URI names the issuer and only a masked sign-in name', () => {
    const uri = new URL(totpUri(RFC_SECRET, '110101199003074512'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    const label = decodeURIComponent(uri.pathname.slice(1));
    expect(label.startsWith(`${DEFAULT_TOTP_ISSUER}:`)).toBe(true);
    expect(label).not.toContain('110101199003074512');
    expect(label).toMatch(/\*/);
    expect(uri.searchParams.get('secret')).toBe(RFC_SECRET);
    expect(uri.searchParams.get('issuer')).toBe(DEFAULT_TOTP_ISSUER);
    expect(uri.searchParams.get('digits') ?? '6').toBe('6');
    expect(uri.searchParams.get('period') ?? '30').toBe('30');
    expect(totpUri(RFC_SECRET, '13800138000', 'Test IdP')).not.toContain('13800138000');
    expect(new URL(totpUri(RFC_SECRET, '13800138000', 'Test IdP')).searchParams.get('issuer')).toBe('Test IdP');
  });

  it('R23 the enrolment QR code is an SVG rendered on the server', async () => {
    const svg = await enrolmentQrSvg(totpUri(RFC_SECRET, '13800138000'));
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('<path');
    expect(svg).not.toContain('<script');
  });

  it('R23/R25 the secret is sealed with the PII cipher and opened again; another sealed value is refused', () => {
    const sealed = sealTotpSecret(pii, RFC_SECRET);
    expect(sealed).not.toContain(RFC_SECRET);
    expect(sealed.startsWith('k1.')).toBe(true);
    expect(openTotpSecret(pii, sealed)).toBe(RFC_SECRET);
    expect(() => openTotpSecret(pii, pii.encrypt(RFC_SECRET))).toThrow(/not a TOTP secret/);
  });
});

describe('R23 recovery codes', () => {
  it('R23 gives 10 distinct high-entropy codes and stores only keyed hashes', () => {
    const { codes, hashes } = newRecoveryCodes(pii);
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const c of codes) expect(c).toMatch(/^[2-9A-HJKMNP-TV-Z]{4}(-[2-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(hashes).toHaveLength(RECOVERY_CODE_COUNT);
    for (const [i, c] of codes.entries()) {
      expect(hashes[i]).not.toContain(c.replace(/-/g, ''));
      expect(hashes[i]).toBe(hashRecoveryCode(pii, c));
    }
    // Keyed: another PII key gives other hashes.
    const other = createPiiCipher({ keys: [{ kid: 'k1', key: Buffer.alloc(32, 8) }] });
    expect(hashRecoveryCode(other, codes[0]!)).not.toBe(hashes[0]);
  });

  it('R23 a recovery code works once, typed in any case and with or without dashes', async () => {
    const { codes, hashes } = newRecoveryCodes(pii);
    const left = useRecoveryCode(pii, hashes, codes[3]!.toLowerCase().replace(/-/g, ' '));
    expect(left).toHaveLength(RECOVERY_CODE_COUNT - 1);
    expect(left).not.toContain(hashes[3]);
    expect(await codeOf(() => useRecoveryCode(pii, left, codes[3]!))).toBe('401 second_factor.recovery_code_invalid');
    expect(useRecoveryCode(pii, left, codes[4]!)).toHaveLength(RECOVERY_CODE_COUNT - 2);
  });

  it('R23 a wrong or empty recovery code is refused', async () => {
    const { hashes } = newRecoveryCodes(pii);
    expect(await codeOf(() => useRecoveryCode(pii, hashes, 'AAAA-BBBB-CCCC-DDDD'))).toBe('401 second_factor.recovery_code_invalid');
    expect(await codeOf(() => useRecoveryCode(pii, hashes, ''))).toBe('401 second_factor.recovery_code_invalid');
    expect(await codeOf(() => useRecoveryCode(pii, [], 'AAAA-BBBB-CCCC-DDDD'))).toBe('401 second_factor.recovery_code_invalid');
  });
});
