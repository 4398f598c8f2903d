import { defineErrors } from './define.ts';

/** What a subsystem's resource server answers through `subsystems/module-guard.ts` (R9, R15). */
export const subsystemErrors = defineErrors({
  name: 'subsystems',
  answeredBy: ['subsystems'],
  codes: {
    'subsystem.invalid_token': {
      status: 401,
      zh: '访问令牌无效、已过期或不属于本子系统。',
      en: 'The access token is invalid, expired or not for this subsystem',
    },
    'subsystem.dpop_unsupported': {
      status: 401,
      zh: '本子系统暂不能校验绑定密钥（DPoP）的令牌。',
      en: 'DPoP-bound tokens need a proof this subsystem cannot check yet',
    },
    'subsystem.separation_of_duties': { status: 403, zh: '单位账号和管理员账号不办理业务（R9）。', en: 'Unit and administrator accounts do no business (R9)' },
    'subsystem.module_forbidden': { status: 403, zh: '您的角色未授予该资源模块。', en: 'Your roles do not grant this module' },
    'subsystem.module_foreign': {
      status: 500,
      zh: '该资源模块不属于本子系统。',
      en: 'The module is not a module of this subsystem',
      description: 'A programming error of the subsystem (it guards a route with another subsystem’s module).',
    },
  },
});
