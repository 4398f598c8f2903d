import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { openCore } from '../server/core.ts';
import { loadConfig } from '../platform/config.ts';
import { isAppError } from '../platform/errors.ts';
import { createLogger } from '../platform/logger.ts';
import { progressBar } from './import-report.ts';

/**
 * `npm run seed:province -- --units N --accounts M [--out FILE.json] [--append] [--seed S] [--batch-size B]`
 * Issue 11: a synthetic province for load tests, loaded through the directory's bulk paths
 * (`directory/seed/`). `--out` writes what a benchmark needs to sign in and to aim at.
 */
const usage = `usage: npm run seed:province -- --units N --accounts M [--out FILE.json] [--append] [--seed S] [--batch-size B]
  N units below the province root (at least 120), M real-name accounts (at least N + 1: one administrator per unit and the root's);
  refuses a database that already holds a province unless --append (then loads below its root).`;
const { values } = parseArgs({
  options: {
    units: { type: 'string' },
    accounts: { type: 'string' },
    out: { type: 'string' },
    append: { type: 'boolean', default: false },
    seed: { type: 'string' },
    'batch-size': { type: 'string' },
  },
  strict: true,
});
const int = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
const units = int(values.units);
const accounts = int(values.accounts);
if (units === undefined || accounts === undefined) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}

const config = loadConfig();
const logger = createLogger('warn', { stderr: true });
let core: Awaited<ReturnType<typeof openCore>> | undefined;
try {
  core = await openCore(config, config.issuer ?? `http://localhost:${config.port}`, logger);
  const result = await core.services.provinceSeeder.run(core.base.issuer, {
    units,
    accounts,
    append: values.append,
    seed: int(values.seed),
    batchSize: int(values['batch-size']),
    onProgress: progressBar(process.stderr),
  });
  const s = result.seconds;
  process.stdout.write(
    `Province ${result.provinceUnitId}: ${result.units} units (${Math.round(result.units / s.units)}/s), ` +
      `${result.accounts} real-name accounts (operators ${Math.round((result.accounts - result.units) / s.accounts)}/s), ` +
      `${result.unitAccounts} unit accounts, ${result.roleGrants} role grants in ${s.total.toFixed(1)} s.\n` +
      'Loaded people have no usable password: they sign in by SMS code or QR, then set one.\n',
  );
  if (values.out) {
    const { provinceAdmin, deepUnitAdmin } = result;
    const out = {
      provinceUnitId: result.provinceUnitId,
      provinceAdmin: { username: provinceAdmin.username, password: provinceAdmin.password, accountId: provinceAdmin.accountId },
      deepUnitId: result.deepUnitId,
      deepUnitAdmin: { username: deepUnitAdmin.username, password: deepUnitAdmin.password, accountId: deepUnitAdmin.accountId },
      largeUnitId: result.largeUnitId,
      clients: result.clients,
      units: result.units,
      accounts: result.accounts,
      unitAccounts: result.unitAccounts,
      roleGrants: result.roleGrants,
      seconds: result.seconds,
    };
    await writeFile(values.out, `${JSON.stringify(out, null, 2)}\n`, { mode: 0o600 });
    process.stdout.write(`Wrote ${values.out} (it holds two administrators' passwords and the clients' secrets).\n`);
  }
} catch (err) {
  if (isAppError(err)) process.stderr.write(`error: ${err.message} (${err.code})\n`);
  else logger.fatal({ err }, 'seed failed');
  process.exitCode = isAppError(err) && err.status < 500 ? 1 : 2;
} finally {
  await core?.base.db.close();
}
