import crypto from 'node:crypto';
import { startServer } from '../server/app.ts';
import { loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { UnitModel } from '../directory/models/index.ts';
import { loadDemo } from '../directory/bootstrap/demo.ts';

/**
 * `npm start`: the server on PORT (default 3000). On an empty embedded database (the default) it
 * loads the demo province and prints how to sign in; a real PostgreSQL never gets demo data.
 */
/**
 * How to sign in to the demo before the web console exists: an authorization URL of the public
 * `admin-console` client with a PKCE pair made now, and the token request that redeems the code.
 */
function demoSignInHowTo(issuer: string): string {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const redirect = `${issuer}/console/callback`;
  const auth = new URL(`${issuer}/auth`);
  for (const [k, v] of Object.entries({
    client_id: 'admin-console', response_type: 'code', scope: 'openid profile', redirect_uri: redirect,
    code_challenge: challenge, code_challenge_method: 'S256', resource: 'urn:tongmen:admin-api',
  })) auth.searchParams.set(k, v);
  return (
    `Sign in (管理员登录): open\n  ${auth}\nThe browser ends at ${redirect}?code=…; redeem the code for an admin-API token:\n` +
    `  curl -s ${issuer}/token -d grant_type=authorization_code -d client_id=admin-console -d redirect_uri=${redirect} \\\n` +
    `    -d code_verifier=${verifier} -d resource=urn:tongmen:admin-api -d code=CODE\n` +
    `then call e.g. curl -H "Authorization: Bearer TOKEN" ${issuer}/admin/v1/units (API: ${issuer}/admin/v1/openapi.json)\n`
  );
}

const config = loadConfig();
const logger = createLogger(config.logLevel);
if (config.initialPassword) logger.warn('INITIAL_PASSWORD is set: every new or reset account gets the same initial password (R20)');
if (config.adminMfa === 'off') logger.warn('ADMIN_MFA=off: administrators sign in without a second factor (development and tests only)');
else logger.warn(`ADMIN_MFA=${config.adminMfa}: the second factor (R23) is not in this release yet; administrators sign in with a password only`);

try {
  const running = await startServer(process.env, logger);
  const { base, services } = running.tongmen;
  logger.info({ issuer: running.url, database: base.db.kind }, 'Tongmen listening');
  if (config.demo && base.db.kind === 'embedded' && (await UnitModel.count()) === 0) {
    const logins = await loadDemo(base, services);
    const lines = logins.map((l) => `  ${l.who}\n    用户名 username: ${l.username}\n    初始密码 initial password: ${l.initialPassword ?? '(unchanged)'}`);
    process.stdout.write(
      `\n演示数据已载入 / Demo province loaded. Each account must change its initial password at first sign-in (R20).\n` +
        `${lines.join('\n')}\n\n${demoSignInHowTo(running.url)}\n`,
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
