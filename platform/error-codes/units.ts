import { defineErrors } from './define.ts';

/** Units: codes (R1, R2), creation (R3–R5), administrators (R6, R7), maintenance and disabling. */
export const unitErrors = defineErrors({
  name: 'units',
  answeredBy: ['admin-api'],
  codes: {
    'unit.not_found': {
      status: 404,
      zh: '单位不存在，或不在您的管辖范围内。',
      en: 'Unit not found',
      description: 'Also for a unit outside the caller’s jurisdiction (R10).',
    },
    'unit.uscc_invalid': {
      status: 400,
      zh: '统一社会信用代码无效。',
      en: 'The unified social credit code (USCC) is not valid',
      description: 'R1. `details.position` (1-based) and `details.reason`; `details.overridable` when a province administrator may accept it.',
      zhByDetail: {
        key: 'reason',
        messages: {
          length: '统一社会信用代码须为 18 位。',
          charset: '统一社会信用代码第 {position} 位的字符不允许：只能使用数字和除 I、O、S、V、Z 以外的大写字母。',
          organization_code_check: '统一社会信用代码第 17 位与组织机构代码（第 9–17 位）的校验不符，请检查第 9–17 位是否输错。',
          check_character: '统一社会信用代码第 18 位校验码与前 17 位不符，请检查是否输错。',
        },
      },
    },
    'unit.lookup_throttled': {
      status: 429,
      zh: '查询单位过于频繁，请一分钟后再试。',
      en: 'Too many unit lookups; try again in a minute',
      description: 'Issue 8: the province-wide upper-unit lookup is limited per administrator. `details.retryAfterSeconds`.',
    },
    'unit.category_required': {
      status: 400,
      zh: '请选择单位类别：事业单位、企业或社会组织。',
      en: 'An employer needs its category: institution, enterprise or social-organization',
      description: 'Issue 8: `category` is required when creating an employer.',
    },
    'unit.category_not_applicable': {
      status: 400,
      zh: '只有用人单位有单位类别（事业单位、企业、社会组织）。',
      en: 'Only employers have a category',
    },
    'unit.code_not_temporary': {
      status: 409,
      zh: '该单位已使用正式的统一社会信用代码，只有临时代码可以更换。',
      en: 'The unit already has its own code; only a temporary (derived) code is replaced',
      description: 'Issue 8 (R2): `PUT /units/{id}/code` replaces a derived code once.',
    },
    'unit.uscc_taken': { status: 409, zh: '已有单位使用该代码。', en: 'A unit with this code already exists' },
    'unit.uscc_override_forbidden': {
      status: 403,
      zh: '只有省级管理员可以接受未通过校验的代码。',
      en: 'Only a province administrator may accept a code that fails its check',
    },
    'unit.derived_code_exhausted': {
      status: 409,
      zh: '该单位下的临时社会信用代码已用尽（序号 01–99）。',
      en: 'No derived code left under this unit: serials run from 01 to 99',
      description: 'R2. `details.parentCode`, `details.serial`.',
    },
    'unit.creation_not_allowed': {
      status: 403,
      zh: '本单位不能创建该类别或级别的单位。',
      en: 'Your unit may not create a unit of this kind or level',
    },
    'unit.creator_inactive': { status: 403, zh: '本单位已停用。', en: 'Your unit is disabled' },
    'unit.inactive': { status: 403, zh: '本单位已停用。', en: 'Your unit is disabled' },
    'unit.update_own_forbidden': {
      status: 403,
      zh: '本单位的名称和区划由上级单位维护。',
      en: "A unit's name and division are maintained by the unit above it",
    },
    'unit.change_own_admin': {
      status: 403,
      zh: '管理员不能更换本单位的管理员，须由单位账号或上级单位更换。',
      en: "An administrator cannot replace its own unit's administrator; the unit account or the unit above does",
    },
    'unit.single_admin': { status: 409, zh: '只有人社部门可以有多名管理员（R6）。', en: 'Only hrss units have several administrators (R6)' },
    'unit.last_admin': {
      status: 409,
      zh: '单位须保留其在用管理员（R6）：请通过 PUT /units/{id}/admin 更换管理员。',
      en: 'A unit keeps its active administrator (R6): replace it with PUT /units/{id}/admin',
      description: 'R6: every unit keeps one active administrator; an hrss unit keeps at least one with scope `all`.',
    },
    'unit.admin_exists': { status: 409, zh: '该单位已有在用管理员（R6）。', en: 'The unit already has an active administrator (R6)' },
    'unit.account_exists': { status: 409, zh: '该单位已有单位账号。', en: 'The unit already has its unit account' },
    'unit.disable_own': { status: 403, zh: '单位不能停用自己。', en: 'A unit cannot disable itself' },
  },
});
