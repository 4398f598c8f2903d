/**
 * Live checks of the forms with the server's own algorithms and messages (R1, R8): the pure code
 * checks of `directory/codes/` and the error catalogue's zh/en messages, bundled into the console —
 * so a typing error is named on blur exactly as the API would name it, before anything is sent.
 */
import { checkUscc } from '../../directory/codes/uscc.ts';
import { parseIdNumber } from '../../directory/codes/id-number.ts';
import { parsePhone } from '../../directory/codes/phone.ts';
import { isAppError } from '../../platform/errors.ts';
import { errorMessage } from '../../platform/error-codes/language.ts';
import { lang } from './i18n.ts';

const errLang = () => (lang.value === 'en' ? 'en' : 'zh-CN');

export function usccProblem(value: string): string | null {
  const r = checkUscc(value);
  if (r.ok) return null;
  return errorMessage('unit.uscc_invalid', errLang(), { position: r.position, reason: r.reason }, r.message);
}

function problemOf(parse: () => unknown): string | null {
  try {
    parse();
    return null;
  } catch (err) {
    if (isAppError(err)) return errorMessage(err.code, errLang(), err.details, err.message);
    throw err;
  }
}

export const idNumberProblem = (value: string) => problemOf(() => parseIdNumber(value));
export const phoneProblem = (value: string) => problemOf(() => parsePhone(value));

/** An Element Plus form rule from one of the checks above (run on blur). */
export const rule = (check: (v: string) => string | null, required = true) => ({
  trigger: 'blur',
  validator: (_r: unknown, value: string, cb: (e?: Error) => void) => {
    if (!value) return cb(required ? new Error(lang.value === 'en' ? 'Required' : '必填') : undefined);
    const p = check(value);
    cb(p ? new Error(p) : undefined);
  },
});
