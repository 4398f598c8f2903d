import { defineErrors } from './define.ts';

/** The SMS gateways of R21 (platform/sms/): the person sees that the code was not sent and may try again. */
export const smsErrors = defineErrors({
  name: 'sms',
  answeredBy: ['sign-in'],
  codes: {
    'sms.gateway_failed': {
      status: 502,
      zh: '短信发送失败，请稍后再试。',
      en: 'The text message could not be sent; try again later',
      description:
        'The gateway refused the message, answered something unreadable, or did not answer in time. `details.provider` names the gateway, `details.reason` the kind of failure (`timeout`, `network`, `unreadable`, `refused`) and `details.providerCode` the provider’s own refusal code; the provider’s message is logged, never answered.',
      exposed: true,
    },
    'sms.send_limited': {
      status: 429,
      zh: '获取验证码过于频繁，请稍后再试。',
      en: 'Too many codes were asked for; try again later',
      description: 'R21 send limits: per phone 1 per 60 s and 10 a day, per address per hour. `details.limit` says which, `details.retryAfterSeconds` when.',
      zhByDetail: {
        key: 'limit',
        messages: {
          phone_throttled: '获取验证码过于频繁：每个手机号 60 秒内只能获取一次，请稍后再试。',
          daily_limit: '该手机号今日获取验证码的次数已达上限（每天 10 次），请明天再试。',
          address_throttled: '当前网络获取验证码过于频繁，请稍后再试。',
        },
      },
    },
  },
});
