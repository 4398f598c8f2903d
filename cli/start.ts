import { startServer } from '../server/app.ts';
import { loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { UnitModel } from '../directory/models/index.ts';
import { loadDemo } from '../directory/bootstrap/demo.ts';

/**
 * `npm start`: the server on PORT (default 3000). On an empty embedded database (the default) it
 * loads the demo province and prints how to sign in; a real PostgreSQL never gets demo data.
 */
const config = loadConfig();
const logger = createLogger(config.logLevel);
if (config.initialPassword) logger.warn('INITIAL_PASSWORD is set: every new or reset account gets the same initial password (R20)');
if (config.adminMfa === 'off') logger.warn('ADMIN_MFA=off: administrators sign in without a second factor (development and tests only)');

try {
  const running = await startServer(process.env, logger);
  const { base, services } = running.tongmen;
  logger.info({ issuer: running.url, database: base.db.kind }, 'Tongmen listening');
  if (config.demo && base.db.kind === 'embedded' && (await UnitModel.count()) === 0) {
    const logins = await loadDemo(base, services);
    const lines = logins.map((l) => `  ${l.who}\n    用户名 username: ${l.username}\n    初始密码 initial password: ${l.initialPassword ?? '(unchanged)'}`);
    process.stdout.write(
      `\n演示数据已载入 / Demo province loaded. Sign in at ${running.url}/auth via a client, or with the admin console.\n` +
        `Each account must change its initial password at first sign-in (R20).\n${lines.join('\n')}\n\n`,
    );
  }
  const stop = async () => {
    logger.info('shutting down');
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  logger.fatal({ err }, 'Tongmen could not start');
  process.exitCode = 1;
}
