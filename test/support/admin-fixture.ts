import { sampleUscc } from '../../directory/codes/synthetic-codes.ts';
import { openBootstrappedCore, samplePerson } from './core.ts';
import { startAdminApp } from './admin-app.ts';

let usccSeq = 8100;

/**
 * A small province for admin-API tests: province → city hrss → county hrss → employer, all
 * affiliated (confirmed), a second city (a sibling jurisdiction), and an operator in the county
 * and in the employer. Built through the directory services, served over HTTP by `startAdminApp`.
 */
export async function openAdminFixture() {
  const core = await openBootstrappedCore();
  const app = await startAdminApp(core);
  const { units, affiliation, accounts } = core.services;
  const meta = core.meta;

  /** Creates a unit under `creator` and has the creator confirm its affiliation (R4, R13). */
  async function child(creatorAdminId: string, kind: 'hrss' | 'competent' | 'employer', name: string) {
    const creator = await core.actor(creatorAdminId);
    const made = await units.create(creator, { kind, ...(kind === 'employer' ? { category: 'institution' as const } : {}), name, uscc: sampleUscc(usccSeq++), responsibilities: '', admin: samplePerson(`${name}管理员`) }, meta);
    const req = await affiliation.request(await core.actor(made.admin.accountId), creator.unitId, meta);
    await affiliation.decide(creator, req.id, true, undefined, meta);
    return { unitId: made.unit.id, adminId: made.admin.accountId, unitAccountId: made.unitAccount.id };
  }

  async function operator(adminId: string, roles?: string[]) {
    const made = await accounts.createOperator(await core.actor(adminId), samplePerson('经办人'), roles, meta);
    return made.account.id;
  }

  const province = { unitId: core.root.unit.id, adminId: core.root.admin.accountId };
  const city = await child(province.adminId, 'hrss', '某市人社局');
  const county = await child(city.adminId, 'hrss', '某县人社局');
  const employer = await child(county.adminId, 'employer', '某县医院');
  const city2 = await child(province.adminId, 'hrss', '另一市人社局');
  const countyOperator = await operator(county.adminId);
  const employerOperator = await operator(employer.adminId);

  return {
    core,
    app,
    api: app.api,
    token: app.tokenFor,
    province,
    city,
    county,
    employer,
    city2,
    countyOperator,
    employerOperator,
    operator,
    child,
    async close() {
      await app.close();
      await core.close();
    },
  };
}

export type AdminFixture = Awaited<ReturnType<typeof openAdminFixture>>;
