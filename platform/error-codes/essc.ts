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
  },
});
