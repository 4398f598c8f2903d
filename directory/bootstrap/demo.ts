import type { Directory } from '../index.ts';
import { AppError } from '../../platform/errors.ts';
import type { Actor } from '../actor.ts';
import { sampleIdNumber, samplePhone, sampleUscc } from '../codes/synthetic-codes.ts';
import { bootstrapProvince, type BootstrapResult } from './bootstrap.ts';

/** The demo's sign-ins and the first-party clients bootstrap made (their secrets shown once: `npm start` runs the subsystems with them). */
export interface DemoProvince {
  logins: DemoLogin[];
  clients: BootstrapResult['clients'];
}

export interface DemoLogin {
  who: string;
  username: string;
  initialPassword: string | null;
}

/**
 * A small demo province for a first `npm start` on an empty embedded database: two cities, a county,
 * competent departments, employers (one with a derived code, one sub-institution), operators with
 * roles, all affiliated. Built through the same services the admin API calls, so it obeys every rule.
 * The ID numbers and phones are synthetic (valid check digits, no real person).
 */
export async function loadDemo(env: { issuer: string }, services: Directory): Promise<DemoProvince> {
  const meta = { requestId: 'demo-seed' };
  const person = (n: number, name: string) => ({ name, idNumber: sampleIdNumber(n), phone: samplePhone(n) });
  const root = await bootstrapProvince(env, services, {
    unitName: '贵州省人力资源和社会保障厅',
    uscc: sampleUscc(1),
    adminDivision: '520000',
    admin: person(1, '省厅管理员'),
  });
  const logins: DemoLogin[] = [
    { who: '省人社厅管理员 (province administrator)', username: root.admin.username, initialPassword: root.admin.initialPassword },
    { who: '省人社厅单位账号 (province unit account)', username: root.unitAccount.username, initialPassword: root.unitAccount.initialPassword },
  ];
  const actor = async (accountId: string): Promise<Actor> => {
    const a = await services.actors.load(accountId);
    if (!a) throw new AppError(500, 'demo.actor_missing', 'Demo actor vanished');
    return a;
  };
  const create = async (creator: string, body: Parameters<Directory['units']['create']>[1]) => {
    const made = await services.units.create(await actor(creator), body, meta);
    await services.affiliation.decide(
      await actor(creator),
      (await services.affiliation.request(await actor(made.admin.accountId), (await services.actors.load(creator))!.unitId, meta)).id,
      true,
      undefined,
      meta,
    );
    return made;
  };
  const provinceAdmin = root.admin.accountId;
  const guiyang = await create(provinceAdmin, { kind: 'hrss', name: '贵阳市人力资源和社会保障局', uscc: sampleUscc(2), adminDivision: '520100', admin: person(2, '贵阳市局管理员') });
  const zunyi = await create(provinceAdmin, { kind: 'hrss', name: '遵义市人力资源和社会保障局', uscc: sampleUscc(3), adminDivision: '520300', admin: person(3, '遵义市局管理员') });
  const county = await create(guiyang.admin.accountId, { kind: 'hrss', name: '清镇市人力资源和社会保障局', uscc: sampleUscc(4), adminDivision: '520181', admin: person(4, '清镇市局管理员') });
  const education = await create(provinceAdmin, { kind: 'competent', name: '贵州省教育厅', uscc: sampleUscc(5), responsibilities: '教育系统事业单位主管部门', admin: person(5, '省教育厅管理员') });
  const university = await create(education.admin.accountId, { kind: 'employer', category: 'institution', name: '贵州示范大学', uscc: sampleUscc(6), admin: person(6, '示范大学管理员') });
  const school = await create(university.admin.accountId, { kind: 'employer', category: 'institution', name: '贵州示范大学附属中学', admin: person(7, '附中管理员') });
  await create(county.admin.accountId, { kind: 'employer', category: 'institution', name: '清镇市第一中学', admin: person(8, '清镇一中管理员') });
  void zunyi;
  logins.push({ who: '贵阳市人社局管理员 (city administrator)', username: sampleIdNumber(2), initialPassword: guiyang.admin.initialPassword });
  logins.push({ who: '示范大学管理员 (employer administrator)', username: sampleIdNumber(6), initialPassword: university.admin.initialPassword });

  const operator = async (adminId: string, n: number, name: string, roles: string[], who: string) => {
    const made = await services.accounts.createOperator(await actor(adminId), person(n, name), roles, meta);
    logins.push({ who, username: sampleIdNumber(n), initialPassword: made.initialPassword });
  };
  await operator(university.admin.accountId, 101, '张老师', ['title.applicant'], '示范大学经办 · 职称申报 (title applicant)');
  await operator(university.admin.accountId, 102, '李人事', ['title.reviewer', 'personnel.clerk'], '示范大学经办 · 职称审核+人事 (title reviewer)');
  await operator(education.admin.accountId, 103, '王审核', ['title.reviewer'], '省教育厅经办 · 职称审核 (competent reviewer)');
  await operator(provinceAdmin, 104, '赵评审', ['title.admin-review', 'org.affiliation-reviewer'], '省人社厅经办 · 职称/归口审核 (province reviewer)');
  void school;
  return { logins, clients: root.clients };
}
