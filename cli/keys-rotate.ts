import { loadConfig } from '../platform/config.ts';
import { isAppError } from '../platform/errors.ts';
import { createLogger } from '../platform/logger.ts';
import { openCore } from '../server/core.ts';
import { PUBLISH_BEFORE_SIGNING_MS, RETIRED_PUBLISHED_MS, rotateSigningKeys } from '../identity/keys.ts';

/**
 * `npm run keys:rotate` (issue 7, R24): one step of signing-key rotation on the shared database.
 * Run it once to publish new `next` keys; run it again after PUBLISH_BEFORE_SIGNING_MS to let them
 * sign (the old ones stay published until their tokens expire) and to publish the following ones.
 * Running nodes pick the change up within a minute, without a restart.
 */
const config = loadConfig();
const logger = createLogger(config.logLevel, { stderr: true });
let core: Awaited<ReturnType<typeof openCore>> | undefined;
try {
  core = await openCore(config, config.issuer ?? `http://localhost:${config.port}`, logger);
  const result = await rotateSigningKeys(core.base.db.sequelize, core.base.pii, { now: new Date(), audit: core.base.audit });
  const line = (label: string, kids: string[]) => `${label}: ${kids.length ? kids.join(' ') : '-'}\n`;
  process.stdout.write(
    `Signing keyring version ${result.version}\n` +
      line('published as next (not signing yet)', result.added) +
      line('now signing', result.promoted) +
      line(`retired (published ${RETIRED_PUBLISHED_MS / 60_000} more minutes)`, result.retired) +
      line('dropped', result.dropped) +
      `Run keys:rotate again in ${PUBLISH_BEFORE_SIGNING_MS / 60_000} minutes or later to let the next keys sign.\n`,
  );
} catch (err) {
  process.stderr.write(
    isAppError(err) ? `error: ${err.message} (${err.code}) ${JSON.stringify(err.details ?? {})}\n` : `error: ${String(err)}\n`,
  );
  if (!isAppError(err)) logger.fatal({ err }, 'key rotation failed');
  process.exitCode = 1;
} finally {
  await core?.base.db.close();
}
