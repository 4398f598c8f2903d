import { defineErrors } from './define.ts';

/** The business-role catalogue (R15, R16), grants (R9, R17) and role-change requests (R13, R16). */
export const roleErrors = defineErrors({
  name: 'roles',
  answeredBy: ['admin-api'],
  codes: {
    'role.not_found': { status: 404, zh: '角色不存在。', en: 'Role not found' },
    'role.unknown': { status: 400, zh: '角色代码不存在。', en: 'Unknown role codes', description: '`details.codes` lists them.' },
    'role.code_taken': { status: 409, zh: '已有角色使用该代码。', en: 'A role with this code already exists' },
    'role.module_invalid': {
      status: 400,
      zh: '角色只能由其所属子系统的资源模块组成（R15）。',
      en: 'A role is built only from modules of its subsystem (R15)',
    },
    'role.not_grantable': {
      status: 403,
      zh: '只能授予省级角色，以及本单位或上级人社部门的角色（R17）。',
      en: 'Only provincial roles and roles of hrss units above or at the unit may be granted (R17)',
    },
    'role.disabled': { status: 409, zh: '已停用的角色不能授予。', en: 'Disabled roles cannot be granted' },
    'role.separation_of_duties': {
      status: 403,
      zh: '单位账号和管理员账号不持有业务角色（R9）。',
      en: 'Unit and administrator accounts never hold business roles (R9)',
    },
    'role.not_owner': {
      status: 403,
      zh: '该角色属于上级单位，请由其修改（R16）。',
      en: 'This role belongs to a unit above yours; ask it to change the role (R16)',
    },
    'role_change.not_found': { status: 404, zh: '角色变更申请不存在。', en: 'Role-change request not found' },
    'role_change.subsystem_required': { status: 400, zh: '提议新角色须指明所属子系统。', en: 'A proposed new role needs a subsystem' },
    'role_change.no_reviewer': {
      status: 409,
      zh: '本单位尚未确认归口到上级人社部门：请先发起归口（R13）；角色变更申请提交给归口链上最近的人社部门（R16）。',
      en: 'Your unit has no confirmed hrss unit above it: affiliate it first (R13)',
    },
    'role_change.code_for_new_role': {
      status: 400,
      zh: '只有提议新角色时才需给出角色代码（请去掉 roleCode）。',
      en: 'A code is proposed only for a new role (omit roleCode)',
    },
    'role_change.code_required': {
      status: 400,
      zh: '请为新角色指定代码：该提议未给出代码。',
      en: 'Give the new role a code: the proposal names none',
    },
    'role_change.name_required': {
      status: 400,
      zh: '该提议未给出角色名称：请答复或拒绝，或以 apply: false 接受。',
      en: 'The proposal names no role; answer or reject it, or accept with apply: false',
    },
    'role_change.closed': { status: 409, zh: '该申请已办结。', en: 'The request is already closed' },
    'role_change.not_reviewer': { status: 403, zh: '该申请正等待其他单位处理。', en: 'The request is waiting for another unit' },
    'role_change.province_decides': {
      status: 409,
      zh: '省级单位直接接受或拒绝，没有上级可以转交。',
      en: 'The province accepts or rejects; it has no unit above',
    },
    'role_change.province_only': { status: 403, zh: '只有省人社部门可以接受或拒绝（R16）。', en: 'Only the province hrss unit accepts or rejects (R16)' },
  },
});
