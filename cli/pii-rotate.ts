import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config.ts';
import { isAppError } from '../platform/errors.ts';
import { createLogger } from '../platform/logger.ts';
import { openCore } from '../server/core.ts';
import { rotatePii } from '../server/pii-rotate.ts';

/**
 * `npm run pii:rotate` (issue 12, R25): re-encrypts every value sealed under an older PII key with
 * the current one (the first of PII_KEY), in batches, while the servers keep serving; prints what it
 * did as JSON. `--batch N` sets the batch size (default 500). `--print-lookup-key` prints the
 * lookup-hash key in effect instead (set it as PII_LOOKUP_KEY before the oldest key leaves PII_KEY).
 * The procedure is in docs/security.md, "Personal information".
 */
const { values: args } = parseArgs({ options: { batch: { type: 'string' }, 'print-lookup-key': { type: 'boolean' } } });
const config = loadConfig();
const logger = createLogger(config.logLevel, { stderr: true });
let core: Awaited<ReturnType<typeof openCore>> | undefined;
try {
  core = await openCore(config, config.issuer ?? `http://localhost:${config.port}`, logger);
  if (args['print-lookup-key']) {
    process.stdout.write(`${core.base.pii.revealLookupKey()}\n`);
  } else {
    const batchSize = args.batch ? Number(args.batch) : undefined;
    if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) throw new Error('--batch must be a positive integer');
    const result = await rotatePii(core.base, core.services, {
      ...(batchSize ? { batchSize } : {}),
      onBatch: (column, done) => process.stderr.write(`${column}: ${done}\r`),
    });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (Object.values(result.remaining).some((n) => n > 0)) {
      process.stderr.write('Some values are still under an older key (rows busy or unreadable): run pii:rotate again.\n');
      process.exitCode = 2;
    } else if (!config.piiLookupKey) {
      process.stderr.write('Before removing the oldest key from PII_KEY, set PII_LOOKUP_KEY (npm run pii:rotate -- --print-lookup-key).\n');
    }
  }
} catch (err) {
  process.stderr.write(isAppError(err) ? `error: ${err.message} (${err.code})\n` : `error: ${String(err)}\n`);
  if (!isAppError(err)) logger.fatal({ err }, 'PII key rotation failed');
  process.exitCode = 1;
} finally {
  await core?.base.db.close();
}
