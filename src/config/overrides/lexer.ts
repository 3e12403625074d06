/**
 * Tokens of Hydra's override grammar (OverrideLexer.g4): a KEY mode until `=`, then a VALUE mode.
 * ANTLR lexer semantics: longest match, ties to the earlier rule.
 */
import type { Matcher } from '../lexing.js';
import { BOOL_PATTERN, ESC_PATTERN, FLOAT_PATTERN, INT_PATTERN, INT_UNSIGNED_PATTERN, NULL_PATTERN, stickyMatcher as re, UNQUOTED_CHAR_PATTERN } from '../lexing.js';

export type OverrideTokenType =
  | 'EQUAL'
  | 'TILDE'
  | 'PLUS'
  | 'AT'
  | 'COLON'
  | 'SLASH'
  | 'KEY_SPECIAL'
  | 'DOT_PATH'
  | 'POPEN'
  | 'COMMA'
  | 'PCLOSE'
  | 'BRACKET_OPEN'
  | 'BRACKET_CLOSE'
  | 'BRACE_OPEN'
  | 'BRACE_CLOSE'
  | 'FLOAT'
  | 'INT'
  | 'BOOL'
  | 'NULL'
  | 'UNQUOTED_CHAR'
  | 'ID'
  | 'ESC'
  | 'WS'
  | 'QUOTED_VALUE'
  | 'INTERPOLATION'
  | 'EOF'
  | 'ERROR';

export interface OverrideToken {
  type: OverrideTokenType;
  text: string;
  start: number;
}

/** Display names ANTLR uses in "expecting ..." (literal names where the token is a plain literal). */
export const TOKEN_DISPLAY: Record<OverrideTokenType, string> = {
  EQUAL: 'EQUAL',
  TILDE: "'~'",
  PLUS: "'+'",
  AT: "'@'",
  COLON: "':'",
  SLASH: "'/'",
  KEY_SPECIAL: 'KEY_SPECIAL',
  DOT_PATH: 'DOT_PATH',
  POPEN: 'POPEN',
  COMMA: 'COMMA',
  PCLOSE: 'PCLOSE',
  BRACKET_OPEN: 'BRACKET_OPEN',
  BRACKET_CLOSE: 'BRACKET_CLOSE',
  BRACE_OPEN: 'BRACE_OPEN',
  BRACE_CLOSE: 'BRACE_CLOSE',
  FLOAT: 'FLOAT',
  INT: 'INT',
  BOOL: 'BOOL',
  NULL: 'NULL',
  UNQUOTED_CHAR: 'UNQUOTED_CHAR',
  ID: 'ID',
  ESC: 'ESC',
  WS: 'WS',
  QUOTED_VALUE: 'QUOTED_VALUE',
  INTERPOLATION: 'INTERPOLATION',
  EOF: '<EOF>',
  ERROR: '<ERROR>',
};

const INT_UNSIGNED = INT_UNSIGNED_PATTERN;
const KEY_SPECIAL = '[a-zA-Z_$][a-zA-Z0-9_\\-$]*';

/** QUOTED_VALUE: up to the first matching quote preceded by an even number of backslashes. */
function quotedValue(s: string, pos: number): number {
  const q = s[pos];
  if (q !== "'" && q !== '"') return -1;
  for (let p = pos + 1; p < s.length; p++) {
    if (s[p] !== q) continue;
    let backslashes = 0;
    while (p - 1 - backslashes > pos && s[p - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return p - pos + 1;
  }
  return -1;
}

/** INTERPOLATION: '${' ~('}')+ '}'. */
function interpolation(s: string, pos: number): number {
  if (!s.startsWith('${', pos)) return -1;
  const close = s.indexOf('}', pos + 2);
  return close > pos + 2 ? close - pos + 1 : -1;
}

interface Rule {
  type: OverrideTokenType;
  match: Matcher;
  toValueMode?: boolean;
}

const KEY_RULES: Rule[] = [
  { type: 'EQUAL', match: re('=[ \\t]*'), toValueMode: true },
  { type: 'TILDE', match: re('~') },
  { type: 'PLUS', match: re('\\+') },
  { type: 'AT', match: re('@') },
  { type: 'COLON', match: re(':') },
  { type: 'SLASH', match: re('/') },
  { type: 'ID', match: re('[a-zA-Z_][a-zA-Z0-9_\\-]*') },
  { type: 'KEY_SPECIAL', match: re(KEY_SPECIAL) },
  { type: 'DOT_PATH', match: re(`(?:${KEY_SPECIAL}|${INT_UNSIGNED})(?:\\.(?:${KEY_SPECIAL}|${INT_UNSIGNED}))+`) },
];

const VALUE_RULES: Rule[] = [
  { type: 'POPEN', match: re('[ \\t]*\\([ \\t]*') },
  { type: 'COMMA', match: re('[ \\t]*,[ \\t]*') },
  { type: 'PCLOSE', match: re('[ \\t]*\\)') },
  { type: 'BRACKET_OPEN', match: re('\\[[ \\t]*') },
  { type: 'BRACKET_CLOSE', match: re('[ \\t]*\\]') },
  { type: 'BRACE_OPEN', match: re('\\{[ \\t]*') },
  { type: 'BRACE_CLOSE', match: re('[ \\t]*\\}') },
  { type: 'COLON', match: re('[ \\t]*:[ \\t]*') },
  { type: 'EQUAL', match: re('[ \\t]*=[ \\t]*') },
  { type: 'FLOAT', match: re(FLOAT_PATTERN) },
  { type: 'INT', match: re(INT_PATTERN) },
  { type: 'BOOL', match: re(BOOL_PATTERN) },
  { type: 'NULL', match: re(NULL_PATTERN) },
  { type: 'UNQUOTED_CHAR', match: re(UNQUOTED_CHAR_PATTERN) },
  { type: 'ID', match: re('[a-zA-Z_][a-zA-Z0-9_\\-]*') },
  { type: 'ESC', match: re(ESC_PATTERN) },
  { type: 'WS', match: re('[ \\t]+') },
  { type: 'QUOTED_VALUE', match: quotedValue },
  { type: 'INTERPOLATION', match: interpolation },
];

/**
 * Tokenize an override. A character no rule matches yields an ERROR token at its position; the parser
 * raises it (as ANTLR's LexerNoViableAltException) only if it reads that far.
 */
export function tokenizeOverride(input: string): OverrideToken[] {
  const tokens: OverrideToken[] = [];
  let valueMode = false;
  let pos = 0;
  while (pos < input.length) {
    const rules = valueMode ? VALUE_RULES : KEY_RULES;
    let best: Rule | undefined;
    let bestLen = 0;
    for (const rule of rules) {
      const len = rule.match(input, pos);
      if (len > bestLen) {
        best = rule;
        bestLen = len;
      }
    }
    if (!best) {
      tokens.push({ type: 'ERROR', text: input[pos], start: pos });
      return tokens;
    }
    tokens.push({ type: best.type, text: input.slice(pos, pos + bestLen), start: pos });
    pos += bestLen;
    if (best.toValueMode) valueMode = true;
  }
  tokens.push({ type: 'EOF', text: '<EOF>', start: input.length });
  return tokens;
}
