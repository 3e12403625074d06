/**
 * Parser for Hydra's override grammar (OverrideParser.g4) with Hydra's value conversion (whitespace
 * trimming, escapes, typed primitives, function calls) and ANTLR-style syntax error texts, formatted the
 * way Hydra's OverridesParser reports them.
 */
import { HydraCompactError, PyError } from '../errors.js';
import { everyOther } from '../lexing.js';
import { parsePyFloat, parsePyInt } from '../python/float.js';
import type { FunctionValue } from './functions.js';
import { callOverrideFunction } from './functions.js';
import type { OverrideToken, OverrideTokenType } from './lexer.js';
import { TOKEN_DISPLAY, tokenizeOverride } from './lexer.js';
import type { Override, OverrideType, ParsedElement, Sweep, ValueType } from './types.js';
import { ChoiceSweep, GlobSweep, IntervalSweep, ParsedDict, QuotedString, RangeSweep } from './types.js';

const GRAMMAR_HINT = 'See https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details';

/**
 * A syntax failure. `recognition` errors (no viable alternative, mismatched input) print bare; `plain` ones
 * (extraneous/missing token, evaluation errors) print after "Error parsing override '...'"; `lexer` ones
 * print with a caret under the offending character.
 */
class SyntaxFailure extends Error {
  constructor(
    message: string,
    readonly kind: 'lexer' | 'recognition' | 'plain',
    readonly position = 0,
  ) {
    super(message);
  }
}

/** An element's parse failed at token `failIndex`; the caller decides how ANTLR would word it. */
class ElementFailure extends Error {
  constructor(readonly failIndex: number) {
    super('element parse failure');
  }
}

// Token type numbers as ANTLR assigns them (order of definition), for sorting expected-token sets.
const TOKEN_ORDER: OverrideTokenType[] = [
  'EQUAL', 'TILDE', 'PLUS', 'AT', 'COLON', 'SLASH', 'KEY_SPECIAL', 'DOT_PATH', 'POPEN', 'COMMA', 'PCLOSE',
  'BRACKET_OPEN', 'BRACKET_CLOSE', 'BRACE_OPEN', 'BRACE_CLOSE', 'FLOAT', 'INT', 'BOOL', 'NULL', 'UNQUOTED_CHAR',
  'ID', 'ESC', 'WS', 'QUOTED_VALUE', 'INTERPOLATION',
];

const PRIMITIVE_TOKENS = new Set<OverrideTokenType>(['ID', 'NULL', 'INT', 'FLOAT', 'BOOL', 'INTERPOLATION', 'UNQUOTED_CHAR', 'COLON', 'ESC', 'WS']);
const DICT_KEY_TOKENS = new Set<OverrideTokenType>(['ID', 'NULL', 'INT', 'FLOAT', 'BOOL', 'UNQUOTED_CHAR', 'ESC', 'WS']);
const VALUE_START = new Set<OverrideTokenType>([...PRIMITIVE_TOKENS, 'QUOTED_VALUE', 'BRACKET_OPEN', 'BRACE_OPEN']);

