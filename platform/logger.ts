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
          // A failed statement carries its text and values (Sequelize inlines named replacements):
          // sign-in names (ID numbers, phones) and password hashes would reach the log with it.
          'err.sql', 'err.parameters', 'err.parent.sql', 'err.parent.parameters', 'err.original.sql',
          'err.original.parameters',
        ],
        censor: '[redacted]',
      },
    },
    // Commands whose standard output is their result (`bootstrap --json`) log to standard error.
    pino.destination(options.stderr ? 2 : 1),
  );
}
