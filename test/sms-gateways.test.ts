import { inspect } from 'node:util';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type SmsAccountConfig } from '../platform/config.ts';
import { AppError } from '../platform/errors.ts';
import { Secret } from '../platform/secret.ts';
import { createAliyunGateway } from '../platform/sms/aliyun-gateway.ts';
import { createConsoleGateway } from '../platform/sms/console-gateway.ts';
import { createSmsGateway } from '../platform/sms/create-gateway.ts';
import { MemorySmsOutbox } from '../platform/sms/memory-outbox.ts';
import { verificationCodeMessage } from '../platform/sms/sms-gateway.ts';
import { createTencentGateway } from '../platform/sms/tencent-gateway.ts';
import { startFakeAliyun, startFakeTencent, type FakeProvider } from './support/fake-sms-providers.ts';

/**
 * R21 — the SMS gateways against local fakes that verify each request's signature with the
 * provider's published algorithm (test/support/fake-sms-providers.ts) and answer as the provider.
 */
const SECRET = 'fake-secret-Zq8w3Rk1';
const PHONE = '13512342210';
const fakes: FakeProvider[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const account = (endpoint: string, over: Partial<SmsAccountConfig> = {}): SmsAccountConfig => ({
  accessKeyId: 'LTAI-test',
  accessKeySecret: new Secret(SECRET),
  signName: '统门测试',
  templateId: 'SMS_123456789',
  region: 'cn-hangzhou',
  endpoint,
  timeoutMs: 2000,
  ...over,
});

/** The refusal a send ended with. */
async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  const e = err as AppError;
  expect(e).toMatchObject({ code: 'sms.gateway_failed', status: 502 });
  // Nothing secret or personal in what the refusal carries.
  const shown = `${e.message} ${JSON.stringify(e.details)} ${inspect(e)}`;
  expect(shown).not.toContain(SECRET);
  expect(shown).not.toContain(PHONE);
  return e;
}

