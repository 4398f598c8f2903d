import { appError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** Why a send failed, for `details.reason` of `sms.gateway_failed` and the audit event above it. */
export type GatewayFailure = 'timeout' | 'network' | 'unreadable' | 'refused';

/**
 * The one refusal every gateway failure becomes (R21): 502 `sms.gateway_failed`. `providerCode` is
 * the provider's own error code (`isv.BUSINESS_LIMIT_CONTROL`, `LimitExceeded.PhoneNumberDailyLimit`);
 * the provider's message, the request and the credentials never go into it.
 */
export function gatewayFailed(provider: string, reason: GatewayFailure, providerCode?: string) {
  return appError('sms.gateway_failed', { provider, reason, ...(providerCode ? { providerCode } : {}) });
}

/**
 * One HTTP request to a gateway, bounded by `timeoutMs` from connection to the last byte of the
 * answer, whose body is JSON. Network failures, time-outs and unreadable answers become
 * `sms.gateway_failed`; the answer's HTTP status is left to the caller, since both providers
 * describe refusals in the body.
 */
export async function callGateway(
  provider: string,
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string },
  timeoutMs: number,
  logger?: Logger,
): Promise<{ status: number; body: unknown }> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    text = await response.text();
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    // The error's message may carry the URL; only its kind and the socket code are logged.
    const cause = err instanceof Error && err.cause instanceof Error ? (err.cause as NodeJS.ErrnoException).code : undefined;
    logger?.warn({ provider, timedOut, cause }, 'SMS gateway did not answer');
    throw gatewayFailed(provider, timedOut ? 'timeout' : 'network');
  }
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    logger?.warn({ provider, status: response.status }, 'SMS gateway answered something other than JSON');
    throw gatewayFailed(provider, 'unreadable');
  }
}

/** Mainland numbers as Aliyun takes them (`13512342210`); other numbers unchanged. */
export const mainlandDigits = (phone: string) => phone.replace(/^\+86(?=1\d{10}$)/, '');

/** E.164 as Tencent takes it (`+8613512342210`). */
export const e164 = (phone: string) => (/^1\d{10}$/.test(phone) ? `+86${phone}` : phone);
