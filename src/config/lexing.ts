/**
 * Pieces shared by the two ANTLR-derived grammars (OmegaConf interpolations, Hydra overrides): their
 * common number and escape token patterns, sticky-regex matchers, and escape removal.
 */

const INT_UNSIGNED = '(?:0|[1-9](?:_?[0-9])*)';
const DIGITS = '[0-9](?:_?[0-9])*';
// Alternatives ordered so that JS's first-match equals the lexer's longest match.
const POINT_FLOAT = `(?:${INT_UNSIGNED}?\\.${DIGITS}|${INT_UNSIGNED}\\.)`;
const EXPONENT_FLOAT = `(?:(?:${INT_UNSIGNED}|${POINT_FLOAT})[eE][+-]?${DIGITS})`;

export const INT_UNSIGNED_PATTERN = INT_UNSIGNED;
export const FLOAT_PATTERN = `[+-]?(?:${EXPONENT_FLOAT}|${POINT_FLOAT}|[Ii][Nn][Ff]|[Nn][Aa][Nn])`;
export const INT_PATTERN = `[+-]?${INT_UNSIGNED}`;
export const BOOL_PATTERN = '[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]';
export const NULL_PATTERN = '[Nn][Uu][Ll][Ll]';
export const UNQUOTED_CHAR_PATTERN = '[/\\-\\\\+.$%*@?|]';
/** ESC: runs of `\\`, `\(`, `\)`, `\[`, `\]`, `\{`, `\}`, `\:`, `\=`, `\,`, `\ `, `\<tab>`. */
export const ESC_PATTERN = '(?:\\\\\\\\|\\\\\\(|\\\\\\)|\\\\\\[|\\\\\\]|\\\\\\{|\\\\\\}|\\\\:|\\\\=|\\\\,|\\\\ |\\\\\\t)+';

/** Length of the match of `pattern` at `pos` (anchored there), or -1. */
export type Matcher = (s: string, pos: number) => number;

export function stickyMatcher(pattern: string): Matcher {
  const r = new RegExp(pattern, 'y');
  return (s, pos) => {
    r.lastIndex = pos;
    const m = r.exec(s);
    return m ? m[0].length : -1;
  };
}

/** Drop the escaping backslashes of an ESC-like token: Python's `text[1::2]`. */
export function everyOther(text: string): string {
  let out = '';
  for (let i = 1; i < text.length; i += 2) out += text[i];
  return out;
}
