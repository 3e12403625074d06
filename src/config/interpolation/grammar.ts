/**
 * OmegaConf 2.2's interpolation grammar (`${a.b}`, `${oc.env:X,d}`, nested, quoted, escaped) as a moded
 * lexer and a recursive-descent parser producing a small AST. Token rules follow OmegaConfGrammarLexer:
 * longest match wins, ties go to the rule listed first, modes are pushed/popped by tokens.
 */
import { PyError } from '../errors.js';
import type { Matcher } from '../lexing.js';
import { BOOL_PATTERN, ESC_PATTERN, FLOAT_PATTERN, INT_PATTERN, NULL_PATTERN, stickyMatcher as re, UNQUOTED_CHAR_PATTERN } from '../lexing.js';

type Mode = 'TOP' | 'VALUE' | 'INTER' | 'QSINGLE' | 'QDOUBLE';

export type TokenType =
  | 'INTER_OPEN'
  | 'ANY_STR'
  | 'ESC_INTER'
  | 'TOP_ESC'
  | 'QUOTED_ESC'
  | 'BRACE_OPEN'
  | 'BRACE_CLOSE'
  | 'QUOTE_OPEN_SINGLE'
  | 'QUOTE_OPEN_DOUBLE'
  | 'MATCHING_QUOTE_CLOSE'
  | 'COMMA'
  | 'BRACKET_OPEN'
  | 'BRACKET_CLOSE'
  | 'COLON'
  | 'FLOAT'
  | 'INT'
  | 'BOOL'
  | 'NULL'
  | 'UNQUOTED_CHAR'
  | 'ID'
  | 'ESC'
  | 'WS'
  | 'INTER_CLOSE'
  | 'DOT'
  | 'INTER_KEY'
  | 'EOF'
  | 'ERROR';

export interface Token {
  type: TokenType;
  text: string;
  start: number;
  end: number;
}

interface Rule {
  type: TokenType;
  /** Length of the match at `pos`, or -1. */
  match: Matcher;
  action?: { push?: Mode; pop?: boolean; set?: Mode };
}

/** `~[stop]* ~[stop\\]`: a run without `stop` chars that does not end with a backslash. */
function anyStr(stopChars: string): Matcher {
  return (s, pos) => {
    let end = pos;
    while (end < s.length && !stopChars.includes(s[end])) end++;
    let last = end - 1;
    while (last >= pos && s[last] === '\\') last--;
    return last >= pos ? last - pos + 1 : -1;
  };
}

function backslashRun(s: string, pos: number): number {
  let n = 0;
  while (s[pos + n] === '\\') n++;
  return n;
}

/** ESC_BACKSLASH* '\${': an odd backslash run directly followed by `${`. */
function escInter(s: string, pos: number): number {
  const n = backslashRun(s, pos);
  return n % 2 === 1 && s.startsWith('${', pos + n) ? n + 2 : -1;
}

/** ESC_BACKSLASH+: the longest even run of backslashes. */
function evenBackslashes(s: string, pos: number): number {
  const n = backslashRun(s, pos) & ~1;
  return n >= 2 ? n : -1;
}

/** ESC_BACKSLASH* '\' quote: backslashes (odd count) escaping a quote. */
function escQuote(quote: string): Matcher {
  return (s, pos) => {
    const n = backslashRun(s, pos);
    return n % 2 === 1 && s[pos + n] === quote ? n + 1 : -1;
  };
}

const interOpen = re('\\$\\{[ \\t]*');

const VALUE_RULES: Rule[] = [
  { type: 'INTER_OPEN', match: interOpen, action: { push: 'INTER' } },
  { type: 'BRACE_OPEN', match: re('\\{[ \\t]*'), action: { push: 'VALUE' } },
  { type: 'BRACE_CLOSE', match: re('[ \\t]*\\}'), action: { pop: true } },
  { type: 'QUOTE_OPEN_SINGLE', match: re("'"), action: { push: 'QSINGLE' } },
  { type: 'QUOTE_OPEN_DOUBLE', match: re('"'), action: { push: 'QDOUBLE' } },
  { type: 'COMMA', match: re('[ \\t]*,[ \\t]*') },
  { type: 'BRACKET_OPEN', match: re('\\[[ \\t]*') },
  { type: 'BRACKET_CLOSE', match: re('[ \\t]*\\]') },
  { type: 'COLON', match: re('[ \\t]*:[ \\t]*') },
  { type: 'FLOAT', match: re(FLOAT_PATTERN) },
  { type: 'INT', match: re(INT_PATTERN) },
  { type: 'BOOL', match: re(BOOL_PATTERN) },
  { type: 'NULL', match: re(NULL_PATTERN) },
  { type: 'UNQUOTED_CHAR', match: re(UNQUOTED_CHAR_PATTERN) },
  { type: 'ID', match: re('[a-zA-Z_][a-zA-Z0-9_]*') },
  { type: 'ESC', match: re(ESC_PATTERN) },
  { type: 'WS', match: re('[ \\t]+') },
];

