import { defineErrors } from './define.ts';

/** Credentials as the admin API sees them: a reset (R19, R20). */
export const credentialErrors = defineErrors({
  name: 'credentials',
  answeredBy: ['admin-api'],
  codes: {
    'credential.not_found': { status: 404, zh: '该账号没有可重置的密码。', en: 'This account has no password to reset' },
  },
});
