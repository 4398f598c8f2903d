import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** The request being served (set by `requestContext`): every log line written meanwhile carries its id. */
export const logScope = new AsyncLocalStorage<{ requestId: string }>();

// Free text (error messages, statements, URLs) is not covered by the redact paths: an 18-character ID
// number or an 11-digit mobile number anywhere in a line is masked as in R25 before the line is written.
const ID_NUMBER_TEXT = /(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])/g;
const PHONE_TEXT = /(?<![0-9A-Za-z])(1[3-9]\d)\d{4}(\d{4})(?![0-9A-Za-z])/g;
const PREFIXED_PHONE_TEXT = /(\+86[\s-]?)(1[3-9]\d)\d{4}(\d{4})(?!\d)/g;

/** Masks ID numbers and mobile numbers in a text (R25): `5201**********1234`, `135****2210`. */
export const maskPiiText = (line: string) =>
  line.replace(ID_NUMBER_TEXT, '$1**********$2').replace(PREFIXED_PHONE_TEXT, '$1$2****$3').replace(PHONE_TEXT, '$1****$2');

const REDACT = [
  'password', '*.password', 'newPassword', '*.newPassword', 'confirmPassword', '*.confirmPassword',
  'idNumber', '*.idNumber', 'phone', '*.phone', 'otp', '*.otp',
  'token', '*.token', 'access_token', '*.access_token', 'refresh_token', '*.refresh_token', 'id_token', '*.id_token',
  'secret', '*.secret', 'clientSecret', '*.clientSecret', 'client_secret', '*.client_secret',
  'initialPassword', '*.initialPassword', 'cookie', '*.cookie',
  'req.headers.authorization', 'req.headers.cookie', 'req.headers.dpop', 'res.headers["set-cookie"]',
  'headers.authorization', 'headers.cookie', 'headers.dpop',
  // A failed statement carries its text and values (Sequelize inlines named replacements):
  // sign-in names (ID numbers, phones) and password hashes would reach the log with it.
  'err.sql', 'err.parameters', 'err.parent.sql', 'err.parent.parameters', 'err.original.sql',
  'err.original.parameters',
];

/**
 * One structured logger (JSON lines). Secrets, ID numbers and phones never reach it: callers log
 * masked values; the redact list (secrets by field name) and the text masking of every line are the
 * last line of defence. A line written while a request is served carries its `requestId`.
 * `destination` replaces standard output (tests tee the lines into the run's PII scan).
 */
export function createLogger(level: string, options: { stderr?: boolean; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level,
      base: { service: 'tongmen' },
      redact: { paths: REDACT, censor: '[redacted]' },
      mixin: () => {
        const scope = logScope.getStore();
        return scope ? { requestId: scope.requestId } : {};
      },
      hooks: { streamWrite: maskPiiText },
    },
    // Commands whose standard output is their result (`bootstrap --json`) log to standard error.
    options.destination ?? pino.destination(options.stderr ? 2 : 1),
  );
}
