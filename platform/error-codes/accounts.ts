import { defineErrors } from './define.ts';

/** Accounts: who may act on which (R6, R7, R9, R10), offboarding (R12), migration (R11). */
export const accountErrors = defineErrors({
  name: 'accounts',
  answeredBy: ['admin-api'],
  codes: {
    'account.not_found': {
      status: 404,
      zh: '账号不存在，或不在您的管辖范围内。',
      en: 'Account not found',
      description: 'Also for an account outside the caller’s jurisdiction (R10).',
    },
    'account.not_active': { status: 409, zh: '该账号不是在用状态。', en: 'The account is not active' },
    'account.exists': {
      status: 409,
      zh: '此人在该单位已有同类在用账号。',
      en: 'This person already has an active account of this kind in this unit',
    },
    'account.already_offboarded': { status: 409, zh: '该账号已清理。', en: 'The account is already offboarded' },
    'account.not_offboardable': {
      status: 409,
      zh: '单位账号随单位终止：请停用单位。',
      en: 'A unit account ends with its unit: disable the unit',
    },
    'account.not_own_operator': {
      status: 403,
      zh: '管理员只能管理本单位的经办账号（R10）。',
      en: "Administrators manage only their own unit's operator accounts (R10)",
    },
    'account.power_exceeded': {
      status: 403,
      zh: '该账号的权限超出您的权限：请由上级单位或单位账号办理。',
      en: "This account's powers exceed yours; ask the unit above or the unit account",
      description: '`details.rule` and `details.reason` say which of R6, R7, R9 applies.',
    },
    'account.person_not_governed': {
      status: 403,
      zh: '此人还持有您不管理的其他账号。',
      en: 'This person also holds accounts that you do not manage',
      description: 'R10: a password or phone is shared by all accounts of a person; the caller must cover each.',
    },
    'account.not_hrss_admin': {
      status: 409,
      zh: '只有人社部门的管理员有管理范围（R6）。',
      en: 'Only administrators of hrss units have a scope (R6)',
    },
    'account.not_migratable': { status: 409, zh: '只有在用的经办账号可以调动。', en: 'Only active operator accounts migrate' },
    'account.same_unit': { status: 409, zh: '该账号已在该单位。', en: 'The account is already in that unit' },
    'migration.not_found': { status: 404, zh: '调动申请不存在。', en: 'Migration request not found' },
    'migration.pending_exists': { status: 409, zh: '该账号已有待处理的调动申请。', en: 'A migration of this account is already pending' },
    'migration.decided': { status: 409, zh: '该申请已处理。', en: 'The request is already decided' },
  },
});
