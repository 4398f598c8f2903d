import { SUBSYSTEMS, type Subsystem } from '../../platform/config.ts';

export { SUBSYSTEMS, type Subsystem };

/**
 * The module catalogue (SPEC §7), versioned with the code: each subsystem's resource modules with
 * their Chinese names. Module codes are `subsystem:module`. The pseudo-subsystem `org` holds the
 * directory's own delegable function (affiliation review, R13).
 */
export const MODULES: Record<Subsystem | 'org', Record<string, string>> = {
  personnel: {
    'basic-info': '基础信息管理',
    'post-setup': '岗位设置管理',
    'post-change': '岗位变动管理',
    employment: '人员聘用管理',
    rewards: '奖励管理',
    sanctions: '处分管理',
    training: '培训管理',
    'annual-review': '年度考核管理',
    recruitment: '公开招聘管理',
    recusal: '回避管理',
    statistics: '统计分析',
    appeals: '申诉管理',
    disputes: '人事争议处理管理',
    exchange: '人员交流管理',
  },
  title: {
    experts: '专家库管理',
    committees: '评委会管理',
    apply: '职称在线申报',
    'unit-verify': '单位内部核验',
    'unit-recommend': '单位推荐上报',
    'forward-upward': '上级单位流转',
    review: '审核',
    evaluate: '评审',
    certificates: '职称证书管理',
    'continuing-education': '继续教育管理',
    policies: '政策库管理',
    integrity: '诚信档案库管理',
  },
  talent: {
    postdoc: '博士后管理',
    overseas: '留学人员管理',
    experts: '专家管理',
    'high-level': '高层次人才引进管理',
    'green-card': '人才服务绿卡',
    'special-allowance': '政府特殊津贴管理',
    'hr-agencies': '人力资源服务机构管理',
  },
  allocation: {
    transfer: '事业单位调配工作管理',
    reassignment: '事业单位人员划转工作办理',
    'new-hire': '事业单位新进人员聘用工作办理',
    veterans: '退役士兵安置接收工作办理',
  },
  org: {
    'affiliation-review': '归口审核',
  },
};

export const SUBSYSTEM_NAMES: Record<Subsystem | 'org', string> = {
  personnel: '事业单位人事管理',
  title: '职称评审管理',
  talent: '人才服务管理',
  allocation: '人员调配管理',
  org: '单位与归口',
};

export type RoleSubsystem = Subsystem | 'org';
export const ROLE_SUBSYSTEMS: readonly RoleSubsystem[] = [...SUBSYSTEMS, 'org'];

export const moduleCode = (subsystem: RoleSubsystem, module: string) => `${subsystem}:${module}`;


/** True when `code` is a module of `subsystem` (roles are built from one subsystem's modules, R15). */
export function isModuleOf(subsystem: RoleSubsystem, code: string): boolean {
  const [s, m] = code.split(':');
  return s === subsystem && m !== undefined && m in MODULES[subsystem];
}

/** The resource indicator of each subsystem and of the admin API (SPEC §5). */
export const RESOURCES = {
  admin: 'urn:tongmen:admin-api',
  personnel: 'urn:tongmen:personnel',
  title: 'urn:tongmen:title',
  talent: 'urn:tongmen:talent',
  allocation: 'urn:tongmen:allocation',
} as const;

export const subsystemOfResource = (resource: string): Subsystem | undefined =>
  SUBSYSTEMS.find((s) => RESOURCES[s] === resource);

/** The provincial catalogue seeded with the platform (SPEC §7): one reviewer-style role per subsystem at least. */
export const SEEDED_ROLES: Array<{ code: string; name: string; subsystem: RoleSubsystem; modules: string[] }> = [
  { code: 'title.applicant', name: '个人职称申报', subsystem: 'title', modules: ['title:apply'] },
  { code: 'title.expert', name: '评审专家', subsystem: 'title', modules: ['title:evaluate'] },
  {
    code: 'title.reviewer',
    name: '职称子系统-审核',
    subsystem: 'title',
    modules: ['title:unit-verify', 'title:unit-recommend', 'title:forward-upward'],
  },
  {
    code: 'title.admin-review',
    name: '职称子系统-人社审核',
    subsystem: 'title',
    modules: ['title:review', 'title:certificates', 'title:committees', 'title:experts'],
  },
  {
    code: 'personnel.reviewer',
    name: '事业单位人事-审核',
    subsystem: 'personnel',
    modules: ['personnel:post-setup', 'personnel:post-change', 'personnel:employment', 'personnel:recruitment'],
  },
  {
    code: 'personnel.clerk',
    name: '事业单位人事-经办',
    subsystem: 'personnel',
    modules: ['personnel:basic-info', 'personnel:rewards', 'personnel:training', 'personnel:annual-review'],
  },
  {
    code: 'talent.reviewer',
    name: '人才服务-审核',
    subsystem: 'talent',
    modules: ['talent:postdoc', 'talent:overseas', 'talent:experts', 'talent:high-level'],
  },
  {
    code: 'allocation.reviewer',
    name: '人员调配-审核',
    subsystem: 'allocation',
    modules: ['allocation:transfer', 'allocation:reassignment', 'allocation:new-hire', 'allocation:veterans'],
  },
  { code: 'org.affiliation-reviewer', name: '归口审核', subsystem: 'org', modules: ['org:affiliation-review'] },
];