const RULES: Record<Mode, Rule[]> = {
  TOP: [
    { type: 'INTER_OPEN', match: interOpen, action: { push: 'INTER' } },
    { type: 'ANY_STR', match: anyStr('$') },
    { type: 'ESC_INTER', match: escInter },
    { type: 'TOP_ESC', match: evenBackslashes },
    { type: 'ANY_STR', match: re('\\\\+') },
    { type: 'ANY_STR', match: re('\\$') },
  ],
  VALUE: VALUE_RULES,
  INTER: [
    { type: 'INTER_OPEN', match: interOpen, action: { push: 'INTER' } },
    { type: 'COLON', match: re('[ \\t]*:[ \\t]*'), action: { set: 'VALUE' } },
    { type: 'INTER_CLOSE', match: re('[ \\t]*\\}'), action: { pop: true } },
    { type: 'DOT', match: re('\\.') },
    { type: 'BRACKET_OPEN', match: re('\\[') },
    { type: 'BRACKET_CLOSE', match: re('\\]') },
    { type: 'ID', match: re('[a-zA-Z_][a-zA-Z0-9_]*') },
    { type: 'INTER_KEY', match: re('[^\\\\{}()[\\]:. \\t\'"]+') },
  ],
  QSINGLE: [
    { type: 'INTER_OPEN', match: interOpen, action: { push: 'INTER' } },
    { type: 'MATCHING_QUOTE_CLOSE', match: re("'"), action: { pop: true } },
    { type: 'ANY_STR', match: anyStr("'$") },
    { type: 'ESC_INTER', match: escInter },
    { type: 'ESC', match: escQuote("'") },
    { type: 'QUOTED_ESC', match: evenBackslashes },
    { type: 'ANY_STR', match: re('\\\\+') },
    { type: 'ANY_STR', match: re('\\$') },
  ],
  QDOUBLE: [
    { type: 'INTER_OPEN', match: interOpen, action: { push: 'INTER' } },
    { type: 'MATCHING_QUOTE_CLOSE', match: re('"'), action: { pop: true } },
    { type: 'ANY_STR', match: anyStr('"$') },
    { type: 'ESC_INTER', match: escInter },
    { type: 'ESC', match: escQuote('"') },
    { type: 'QUOTED_ESC', match: evenBackslashes },
    { type: 'ANY_STR', match: re('\\\\+') },
    { type: 'ANY_STR', match: re('\\$') },
  ],
};

