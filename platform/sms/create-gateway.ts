import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createAliyunGateway } from './aliyun-gateway.ts';
import { createConsoleGateway } from './console-gateway.ts';
import { MemorySmsOutbox } from './memory-outbox.ts';
import type { SmsGateway, SmsOutbox } from './sms-gateway.ts';
import { createTencentGateway } from './tencent-gateway.ts';

/**
 * The gateway SMS_PROVIDER names (R21), built once at start. The console gateway writes to
 * `outbox` (default: an in-memory outbox of this process).
 */
export function createSmsGateway(
  config: Pick<Config, 'env' | 'sms'>,
  deps: { logger?: Logger; outbox?: SmsOutbox } = {},
): SmsGateway {
  const sms = config.sms;
  switch (sms.provider) {
    case 'console':
      return createConsoleGateway({ outbox: deps.outbox ?? new MemorySmsOutbox(), logger: deps.logger, showText: config.env !== 'production' });
    case 'aliyun':
      return createAliyunGateway(sms, { logger: deps.logger });
    case 'tencent':
      return createTencentGateway(sms, { logger: deps.logger });
  }
}
