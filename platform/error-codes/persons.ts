import { defineErrors } from './define.ts';

/** Real-name persons (R8) and the one answer about a person out of sight (R10, issue 5 item 4). */
export const personErrors = defineErrors({
  name: 'persons',
  answeredBy: ['admin-api'],
  codes: {
    'person.name_invalid': { status: 400, zh: '姓名须为 1 至 100 个字符。', en: 'Name must be 1 to 100 characters' },
    'person.id_number_invalid': {
      status: 400,
      zh: '身份证号码无效。',
      en: 'The citizen ID number is not valid',
      description: '`details.reason`: `format`, `check_character` or `birth_date`. The message never repeats the number.',
      zhByDetail: {
        key: 'reason',
        messages: {
          format: '身份证号码须为 18 位：17 位数字加 1 位数字或 X。',
          check_character: '身份证号码第 18 位校验码与前 17 位不符，请检查是否输错。',
          birth_date: '身份证号码第 7–14 位不是有效的出生日期。',
        },
      },
    },
    'person.phone_invalid': {
      status: 400,
      zh: '手机号须为 11 位中国大陆手机号，以 13–19 开头（可带 +86）。',
      en: 'Phone must be an 11-digit mainland mobile number starting with 13-19 (an optional +86 prefix is allowed)',
    },
    'person.name_mismatch': { status: 409, zh: '该身份证号码登记的姓名与填写的不一致。', en: 'This ID number is registered under another name' },
    'person.phone_mismatch': { status: 409, zh: '手机号与此人登记的不一致。', en: 'The phone differs from the one registered for this person' },
    'person.phone_in_use': { status: 409, zh: '该手机号已登记给他人。', en: 'This phone number is registered to another person' },
    'person.exists': {
      status: 409,
      zh: '此人刚由另一请求登记，请重试。',
      en: 'This person was registered by another request at the same time; try again',
    },
    'person.unavailable': {
      status: 409,
      zh: '无法从本单位登记此人；如其已在其他单位持有账号，请由两者共同的上级单位办理。',
      en: 'This person cannot be registered from your unit; if they already hold accounts elsewhere, ask a unit above both',
      description: 'R10: the one answer about a person outside the caller’s sight, whatever matched.',
    },
    'person.lookup_throttled': {
      status: 429,
      zh: '对管辖范围外人员的查询过于频繁，请稍后再试。',
      en: 'Too many requests about persons outside your jurisdiction; try again later',
      description: '`details.retryAfterSeconds`; the `Retry-After` header says the same.',
    },
  },
});
