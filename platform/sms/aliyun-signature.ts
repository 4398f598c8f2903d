import { createHmac } from 'node:crypto';

/**
 * Alibaba Cloud's RPC request signature, Signature Version 1.0 with HMAC-SHA1 (R21), as published
 * in its "签名机制" documents (RPC APIs, and Dysmsapi's own page for SendSms).
 */

/**
 * Alibaba Cloud's percent-encoding: RFC 3986 unreserved characters (A–Z a–z 0–9 - _ . ~) stay,
 * everything else becomes %XY of its UTF-8 bytes; space is %20, `*` is %2A.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The canonicalized query string: every parameter but `Signature`, sorted by name, encoded. */
export function canonicalizedQuery(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k]!)}`)
    .join('&');
}

/** `GET&%2F&` + the percent-encoded canonicalized query string. */
export function aliyunStringToSign(method: 'GET' | 'POST', params: Readonly<Record<string, string>>): string {
  return `${method}&${percentEncode('/')}&${percentEncode(canonicalizedQuery(params))}`;
}

/** Base64(HMAC-SHA1(secret + "&", StringToSign)). */
export function aliyunSignature(method: 'GET' | 'POST', params: Readonly<Record<string, string>>, accessKeySecret: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(aliyunStringToSign(method, params), 'utf8').digest('base64');
}
