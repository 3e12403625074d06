/**
 * `yaml.dump(data, default_flow_style=False, allow_unicode=True, sort_keys=False)` with OmegaConf's string
 * representer — i.e. what `OmegaConf.to_yaml` prints — reproduced character for character: PyYAML's
 * emitter state (column, indentation, whitespace flags), its scalar analysis and style choice, and its
 * writers including the 80-column folding.
 */
import { parsePyFloat, parsePyInt, yamlFloatText } from '../python/float.js';
import type { PyValue } from '../python/value.js';
import { PyDict } from '../python/value.js';
import type { DictKey, Scalar } from '../node.js';
import { resolvePlainForDump } from './implicit.js';

const BEST_INDENT = 2;
const BEST_WIDTH = 80;
const LINE_BREAKS = '\n\x85\u2028\u2029';
const WHITESPACE_OR_END = '\0 \t\r\n\x85\u2028\u2029';

// OmegaConf quotes these (and anything int() or float() accepts) so they read back as strings.
const YAML_BOOL_WORDS = new Set([
  'y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'true', 'True', 'TRUE',
  'false', 'False', 'FALSE', 'on', 'On', 'ON', 'off', 'Off', 'OFF',
]);

interface ScalarEvent {
  text: string;
  /** True when the text, written plain, reads back with the same type (PyYAML's implicit[0]). */
  plainImplicit: boolean;
  /** Style requested by the representer: "'" for OmegaConf's quoted strings, null to let PyYAML choose. */
  style: "'" | null;
}

interface Analysis {
  chars: string[];
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
  allowBlock: boolean;
}

interface NodeContext {
  root?: boolean;
  sequence?: boolean;
  mapping?: boolean;
  simpleKey?: boolean;
}

// int()/float() can only accept a string starting (after whitespace) with one of these, or a non-ASCII
// digit/space; anything else skips the (slower) exact checks.
const MAYBE_NUMBER = /^[\s0-9+\-.iInN\u0080-\uffff]/;

/** The scalar event PyYAML's representer + serializer produce for a value (str, int, float, bool, None). */
export function scalarEvent(value: Scalar | DictKey): ScalarEvent {
  if (typeof value === 'string') {
    const quoted =
      YAML_BOOL_WORDS.has(value) || (MAYBE_NUMBER.test(value) && (parsePyInt(value) !== undefined || parsePyFloat(value) !== undefined));
    return { text: value, plainImplicit: resolvePlainForDump(value) === 'str', style: quoted ? "'" : null };
  }
  if (value === null) return { text: 'null', plainImplicit: true, style: null };
  if (typeof value === 'boolean') return { text: value ? 'true' : 'false', plainImplicit: true, style: null };
  if (typeof value === 'bigint') return { text: value.toString(), plainImplicit: true, style: null };
  return { text: yamlFloatText(value), plainImplicit: true, style: null };
}

function inRange(ch: string, lo: number, hi: number): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  return cp >= lo && cp <= hi;
}

