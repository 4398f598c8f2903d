import { describe, expect, it } from 'vitest';
import { sampleIdNumber, samplePhone, sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { findingsIn, report, type TeeRecord } from './support/pii-scan.ts';

/**
 * Issue 12 — the run-wide personal-information scan (its teardown is in test/global-setup.ts):
 * what it finds and what it must not mistake for personal data.
 */
const record = (text: string, where = 'GET /admin/v1/accounts', kind: TeeRecord['kind'] = 'http'): TeeRecord => ({ kind, test: 'x › y', where, text });
const id = sampleIdNumber(4242);
const phone = samplePhone(4242);

describe('issue 12: the personal-information scan', () => {
  it('finds a full ID number (valid check character and birth date) and a full mobile number anywhere in a text', () => {
    const found = findingsIn(record(`{"a":"${id}","b":"tel ${phone}","c":"+86 ${phone}"}`, 'tongmen', 'log'));
    expect(found.map((f) => f.what)).toEqual(['id_number', 'phone', 'phone']);
    // The report never repeats the values themselves.
    expect(report(found)).not.toContain(id);
    expect(report(found)).not.toContain(phone);
    expect(found[0]).toMatchObject({ kind: 'log', where: 'tongmen', test: 'x › y' });
  });

  it('ignores masked values, USCCs, a wrong check character, hex ids, timestamps and long numbers', () => {
    const wrongCheck = id.slice(0, 17) + (id[17] === '1' ? '2' : '1');
    const text = [
      `${id.slice(0, 4)}**********${id.slice(-4)}`, `${phone.slice(0, 3)}****${phone.slice(-4)}`, sampleUscc(7), wrongCheck,
      `a${id}b`, `0x${phone}`, '1764712345678', '17647123456789', `0.${phone}`, `${crypto.randomUUID()}`,
    ].join(' ');
    expect(findingsIn(record(text))).toEqual([]);
  });

  it('allows only the answers that say why: the development SMS outbox, and a form keeping what its sender typed', () => {
    expect(findingsIn(record(`{"messages":[{"phone":"${phone}"}]}`, 'GET /dev/sms-outbox'))).toEqual([]);
    const page = `<input type="text" id="username" name="username" value="${id}" autocomplete="username">`;
    expect(findingsIn(record(page, 'POST /interaction/abc/password'))).toEqual([]);
    // The same page as the answer to a GET, or the value elsewhere on it, is a finding.
    expect(findingsIn(record(page, 'GET /interaction/abc'))).toHaveLength(1);
    expect(findingsIn(record(`${page}<p>${id}</p>`, 'POST /interaction/abc/password'))).toHaveLength(1);
  });
});
