/**
 * Issue 11 — the shape of a synthetic province for `npm run seed:province`: pure functions, no
 * database. A plan is units in creation order (a unit always after its creator), each with a valid
 * code (R1 check characters, or a derived code R2 for some sub-institutions), and a rule that says
 * which unit each operator belongs to. Persons are made on demand from their index, so a million of
 * them never sit in memory at once.
 */
import { computeOrgCodeCheck, computeUsccCheck, derivedCode } from '../codes/uscc.ts';
import { makeIdNumber } from '../codes/synthetic-codes.ts';
import type { UnitCategory, UnitKind, UnitLevel } from '../models/index.ts';

export interface PlannedUnit {
  /** Position in the plan; `creator` and `parent` point at earlier positions (-1: the province root). */
  index: number;
  kind: UnitKind;
  level: UnitLevel | null;
  category: UnitCategory | null;
  name: string;
  uscc: string;
  derived: boolean;
  adminDivision: string;
  creator: number;
  /** Depth below the root (cities 1, counties 2, …). */
  depth: number;
  /** Next free derived-code serial of this unit (R2): past the derived codes of its sub-institutions. */
  nextDerivedSerial: number;
}

export interface ProvincePlan {
  units: PlannedUnit[];
  /** The deepest unit of the tree (a sub-institution several levels below a county). */
  deepUnit: number;
  /** An employer holding many operators (a large hospital). */
  largeUnit: number;
  /** Operators per planned unit (its administrator not counted). */
  operators: Uint32Array;
}

/** A small, fast, seeded generator (mulberry32): the same seed gives the same province. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PROVINCE_DIVISION = '520000';
const CITIES = ['贵阳市', '六盘水市', '遵义市', '安顺市', '毕节市', '铜仁市', '黔西南州', '黔东南州', '黔南州'];
const COUNTIES_PER_CITY = 10;
const DEPARTMENTS = ['教育局', '卫生健康局', '财政局', '民政局', '交通运输局', '农业农村局', '住房和城乡建设局', '自然资源局', '文化和旅游局', '市场监督管理局', '生态环境局', '水务局', '林业局', '司法局', '统计局'];
const EMPLOYER_KINDS: Array<{ suffix: string; category: UnitCategory; weight: number }> = [
  { suffix: '中学', category: 'institution', weight: 14 },
  { suffix: '小学', category: 'institution', weight: 14 },
  { suffix: '人民医院', category: 'institution', weight: 6 },
  { suffix: '卫生院', category: 'institution', weight: 8 },
  { suffix: '研究所', category: 'institution', weight: 4 },
  { suffix: '有限公司', category: 'enterprise', weight: 30 },
  { suffix: '股份有限公司', category: 'enterprise', weight: 8 },
  { suffix: '协会', category: 'social-organization', weight: 6 },
  { suffix: '基金会', category: 'social-organization', weight: 2 },
];
const SUB_NAMES = ['分院', '分校', '研究中心', '分公司', '办事处', '实验室'];
const PLACE = '东南西北中新华兴安平和源山河明阳光泰康宁德'.split('');
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛'.split('');
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫斌宇浩凯健俊帆帅旭宁'.split('');

/**
 * A USCC (R1) from its parts: registration authority and kind (`11` 机关, `12` 事业单位, `91` 企业,
 * `52` 民办非企业单位), the 6-digit division, an organization code made of `org` on 8 digits with its
 * GB 11714 check, and the GB 32100 check character.
 */
export function makeUscc(prefix: string, division: string, org: number): string {
  const org8 = String(org % 100_000_000).padStart(8, '0');
  const body = `${prefix}${division}${org8}${computeOrgCodeCheck(org8)}`;
  return body + computeUsccCheck(body);
}

const PREFIX: Record<UnitCategory | 'government', string> = { government: '11', institution: '12', enterprise: '91', 'social-organization': '52' };

