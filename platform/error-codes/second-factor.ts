import { defineErrors } from './define.ts';

/** The second factor of R23 (directory/credentials/second-factor/): TOTP codes and recovery codes. */
export const secondFactorErrors = defineErrors({
  name: 'second_factor',
  answeredBy: ['sign-in'],
  codes: {
    'second_factor.code_malformed': {
      status: 400,
      zh: '验证码应为 6 位数字。',
      en: 'The code must be 6 digits',
    },
    'second_factor.code_invalid': {
      status: 401,
      zh: '验证码不正确或已过期，请查看身份验证器中的最新验证码。',
      en: 'The code is wrong or expired',
      description: 'Not the code of the current 30-second step, the one before or the one after.',
    },
    'second_factor.code_reused': {
      status: 401,
      zh: '该验证码已使用过，请等待身份验证器显示新的验证码。',
      en: 'This code (or a later one) was already used',
      description: 'The code belongs to the step of the last accepted code or an earlier one (replay).',
    },
    'second_factor.recovery_code_invalid': {
      status: 401,
      zh: '恢复码不正确或已使用。',
      en: 'The recovery code is wrong or already used',
    },
    'second_factor.throttled': {
      status: 429,
      zh: '验证码错误次数过多，请 15 分钟后再试。',
      en: 'Too many wrong codes: try again in 15 minutes',
      description: 'Five wrong codes within 15 minutes for one person, counted across every node.',
    },
    'second_factor.not_enrolled': {
      status: 409,
      zh: '尚未绑定身份验证器。',
      en: 'No authenticator app is enrolled',
    },
    'second_factor.already_enrolled': {
      status: 409,
      zh: '已绑定身份验证器；如需更换，请先解除绑定。',
      en: 'An authenticator app is already enrolled: remove it first',
    },
    'second_factor.enrolment_invalid': {
      status: 400,
      zh: '绑定请求无效或已过期，请重新开始绑定。',
      en: 'The enrolment is invalid or expired: start again',
      description: 'The pending (sealed) secret is not one this server issued for this person, or is older than 15 minutes.',
    },
  },
});
