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
  },
});