/** PyYAML Emitter.analyze_scalar (allow_unicode=True). */
function analyzeScalar(text: string): Analysis {
  const chars = [...text];
  if (chars.length === 0) {
    return { chars, empty: true, multiline: false, allowFlowPlain: false, allowBlockPlain: true, allowSingleQuoted: true, allowBlock: false };
  }
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (text.startsWith('---') || text.startsWith('...')) {
    blockIndicators = true;
    flowIndicators = true;
  }
  let precededByWhitespace = true;
  let followedByWhitespace = chars.length === 1 || WHITESPACE_OR_END.includes(chars[1]);
  let previousSpace = false;
  let previousBreak = false;
  for (let index = 0; index < chars.length; index++) {
    const ch = chars[index];
    if (index === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) {
        flowIndicators = true;
        blockIndicators = true;
      }
      if (ch === '?' || ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '-' && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    } else {
      if (',?[]{}'.includes(ch)) flowIndicators = true;
      if (ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '#' && precededByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    }
    if (LINE_BREAKS.includes(ch)) lineBreaks = true;
    if (!(ch === '\n' || inRange(ch, 0x20, 0x7e))) {
      const unicodeOk =
        (ch === '\x85' || inRange(ch, 0xa0, 0xd7ff) || inRange(ch, 0xe000, 0xfffd) || inRange(ch, 0x10000, 0x10fffe)) &&
        ch !== '\ufeff';
      if (!unicodeOk) specialCharacters = true;
    }
    if (ch === ' ') {
      if (index === 0) leadingSpace = true;
      if (index === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (LINE_BREAKS.includes(ch)) {
      if (index === 0) leadingBreak = true;
      if (index === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = WHITESPACE_OR_END.includes(ch);
    followedByWhitespace = index + 2 >= chars.length || WHITESPACE_OR_END.includes(chars[index + 2]);
  }
  let allowFlowPlain = true;
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  let allowBlock = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowFlowPlain = allowBlockPlain = false;
  if (trailingSpace) allowBlock = false;
  if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (spaceBreak || specialCharacters) allowFlowPlain = allowBlockPlain = allowSingleQuoted = allowBlock = false;
  if (lineBreaks) allowFlowPlain = allowBlockPlain = false;
  if (flowIndicators) allowFlowPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { chars, empty: false, multiline: lineBreaks, allowFlowPlain, allowBlockPlain, allowSingleQuoted, allowBlock };
}

const ESCAPE_REPLACEMENTS: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\x08': 'b',
  '\x09': 't',
  '\x0A': 'n',
  '\x0B': 'v',
  '\x0C': 'f',
  '\x0D': 'r',
  '\x1B': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xA0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

class Emitter {
  constructor(private readonly bestWidth = BEST_WIDTH) {}

  private out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private openEnded = false;
  private indent: number | null = null;
  private readonly indents: Array<number | null> = [];
  private flowLevel = 0;
  private rootContext = false;
  private simpleKeyContext = false;
  private readonly analyses = new Map<string, Analysis>();

  private analyze(text: string): Analysis {
    let analysis = this.analyses.get(text);
    if (!analysis) {
      analysis = analyzeScalar(text);
      if (this.analyses.size > 4096) this.analyses.clear();
      this.analyses.set(text, analysis);
    }
    return analysis;
  }

  inlineScalar(value: Scalar): string {
    const event = scalarEvent(value);
    const analysis = analyzeScalar(event.text);
    let style = this.chooseStyle(event, analysis);
    if (style === "'" && analysis.multiline) style = '"';
    if (style === '"') this.writeDoubleQuoted(analysis.chars, false);
    else if (style === "'") this.writeSingleQuoted(analysis.chars, false);
    else this.writePlain(analysis.chars, false);
    return this.out;
  }

  dump(value: PyValue): string {
    this.node(value, { root: true });
    this.writeIndent();
    if (this.openEnded) {
      this.writeIndicator('...', true);
      this.writeIndent();
    }
    return this.out;
  }

  private write(data: string, width: number): void {
    this.out += data;
    this.column += width;
  }

  private node(value: PyValue, ctx: NodeContext): void {
    this.rootContext = ctx.root === true;
    this.simpleKeyContext = ctx.simpleKey === true;
    if (Array.isArray(value)) {
      if (this.flowLevel > 0 || value.length === 0) this.flowSequence(value);
      else this.blockSequence(value, ctx.mapping === true);
    } else if (value instanceof PyDict) {
      if (this.flowLevel > 0 || value.entries.length === 0) this.flowMapping(value);
      else this.blockMapping(value);
    } else if (value !== null && typeof value === 'object') {
      throw new Error('config containers must be converted to plain values before dumping');
    } else {
      this.scalar(scalarEvent(value));
    }
  }

  private increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  private popIndent(): void {
    this.indent = this.indents.pop() ?? null;
  }

  private flowSequence(items: PyValue[]): void {
    this.writeIndicator('[', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    items.forEach((item, i) => {
      if (i > 0) this.writeIndicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      this.node(item, { sequence: true });
    });
    this.popIndent();
    this.flowLevel--;
    this.writeIndicator(']', false);
  }

  private flowMapping(map: PyDict): void {
    this.writeIndicator('{', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    map.entries.forEach(([key, value], i) => {
      if (i > 0) this.writeIndicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      const keyEvent = scalarEvent(key);
      if (this.checkSimpleKey(keyEvent)) {
        this.node(key, { mapping: true, simpleKey: true });
        this.writeIndicator(':', false);
      } else {
        this.writeIndicator('?', true);
        this.node(key, { mapping: true });
        if (this.column > this.bestWidth) this.writeIndent();
        this.writeIndicator(':', true);
      }
      this.node(value, { mapping: true });
    });
    this.popIndent();
    this.flowLevel--;
    this.writeIndicator('}', false);
  }

  private blockSequence(items: PyValue[], mappingContext: boolean): void {
    this.increaseIndent(false, mappingContext && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(item, { sequence: true });
    }
    this.popIndent();
  }

  private blockMapping(map: PyDict): void {
    this.increaseIndent(false);
    for (const [key, value] of map.entries) {
      this.writeIndent();
      if (this.checkSimpleKey(scalarEvent(key))) {
        this.node(key, { mapping: true, simpleKey: true });
        this.writeIndicator(':', false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.node(key, { mapping: true });
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.node(value, { mapping: true });
    }
    this.popIndent();
  }

  private checkSimpleKey(event: ScalarEvent): boolean {
    const analysis = this.analyze(event.text);
    return analysis.chars.length < 128 && !analysis.empty && !analysis.multiline;
  }

  private chooseStyle(event: ScalarEvent, analysis: Analysis): '' | "'" | '"' {
    if (event.style === null && event.plainImplicit) {
      const plainAllowed = this.flowLevel > 0 ? analysis.allowFlowPlain : analysis.allowBlockPlain;
      if (!(this.simpleKeyContext && (analysis.empty || analysis.multiline)) && plainAllowed) return '';
    }
    if (analysis.allowSingleQuoted && !(this.simpleKeyContext && analysis.multiline)) return "'";
    return '"';
  }

  private scalar(event: ScalarEvent): void {
    this.increaseIndent(true);
    const analysis = this.analyze(event.text);
    const style = this.chooseStyle(event, analysis);
    const split = !this.simpleKeyContext;
    if (style === '"') this.writeDoubleQuoted(analysis.chars, split);
    else if (style === "'") this.writeSingleQuoted(analysis.chars, split);
    else this.writePlain(analysis.chars, split);
    this.popIndent();
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ` ${indicator}`;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.openEnded = false;
    this.write(data, data.length);
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.writeLineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column), indent - this.column);
    }
  }

  private writeLineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.out += data;
    this.column = 0;
  }

  private writeBreaks(chars: string[], start: number, end: number): void {
    if (chars[start] === '\n') this.writeLineBreak();
    for (let i = start; i < end; i++) this.writeLineBreak(chars[i] === '\n' ? '\n' : chars[i]);
  }

  private writePlain(chars: string[], split: boolean): void {
    if (this.rootContext) this.openEnded = true;
    if (chars.length === 0) return;
    if (!this.whitespace) this.write(' ', 1);
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : null;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.write(chars.slice(start, end).join(''), end - start);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !LINE_BREAKS.includes(ch)) {
          this.writeBreaks(chars, start, end);
          this.writeIndent();
          this.whitespace = false;
          this.indention = false;
          start = end;
        }
      } else if (ch === null || ` ${LINE_BREAKS}`.includes(ch)) {
        this.write(chars.slice(start, end).join(''), end - start);
        start = end;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = LINE_BREAKS.includes(ch);
      }
    }
  }

  private writeSingleQuoted(chars: string[], split: boolean): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : null;
      if (spaces) {
        if (ch === null || ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split && start !== 0 && end !== chars.length) {
            this.writeIndent();
          } else {
            this.write(chars.slice(start, end).join(''), end - start);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !LINE_BREAKS.includes(ch)) {
          this.writeBreaks(chars, start, end);
          this.writeIndent();
          start = end;
        }
      } else if (ch === null || ` ${LINE_BREAKS}`.includes(ch) || ch === "'") {
        if (start < end) {
          this.write(chars.slice(start, end).join(''), end - start);
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''", 2);
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = LINE_BREAKS.includes(ch);
      }
    }
    this.writeIndicator("'", false);
  }

  private writeDoubleQuoted(chars: string[], split: boolean): void {
    this.writeIndicator('"', true);
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : null;
      if (
        ch === null ||
        '"\\\x85\u2028\u2029\ufeff'.includes(ch) ||
        !(inRange(ch, 0x20, 0x7e) || inRange(ch, 0xa0, 0xd7ff) || inRange(ch, 0xe000, 0xfffd))
      ) {
        if (start < end) {
          this.write(chars.slice(start, end).join(''), end - start);
          start = end;
        }
        if (ch !== null) {
          const cp = ch.codePointAt(0) ?? 0;
          let data: string;
          if (ch in ESCAPE_REPLACEMENTS) data = `\\${ESCAPE_REPLACEMENTS[ch]}`;
          else if (cp <= 0xff) data = `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}`;
          else if (cp <= 0xffff) data = `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
          else data = `\\U${cp.toString(16).toUpperCase().padStart(8, '0')}`;
          this.write(data, data.length);
          start = end + 1;
        }
      }
      if (end > 0 && end < chars.length - 1 && (ch === ' ' || start >= end) && this.column + (end - start) > this.bestWidth && split) {
        const data = `${chars.slice(start, end).join('')}\\`;
        if (start < end) start = end;
        this.write(data, [...data].length);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (chars[start] === ' ') this.write('\\', 1);
      }
    }
    this.writeIndicator('"', false);
  }
}

/** Dump a plain value tree (dicts as PyDict, lists as arrays) the way OmegaConf.to_yaml prints it. */
export function dumpYaml(value: PyValue): string {
  return new Emitter().dump(value);
}

/**
 * One scalar written as `to_yaml` would write it as a mapping value, but on a single line: no folding at 80
 * columns, and strings with line breaks use the double-quoted form (escaped breaks) instead of multi-line
 * single quotes.
 */
export function scalarYamlText(value: Scalar): string {
  return new Emitter(Infinity).inlineScalar(value);
}
