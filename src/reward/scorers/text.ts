/** String helpers with Python's semantics, where verl's scorers depend on them. */

function hasSurrogates(s: string): boolean {
  return /[\uD800-\uDFFF]/.test(s);
}

/** Python's `s[-n:]`: the last n code points (not UTF-16 units). */
export function lastCodePoints(s: string, n: number): string {
  if (!hasSurrogates(s)) return s.length > n ? s.slice(s.length - n) : s;
  const cps = Array.from(s);
  return cps.length > n ? cps.slice(cps.length - n).join('') : s;
}

/** Python's len(s). */
export function codePointLength(s: string): number {
  return hasSurrogates(s) ? Array.from(s).length : s.length;
}

/** Python's `str.isdigit()`: non-empty and every character a digit (decimal digits and the superscripts). */
export function pyIsDigit(s: string): boolean {
  return /^[\p{Nd}\u00B2\u00B3\u00B9\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247C\u2488-\u2490\u24F5-\u24FD\u24FF\u2776-\u277E\u2780-\u2788\u278A-\u2792\u1369-\u1371\u19DA]+$/u.test(s);
}

/** Python's whitespace (str.isspace): JS's \s without U+FEFF, plus U+001C–U+001F and U+0085. */
export const PY_SPACE = '[\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g');

/** Python's `str.strip()` with no argument. */
export function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

/** `str.split(sep)` then the last piece (Python's `s.split(sep)[-1]`). */
export function lastPiece(s: string, sep: string): string {
  const i = s.lastIndexOf(sep);
  return i < 0 ? s : s.slice(i + sep.length);
}
