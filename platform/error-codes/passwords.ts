import { defineErrors } from './define.ts';

/**
 * A new password chosen by its owner (R18), refused in the sign-in pages' forced change. The
 * pages show these Chinese words of each rule (identity/pages/i18n.ts takes them from here) and
 * word the English themselves; the same rules hold for any other client of the credential service.
 */
export const passwordErrors = defineErrors({
  name: 'passwords',
  answeredBy: ['sign-in'],
  codes: {
    'password.policy_violation': {
      status: 400,
      zh: '新密码不符合密码策略。',
      en: 'The password does not meet the password policy',
      description: '`details.rule` names the rule (R18); the message never repeats the password.',
      zhByDetail: {
        key: 'rule',
        messages: {
          too_short: '新密码太短。',
          too_long: '新密码太长：最多 128 位。',
          classes: '新密码须包含大写字母、小写字母、数字、符号中的至少三类。',
          initial: '新密码不能与初始密码相同。',
          contains_id: '新密码不能包含身份证号。',
          contains_phone: '新密码不能包含手机号。',
          contains_username: '新密码不能包含登录名。',
          common: '新密码过于常见，请换一个。',
          history: '新密码不能与最近 5 次使用过的密码相同。',
        },
      },
    },
    'password.changed_concurrently': { status: 409, zh: '密码已被修改，请重新登录。', en: 'The password was changed meanwhile; sign in again' },
  },
});
