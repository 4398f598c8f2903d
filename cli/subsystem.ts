import { isAppError } from '../platform/errors.ts';
import { createLogger } from '../platform/logger.ts';
import { createSubsystem, listen } from '../subsystems/index.ts';
import { loadSubsystemSettings } from '../subsystems/kit/settings.ts';

/**
 * `npm run subsystem -- title`: one business subsystem on its own, a relying party of the Tongmen
 * at ISSUER (client secret in SUBSYSTEM_CLIENT_SECRET; README "How a subsystem uses Tongmen").
 */
const logger = createLogger(process.env['LOG_LEVEL'] ?? 'info');
try {
  const { subsystem, settings, port, host, cookieKeysGiven } = loadSubsystemSettings(process.argv[2] ?? '', process.env);
  if (!cookieKeysGiven) logger.warn('SUBSYSTEM_COOKIE_KEYS is not set: a random key signs the cookies; sessions end at restart');
  const { app, close } = await createSubsystem(subsystem, settings);
  const running = await listen(app, port, host);
  logger.info({ subsystem, url: settings.url, issuer: settings.issuer }, 'subsystem listening');
  const stop = async () => {
    await running.close();
    await close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  if (isAppError(err)) process.stderr.write(`The subsystem could not start: ${err.message} (${err.code})\n`);
  else logger.fatal({ err }, 'the subsystem could not start');
  process.exitCode = 1;
}
