/**
 * The error-code catalogue (issue 6 item 5): every code the product answers or prints, with its
 * status and its zh-CN and English messages, one small map per area. `AppError` takes only these
 * codes (and each helper only the codes of its status), so a typo does not compile;
 * `test/error-catalogue.test.ts` checks every throw site against it, and the admin API's OpenAPI
 * document publishes it.
 */
import { accountErrors } from './accounts.ts';
import { affiliationErrors } from './affiliation.ts';
import { authErrors } from './auth.ts';
import { clientErrors } from './clients.ts';
import { credentialErrors } from './credentials.ts';
import type { ErrorEntry, Surface } from './define.ts';
import { esscErrors } from './essc.ts';
import { importErrors } from './imports.ts';
import { passwordErrors } from './passwords.ts';
import { personErrors } from './persons.ts';
import { requestErrors } from './request.ts';
import { roleErrors } from './roles.ts';
import { secondFactorErrors } from './second-factor.ts';
import { signingKeyErrors } from './signing-keys.ts';
import { smsErrors } from './sms.ts';
import { startupErrors } from './startup.ts';
import { subsystemErrors } from './subsystems.ts';
import { systemErrors } from './system.ts';
import { unitErrors } from './units.ts';

export type { ErrorEntry, Surface } from './define.ts';

/** Every area, in the order the API document lists them. */
export const ERROR_AREAS = [
  requestErrors,
  authErrors,
  unitErrors,
  affiliationErrors,
  accountErrors,
  personErrors,
  credentialErrors,
  passwordErrors,
  roleErrors,
  importErrors,
  clientErrors,
  subsystemErrors,
  smsErrors,
  esscErrors,
  secondFactorErrors,
  signingKeyErrors,
  systemErrors,
  startupErrors,
] as const;

export const ERROR_CATALOGUE = {
  ...requestErrors.codes,
  ...authErrors.codes,
  ...unitErrors.codes,
  ...affiliationErrors.codes,
  ...accountErrors.codes,
  ...personErrors.codes,
  ...credentialErrors.codes,
  ...passwordErrors.codes,
  ...roleErrors.codes,
  ...importErrors.codes,
  ...clientErrors.codes,
  ...subsystemErrors.codes,
  ...smsErrors.codes,
  ...esscErrors.codes,
  ...secondFactorErrors.codes,
  ...signingKeyErrors.codes,
  ...systemErrors.codes,
  ...startupErrors.codes,
};

type Catalogue = typeof ERROR_CATALOGUE;
export type ErrorCode = keyof Catalogue;
/** The HTTP status a code is always thrown with. */
export type StatusOf<C extends ErrorCode> = Catalogue[C]['status'];
/** The codes thrown with status `S` (what `badRequest`, `notFound`… accept). */
export type CodeWithStatus<S extends number> = { [C in ErrorCode]: StatusOf<C> extends S ? C : never }[ErrorCode];

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CATALOGUE, code);

export const errorEntry = (code: ErrorCode): ErrorEntry => ERROR_CATALOGUE[code];

/** The surfaces that can answer `code`. */
export const surfacesOf = (code: ErrorCode): readonly Surface[] =>
  ERROR_AREAS.find((area) => Object.hasOwn(area.codes, code))?.answeredBy ?? [];

/** Whether a client sees the code itself: 4xx codes, and the 5xx codes marked `exposed` (`internal`). */
export const isExposed = (code: ErrorCode): boolean => {
  const entry = errorEntry(code);
  return entry.status < 500 || entry.exposed === true;
};

/** The codes a client of `surface` can see, in catalogue order. */
export const codesAnsweredBy = (surface: Surface): ErrorCode[] =>
  (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).filter((code) => surfacesOf(code).includes(surface) && isExposed(code));
