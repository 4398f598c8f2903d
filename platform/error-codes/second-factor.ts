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
  },
});
