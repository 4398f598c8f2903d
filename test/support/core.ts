import { openCore } from '../../server/core.ts';
import { loadConfig } from '../../platform/config.ts';
import { teeAuditEvents, testLogger } from './pii-tee.ts';
import type { Actor } from '../../directory/actor.ts';
import { sampleIdNumber, samplePhone } from '../../directory/codes/synthetic-codes.ts';
import { bootstrapProvince } from '../../directory/bootstrap/bootstrap.ts';
import { freshDatabaseEnv } from './database.ts';

let n = 5000;
/** A synthetic real-name person, distinct within the test file. */
export const samplePerson = (name = '测试人员') => {
  const i = n++;
  return { name, idNumber: sampleIdNumber(i), phone: samplePhone(i) };
};

/**
 * The directory's services on a fresh database, without HTTP, bootstrapped with a province root.
 * For rule tests that need many setups quickly; flows through HTTP live in the e2e suites.
 */
export async function openBootstrappedCore() {
  const config = loadConfig({ NODE_ENV: 'test', ADMIN_MFA: 'off', ...(await freshDatabaseEnv()) });
  const core = await openCore(config, 'http://localhost:0', testLogger('silent'));
  const root = await bootstrapProvince(core.base, core.services, {
    unitName: '测试省人力资源和社会保障厅',
    uscc: '91350100M000100Y43',
    admin: samplePerson('省管理员'),
  });
  const actor = async (accountId: string): Promise<Actor> => (await core.services.actors.load(accountId))!;
  const meta = { requestId: 'test' };
  const close = async () => {
    await teeAuditEvents(core.base.db.sequelize);
    await core.base.db.close();
  };
  return { ...core, root, actor, meta, close };
}
