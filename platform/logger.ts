import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One structured logger. Secrets, ID numbers and phones never reach it: the redact list is a
 * last line of defence, callers log masked values.
 */
export function createLogger(level: string, options: { stderr?: boolean } = {}): Logger {
  return pino(
    {
      level,
      base: { service: 'tongmen' },
      redact: {
        paths: [
          'password', '*.password', 'newPassword', '*.newPassword', 'idNumber', '*.idNumber', 'phone', '*.phone',
          'req.headers.authorization', 'req.headers.cookie', 'clientSecret', '*.clientSecret', 'initialPassword',
          '*.initialPassword',
        ],
        censor: '[redacted]',
      },
    },
    // Commands whose standard output is their result (`bootstrap --json`) log to standard error.
    pino.destination(options.stderr ? 2 : 1),
  );
}
