import { errorEntry, type ErrorCode } from './index.ts';

/** The languages of error messages: zh-CN, the product's language, unless the client asks for English. */
export type ErrorLanguage = 'zh-CN' | 'en';

/**
 * The language of an answer from an `Accept-Language` header: the preferred (highest `q`) of
 * Chinese and English; zh-CN when neither is named, the header is absent or `*` (as the sign-in
 * pages, SPEC §5: zh-CN by default, English available).
 */
export function errorLanguage(acceptLanguage: string | undefined | null): ErrorLanguage {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((r) => r.q > 0 && (r.tag.startsWith('zh') || r.tag.startsWith('en')))
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked[0]?.tag.startsWith('en') ? 'en' : 'zh-CN';
}

/**
 * The message of `code` in `lang`. English: the throw site's own message when it gave one (it may
 * name run-time values, which are also in `details`), else the catalogue's. zh-CN: the catalogue's,
 * made precise by `details` where the entry says how (`zhByDetail`, e.g. which password rule).
 */
export function errorMessage(code: ErrorCode, lang: ErrorLanguage, details?: Record<string, unknown>, english?: string): string {
  const entry = errorEntry(code);
  if (lang === 'en') return english || entry.en;
  const variant = entry.zhByDetail;
  const value = variant ? details?.[variant.key] : undefined;
  const precise = typeof value === 'string' && variant && Object.hasOwn(variant.messages, value) ? variant.messages[value] : undefined;
  if (!precise) return entry.zh;
  return precise.replace(/\{(\w+)\}/g, (all, key: string) => {
    const v = details?.[key];
    return typeof v === 'string' || typeof v === 'number' ? String(v) : all;
  });
}

/** The body of every error answer, `{"error": {code, message, details}}`, in `lang`. */
export function errorBody(code: ErrorCode, lang: ErrorLanguage, details?: Record<string, unknown>, english?: string) {
  return { error: { code, message: errorMessage(code, lang, details, english), ...(details ? { details } : {}) } };
}
