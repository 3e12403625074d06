/** What sets compared runs apart: the config keys whose values differ, and each run's own overrides. */
import type { PlainValue } from '../config/index.js';
import type { PlainDict } from './run-dir.js';

/** Leaves of a plain config as `dotted.key` → display text (lists are one value, as overrides set them). */
export function flattenConfig(config: PlainDict): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (v: PlainValue, prefix: string) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, child] of Object.entries(v)) walk(child, prefix ? `${prefix}.${k}` : k);
      return;
    }
    out.set(prefix, typeof v === 'string' ? v : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));
  };
  walk(config, '');
  return out;
}

export interface ConfigDiffRow {
  key: string;
  /** One per run; null where the run's config has no such key. */
  values: Array<string | null>;
}

/** Keys whose value is not the same in every run, sorted by key. */
export function configDiff(configs: readonly PlainDict[]): ConfigDiffRow[] {
  const flat = configs.map(flattenConfig);
  const keys = new Set(flat.flatMap((f) => [...f.keys()]));
  const rows: ConfigDiffRow[] = [];
  for (const key of [...keys].sort()) {
    const values = flat.map((f) => f.get(key) ?? null);
    if (values.some((v) => v !== values[0])) rows.push({ key, values });
  }
  return rows;
}

/** Each run's overrides that not every run shares (what tells the runs apart in a legend). */
export function distinguishingOverrides(overrides: readonly (readonly string[])[]): string[][] {
  const shared = overrides.length > 1 ? overrides.slice(1).reduce((acc, o) => new Set([...acc].filter((x) => o.includes(x))), new Set(overrides[0])) : new Set<string>();
  return overrides.map((o) => o.filter((x) => !shared.has(x)));
}
