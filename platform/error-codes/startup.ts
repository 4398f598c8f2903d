import { defineErrors } from './define.ts';

/** Refusals of the command line (start, migrate, bootstrap): printed, never answered over HTTP. */
export const startupErrors = defineErrors({
  name: 'startup',
  answeredBy: ['cli'],
  codes: {
    'config.invalid': { status: 500, zh: '配置无效。', en: 'Invalid configuration' },
    'pii.key_unknown': { status: 500, zh: '加密数据使用了未知的密钥编号。', en: 'Encrypted value uses an unknown key id' },
    'database.embedded_in_use': {
      status: 409,
      zh: '内嵌数据库正被另一个统门进程使用。',
      en: 'The embedded database is in use by another Tongmen process',
    },
    'database.migration_forbidden': {
      status: 500,
      zh: '该数据库角色无权修改表结构：请以表结构所有者身份运行迁移（DATABASE_OWNER_URL）。',
      en: 'The database role may not change the schema: run the migrations as the schema owner (DATABASE_OWNER_URL)',
    },
    'bootstrap.already_done': { status: 409, zh: '省级根单位已存在：初始化只运行一次。', en: 'The province root unit already exists; bootstrap runs once' },
    'demo.actor_missing': { status: 500, zh: '演示数据的操作人不存在。', en: 'Demo actor vanished' },
  },
});
