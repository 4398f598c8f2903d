/**
 * The one text rule for everything a client sends (issue 5 item 8): admin-API params, query and
 * body (the guard) and the sign-in forms. Text is stored exactly as sent or refused — never
 * silently altered:
 * - U+0000 is refused: PostgreSQL text cannot hold it (a bound value fails the query, an inlined
 *   one is rewritten to a backslash and a zero).
 * - A lone UTF-16 surrogate is refused: PostgreSQL's JSON refuses its escape (a 500), and the UTF-8
 *   encoder of a bound value silently turns it into U+FFFD (data changed without a word).
 * - No Unicode normalization (NFC): it would map CJK compatibility ideographs in names to other
 *   code points, a silent change of how a name is written. What arrives is what is kept.
 * Nesting is limited so that nothing recursive (schema validation, JSON columns) ever sees a
 * document deep enough to overflow the stack; the walk itself is iterative.
 */
export const MAX_INPUT_DEPTH = 32;

export interface TextIssue {
  /** Dotted path of the offending value (or of the key, for a bad key). */
  path: string;
  code: 'nul_character' | 'lone_surrogate';
  message: string;
}

export type InputCheck = { ok: true } | { ok: false; tooDeep: true } | { ok: false; tooDeep: false; issues: TextIssue[] };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The problem with one string, if any. */
export function textProblem(s: string): Pick<TextIssue, 'code' | 'message'> | undefined {
  if (s.includes('\u0000')) return { code: 'nul_character', message: 'Text may not contain the NUL character' };
  if (LONE_SURROGATE.test(s)) return { code: 'lone_surrogate', message: 'Text may not contain a lone UTF-16 surrogate (not valid Unicode)' };
  return undefined;
}

/**
 * Walks a parsed input (JSON, query or form) without recursion: refuses it as too deep when
 * containers nest more than `maxDepth` levels, else lists every string (value or key) that breaks
 * the text rule, with its path.
 */
export function inspectInput(value: unknown, maxDepth = MAX_INPUT_DEPTH): InputCheck {
  const issues: TextIssue[] = [];
  const stack: Array<{ value: unknown; path: string[]; depth: number }> = [{ value, path: [], depth: 0 }];
  const check = (s: string, path: string[]) => {
    const problem = textProblem(s);
    if (problem) issues.push({ path: path.join('.'), ...problem });
  };
  while (stack.length) {
    const { value: v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      check(v, path);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > maxDepth) return { ok: false, tooDeep: true };
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    for (const [key, child] of entries) {
      const childPath = [...path, key];
      if (!Array.isArray(v)) check(key, childPath);
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  if (issues.length) return { ok: false, tooDeep: false, issues: issues.reverse() };
  return { ok: true };
}
