import { defineErrors } from './define.ts';

/**
 * The e-SSC card app's signed sign-in assertion (R22, identity/essc/): each refusal has its own code
 * so the audit event says why a confirmation was not accepted.
 */
export const esscErrors = defineErrors({
  name: 'essc',
  answeredBy: ['sign-in'],
  codes: {
    'essc.assertion_malformed': {
      status: 400,
      zh: '电子社保卡扫码确认的数据格式无效。',
      en: 'The e-SSC assertion is not a well-formed signed assertion',
      description: 'Not a compact JWS of three parts, unreadable header or payload, or larger than the limit.',
    },
    'essc.assertion_unsigned': {
      status: 400,
      zh: '电子社保卡扫码确认未签名。',
      en: 'The e-SSC assertion is not signed',
      description: 'No algorithm, `alg: none`, or an empty signature.',
    },
    'essc.assertion_foreign_signed': {
      status: 401,
      zh: '电子社保卡扫码确认的签名无法验证：它不是由电子社保卡应用签发的。',
      en: 'The e-SSC assertion’s signature does not verify against the configured card-app key',
      description: '`details.reason`: `signature` (wrong key or altered content) or `algorithm` (an algorithm the configured key does not use).',
    },
    'essc.assertion_incomplete': {
      status: 400,
      zh: '电子社保卡扫码确认缺少必要信息（票据、身份证号码、姓名或签发时间）。',
      en: 'The e-SSC assertion lacks a required claim or a claim has the wrong form',
      description: '`details.fields` names the claims that are missing or ill-formed.',
    },
    'essc.assertion_expired': {
      status: 400,
      zh: '电子社保卡扫码确认已过期，请重新扫码。',
      en: 'The e-SSC assertion is too old or dated in the future',
      description: '`details.reason`: `too_old` or `in_future` (beyond the allowed clock skew).',
    },
    'essc.ticket_mismatch': {
      status: 400,
      zh: '电子社保卡扫码确认与当前二维码不符，请重新扫码。',
      en: 'The e-SSC assertion confirms a different sign-in ticket',
    },
    'essc.ticket_unknown': {
      status: 404,
      zh: '二维码不存在，请在登录页面重新获取二维码。',
      en: 'No such QR sign-in ticket',
    },
    'essc.ticket_expired': {
      status: 410,
      zh: '二维码已过期（有效期 2 分钟），请刷新登录页面的二维码后重新扫码。',
      en: 'The QR sign-in ticket has expired',
    },
    'essc.ticket_used': {
      status: 409,
      zh: '二维码已使用或已被刷新，请扫描登录页面上的新二维码。',
      en: 'The QR sign-in ticket was already confirmed, used or replaced by a newer one',
    },
    'essc.assertion_replayed': {
      status: 409,
      zh: '该扫码确认已提交过，不能重复使用。',
      en: 'This e-SSC assertion was already posted once',
    },
    'essc.person_mismatch': {
      status: 403,
      zh: '电子社保卡的身份证号码和姓名与本平台登记的人员不符。',
      en: 'No person of the platform has this ID number and name',
      description: 'One answer whether the ID number is unknown or the name differs (the audit event says which).',
    },
    'essc.no_active_account': {
      status: 403,
      zh: '您在本平台没有可用的账号（账号已停用或已注销），请联系本单位管理员。',
      en: 'The person has no active account',
    },
    'essc.not_configured': {
      status: 503,
      zh: '电子社保卡扫码登录未启用（未配置电子社保卡公钥）。',
      en: 'QR sign-in with the e-SSC is not configured (ESSC_PUBLIC_KEY is not set)',
      exposed: true,
    },
  },
});