function errorDisplay(text: string): string {
  return text.replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

/** Tokenize; a lexer failure becomes an ERROR token carrying ANTLR's message (raised when parsed up to). */
export function tokenize(input: string, startMode: 'TOP' | 'VALUE'): Token[] {
  const tokens: Token[] = [];
  const modes: Mode[] = [startMode];
  let pos = 0;
  while (pos < input.length) {
    const mode = modes[modes.length - 1];
    let best: Rule | undefined;
    let bestLen = 0;
    for (const rule of RULES[mode]) {
      const len = rule.match(input, pos);
      if (len > bestLen) {
        best = rule;
        bestLen = len;
      }
    }
    if (!best) {
      tokens.push({ type: 'ERROR', text: `token recognition error at: '${errorDisplay(input[pos])}'`, start: pos, end: pos + 1 });
      return tokens;
    }
    tokens.push({ type: best.type, text: input.slice(pos, pos + bestLen), start: pos, end: pos + bestLen });
    pos += bestLen;
    if (best.action?.push) modes.push(best.action.push);
    if (best.action?.set) modes[modes.length - 1] = best.action.set;
    if (best.action?.pop) {
      modes.pop();
      if (modes.length === 0) {
        tokens.push({ type: 'ERROR', text: 'Empty Stack', start: pos, end: pos });
        return tokens;
      }
    }
  }
  tokens.push({ type: 'EOF', text: '<EOF>', start: input.length, end: input.length });
  return tokens;
}

// ---------------------------------------------------------------- AST

export type TextPart = { kind: 'token'; token: Token } | { kind: 'interp'; interp: Interp };

export interface Text {
  parts: TextPart[];
}

export type ConfigKeyAst = { kind: 'id'; text: string } | { kind: 'interp'; interp: Interp };

/** Pieces of a node interpolation's key: dots and brackets kept as text, keys possibly interpolated. */
export type KeyPiece = { kind: 'punct'; text: string } | { kind: 'key'; key: ConfigKeyAst };

export type Interp =
  | { kind: 'node'; pieces: KeyPiece[]; raw: string }
  | { kind: 'resolver'; name: Array<{ kind: 'id'; text: string } | { kind: 'interp'; interp: Interp }>; args: SeqItem[]; raw: string };

export type Element =
  | { kind: 'primitive'; parts: TextPart[]; raw: string }
  | { kind: 'quoted'; text: Text | null; raw: string }
  | { kind: 'list'; items: SeqItem[]; raw: string }
  | { kind: 'dict'; pairs: Array<[Element & { kind: 'primitive' }, Element]>; raw: string };

/** A sequence item; `null` stands for an omitted element (`a,,b`), which OmegaConf reads as ''. */
export type SeqItem = Element | null;

const TOKEN_DISPLAY: Partial<Record<TokenType, string>> = {
  DOT: "'.'",
  EOF: '<EOF>',
};

class GrammarParser {
  private index = 0;

  constructor(
    private readonly input: string,
    private readonly tokens: Token[],
  ) {}

  private peek(offset = 0): Token {
    const token = this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
    if (token.type === 'ERROR') throw new PyError('GrammarParseError', token.text);
    return token;
  }

  private next(): Token {
    const token = this.peek();
    this.index++;
    return token;
  }

  private fail(startIndex: number): never {
    const offending = this.peek();
    if (offending.type === 'EOF' && startIndex >= this.tokens.length - 1) {
      throw new PyError('GrammarParseError', `mismatched input '<EOF>' expecting an expression`);
    }
    const start = this.tokens[startIndex]?.start ?? offending.start;
    const text = this.input.slice(start, offending.type === 'EOF' ? offending.start : offending.end);
    throw new PyError('GrammarParseError', `no viable alternative at input '${errorDisplay(text)}'`);
  }

  private expect(type: TokenType): Token {
    const token = this.peek();
    if (token.type !== type) {
      const shown = token.type === 'EOF' ? '<EOF>' : `'${errorDisplay(token.text)}'`;
      throw new PyError('GrammarParseError', `mismatched input ${shown} expecting ${TOKEN_DISPLAY[type] ?? type}`);
    }
    return this.next();
  }

  parseConfigValue(): Text {
    const text = this.text(['EOF']);
    this.expect('EOF');
    return text;
  }

  parseSingleElement(): Element {
    const element = this.element();
    this.expect('EOF');
    return element;
  }

  private text(stops: TokenType[]): Text {
    const parts: TextPart[] = [];
    const textTokens: TokenType[] = ['ANY_STR', 'ESC', 'ESC_INTER', 'TOP_ESC', 'QUOTED_ESC'];
    for (;;) {
      const token = this.peek();
      if (token.type === 'INTER_OPEN') parts.push({ kind: 'interp', interp: this.interpolation() });
      else if (textTokens.includes(token.type)) parts.push({ kind: 'token', token: this.next() });
      else if (stops.includes(token.type) && parts.length > 0) break;
      else this.fail(this.index);
    }
    return { parts };
  }

  private interpolation(): Interp {
    const open = this.expect('INTER_OPEN');
    const startIndex = this.index - 1;
    // A resolver is `name(.name)* :`; decide by scanning the name, as the parser's prediction does.
    let k = 0;
    let depth = 0;
    for (;;) {
      const t = this.peek(k);
      if (t.type === 'EOF') break;
      if (t.type === 'INTER_OPEN') depth++;
      else if (t.type === 'INTER_CLOSE' && depth > 0) depth--;
      else if (depth === 0 && (t.type === 'COLON' || t.type === 'INTER_CLOSE' || t.type === 'BRACKET_OPEN')) break;
      else if (depth === 0 && t.type !== 'ID' && t.type !== 'DOT' && t.type !== 'INTER_KEY') break;
      k++;
    }
    const isResolver = this.peek(k).type === 'COLON';
    if (isResolver) {
      const name: Array<{ kind: 'id'; text: string } | { kind: 'interp'; interp: Interp }> = [];
      for (;;) {
        const t = this.peek();
        if (t.type === 'INTER_OPEN') name.push({ kind: 'interp', interp: this.interpolation() });
        else if (t.type === 'ID') name.push({ kind: 'id', text: this.next().text });
        else this.fail(startIndex);
        if (this.peek().type !== 'DOT') break;
        this.next();
      }
      this.expect('COLON');
      const args = this.peek().type === 'BRACE_CLOSE' ? [] : this.sequence('BRACE_CLOSE');
      const close = this.expect('BRACE_CLOSE');
      return { kind: 'resolver', name, args, raw: this.input.slice(open.start, close.end) };
    }
    const pieces: KeyPiece[] = [];
    while (this.peek().type === 'DOT') pieces.push({ kind: 'punct', text: this.next().text });
    let first = true;
    for (;;) {
      const t = this.peek();
      if (t.type === 'INTER_CLOSE' && !first) break;
      if (t.type === 'BRACKET_OPEN') {
        pieces.push({ kind: 'punct', text: this.next().text });
        pieces.push({ kind: 'key', key: this.configKey(startIndex) });
        pieces.push({ kind: 'punct', text: this.expect('BRACKET_CLOSE').text });
      } else if (first) {
        pieces.push({ kind: 'key', key: this.configKey(startIndex) });
      } else if (t.type === 'DOT') {
        pieces.push({ kind: 'punct', text: this.next().text });
        pieces.push({ kind: 'key', key: this.configKey(startIndex) });
      } else {
        this.fail(startIndex);
      }
      first = false;
    }
    const close = this.expect('INTER_CLOSE');
    return { kind: 'node', pieces, raw: this.input.slice(open.start, close.end) };
  }

  private configKey(startIndex: number): ConfigKeyAst {
    const t = this.peek();
    if (t.type === 'INTER_OPEN') return { kind: 'interp', interp: this.interpolation() };
    if (t.type === 'ID' || t.type === 'INTER_KEY') return { kind: 'id', text: this.next().text };
    return this.fail(startIndex);
  }

  private sequence(close: TokenType): SeqItem[] {
    const items: SeqItem[] = [];
    let previousComma = true;
    for (;;) {
      const t = this.peek();
      if (t.type === 'COMMA') {
        if (previousComma) items.push(null);
        previousComma = true;
        this.next();
        continue;
      }
      if (t.type === close) {
        if (previousComma && items.length > 0) items.push(null);
        return items;
      }
      if (!previousComma) this.fail(this.index);
      items.push(this.element());
      previousComma = false;
    }
  }

  private element(): Element {
    const t = this.peek();
    const start = t.start;
    if (t.type === 'QUOTE_OPEN_SINGLE' || t.type === 'QUOTE_OPEN_DOUBLE') {
      this.next();
      const text = this.peek().type === 'MATCHING_QUOTE_CLOSE' ? null : this.text(['MATCHING_QUOTE_CLOSE']);
      const close = this.expect('MATCHING_QUOTE_CLOSE');
      return { kind: 'quoted', text, raw: this.input.slice(start, close.end) };
    }
    if (t.type === 'BRACKET_OPEN') {
      this.next();
      const items = this.peek().type === 'BRACKET_CLOSE' ? [] : this.sequence('BRACKET_CLOSE');
      const close = this.expect('BRACKET_CLOSE');
      return { kind: 'list', items, raw: this.input.slice(start, close.end) };
    }
    if (t.type === 'BRACE_OPEN') {
      this.next();
      const pairs: Array<[Element & { kind: 'primitive' }, Element]> = [];
      if (this.peek().type !== 'BRACE_CLOSE') {
        for (;;) {
          const key = this.primitive(false);
          this.expect('COLON');
          pairs.push([key, this.element()]);
          if (this.peek().type !== 'COMMA') break;
          this.next();
        }
      }
      const close = this.expect('BRACE_CLOSE');
      return { kind: 'dict', pairs, raw: this.input.slice(start, close.end) };
    }
    return this.primitive(true);
  }

  private primitive(allowColonAndInterp: boolean): Element & { kind: 'primitive' } {
    const startIndex = this.index;
    const parts: TextPart[] = [];
    const simple: TokenType[] = ['ID', 'NULL', 'INT', 'FLOAT', 'BOOL', 'UNQUOTED_CHAR', 'ESC', 'WS'];
    for (;;) {
      const t = this.peek();
      if (simple.includes(t.type) || (allowColonAndInterp && t.type === 'COLON')) parts.push({ kind: 'token', token: this.next() });
      else if (allowColonAndInterp && t.type === 'INTER_OPEN') parts.push({ kind: 'interp', interp: this.interpolation() });
      else break;
    }
    if (parts.length === 0) this.fail(startIndex);
    const first = this.tokens[startIndex];
    const last = this.tokens[this.index - 1];
    return { kind: 'primitive', parts, raw: this.input.slice(first.start, last.end) };
  }
}

const configValueCache = new Map<string, Text>();

/** Parse a config string (`configValue` rule); results are cached as strings get resolved repeatedly. */
export function parseConfigValue(input: string): Text {
  const cached = configValueCache.get(input);
  if (cached) return cached;
  const text = input === '' ? { parts: [] } : new GrammarParser(input, tokenize(input, 'TOP')).parseConfigValue();
  if (configValueCache.size > 10_000) configValueCache.clear();
  configValueCache.set(input, text);
  return text;
}

/** Parse one element in value mode (`singleElement` rule, used by oc.decode). */
export function parseSingleElement(input: string): Element {
  return new GrammarParser(input, tokenize(input, 'VALUE')).parseSingleElement();
}