/** A person of the run: the n-th gets a distinct valid ID number (R8) and phone, from the run's offset. */
export function plannedPerson(offset: number, n: number): { name: string; idNumber: string; phone: string } {
  const k = offset + n;
  // 90 county divisions × 20,000 birth days × 1,000 sequence numbers: 1.8 billion distinct ID numbers.
  const seq = k % 1000;
  const day = Math.floor(k / 1000) % 20_000;
  const county = Math.floor(k / 20_000_000) % 90;
  const division = `52${String(Math.floor(county / COUNTIES_PER_CITY) + 1).padStart(2, '0')}${String((county % COUNTIES_PER_CITY) + 1).padStart(2, '0')}`;
  const birth = new Date(Date.UTC(1960, 0, 1) + day * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  const name = SURNAMES[k % SURNAMES.length]! + GIVEN[Math.floor(k / SURNAMES.length) % GIVEN.length]! + (k % 3 === 0 ? '' : GIVEN[(k * 7) % GIVEN.length]!);
  // Phones 13x–19x: 7 × 10^9 numbers; the same index never gives the same phone twice.
  const phone = `1${3 + (Math.floor(k / 1e9) % 7)}${String(k % 1e9).padStart(9, '0')}`;
  return { name, idNumber: makeIdNumber(division, birth, String(seq).padStart(3, '0')), phone };
}

/**
 * Plans `units` units below the root (the root itself comes from the bootstrap) and `operators`
 * operators: 9 cities, 90 counties, competent departments at each level, employers created by the
 * departments and bureaus, sub-institutions (some with derived codes) down to a deep chain, and one
 * large employer. `orgOffset` makes the codes of one run distinct from another's.
 */
export function planProvince(opts: { units: number; operators: number; seed: number; orgOffset: number }): ProvincePlan {
  const random = seededRandom(opts.seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const units: PlannedUnit[] = [];
  let org = opts.orgOffset;
  const add = (u: Omit<PlannedUnit, 'index' | 'nextDerivedSerial' | 'uscc' | 'derived'> & { derivedFrom?: number }): number => {
    const index = units.length;
    let uscc: string;
    let derived = false;
    if (u.derivedFrom !== undefined) {
      const parent = units[u.derivedFrom]!;
      uscc = derivedCode(parent.uscc, parent.nextDerivedSerial++);
      derived = true;
    } else {
      uscc = makeUscc(PREFIX[u.category ?? 'government'], u.adminDivision, org++);
    }
    const { derivedFrom: _, ...rest } = u;
    units.push({ ...rest, index, uscc, derived, nextDerivedSerial: 1 });
    return index;
  };
  const budget = opts.units;
  const cities = CITIES.map((name, c) =>
    add({ kind: 'hrss', level: 'city', category: null, name: `${name}人力资源和社会保障局`, adminDivision: `52${String(c + 1).padStart(2, '0')}00`, creator: -1, depth: 1 }),
  );
  const counties = cities.flatMap((city, c) =>
    Array.from({ length: COUNTIES_PER_CITY }, (_, k) =>
      add({ kind: 'hrss', level: 'county', category: null, name: `${CITIES[c]}${pick(PLACE)}${pick(PLACE)}县人力资源和社会保障局`, adminDivision: `52${String(c + 1).padStart(2, '0')}${String(k + 1).padStart(2, '0')}`, creator: city, depth: 2 }),
    ),
  );
  if (budget < units.length + 20) throw new RangeError(`a province needs at least ${units.length + 20} units below the root (9 cities, 90 counties and some employers)`);
  // Competent departments (行政主管部门): 2.5 % of the units, a few at the province and in each city, the rest in the counties.
  const competentTotal = Math.max(3, Math.round(budget * 0.025));
  const hrssUnits = [-1, ...cities, ...counties];
  const competents: number[] = [];
  for (let i = 0; i < competentTotal; i++) {
    const at = i < Math.max(1, Math.round(competentTotal * 0.02)) ? -1 : i < Math.round(competentTotal * 0.12) ? cities[i % cities.length]! : counties[i % counties.length]!;
    const bureau = at === -1 ? null : units[at]!;
    const place = bureau ? bureau.name.replace('人力资源和社会保障局', '') : '省';
    competents.push(add({ kind: 'competent', level: null, category: null, name: `${place}${DEPARTMENTS[i % DEPARTMENTS.length]}`, adminDivision: bureau?.adminDivision ?? PROVINCE_DIVISION, creator: at, depth: (bureau?.depth ?? 0) + 1 }));
  }
  // The deep chain: county → department → employer → sub → sub → sub (a unit six levels below the root).
  const chainCounty = counties[0]!;
  const chainDept = competents.find((c) => units[c]!.creator === chainCounty) ?? competents[competents.length - 1]!;
  let deep = add({ kind: 'employer', level: null, category: 'institution', name: `${units[chainDept]!.name.replace(/局$/, '')}第一中学`, adminDivision: units[chainDept]!.adminDivision, creator: chainDept, depth: units[chainDept]!.depth + 1 });
  for (let d = 0; d < 3; d++) {
    const parent = units[deep]!;
    deep = add({ kind: 'employer', level: null, category: 'institution', name: `${parent.name}${SUB_NAMES[d]}`, adminDivision: parent.adminDivision, creator: deep, depth: parent.depth + 1, ...(d % 2 === 1 ? { derivedFrom: deep } : {}) });
  }
  const deepUnit = deep;
  // The large employer: a city hospital created by a city's health department.
  const cityHealth = competents.find((c) => units[units[c]!.creator]?.level === 'city') ?? competents[0]!;
  const largeUnit = add({ kind: 'employer', level: null, category: 'institution', name: `${units[cityHealth]!.name.replace(/局$/, '')}第一人民医院`, adminDivision: units[cityHealth]!.adminDivision, creator: cityHealth, depth: units[cityHealth]!.depth + 1 });
  // Employers: 75 % created by a department, the rest by a bureau directly; then sub-institutions below employers.
  const employerWeights = EMPLOYER_KINDS.reduce((s, k) => s + k.weight, 0);
  const employerKind = () => {
    let r = random() * employerWeights;
    for (const k of EMPLOYER_KINDS) if ((r -= k.weight) < 0) return k;
    return EMPLOYER_KINDS[0]!;
  };
  const topLevel = Math.round((budget - units.length) * 0.78);
  const employers: number[] = [];
  for (let i = 0; units.length < budget && i < topLevel; i++) {
    const creator = random() < 0.75 ? pick(competents) : pick(hrssUnits);
    const above = creator === -1 ? null : units[creator]!;
    const kind = employerKind();
    const place = above ? above.name.replace(/(人力资源和社会保障局|[^市州县]{2,8}局)$/, '') : '省';
    employers.push(add({ kind: 'employer', level: null, category: kind.category, name: `${place}${pick(PLACE)}${pick(PLACE)}${kind.suffix}`, adminDivision: above?.adminDivision ?? PROVINCE_DIVISION, creator, depth: (above?.depth ?? 0) + 1 }));
  }
  // Sub-institutions (下属机构): under employers, some under other sub-institutions; about half with a derived code (R2, at most 99 per parent).
  const parents = [...employers];
  while (units.length < budget) {
    const parentIndex = pick(parents);
    const parent = units[parentIndex]!;
    const derived = random() < 0.5 && parent.nextDerivedSerial <= 99;
    const child = add({ kind: 'employer', level: null, category: parent.category, name: `${parent.name}${pick(SUB_NAMES)}`.slice(0, 200), adminDivision: parent.adminDivision, creator: parentIndex, depth: parent.depth + 1, ...(derived ? { derivedFrom: parentIndex } : {}) });
    if (random() < 0.2) parents.push(child);
  }
  return { units, deepUnit, largeUnit, operators: spreadOperators(units, opts.operators, largeUnit, random) };
}

/**
 * Operators per unit: the large employer gets up to 10,000 (a tenth of all when fewer), every other
 * unit a share by weight — bureaus and departments more than employers, employers unevenly.
 */
function spreadOperators(units: PlannedUnit[], total: number, largeUnit: number, random: () => number): Uint32Array {
  const out = new Uint32Array(units.length);
  const large = Math.min(10_000, Math.floor(total / 10));
  out[largeUnit] = large;
  const weights = units.map((u, i) => (i === largeUnit ? 0 : u.kind === 'hrss' ? 40 : u.kind === 'competent' ? 8 : 0.2 + random() * random() * 20));
  const sum = weights.reduce((s, w) => s + w, 0);
  let left = total - large;
  for (let i = 0; i < units.length; i++) {
    const n = Math.min(left, Math.floor(((total - large) * weights[i]!) / sum));
    out[i] = out[i]! + n;
    left -= n;
  }
  for (let i = 0; left > 0; i = (i + 1) % units.length) {
    if (i === largeUnit) continue;
    out[i] = out[i]! + 1;
    left--;
  }
  return out;
}
