/**
 * Parsed command-line overrides (Hydra's Override model): the key, the kind of change, and the value as
 * parsed — quoted strings remembered as such, sweeps as sweep objects.
 */
import { PyError } from '../errors.js';
import type { DictKey, Scalar } from '../node.js';
import type { PyValue } from '../python/value.js';
import { PyDict } from '../python/value.js';

/** A quoted value, kept apart from bare strings: it is never a sweep and prints back with its quotes. */
export class QuotedString {
  constructor(
    readonly text: string,
    readonly quote: "'" | '"',
  ) {}

  /** Hydra's QuotedString.with_quotes(): the value re-quoted so that it parses back to the same text. */
  withQuotes(): string {
    const q = this.quote;
    const text = this.text;
    const escapedQuotes = (s: string) => s.split(q).join(`\\${q}`);
    if (!text.includes('\\')) return `${q}${escapedQuotes(text)}${q}`;
    // Backslashes directly before a quote (or the closing quote) must be doubled to survive re-parsing.
    const withClose = text + q;
    const pattern = new RegExp(`\\\\+${q === '"' ? '"' : "'"}`, 'g');
    let out = '';
    let last = 0;
    for (let m = pattern.exec(withClose); m !== null; m = pattern.exec(withClose)) {
      out += withClose.slice(last, m.index);
      out += '\\'.repeat((m[0].length - 1) * 2);
      if (m.index + m[0].length < withClose.length) out += q;
      last = m.index + m[0].length;
    }
    out += withClose.slice(last, withClose.length - 1 >= last ? withClose.length - 1 : last);
    return `${q}${escapedQuotes(out)}${q}`;
  }
}

/** A dict literal from the override grammar; keys may be any primitive (None included, rejected later). */
export class ParsedDict {
  readonly entries: Array<[Scalar | QuotedString, ParsedElement]> = [];
}

export type ParsedElement = Scalar | QuotedString | ParsedElement[] | ParsedDict;

export class ChoiceSweep {
  tags = new Set<string>();
  constructor(
    public list: ParsedElement[],
    public simpleForm = false,
    public shuffle = false,
  ) {}
}

export class RangeSweep {
  tags = new Set<string>();
  constructor(
    public start: bigint | number,
    public stop: bigint | number,
    public step: bigint | number = 1n,
    public shuffle = false,
  ) {}
}

export class IntervalSweep {
  tags = new Set<string>();
  constructor(
    public start: number,
    public end: number,
  ) {}
}

export class GlobSweep {
  tags = new Set<string>();
  constructor(
    public include: string[],
    public exclude: string[],
  ) {}
}

export type Sweep = ChoiceSweep | RangeSweep | IntervalSweep | GlobSweep;

export function isSweep(value: unknown): value is Sweep {
  return value instanceof ChoiceSweep || value instanceof RangeSweep || value instanceof IntervalSweep || value instanceof GlobSweep;
}

export type OverrideType = 'change' | 'add' | 'force_add' | 'delete';

export type ValueType = 'element' | 'choice_sweep' | 'glob_choice_sweep' | 'simple_choice_sweep' | 'range_sweep' | 'interval_sweep';

export interface Override {
  type: OverrideType;
  /** The config key (`a.b`) or group (`db`, `hydra/launcher`), without `@package`. */
  keyOrGroup: string;
  /** The package after `@` (possibly ''), or null when absent. */
  package: string | null;
  /** null for a deletion without value (`~key`). */
  valueType: ValueType | null;
  /** The parsed value; undefined for a deletion without value. */
  parsed: ParsedElement | Sweep | undefined;
  /** The override exactly as given. */
  inputLine: string;
}

/** Override.value(): quoted strings become plain strings; dicts become PyDict. */
export function overrideValue(override: Override): PyValue | Sweep {
  const parsed = override.parsed;
  if (parsed === undefined) return null;
  if (isSweep(parsed)) return parsed;
  return convertElement(parsed);
}

export function convertElement(value: ParsedElement): PyValue {
  if (value instanceof QuotedString) return value.text;
  if (Array.isArray(value)) return value.map(convertElement);
  if (value instanceof ParsedDict) {
    const dict = new PyDict();
    for (const [k, v] of value.entries) {
      const key = k instanceof QuotedString ? k.text : k;
      if (key === null) throw new PyError('KeyValidationError', "Incompatible key type 'NoneType'");
      dict.set(key as DictKey, convertElement(v));
    }
    return dict;
  }
  return value;
}

export function isSweepOverride(override: Override): boolean {
  return override.valueType !== null && override.valueType !== 'element';
}

export function isHydraOverride(override: Override): boolean {
  return override.keyOrGroup.startsWith('hydra.') || override.keyOrGroup.startsWith('hydra/');
}

/** `~key`, `+key`, `++key` or `key`, with `@package` when given. */
export function keyElement(override: Override): string {
  const key = override.package === null ? override.keyOrGroup : `${override.keyOrGroup}@${override.package}`;
  const prefix = { delete: '~', add: '+', force_add: '++', change: '' }[override.type];
  return `${prefix}${key}`;
}
