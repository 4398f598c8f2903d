import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { SmsAccountConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { aliyunSignature, canonicalizedQuery } from './aliyun-signature.ts';
import { callGateway, gatewayFailed, mainlandDigits } from './gateway-call.ts';
import type { SmsGateway, SmsMessage, SmsReceipt } from './sms-gateway.ts';

export interface GatewayDeps {
  logger?: Logger;
  /** For tests: the request time and nonce. */
  now?: () => Date;
  nonce?: () => string;
}

const answer = z.object({ Code: z.string(), Message: z.string().optional(), BizId: z.string().optional() });

/**
 * Alibaba Cloud Dysmsapi `SendSms` (version 2017-05-25), signed with the RPC signature (R21).
 * POSTed as a form so the phone number stays out of URLs that proxies log.
 */
export function createAliyunGateway(config: SmsAccountConfig, deps: GatewayDeps = {}): SmsGateway {
  const now = deps.now ?? (() => new Date());
  const nonce = deps.nonce ?? randomUUID;
  return {
    provider: 'aliyun',
    async send(message: SmsMessage): Promise<SmsReceipt> {
      const templateParams = message.template?.params ?? {};
      const params: Record<string, string> = {
        AccessKeyId: config.accessKeyId,
        Action: 'SendSms',
        Format: 'JSON',
        PhoneNumbers: mainlandDigits(message.phone),
        RegionId: config.region,
        SignName: config.signName,
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: nonce(),
        SignatureVersion: '1.0',
        TemplateCode: message.template?.id ?? config.templateId,
        Timestamp: now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        Version: '2017-05-25',
        ...(Object.keys(templateParams).length ? { TemplateParam: JSON.stringify(templateParams) } : {}),
      };
      const signature = aliyunSignature('POST', params, config.accessKeySecret.reveal());
      const body = `${canonicalizedQuery(params)}&Signature=${encodeURIComponent(signature)}`;
      const { status, body: json } = await callGateway(
        'aliyun',
        config.endpoint,
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body },
        config.timeoutMs,
        deps.logger,
      );
      const parsed = answer.safeParse(json);
      if (!parsed.success) throw gatewayFailed('aliyun', 'unreadable');
      if (parsed.data.Code !== 'OK' || !parsed.data.BizId) {
        deps.logger?.warn({ provider: 'aliyun', status, providerCode: parsed.data.Code }, 'SMS gateway refused the message');
        throw gatewayFailed('aliyun', 'refused', parsed.data.Code);
      }
      return { id: parsed.data.BizId };
    },
  };
}
