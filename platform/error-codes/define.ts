/**
 * The shape of the error-code catalogue (issue 6 item 5). Each area of the product keeps its own
 * small map of codes beside the others in this folder; `index.ts` joins them. The catalogue lives
 * in `platform/` because `AppError` (platform) types its `code` against it: a code that is not
 * catalogued, or a helper of the wrong status (`notFound('unit.uscc_taken', …)`), does not compile.
 */

/** Where a code can be answered: the admin API, the sign-in pages, a subsystem's resource server, the command line. */
export type Surface = 'admin-api' | 'sign-in' | 'subsystems' | 'cli';

export interface ErrorEntry {
  /** The HTTP status the code is always thrown with. */
  readonly status: number;
  /** The message in Simplified Chinese (the product's default language). */
  readonly zh: string;
  /**
   * The English message. A throw site may give a more precise English message naming run-time
   * values (e.g. the offending unit code); this one is the general text, used when it gives none.
   */
  readonly en: string;
  /** For the API document: when the code is given, beyond what the message says. */
  readonly description?: string;
  /**
   * A more precise Chinese message chosen by one field of `details` (e.g. `details.rule` of a
   * password refusal); a value not listed falls back to `zh`.
   */
  readonly zhByDetail?: { readonly key: string; readonly messages: Readonly<Record<string, string>> };
  /**
   * True when a client sees the code although its status is 5xx (e.g. `internal` itself). Other
   * 5xx codes are logged and answered as `internal`; 4xx codes are always answered as themselves.
   */
  readonly exposed?: boolean;
}

export interface ErrorArea<T extends Record<string, ErrorEntry>> {
  readonly name: string;
  readonly answeredBy: readonly Surface[];
  readonly codes: T;
}

/** Declares one area's codes; `const` keeps each code and status a literal type. */
export const defineErrors = <const T extends Record<string, ErrorEntry>>(area: ErrorArea<T>): ErrorArea<T> => area;
