import { loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { openCore } from '../server/core.ts';
import { readKeyring } from '../identity/keys.ts';

/** `npm run keys:list`: the signing keys and their rotation states (issue 7, R24); never a private member. */
const config = loadConfig();
const logger = createLogger(config.logLevel, { stderr: true });
let core: Awaited<ReturnType<typeof openCore>> | undefined;
try {
  core = await openCore(config, config.issuer ?? `http://localhost:${config.port}`, logger);
  const { version, records } = await readKeyring(core.base.db.sequelize, core.base.pii, new Date());
  process.stdout.write(`Signing keyring version ${version}\n`);
  for (const r of records) {
    process.stdout.write(
      `${r.state.padEnd(8)} ${r.jwk.alg} ${r.jwk.kid} created ${r.createdAt}` +
        `${r.promotedAt ? ` signing since ${r.promotedAt}` : ''}${r.retiredAt ? ` retired ${r.retiredAt}` : ''}\n`,
    );
  }
} catch (err) {
  logger.fatal({ err }, 'listing signing keys failed');
  process.exitCode = 1;
} finally {
  await core?.base.db.close();
}
