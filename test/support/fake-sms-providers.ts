import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { untapped } from './pii-tee.ts';
import type { AddressInfo } from 'node:net';

/**
 * Local stand-ins for Alibaba Cloud Dysmsapi and Tencent Cloud SMS (R21). Each checks the request
 * signature the way the provider's documentation describes it — written here independently of
 * platform/sms/, so a mistake there is not repeated here — and answers in the provider's format.
 * `behaviour` makes it accept, refuse, hang or answer garbage.
 */
export type FakeBehaviour = 'accept' | 'refuse' | 'hang' | 'garbage';

export interface FakeProvider {
  url: string;
  behaviour: FakeBehaviour;
  /** How long it takes to answer (a real provider takes tens to hundreds of milliseconds). */
  delayMs: number;
  /** Requests whose signature verified, as the provider would read them. */
  received: Array<Record<string, unknown>>;
  /** Raw request bodies and headers, verified or not (to check that no secret travels). */
  raw: string[];
  close(): Promise<void>;
}

async function start(handle: (req: http.IncomingMessage, body: string, fake: FakeProvider) => { status: number; body: string } | null): Promise<FakeProvider> {
  const fake: FakeProvider = { url: '', behaviour: 'accept', delayMs: 0, received: [], raw: [], close: async () => {} };
  const server = untapped(http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      fake.raw.push(`${req.url}\n${JSON.stringify(req.headers)}\n${body}`);
      if (fake.behaviour === 'hang') return; // never answers: the gateway's time-out must end the wait
      if (fake.behaviour === 'garbage') {
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>');
        return;
      }
      const answer = handle(req, body, fake);
      if (answer) setTimeout(() => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body), fake.delayMs);
    });
  }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The documentation's recipe: form-encode, then `+`→%20, `*`→%2A, %7E→`~`. */
const popEncode = (s: string) => new URLSearchParams({ x: s }).toString().slice(2).replaceAll('+', '%20').replaceAll('*', '%2A').replaceAll('%7E', '~');

/** Dysmsapi: RPC signature 1.0 over the POSTed form; `secrets` maps AccessKeyId → secret. */
export function startFakeAliyun(secrets: Record<string, string>): Promise<FakeProvider> {
  return start((req, body, fake) => {
    const params = Object.fromEntries(new URLSearchParams(body));
    const reply = (status: number, o: object) => ({ status, body: JSON.stringify({ RequestId: 'fake-request', ...o }) });
    const secret = secrets[params.AccessKeyId ?? ''];
    if (!secret) return reply(404, { Code: 'InvalidAccessKeyId.NotFound', Message: 'Specified access key is not found.' });
    const { Signature: signature = '', ...signed } = params;
    const query = Object.keys(signed).sort().map((k) => `${popEncode(k)}=${popEncode(signed[k]!)}`).join('&');
    const stringToSign = `${req.method}&${popEncode('/')}&${popEncode(query)}`;
    const expected = createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
    if (params.SignatureMethod !== 'HMAC-SHA1' || params.SignatureVersion !== '1.0' || !same(signature, expected)) {
      return reply(400, { Code: 'SignatureDoesNotMatch', Message: 'Specified signature is not matched with our calculation.' });
    }
    fake.received.push(params);
    if (params.Action !== 'SendSms' || params.Version !== '2017-05-25') return reply(400, { Code: 'InvalidAction', Message: 'no' });
    if (fake.behaviour === 'refuse') return reply(200, { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发分钟级流控Permits:1' });
    return reply(200, { Code: 'OK', Message: 'OK', BizId: '900619746936498440^0' });
  });
}

/** Tencent SMS: TC3-HMAC-SHA256 over the headers the Authorization header names. */
export function startFakeTencent(secrets: Record<string, string>): Promise<FakeProvider> {
  const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
  const hmac = (k: string | Buffer, s: string) => createHmac('sha256', k).update(s).digest();
  return start((req, body, fake) => {
    const reply = (o: object) => ({ status: 200, body: JSON.stringify({ Response: { RequestId: 'fake-request', ...o } }) });
    const error = (Code: string) => reply({ Error: { Code, Message: Code } });
    const auth = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([a-z]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      String(req.headers.authorization ?? ''),
    );
    if (!auth) return error('AuthFailure.InvalidAuthorization');
    const [, secretId = '', date = '', service = '', signedHeaders = '', signature = ''] = auth;
    const secret = secrets[secretId];
    if (!secret) return error('AuthFailure.SecretIdNotFound');
    const timestamp = Number(req.headers['x-tc-timestamp']);
    const names = signedHeaders.split(';');
    if (!names.includes('content-type') || !names.includes('host') || service !== 'sms') return error('AuthFailure.SignatureFailure');
    if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date) return error('AuthFailure.SignatureExpire');
    const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().toLowerCase()}\n`).join('');
    const canonicalRequest = `${req.method}\n/\n\n${canonicalHeaders}\n${signedHeaders}\n${sha256(body)}`;
    const stringToSign = `TC3-HMAC-SHA256\n${timestamp}\n${date}/${service}/tc3_request\n${sha256(canonicalRequest)}`;
    const key = hmac(hmac(hmac(`TC3${secret}`, date), service), 'tc3_request');
    if (!same(signature, createHmac('sha256', key).update(stringToSign).digest('hex'))) return error('AuthFailure.SignatureFailure');
    const params = JSON.parse(body) as Record<string, unknown>;
    fake.received.push({ ...params, action: req.headers['x-tc-action'], version: req.headers['x-tc-version'], region: req.headers['x-tc-region'] });
    if (req.headers['x-tc-action'] !== 'SendSms') return error('InvalidAction');
    const phone = (params.PhoneNumberSet as string[])[0];
    if (fake.behaviour === 'refuse') {
      return reply({ SendStatusSet: [{ SerialNo: '', PhoneNumber: phone, Fee: 0, Code: 'LimitExceeded.PhoneNumberThirtySecondLimit', Message: 'limit', IsoCode: 'CN' }] });
    }
    return reply({ SendStatusSet: [{ SerialNo: '5000:1045710669157053657849499619', PhoneNumber: phone, Fee: 1, Code: 'Ok', Message: 'send success', IsoCode: 'CN' }] });
  });
}