describe('R21 Aliyun gateway (Dysmsapi SendSms, RPC signature)', () => {
  it('sends a signed SendSms the fake provider verifies, and returns its BizId', async () => {
    const fake = await startFakeAliyun({ 'LTAI-test': SECRET });
    fakes.push(fake);
    const receipt = await createAliyunGateway(account(fake.url)).send(verificationCodeMessage(`+86${PHONE}`, '123456'));
    expect(receipt).toEqual({ id: '900619746936498440^0' });
    expect(fake.received).toEqual([
      expect.objectContaining({
        Action: 'SendSms',
        PhoneNumbers: PHONE,
        SignName: '统门测试',
        TemplateCode: 'SMS_123456789',
        TemplateParam: '{"code":"123456"}',
        RegionId: 'cn-hangzhou',
        Format: 'JSON',
      }),
    ]);
    // The phone travels in the body, not in the URL; the secret never travels.
    expect(fake.raw[0]!.split('\n')[0]).toBe('/');
    expect(fake.raw.join()).not.toContain(SECRET);
  });

  it('maps a provider refusal to sms.gateway_failed with the provider code, nothing more', async () => {
    const fake = await startFakeAliyun({ 'LTAI-test': SECRET });
    fakes.push(fake);
    fake.behaviour = 'refuse';
    const e = await failure(createAliyunGateway(account(fake.url)).send(verificationCodeMessage(PHONE, '123456')));
    expect(e.details).toEqual({ provider: 'aliyun', reason: 'refused', providerCode: 'isv.BUSINESS_LIMIT_CONTROL' });
  });

  it('a request signed with another secret is refused by the fake (it really verifies)', async () => {
    const fake = await startFakeAliyun({ 'LTAI-test': 'the-real-secret' });
    fakes.push(fake);
    const e = await failure(createAliyunGateway(account(fake.url)).send(verificationCodeMessage(PHONE, '123456')));
    expect(e.details).toEqual({ provider: 'aliyun', reason: 'refused', providerCode: 'SignatureDoesNotMatch' });
    expect(fake.received).toEqual([]);
  });

  it('a gateway that does not answer fails within the configured time-out', async () => {
    const fake = await startFakeAliyun({ 'LTAI-test': SECRET });
    fakes.push(fake);
    fake.behaviour = 'hang';
    const started = Date.now();
    const e = await failure(createAliyunGateway(account(fake.url, { timeoutMs: 300 })).send(verificationCodeMessage(PHONE, '1')));
    expect(e.details).toEqual({ provider: 'aliyun', reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('an answer that is not JSON, and a refused connection, are gateway failures too', async () => {
    const fake = await startFakeAliyun({ 'LTAI-test': SECRET });
    fakes.push(fake);
    fake.behaviour = 'garbage';
    expect((await failure(createAliyunGateway(account(fake.url)).send(verificationCodeMessage(PHONE, '1')))).details).toEqual({
      provider: 'aliyun',
      reason: 'unreadable',
    });
    const closed = fake.url;
    await fake.close();
    fakes.pop();
    expect((await failure(createAliyunGateway(account(closed)).send(verificationCodeMessage(PHONE, '1')))).details).toEqual({
      provider: 'aliyun',
      reason: 'network',
    });
  });
});

describe('R21 Tencent gateway (SMS API 3.0 SendSms, TC3-HMAC-SHA256)', () => {
  const tencent = (endpoint: string, over: Partial<SmsAccountConfig> = {}) =>
    createTencentGateway({ ...account(endpoint, { accessKeyId: 'AKID-test', region: 'ap-guangzhou', templateId: '1234567', ...over }), sdkAppId: '1400000001' });

  it('sends a signed SendSms the fake provider verifies, and returns its SerialNo', async () => {
    const fake = await startFakeTencent({ 'AKID-test': SECRET });
    fakes.push(fake);
    const receipt = await tencent(fake.url).send(verificationCodeMessage(PHONE, '654321'));
    expect(receipt).toEqual({ id: '5000:1045710669157053657849499619' });
    expect(fake.received).toEqual([
      {
        PhoneNumberSet: [`+86${PHONE}`],
        SmsSdkAppId: '1400000001',
        SignName: '统门测试',
        TemplateId: '1234567',
        TemplateParamSet: ['654321'],
        action: 'SendSms',
        version: '2021-01-11',
        region: 'ap-guangzhou',
      },
    ]);
    expect(fake.raw.join()).not.toContain(SECRET);
  });

  it('maps a refused number and an API error to sms.gateway_failed', async () => {
    const fake = await startFakeTencent({ 'AKID-test': SECRET });
    fakes.push(fake);
    fake.behaviour = 'refuse';
    expect((await failure(tencent(fake.url).send(verificationCodeMessage(PHONE, '1')))).details).toEqual({
      provider: 'tencent',
      reason: 'refused',
      providerCode: 'LimitExceeded.PhoneNumberThirtySecondLimit',
    });
    fake.behaviour = 'accept';
    expect((await failure(tencent(fake.url, { accessKeySecret: new Secret('another') }).send(verificationCodeMessage(PHONE, '1')))).details).toEqual({
      provider: 'tencent',
      reason: 'refused',
      providerCode: 'AuthFailure.SignatureFailure',
    });
    expect(fake.received).toHaveLength(1);
  });

  it('a gateway that does not answer fails within the configured time-out', async () => {
    const fake = await startFakeTencent({ 'AKID-test': SECRET });
    fakes.push(fake);
    fake.behaviour = 'hang';
    const started = Date.now();
    expect((await failure(tencent(fake.url, { timeoutMs: 300 }).send(verificationCodeMessage(PHONE, '1')))).details).toEqual({
      provider: 'tencent',
      reason: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('R21 console gateway and the development outbox', () => {
  const capture = () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    return { lines, logger };
  };

  it('keeps the whole message in the outbox and logs it with the phone masked', async () => {
    const outbox = new MemorySmsOutbox();
    const { lines, logger } = capture();
    const gateway = createConsoleGateway({ outbox, logger, showText: true });
    const { id } = await gateway.send(verificationCodeMessage(PHONE, '246810'));
    const [entry] = await outbox.list(PHONE);
    expect(entry).toMatchObject({ id, phone: PHONE, params: { code: '246810' } });
    expect(entry!.text).toContain('246810');
    expect(await outbox.list('13900000000')).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('135****2210');
    expect(lines[0]).toContain('246810');
    expect(lines[0]).not.toContain(PHONE);
  });

  it('in production the log line carries neither the phone nor the code', async () => {
    const { lines, logger } = capture();
    // (A production configuration refuses SMS_PROVIDER=console: the gateway is asked directly.)
    const gateway = createSmsGateway({ env: 'production', sms: { provider: 'console' } }, { logger });
    await gateway.send(verificationCodeMessage(PHONE, '975310'));
    expect(lines[0]).toContain('135****2210');
    expect(lines[0]).not.toContain('975310');
  });

  it('lists newest first and keeps a bounded number of messages', async () => {
    const outbox = new MemorySmsOutbox(2);
    for (const n of [1, 2, 3]) await outbox.append({ id: String(n), phone: PHONE, text: `t${n}`, params: {}, sentAt: new Date() });
    expect((await outbox.list(PHONE)).map((e) => e.id)).toEqual(['3', '2']);
  });
});

describe('R21 gateway configuration', () => {
  const full = { SMS_ACCESS_KEY_ID: 'LTAI-test', SMS_ACCESS_KEY_SECRET: SECRET, SMS_SIGN_NAME: '统门', SMS_TEMPLATE_ID: 'SMS_1' };

  it('a real gateway needs its whole account at start, named in one message', () => {
    expect(() => loadConfig({ SMS_PROVIDER: 'aliyun' })).toThrow(
      /SMS_PROVIDER=aliyun needs SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET, SMS_SIGN_NAME, SMS_TEMPLATE_ID$/,
    );
    expect(() => loadConfig({ SMS_PROVIDER: 'tencent', ...full })).toThrow(/SMS_PROVIDER=tencent needs SMS_SDK_APP_ID$/);
    expect(() => loadConfig({ SMS_PROVIDER: 'aliyun', ...full, SMS_ENDPOINT: 'not a url' })).toThrow(/SMS_ENDPOINT/);
    expect(() => loadConfig({ SMS_PROVIDER: 'aliyun', ...full, SMS_TIMEOUT_MS: '60000' })).toThrow(/SMS_TIMEOUT_MS/);
    expect(() =>
      loadConfig({ NODE_ENV: 'production', AUDIT_CHECKPOINT_KEY: 'k'.repeat(32), SMS_PROVIDER: 'aliyun', ...full, SMS_ENDPOINT: 'http://127.0.0.1:9/' }),
    ).toThrow(/SMS_ENDPOINT must be https/);
  });

  it('R21/SPEC §5: production refuses the console gateway (it delivers nothing and keeps codes for a development endpoint)', () => {
    const production = { NODE_ENV: 'production', AUDIT_CHECKPOINT_KEY: 'k'.repeat(32) };
    expect(() => loadConfig(production)).toThrow(/SMS_PROVIDER=console is for development/);
    expect(() => loadConfig({ ...production, SMS_PROVIDER: 'console' })).toThrow(/SMS_PROVIDER=console is for development/);
    expect(loadConfig({ ...production, SMS_PROVIDER: 'aliyun', ...full }).sms.provider).toBe('aliyun');
    expect(loadConfig({ NODE_ENV: 'development' }).sms.provider).toBe('console');
  });

  it('builds the configured gateway with the provider defaults, and the secret never prints', () => {
    const aliyun = loadConfig({ SMS_PROVIDER: 'aliyun', ...full });
    expect(aliyun.sms).toMatchObject({ provider: 'aliyun', endpoint: 'https://dysmsapi.aliyuncs.com/', region: 'cn-hangzhou', timeoutMs: 5000 });
    expect(createSmsGateway(aliyun).provider).toBe('aliyun');
    const tencent = loadConfig({ SMS_PROVIDER: 'tencent', ...full, SMS_SDK_APP_ID: '1400000001' });
    expect(tencent.sms).toMatchObject({ provider: 'tencent', endpoint: 'https://sms.tencentcloudapi.com/', region: 'ap-guangzhou', sdkAppId: '1400000001' });
    expect(createSmsGateway(tencent).provider).toBe('tencent');
    expect(createSmsGateway(loadConfig({})).provider).toBe('console');
    for (const shown of [JSON.stringify(aliyun), inspect(aliyun, { depth: 5 }), `${String(aliyun.sms.provider === 'aliyun' && aliyun.sms.accessKeySecret)}`]) {
      expect(shown).not.toContain(SECRET);
    }
  });
});
