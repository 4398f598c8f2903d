import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { ERROR_CATALOGUE, isExposed, type ErrorCode } from '../platform/error-codes/index.ts';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';
import { readSources, scan } from './support/error-sites.ts';

/**
 * Issue 6 item 5 — the error responder answers each code's message in the client's language:
 * zh-CN (the catalogue's) by default and for `Accept-Language: zh-CN`, English when the client
 * prefers it; `code`, `details` and the status are the same in both.
 */
let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const MISSING = '00000000-0000-4000-8000-000000000000';

async function call(lang: string | undefined, method: string, path: string, body?: unknown, token?: string | null) {
  const bearer = token === null ? undefined : (token ?? (await f.token(f.county.adminId)));
  const res = await f.app.raw(`/admin/v1${path}`, {
    method,
    headers: {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(lang !== undefined ? { 'accept-language': lang } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { error: { code: string; message: string; details?: Record<string, unknown> } } };
}

describe('issue 6 item 5: error messages in the client’s language', () => {
  it('zh-CN by default (no Accept-Language, or one naming neither language): the catalogue’s message', async () => {
    for (const lang of [undefined, '*', 'fr-FR, de;q=0.5']) {
      const res = await call(lang, 'GET', `/units/${MISSING}`);
      expect([res.status, res.body.error.code, res.body.error.message]).toEqual([404, 'unit.not_found', ERROR_CATALOGUE['unit.not_found'].zh]);
      expect(res.headers.get('content-language')).toBe('zh-CN');
      expect(res.headers.get('vary')).toMatch(/Accept-Language/i);
    }
  });

  it('English when the client prefers it: today’s English message, same code and status', async () => {
    for (const lang of ['en', 'en-US,en;q=0.9', 'zh-CN;q=0.4, en;q=0.8']) {
      const res = await call(lang, 'GET', `/units/${MISSING}`);
      expect([res.status, res.body.error.code, res.body.error.message]).toEqual([404, 'unit.not_found', 'Unit not found']);
      expect(res.headers.get('content-language')).toBe('en');
    }
    const zh = await call('zh-CN,zh;q=0.9,en;q=0.8', 'GET', `/units/${MISSING}`);
    expect(zh.body.error.message).toBe('单位不存在，或不在您的管辖范围内。');
  });

  it('the edge speaks both: 401 without a token, 400 for input the guard refuses', async () => {
    const anonymous = await call(undefined, 'GET', '/units', undefined, null);
    expect([anonymous.status, anonymous.body.error.code, anonymous.body.error.message]).toEqual([401, 'auth.invalid_token', ERROR_CATALOGUE['auth.invalid_token'].zh]);
    expect((await call('en', 'GET', '/units', undefined, null)).body.error.message).toBe('A bearer access token for the admin API is required');
    const zh = await call('zh-CN', 'POST', '/units', { kind: 'nope' });
    const en = await call('en', 'POST', '/units', { kind: 'nope' });
    expect([zh.status, zh.body.error.code, zh.body.error.message]).toEqual([400, 'request.invalid', '请求内容无效。']);
    expect([en.status, en.body.error.code, en.body.error.message]).toEqual([400, 'request.invalid', 'The request is not valid']);
    expect(zh.body.error.details).toEqual(en.body.error.details); // the zod issues, in both
  });

  it('R1: the zh-CN message says what the details say (which check of the USCC failed); English keeps its run-time text', async () => {
    const valid = sampleUscc(9901);
    const wrongCheck = valid.slice(0, 17) + (valid[17] === '1' ? '2' : '1');
    const body = { kind: 'employer', category: 'institution', name: '校验码错误单位', uscc: wrongCheck, admin: samplePerson() };
    const zh = await call(undefined, 'POST', '/units', body);
    const en = await call('en', 'POST', '/units', body);
    expect([zh.status, zh.body.error.code]).toEqual([400, 'unit.uscc_invalid']);
    expect(zh.body.error.details).toMatchObject({ position: 18, reason: 'check_character' });
    expect(zh.body.error.details).toEqual(en.body.error.details);
    expect(zh.body.error.message).toBe('统一社会信用代码第 18 位校验码与前 17 位不符，请检查是否输错。');
    expect(en.body.error.message).toBe('USCC check character (position 18) does not match characters 1-17: look for a typing error');
  });
});

/** Where the admin API's answers come from: its own code, the directory's services, the responder, the start-up 503. */
const ADMIN_SOURCES = [/^admin-api\//, /^directory\//, /^platform\/pagination\.ts$/, /^identity\/dpop\.ts$/, /^server\/(http|app)\.ts$/];
/** Directory files no admin-API route calls: R22's e-SSC confirmation is reached only through identity's /essc/confirm. */
const SIGN_IN_ONLY = [/^directory\/credentials\/essc\//, /^directory\/credentials\/qr-ticket-service\.ts$/];
/** Codes thrown in those files that no admin-API request reaches, and why. */
const NOT_ADMIN: Partial<Record<ErrorCode, string>> = {
  'bootstrap.already_done': 'npm run bootstrap only',
  'password.policy_violation': 'a password chosen by its owner, in the sign-in pages only',
  'password.changed_concurrently': 'the same',
  // R23: the second factor's service is the directory's, but only the sign-in pages (and the person's own page) call it.
  'second_factor.code_malformed': 'the sign-in pages only',
  'second_factor.code_invalid': 'the same',
  'second_factor.code_reused': 'the same',
  'second_factor.recovery_code_invalid': 'the same',
  'second_factor.throttled': 'the same',
  'second_factor.not_enrolled': 'the same',
  'second_factor.already_enrolled': 'the same',
  'second_factor.enrolment_invalid': 'the same',
  // R23: an SMS code as the second factor — the sign-in pages only.
  'sms.gateway_failed': 'the sign-in pages only (SMS codes)',
  'sms.send_limited': 'the same',
};

describe('issue 6 item 5: the OpenAPI document lists the error codes', () => {
  it('every code the admin API can answer is in the ErrorResponse enum and the x-error-codes table, with its status and both messages', async () => {
    const res = await f.app.raw('/admin/v1/openapi.json');
    const doc = (await res.json()) as {
      'x-error-codes': Record<string, { status: number; 'zh-CN': string; en: string }>;
      components: { schemas: { ErrorResponse: { properties: { error: { properties: { code: { enum: string[] } } } } } }; responses: Record<string, { description: string }> };
    };
    const answerable = new Set(
      scan(readSources())
        .sites.filter((s) => ADMIN_SOURCES.some((r) => r.test(s.file)) && !SIGN_IN_ONLY.some((r) => r.test(s.file)))
        .map((s) => s.code as ErrorCode)
        .filter((code) => isExposed(code) && !NOT_ADMIN[code]),
    );
    expect(answerable.size).toBeGreaterThan(70);
    const listed = doc.components.schemas.ErrorResponse.properties.error.properties.code.enum;
    expect([...answerable].filter((code) => !listed.includes(code))).toEqual([]);
    expect(Object.keys(doc['x-error-codes']).sort()).toEqual([...listed].sort());
    for (const code of listed as ErrorCode[]) {
      const entry = ERROR_CATALOGUE[code];
      expect(doc['x-error-codes'][code], code).toMatchObject({ status: entry.status, 'zh-CN': entry.zh, en: entry.en });
      expect(doc.components.responses[`E${entry.status}`]?.description, code).toContain(`\`${code}\``);
    }
    // Only what the admin API answers: not a subsystem's codes, not the sign-in pages' password rules.
    expect(listed).not.toContain('subsystem.module_forbidden');
    expect(listed).not.toContain('password.policy_violation');
  });
});

