import { z } from 'zod';
import type { SmsAccountConfig } from '../config.ts';
import type { GatewayDeps } from './aliyun-gateway.ts';
import { callGateway, e164, gatewayFailed } from './gateway-call.ts';
import type { SmsGateway, SmsMessage, SmsReceipt } from './sms-gateway.ts';
import { tc3Authorization } from './tencent-signature.ts';

const CONTENT_TYPE = 'application/json; charset=utf-8';

const answer = z.object({
  Response: z.object({
    Error: z.object({ Code: z.string(), Message: z.string().optional() }).optional(),
    SendStatusSet: z.array(z.object({ SerialNo: z.string().optional(), Code: z.string() })).optional(),
  }),
});

/**
 * Tencent Cloud SMS API 3.0 `SendSms` (version 2021-01-11), signed with TC3-HMAC-SHA256 (R21).
 * The signature covers content-type, host and x-tc-action.
 */
export function createTencentGateway(config: SmsAccountConfig & { sdkAppId: string }, deps: Omit<GatewayDeps, 'nonce'> = {}): SmsGateway {
  const now = deps.now ?? (() => new Date());
  const host = new URL(config.endpoint).host;
  return {
    provider: 'tencent',
    async send(message: SmsMessage): Promise<SmsReceipt> {
      const payload = JSON.stringify({
        PhoneNumberSet: [e164(message.phone)],
        SmsSdkAppId: config.sdkAppId,
        SignName: config.signName,
        TemplateId: message.template?.id ?? config.templateId,
        TemplateParamSet: Object.values(message.template?.params ?? {}),
      });
      const timestamp = Math.floor(now().getTime() / 1000);
      const authorization = tc3Authorization(
        { service: 'sms', host, payload, timestamp, contentType: CONTENT_TYPE, extraHeaders: { 'x-tc-action': 'SendSms' } },
        config.accessKeyId,
        config.accessKeySecret.reveal(),
      );
      const headers = {
        authorization,
        'content-type': CONTENT_TYPE,
        'x-tc-action': 'SendSms',
        'x-tc-version': '2021-01-11',
        'x-tc-timestamp': String(timestamp),
        'x-tc-region': config.region,
      };
      const { status, body } = await callGateway('tencent', config.endpoint, { method: 'POST', headers, body: payload }, config.timeoutMs, deps.logger);
      const parsed = answer.safeParse(body);
      if (!parsed.success) throw gatewayFailed('tencent', 'unreadable');
      const { Error: error, SendStatusSet: statuses } = parsed.data.Response;
      const sent = statuses?.[0];
      const providerCode = error?.Code ?? (sent && sent.Code !== 'Ok' ? sent.Code : undefined);
      if (providerCode || !sent?.SerialNo) {
        deps.logger?.warn({ provider: 'tencent', status, providerCode }, 'SMS gateway refused the message');
        throw gatewayFailed('tencent', providerCode ? 'refused' : 'unreadable', providerCode);
      }
      return { id: sent.SerialNo };
    },
  };
}
