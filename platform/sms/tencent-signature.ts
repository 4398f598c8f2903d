import { createHash, createHmac } from 'node:crypto';

/**
 * Tencent Cloud API 3.0 request signature TC3-HMAC-SHA256 (R21), as published in its
 * "签名方法 v3" (Signature v3) document: canonical request → string to sign → a key derived from
 * "TC3" + SecretKey through the UTC date, the service and "tc3_request".
 */

export interface Tc3Request {
  /** `cvm`, `sms`…: the first label of the API host. */
  service: string;
  host: string;
  /** The exact JSON body sent. */
  payload: string;
  /** Seconds since the epoch; also X-TC-Timestamp. */
  timestamp: number;
  contentType: string;
  /** Extra headers to sign besides content-type and host (names lower-case), e.g. x-tc-action. */
  extraHeaders?: Readonly<Record<string, string>>;
}

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: string | Buffer, msg: string) => createHmac('sha256', key).update(msg, 'utf8').digest();

/** The UTC date of the timestamp, `YYYY-MM-DD` (not the local date: see the document's note). */
export const tc3Date = (timestamp: number) => new Date(timestamp * 1000).toISOString().slice(0, 10);

function signedHeaderList(req: Tc3Request): Array<[string, string]> {
  const headers: Record<string, string> = { 'content-type': req.contentType, host: req.host, ...req.extraHeaders };
  return Object.entries(headers)
    .map(([k, v]): [string, string] => [k.trim().toLowerCase(), v.trim().toLowerCase()])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The POST canonical request (no query string). */
export function tc3CanonicalRequest(req: Tc3Request): string {
  const headers = signedHeaderList(req);
  const canonicalHeaders = headers.map(([k, v]) => `${k}:${v}\n`).join('');
  const signedHeaders = headers.map(([k]) => k).join(';');
  return ['POST', '/', '', canonicalHeaders, signedHeaders, sha256Hex(req.payload)].join('\n');
}

export function tc3StringToSign(req: Tc3Request): string {
  const scope = `${tc3Date(req.timestamp)}/${req.service}/tc3_request`;
  return ['TC3-HMAC-SHA256', String(req.timestamp), scope, sha256Hex(tc3CanonicalRequest(req))].join('\n');
}

/** The hex signature. */
export function tc3Signature(req: Tc3Request, secretKey: string): string {
  const secretDate = hmac(`TC3${secretKey}`, tc3Date(req.timestamp));
  const secretService = hmac(secretDate, req.service);
  const secretSigning = hmac(secretService, 'tc3_request');
  return createHmac('sha256', secretSigning).update(tc3StringToSign(req), 'utf8').digest('hex');
}

/** The `Authorization` header value. */
export function tc3Authorization(req: Tc3Request, secretId: string, secretKey: string): string {
  const signedHeaders = signedHeaderList(req).map(([k]) => k).join(';');
  const scope = `${tc3Date(req.timestamp)}/${req.service}/tc3_request`;
  return `TC3-HMAC-SHA256 Credential=${secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${tc3Signature(req, secretKey)}`;
}
