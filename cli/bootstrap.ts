import { parseArgs } from 'node:util';
import { openCore } from '../server/core.ts';
import { loadConfig } from '../platform/config.ts';
import { isAppError } from '../platform/errors.ts';
import { createLogger } from '../platform/logger.ts';
import { bootstrapProvince } from '../directory/bootstrap/bootstrap.ts';

/**
 * `npm run bootstrap -- --unit-name … --uscc … --admin-name … --admin-id-number … --admin-phone … [--json]`
 * R5: creates the province root unit, its unit account and first administrator, the provincial role
 * catalogue and the first-party clients.
 */
const usage = `usage: npm run bootstrap -- --unit-name NAME --uscc CODE --admin-name NAME --admin-id-number ID --admin-phone PHONE [--admin-division 520000] [--uscc-override] [--json]`;
const { values } = parseArgs({
  options: {
    'unit-name': { type: 'string' },
    uscc: { type: 'string' },
    'uscc-override': { type: 'boolean', default: false },
    'admin-division': { type: 'string' },
    'admin-name': { type: 'string' },
    'admin-id-number': { type: 'string' },
    'admin-phone': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});
const required = ['unit-name', 'uscc', 'admin-name', 'admin-id-number', 'admin-phone'] as const;
const missing = required.filter((k) => !values[k]);
if (missing.length) {
  process.stderr.write(`missing ${missing.map((m) => `--${m}`).join(', ')}\n${usage}\n`);
  process.exit(2);
}

const config = loadConfig();
const logger = createLogger(values.json ? 'warn' : config.logLevel, { stderr: true });
const issuer = config.issuer ?? `http://localhost:${config.port}`;
let core: Awaited<ReturnType<typeof openCore>> | undefined;
try {
  core = await openCore(config, issuer, logger);
  const result = await bootstrapProvince(core.base, core.services, {
    unitName: values['unit-name']!,
    uscc: values.uscc!,
    usccOverride: values['uscc-override'],
    ...(values['admin-division'] ? { adminDivision: values['admin-division'] } : {}),
    admin: { name: values['admin-name']!, idNumber: values['admin-id-number']!, phone: values['admin-phone']! },
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(
      `Province root unit ${result.unit.uscc} created (id ${result.unit.id}).\n` +
        `Unit account: ${result.unitAccount.username} / initial password ${result.unitAccount.initialPassword}\n` +
        `Administrator: ${result.admin.username} / initial password ${result.admin.initialPassword}\n` +
        `Clients:\n${result.clients.map((c) => `  ${c.clientId}${c.clientSecret ? ` secret ${c.clientSecret}` : ' (public, PKCE)'} → ${c.redirectUris.join(' ')}`).join('\n')}\n` +
        'Initial passwords must be changed at first sign-in. Keep the client secrets: they are shown once.\n',
    );
  }
} catch (err) {
  if (isAppError(err) && err.status < 500) {
    process.stderr.write(`${values.json ? JSON.stringify({ error: { code: err.code, message: err.message, details: err.details } }) : `error: ${err.message} (${err.code})`}\n`);
    process.exitCode = 1;
  } else if (isAppError(err)) {
    process.stderr.write(`error: ${err.message} (${err.code})\n`);
    process.exitCode = 1;
  } else {
    logger.fatal({ err }, 'bootstrap failed');
    process.exitCode = 1;
  }
} finally {
  await core?.base.db.close();
}
