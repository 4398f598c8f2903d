import { defineErrors } from './define.ts';

/**
 * Issue 8 — the legacy import (sheets from the old platform). Most codes name why one row was
 * refused: they appear in the per-row report (`code`, with the row's `sheet` and `line`), not as an
 * HTTP answer. The sheet-level ones (unreadable file, missing columns) refuse the whole run.
 */
export const importErrors = defineErrors({
  name: 'imports',
  answeredBy: ['admin-api', 'cli'],
  codes: {
    'import.not_found': { status: 404, zh: '导入任务不存在。', en: 'Import job not found' },
    'import.node_lost': {
      status: 503,
      zh: '执行导入的服务节点已停止，导入未完成；已写入的行保留，请重新导入（已有的行会被识别为未变化）。',
      en: 'The node running the import stopped; rows written stay, import again (they are recognised as unchanged)',
      description: 'A job’s `error` when its node died (its heartbeat stopped).',
      exposed: true,
    },
    'seed.size_invalid': {
      status: 400,
      zh: '省级测试数据规模无效：至少 120 个单位，账号数不少于单位数加一。',
      en: 'A province needs at least 120 units, and at least one account per unit plus the root’s',
      description: 'Issue 11 — `npm run seed:province`.',
    },
    'seed.province_exists': {
      status: 409,
      zh: '该数据库中已有省级单位；如需在其下追加测试数据，请加 --append。',
      en: 'This database already holds a province; give --append to load more units below its root',
      description: 'Issue 11 — `npm run seed:province` refuses to mix its synthetic province into an existing one unless told.',
    },
    'seed.no_province_admin': {
      status: 409,
      zh: '省级单位没有在用的全权管理员。',
      en: 'The province root has no active administrator with scope all',
      description: 'Issue 11 — `npm run seed:province -- --append` loads as that administrator.',
    },
    'import.no_files': { status: 400, zh: '请至少提供单位、账号或授权表中的一个。', en: 'Give at least one of the units, accounts or grants sheets' },
    'import.file_unreadable': {
      status: 400,
      zh: '文件无法读取：请上传 xlsx 或 UTF-8 编码的 CSV 文件。',
      en: 'The file cannot be read: upload an xlsx or a UTF-8 CSV file',
      description: '`details.file` names it.',
    },
    'import.columns_missing': {
      status: 400,
      zh: '表格缺少必需的列。',
      en: 'The sheet lacks required columns',
      description: '`details.missing` lists the Chinese headers expected (README, docs/import-templates/).',
    },
    'import.value_invalid': {
      status: 400,
      zh: '该行某列的值无效。',
      en: 'A value of the row is not valid',
      description: 'Row report: `details.column` names the column (单位名称, 单位类型, 行政区划, 账号类型…).',
    },
    'import.duplicate_row': {
      status: 409,
      zh: '与同一表格中前面的行重复。',
      en: 'The row repeats an earlier row of the same sheet',
      description: 'Row report: `details.firstLine` is the line kept.',
    },
    'import.parent_unknown': {
      status: 400,
      zh: '上级（创建）单位代码不存在，且未出现在表格前面的行中。',
      en: 'The upper (creator) unit code is neither known nor on an earlier row',
      description: 'Units are created top-down: a unit’s creator must exist or appear on an earlier line (R4).',
    },
    'import.parent_failed': { status: 400, zh: '上级（创建）单位所在的行导入失败。', en: 'The row of the upper (creator) unit failed' },
    'import.derived_code_mismatch': {
      status: 400,
      zh: '临时代码须为上级单位代码加两位序号（R2）。',
      en: 'A derived code is the upper unit’s code followed by a two-digit serial (R2)',
    },
    'import.affiliation_not_allowed': {
      status: 400,
      zh: '该单位不能隶属于其上级单位（R13），请将“隶属关系已确认”改为“否”。',
      en: 'This unit may not be affiliated to its upper unit (R13); mark the affiliation unconfirmed',
    },
    'import.unit_unknown': { status: 400, zh: '所属单位代码不存在。', en: 'The unit code is not known' },
    'import.unit_failed': { status: 400, zh: '所属单位所在的行导入失败。', en: 'The row of the account’s unit failed' },
    'import.account_kind': {
      status: 400,
      zh: '账号表只导入经办人；单位管理员在单位表中导入（R7）。',
      en: 'The accounts sheet imports operators; a unit’s administrator comes with the units sheet (R7)',
    },
    'import.account_unknown': { status: 400, zh: '该人员在所属单位没有经办人账号。', en: 'The person has no operator account in that unit' },
    'import.account_failed': { status: 400, zh: '该人员账号所在的行导入失败。', en: 'The row of this person’s account failed' },
  },
});
