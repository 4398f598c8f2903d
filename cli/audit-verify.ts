import { openCore } from '../server/core.ts';
import { loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';

/** `npm run audit:verify`: re-computes the audit hash chain (R25) and exits 1 at the first break. */
const config = loadConfig();
const core = await openCore(config, config.issuer ?? `http://localhost:${config.port}`, createLogger('warn', { stderr: true }));
try {
  const result = await core.base.audit.verifyChain();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (!result.ok) process.exitCode = 1;
} finally {
  await core.base.db.close();
}
