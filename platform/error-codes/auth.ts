import { defineErrors } from './define.ts';

/** Authentication and authorization of an admin-API request (bearer or DPoP token, then the policy table). */
export const authErrors = defineErrors({
  name: 'auth',
  answeredBy: ['admin-api'],
  codes: {
    'auth.invalid_token': {
      status: 401,
      zh: '访问令牌缺失、无效或已过期，请重新登录。',
      en: 'The access token is invalid or expired',
      description: 'Also for a token sent under the wrong scheme. `WWW-Authenticate` carries the challenges.',
    },
    'auth.dpop_required': {
      status: 401,
      zh: '该访问令牌已绑定密钥，须以 DPoP 方式并附带证明发送。',
      en: 'This access token is bound to a key: send it as DPoP with a proof',
    },
    'auth.dpop_invalid': { status: 401, zh: 'DPoP 证明无效。', en: 'The DPoP proof is not valid' },
    'auth.account_inactive': {
      status: 401,
      zh: '该令牌对应的账号或登录已失效，请重新登录。',
      en: 'The account or sign-in behind this token is no longer active',
      description: 'The account was ended or disabled, or the sign-in revoked, after the token was issued (R12).',
    },
    'auth.mfa_required': {
      status: 403,
      zh: '该账号须使用第二因素（身份验证器或短信验证码）登录后才能使用管理接口，请退出后重新登录。',
      en: 'This account must sign in with a second factor to use the admin API: sign in again',
      description: 'R23: the token\'s `amr` lacks `mfa` while ADMIN_MFA requires a second factor for this administrator (e.g. a token issued while ADMIN_MFA was off).',
    },
    'auth.forbidden': {
      status: 403,
      zh: '无权执行此操作。',
      en: 'Not allowed',
      description: '`details` names the `action`, the `rule` (R-number) and the `reason`.',
    },
  },
});