function displayToken(token: OverrideToken): string {
  const text = token.type === 'EOF' ? '<EOF>' : token.text;
  return `'${text.replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
}

function displaySet(types: Iterable<OverrideTokenType>): string {
  const set = new Set(types);
  const ordered: OverrideTokenType[] = [];
  if (set.has('EOF')) ordered.push('EOF');
  for (const t of TOKEN_ORDER) if (set.has(t)) ordered.push(t);
  const names = ordered.map((t) => TOKEN_DISPLAY[t]);
  return names.length === 1 ? names[0] : `{${names.join(', ')}}`;
}

class OverrideParser {
  private index = 0;

  constructor(
    private readonly input: string,
    private readonly tokens: OverrideToken[],
  ) {}

  /** LT(k) (1-based); reading up to an unlexable character raises the lexer error. */
  private la(k = 1): OverrideToken {
    const i = Math.min(this.index + k - 1, this.tokens.length - 1);
    const token = this.tokens[i];
    if (token.type === 'ERROR') throw new SyntaxFailure(`token recognition error at: '${token.text}'`, 'lexer', token.start);
    return token;
  }

  private at(i: number): OverrideToken {
    const token = this.tokens[Math.min(i, this.tokens.length - 1)];
    if (token.type === 'ERROR') throw new SyntaxFailure(`token recognition error at: '${token.text}'`, 'lexer', token.start);
    return token;
  }

  private consume(): OverrideToken {
    const token = this.la();
    this.index++;
    return token;
  }

  private noViable(startIndex: number, offendingIndex: number): never {
    const start = this.at(startIndex);
    let text: string;
    if (start.type === 'EOF') text = '<EOF>';
    else {
      const offending = this.at(offendingIndex);
      const end = offending.type === 'EOF' ? offending.start : offending.start + offending.text.length;
      text = this.input.slice(start.start, end);
    }
    throw new SyntaxFailure(`no viable alternative at input '${text.replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`, 'recognition');
  }

  /** match(type) with ANTLR's single-token deletion / insertion recovery messages. */
  private expect(type: OverrideTokenType, follow: Iterable<OverrideTokenType>): OverrideToken {
    const token = this.la();
    if (token.type === type) return this.consume();
    const expected = displaySet([type]);
    if (this.la(2).type === type) throw new SyntaxFailure(`extraneous input ${displayToken(token)} expecting ${expected}`, 'plain');
    if (new Set(follow).has(token.type)) throw new SyntaxFailure(`missing ${expected} at ${displayToken(token)}`, 'plain');
    throw new SyntaxFailure(`mismatched input ${displayToken(token)} expecting ${expected}`, 'recognition');
  }

  parse(): Override {
    let type: OverrideType = 'change';
    const first = this.la();
    let hasValue = true;
    let key: [string, string | null];
    if (first.type === 'TILDE') {
      this.consume();
      type = 'delete';
      key = this.key();
      hasValue = this.la().type === 'EQUAL';
      if (hasValue) this.consume();
    } else if (first.type === 'PLUS') {
      this.consume();
      type = 'add';
      if (this.la().type === 'PLUS') {
        this.consume();
        type = 'force_add';
      }
      key = this.key();
      this.expect('EQUAL', [...VALUE_START, 'EOF']);
    } else if (['ID', 'KEY_SPECIAL', 'DOT_PATH', 'AT', 'EQUAL'].includes(first.type)) {
      key = this.key();
      this.expect('EQUAL', [...VALUE_START, 'EOF']);
    } else {
      this.noViable(this.index, this.index);
    }
    let parsed: ParsedElement | Sweep | undefined;
    let valueType: ValueType | null = null;
    if (hasValue) {
      [parsed, valueType] = this.optionalValue();
    }
    this.expect('EOF', []);
    return { type, keyOrGroup: key[0], package: key[1], valueType, parsed, inputLine: this.input };
  }

  /** key: packageOrGroup ('@' package)? */
  private key(): [string, string | null] {
    const start = this.index;
    let keyOrGroup: string;
    if (this.la().type === 'ID' && this.la(2).type === 'SLASH') {
      keyOrGroup = this.consume().text;
      while (this.la().type === 'SLASH') {
        this.consume();
        if (this.la().type !== 'ID') this.noViable(start, this.index);
        keyOrGroup += `/${this.consume().text}`;
      }
    } else {
      keyOrGroup = this.packageName();
    }
    let pkg: string | null = null;
    if (this.la().type === 'AT') {
      this.consume();
      pkg = this.packageName();
    }
    return [keyOrGroup, pkg];
  }

  private packageName(): string {
    const t = this.la();
    if (t.type === 'ID' || t.type === 'KEY_SPECIAL' || t.type === 'DOT_PATH') return this.consume().text;
    return '';
  }

  private optionalValue(): [ParsedElement | Sweep, ValueType] {
    const t = this.la();
    if (t.type === 'EOF') return ['', 'element'];
    if (!VALUE_START.has(t.type)) {
      const expecting = displaySet([...VALUE_START, 'EOF']);
      const next = this.la(2).type;
      if (next === 'EOF' || VALUE_START.has(next)) throw new SyntaxFailure(`extraneous input ${displayToken(t)} expecting ${expecting}`, 'plain');
      throw new SyntaxFailure(`mismatched input ${displayToken(t)} expecting ${expecting}`, 'recognition');
    }
    return this.value();
  }

  /** value: element | element (',' element)+ — decided by parsing the first element ahead (ANTLR's prediction). */
  private value(): [ParsedElement | Sweep, ValueType] {
    const start = this.index;
    const probe = new OverrideParser(this.input, this.tokens);
    probe.index = this.index;
    try {
      probe.element(true);
    } catch (err) {
      if (err instanceof ElementFailure) this.noViable(start, err.failIndex);
      throw err;
    }
    if (probe.la().type === 'COMMA') {
      const list: ParsedElement[] = [this.elementOrFail() as ParsedElement];
      while (this.la().type === 'COMMA') {
        this.consume();
        list.push(this.elementOrFail() as ParsedElement);
      }
      return [new ChoiceSweep(list, true), 'simple_choice_sweep'];
    }
    const value = this.elementOrFail();
    return [value, valueTypeOf(value)];
  }

  private elementOrFail(): FunctionValue {
    const start = this.index;
    try {
      return this.element(false);
    } catch (err) {
      if (err instanceof ElementFailure) this.noViable(start, err.failIndex);
      throw err;
    }
  }

  /** element: primitive | list | dict | function. `dryRun` checks syntax only (no function evaluation). */
  private element(dryRun: boolean): FunctionValue {
    const t = this.la();
    if (t.type === 'BRACKET_OPEN') return this.list(dryRun);
    if (t.type === 'BRACE_OPEN') return this.dict(dryRun);
    if (t.type === 'ID' && this.la(2).type === 'POPEN') return this.func(dryRun);
    if (t.type === 'QUOTED_VALUE' || PRIMITIVE_TOKENS.has(t.type)) return this.primitive(PRIMITIVE_TOKENS, dryRun);
    throw new ElementFailure(this.index);
  }

  private require(type: OverrideTokenType): OverrideToken {
    if (this.la().type !== type) throw new ElementFailure(this.index);
    return this.consume();
  }

  private list(dryRun: boolean): ParsedElement[] {
    this.consume();
    const items: ParsedElement[] = [];
    if (this.la().type !== 'BRACKET_CLOSE') {
      items.push(this.element(dryRun) as ParsedElement);
      while (this.la().type === 'COMMA') {
        this.consume();
        items.push(this.element(dryRun) as ParsedElement);
      }
    }
    this.require('BRACKET_CLOSE');
    return items;
  }

  private dict(dryRun: boolean): ParsedDict {
    this.consume();
    const dict = new ParsedDict();
    const pair = () => {
      if (!DICT_KEY_TOKENS.has(this.la().type)) throw new ElementFailure(this.index);
      const key = this.primitive(DICT_KEY_TOKENS, dryRun) as ParsedElement;
      this.require('COLON');
      const value = this.element(dryRun) as ParsedElement;
      // Python dict semantics: a repeated key keeps its first position and takes the last value.
      const existing = dict.entries.findIndex(([k]) => keyEquals(k, key as string));
      if (existing >= 0) dict.entries[existing] = [dict.entries[existing][0], value];
      else dict.entries.push([key as string, value]);
    };
    if (this.la().type !== 'BRACE_CLOSE') {
      pair();
      while (this.la().type === 'COMMA') {
        this.consume();
        pair();
      }
    }
    this.require('BRACE_CLOSE');
    return dict;
  }

  private func(dryRun: boolean): FunctionValue {
    const start = this.la();
    const name = this.consume().text;
    this.consume();
    const args: FunctionValue[] = [];
    const kwargs = new Map<string, FunctionValue>();
    let inKwargs = false;
    let positionalAfterKeyword = false;
    if (this.la().type !== 'PCLOSE') {
      for (;;) {
        if (this.la().type === 'ID' && this.la(2).type === 'EQUAL') {
          const argName = this.consume().text;
          this.consume();
          inKwargs = true;
          kwargs.set(argName, this.element(dryRun));
        } else {
          if (inKwargs) positionalAfterKeyword = true;
          args.push(this.element(dryRun));
        }
        if (this.la().type !== 'COMMA') break;
        this.consume();
      }
    }
    const close = this.require('PCLOSE');
    if (dryRun) return null;
    if (positionalAfterKeyword) throw new SyntaxFailure('positional argument follows keyword argument', 'plain');
    const text = this.input.slice(start.start, close.start + close.text.length);
    try {
      return callOverrideFunction(name, args, kwargs);
    } catch (err) {
      if (err instanceof PyError) {
        const typeName = err.pyType === 'HydraException' ? 'HydraException' : err.pyType;
        throw new SyntaxFailure(`${typeName} while evaluating '${text}': ${err.message}`, 'plain');
      }
      throw err;
    }
  }

  /** primitive / dictKey: a quoted value, or a run of tokens concatenated with outer whitespace trimmed. */
  private primitive(allowed: Set<OverrideTokenType>, dryRun: boolean): ParsedElement {
    if (allowed === PRIMITIVE_TOKENS && this.la().type === 'QUOTED_VALUE') {
      const token = this.consume();
      return new QuotedString(unescapeQuoted(token.text), token.text[0] as "'" | '"');
    }
    const tokens: OverrideToken[] = [];
    while (allowed.has(this.la().type)) tokens.push(this.consume());
    if (tokens.length === 0) throw new ElementFailure(this.index);
    return dryRun ? null : primitiveValue(tokens);
  }
}

