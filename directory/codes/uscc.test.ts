import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.ts';
import {
  USCC_ALPHABET,
  checkUscc,
  computeOrgCodeCheck,
  computeUsccCheck,
  derivedCode,
  isCheckFailure,
  parseUscc,
} from './uscc.ts';
import { sampleUscc } from './synthetic-codes.ts';

/** Runs `fn`, expecting an AppError, and returns it. */
function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a refusal');
}

/** Small deterministic PRNG (mulberry32) so the property test is reproducible. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('R1 USCC: valid codes are accepted', () => {
  it.each(['91350100M000100Y43', '91310110666007217T', '123502001549897397', '9135052155323005XL'])(
    'R1 accepts the example %s',
    (code) => {
      expect(parseUscc(code)).toBe(code);
      expect(checkUscc(code)).toEqual({ ok: true, value: code });
    },
  );

  it('R1 trims and upper-cases the input', () => {
    expect(parseUscc('  91350100m000100y43\t')).toBe('91350100M000100Y43');
  });

  it('R1 computes the check characters of the examples', () => {
    expect(computeUsccCheck('91350100M000100Y4')).toBe('3');
    expect(computeUsccCheck('9135052155323005X')).toBe('L');
    expect(computeOrgCodeCheck('55323005')).toBe('X');
    expect(computeOrgCodeCheck('15498973')).toBe('9');
  });
});

describe('R1 USCC: refusals name the problem and the 1-based position', () => {
  it('R1 refuses a wrong length with code unit.uscc_invalid and the first missing position', () => {
    const e = refusal(() => parseUscc('91350100M000100Y4'));
    expect(e.status).toBe(400);
    expect(e.code).toBe('unit.uscc_invalid');
    expect(e.details).toEqual({ position: 18, reason: 'length' });
    expect(e.message).toMatch(/18 characters/);
  });

  it('R1 refuses a too long code at position 19 and an empty one at position 1', () => {
    expect(refusal(() => parseUscc('91350100M000100Y430')).details).toEqual({ position: 19, reason: 'length' });
    expect(refusal(() => parseUscc('   ')).details).toEqual({ position: 1, reason: 'length' });
  });

  it.each([
    ['I', 9],
    ['O', 3],
    ['S', 12],
    ['V', 16],
    ['Z', 1],
    ['-', 18],
    [' ', 5],
  ])('R1 refuses the character %j at position %i as charset', (ch, position) => {
    const valid = '91350100M000100Y43';
    const bad = valid.slice(0, position - 1) + ch + valid.slice(position);
    const e = refusal(() => parseUscc(bad));
    expect(e.details).toEqual({ position, reason: 'charset' });
    expect(e.message).toContain(`character ${position}`);
  });

  it('R1 refuses a wrong organization code check (position 17)', () => {
    const e = refusal(() => parseUscc('9135052155323005YL'));
    expect(e.details).toEqual({ position: 17, reason: 'organization_code_check' });
  });

  it('R1 refuses the pilot-area code 91350211M00013FA1N on its check character only', () => {
    const r = checkUscc('91350211M00013FA1N');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r).toMatchObject({ value: '91350211M00013FA1N', position: 18, reason: 'check_character' });
    expect(isCheckFailure(r.reason)).toBe(true);
    expect(refusal(() => parseUscc('91350211M00013FA1N')).details).toEqual({ position: 18, reason: 'check_character' });
  });

  it('R1 allows an override only for the two check failures', () => {
    expect(isCheckFailure('check_character')).toBe(true);
    expect(isCheckFailure('organization_code_check')).toBe(true);
    expect(isCheckFailure('length')).toBe(false);
    expect(isCheckFailure('charset')).toBe(false);
  });
});

describe('R1 USCC: property — computed checks are accepted, single-character changes are refused', () => {
  const rnd = prng(20240611);
  const randChar = (alphabet: string) => alphabet[Math.floor(rnd() * alphabet.length)]!;
  const ORG_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

  it('R1 accepts 500 random bodies with their computed checks and refuses every single mutation', () => {
    for (let n = 0; n < 500; n++) {
      let org8 = '';
      for (let i = 0; i < 8; i++) org8 += randChar(ORG_CHARS);
      let head = '';
      for (let i = 0; i < 8; i++) head += randChar(USCC_ALPHABET);
      const body = head + org8 + computeOrgCodeCheck(org8);
      const code = body + computeUsccCheck(body);
      expect(parseUscc(code)).toBe(code);

      const pos = Math.floor(rnd() * 18);
      let replacement = randChar(USCC_ALPHABET);
      while (replacement === code[pos]) replacement = randChar(USCC_ALPHABET);
      const mutated = code.slice(0, pos) + replacement + code.slice(pos + 1);
      const r = checkUscc(mutated);
      expect(r.ok, `${code} mutated at ${pos + 1} to ${mutated}`).toBe(false);
      if (!r.ok) expect(isCheckFailure(r.reason)).toBe(true);
    }
  });
});

describe('R2 derived codes', () => {
  it('R2 appends a 2-digit serial to the parent code', () => {
    expect(derivedCode('91350100M000100Y43', 1)).toBe('91350100M000100Y4301');
    expect(derivedCode('91350100M000100Y43', 99)).toBe('91350100M000100Y4399');
    expect(derivedCode('91350100M000100Y43', 7)).toHaveLength(20);
  });

  it('R2 refuses the 100th derived code with 409 unit.derived_code_exhausted', () => {
    for (const serial of [100, 0, -1, 1.5]) {
      const e = refusal(() => derivedCode('91350100M000100Y43', serial));
      expect(e.status).toBe(409);
      expect(e.code).toBe('unit.derived_code_exhausted');
    }
  });

  it('R2 derived codes are not USCCs (not validated as such)', () => {
    expect(checkUscc(derivedCode('91350100M000100Y43', 1)).ok).toBe(false);
  });
});

describe('R1 sample USCCs (test data)', () => {
  it('R1 sampleUscc gives valid, distinct, deterministic codes', () => {
    const seen = new Set<string>();
    for (const n of [0, 1, 2, 99, 12345, 999_999, 1_000_000, 99_999_999]) {
      const code = sampleUscc(n);
      expect(parseUscc(code)).toBe(code);
      expect(sampleUscc(n)).toBe(code);
      seen.add(code);
    }
    expect(seen.size).toBe(8);
    for (let n = 0; n < 2000; n++) seen.add(sampleUscc(n));
    expect(seen.size).toBe(8 + 2000 - 4);
  });
});
