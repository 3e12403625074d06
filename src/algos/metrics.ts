/**
 * Reducing per-micro-batch metric lists to one value per step, as verl's reduce_metrics: a Metric object uses
 * its own aggregation; otherwise a key containing "max" takes the max, one containing "min" the min, any other
 * the mean (an empty list gives NaN, like numpy).
 */
import { ConfigError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';

export const AGGREGATION_TYPES = ['mean', 'sum', 'min', 'max'] as const;
export type AggregationType = (typeof AGGREGATION_TYPES)[number];

function reduce(values: readonly number[], how: AggregationType): number {
  if (how === 'sum') return values.reduce((a, b) => a + b, 0);
  if (values.length === 0) return NaN;
  if (how === 'max') return Math.max(...values);
  if (how === 'min') return Math.min(...values);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** A list of values with its own aggregation (verl's Metric). */
export class Metric {
  readonly aggregation: AggregationType;
  readonly values: number[] = [];

  constructor(aggregation: string, value?: number | readonly number[] | Metric) {
    if (!(AGGREGATION_TYPES as readonly string[]).includes(aggregation)) {
      throw new ConfigError(
        `Unsupported aggregation type: '${aggregation}'. Known: ${AGGREGATION_TYPES.join(', ')}.` + didYouMean(aggregation, AGGREGATION_TYPES),
      );
    }
    this.aggregation = aggregation as AggregationType;
    if (value !== undefined) {
      if (typeof value === 'number' || value instanceof Metric) this.append(value);
      else this.extend(value);
    }
  }

  append(value: number | Metric): void {
    if (value instanceof Metric) {
      this.extend(value);
      return;
    }
    if (typeof value !== 'number') throw new TypeError(`Unsupported value type: ${typeof value}`);
    this.values.push(value);
  }

  extend(values: readonly number[] | Metric): void {
    if (values instanceof Metric) {
      if (values.aggregation !== this.aggregation) {
        throw new TypeError(`Aggregation type mismatch: ${this.aggregation} != ${values.aggregation}`);
      }
      values = values.values;
    }
    for (const v of values) this.append(v);
  }

  aggregate(): number {
    return reduce(this.values, this.aggregation);
  }

  /** One Metric holding every value of `metrics` (aggregation of the first; mean when empty). */
  static chain(metrics: readonly Metric[]): Metric {
    const out = new Metric(metrics.length === 0 ? 'mean' : metrics[0].aggregation);
    for (const m of metrics) out.extend(m);
    return out;
  }

  static fromDict(data: Record<string, number>, aggregation: string): Record<string, Metric> {
    const out: Record<string, Metric> = {};
    for (const [k, v] of Object.entries(data)) out[k] = new Metric(aggregation, v);
    return out;
  }

  /** An empty Metric with the same aggregation. */
  initList(): Metric {
    return new Metric(this.aggregation);
  }
}

export function reduceMetrics(metrics: Record<string, readonly number[] | Metric>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, val] of Object.entries(metrics)) {
    if (val instanceof Metric) out[key] = val.aggregate();
    else if (key.includes('max')) out[key] = reduce(val, 'max');
    else if (key.includes('min')) out[key] = reduce(val, 'min');
    else out[key] = reduce(val, 'mean');
  }
  return out;
}