function keyEquals(a: unknown, b: unknown): boolean {
  if (a instanceof QuotedString || b instanceof QuotedString) return false;
  if ((typeof a === 'bigint' || typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'bigint' || typeof b === 'number' || typeof b === 'boolean')) {
    return Number(a) === Number(b);
  }
  return a === b;
}

function valueTypeOf(value: FunctionValue): ValueType {
  if (value instanceof ChoiceSweep) return value.simpleForm ? 'simple_choice_sweep' : 'choice_sweep';
  if (value instanceof GlobSweep) return 'glob_choice_sweep';
  if (value instanceof IntervalSweep) return 'interval_sweep';
  if (value instanceof RangeSweep) return 'range_sweep';
  return 'element';
}

/** Hydra's _createPrimitive: outer whitespace dropped; several tokens concatenate to a string. */
function primitiveValue(tokens: OverrideToken[]): ParsedElement {
  let first = 0;
  let last = tokens.length;
  if (tokens[0].type === 'WS') {
    if (tokens.length === 1) throw new SyntaxFailure('Trying to parse a primitive that is all whitespaces', 'plain');
    first = 1;
  }
  if (tokens[last - 1].type === 'WS') last--;
  if (last - first > 1) {
    return tokens
      .slice(first, last)
      .map((t) => (t.type === 'ESC' ? everyOther(t.text) : t.text))
      .join('');
  }
  const token = tokens[first];
  switch (token.type) {
    case 'ID':
    case 'INTERPOLATION':
      return token.text;
    case 'INT':
      return parsePyInt(token.text) ?? token.text;
    case 'FLOAT':
      return parsePyFloat(token.text) ?? token.text;
    case 'NULL':
      return null;
    case 'BOOL':
      return token.text.toLowerCase() === 'true';
    case 'ESC':
      return everyOther(token.text);
    default:
      return token.text;
  }
}

/** Hydra's _unescape_quoted_string: backslashes only escape a quote (or the closing quote). */
function unescapeQuoted(quoted: string): string {
  const q = quoted[0];
  let text = quoted.slice(1);
  const pattern = new RegExp(`\\\\+${q}`);
  let match = pattern.exec(text);
  if (match === null) return text.slice(0, -1);
  let out = '';
  while (match !== null) {
    const start = match.index;
    const stop = start + match[0].length;
    out += text.slice(0, start);
    out += everyOther(text.slice(start, stop));
    text = text.slice(stop);
    match = pattern.exec(text);
  }
  if (text.length > 1) out += text.slice(0, -1);
  return out;
}

/** Parse one override; syntax errors carry Hydra's OverrideParseException text. */
export function parseOverride(line: string): Override {
  try {
    return new OverrideParser(line, tokenizeOverride(line)).parse();
  } catch (err) {
    if (!(err instanceof SyntaxFailure)) throw err;
    let message: string;
    if (err.kind === 'lexer') {
      const prefix = 'LexerNoViableAltException: ';
      message = `${prefix}${line}\n${'^'.padStart(prefix.length + err.position + 1)}`;
    } else if (err.kind === 'recognition') {
      message = err.message;
    } else {
      message = `Error parsing override '${line}'\n${err.message}`;
    }
    throw new HydraCompactError(`${message}\n${GRAMMAR_HINT}`, { type: 'OverrideParseException' });
  }
}

export function parseOverrides(lines: string[]): Override[] {
  return lines.map(parseOverride);
}

