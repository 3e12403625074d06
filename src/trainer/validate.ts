/**
 * Validation (verl's _validate): generate for every validation prompt with rollout.val_kwargs, score with the
 * validation reward function, and reduce per data_source and prompt into verl's metric names
 * (val-core/<data_source>/<var>/mean@N, best@k / worst@k / maj@k bootstraps, val-aux/...).
 */
import type { Batch } from '../data/batch.js';
import { rolloutOptionsFromConfig } from '../models/index.js';
import { Rng } from '../util/rng.js';
import { joinGenerations } from './phases.js';
import type { TrajectoryRecord } from './dump-file.js';
import { trajectoryRecords } from './samples.js';
import type { TrainingContext } from './context.js';

export type Metrics = Record<string, number>;

export interface ValidationResult {
  metrics: Metrics;
  records: TrajectoryRecord[];
  /** Mean of the core metric over data sources (for the summary line). */
  coreScore: number;
}

/** Seed offset of sampled validation, so its draws never coincide with a training step's. */
const VALIDATION_SEED_OFFSET = 1_000_003;

export async function validate(ctx: TrainingContext, batches: Iterable<Batch>, step: number): Promise<ValidationResult> {
  const base = rolloutOptionsFromConfig(ctx.config.actor_rollout_ref.rollout, 'validate');
  const dataSources: string[] = [];
  const uids: string[] = [];
  const infos: Record<string, unknown[]> = { reward: [] };
  const records: TrajectoryRecord[] = [];
  let offset = 0;
  let b = 0;
  for (const prompts of batches) {
    const withUid = prompts.withColumn('uid', Array.from({ length: prompts.size }, (_, i) => `val-${b}-${i}`));
    b++;
    const options = { ...base, seed: base.seed + VALIDATION_SEED_OFFSET, streamOffset: offset };
    offset += prompts.size * options.n;
    const batch = joinGenerations(await ctx.rollout.generate(withUid, options), withUid, options.n);
    const out = await ctx.valRewardFn.compute(batch);
    const n0 = (infos.reward as unknown[]).length;
    for (let i = 0; i < batch.size; i++) (infos.reward as unknown[]).push(out.sequenceScores[i]);
    for (const [k, v] of Object.entries(out.rewardExtraInfo)) {
      if (v.length !== batch.size) continue;
      const list = (infos[k] ??= new Array(n0).fill(null));
      list.push(...v);
    }
    const key = ctx.config.data.reward_fn_key;
    const ds = batch.has(key) ? batch.column(key) : new Array(batch.size).fill('unknown');
    for (let i = 0; i < batch.size; i++) dataSources.push(String(ds[i]));
    uids.push(...(batch.column('uid') as string[]));
    records.push(...trajectoryRecords(batch, ctx.tokenizer, out.sequenceScores, step, { reward: Array.from(out.sequenceScores), ...out.rewardExtraInfo }));
  }
  const metrics = processValidationMetrics(dataSources, uids, infos);
  const core = Object.entries(metrics).filter(([k]) => k.startsWith('val-core/') && k.includes('/mean@'));
  const coreScore = core.length ? core.reduce((s, [, v]) => s + v, 0) / core.length : Number.NaN;
  return { metrics, records, coreScore };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function populationStd(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length);
}

/** best@n / worst@n (and maj@n with predictions) by bootstrap: 1000 draws of n with replacement, seed 42 per call. */
function bootstrap(values: readonly number[], n: number, preds: readonly unknown[] | null): Metrics {
  const rng = new Rng(42);
  const best: number[] = [];
  const worst: number[] = [];
  const maj: number[] = [];
  for (let draw = 0; draw < 1000; draw++) {
    const idx = Array.from({ length: n }, () => rng.int(values.length));
    const vs = idx.map((i) => values[i]);
    best.push(Math.max(...vs));
    worst.push(Math.min(...vs));
    if (preds) {
      const counts = new Map<string, { count: number; value: number }>();
      for (const i of idx) {
        const key = JSON.stringify(preds[i]);
        const c = counts.get(key);
        if (c) c.count++;
        else counts.set(key, { count: 1, value: values[i] });
      }
      let winner = { count: -1, value: 0 };
      for (const c of counts.values()) if (c.count > winner.count) winner = c;
      maj.push(winner.value);
    }
  }
  const m: Metrics = {
    [`best@${n}/mean`]: mean(best),
    [`best@${n}/std`]: populationStd(best),
    [`worst@${n}/mean`]: mean(worst),
    [`worst@${n}/std`]: populationStd(worst),
  };
  if (preds) {
    m[`maj@${n}/mean`] = mean(maj);
    m[`maj@${n}/std`] = populationStd(maj);
  }
  return m;
}

/** verl's process_validation_metrics: per data source, per prompt, per numeric variable; averaged over prompts. */
export function processValidationMetrics(dataSources: readonly string[], uids: readonly string[], infos: Record<string, readonly unknown[]>): Metrics {
  const groups = new Map<string, Map<string, number[]>>();
  for (let i = 0; i < uids.length; i++) {
    const key = `${dataSources[i]}\u0000${uids[i]}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = new Map()));
    const list = g.get('idx') ?? [];
    list.push(i);
    g.set('idx', list);
  }
  const perSource = new Map<string, Map<string, number[]>>();
  const vars = Object.keys(infos).filter((k) => k !== 'pred' && infos[k].some((v) => typeof v === 'number' || typeof v === 'boolean'));
  const preds = infos.pred ?? null;
  for (const [key, g] of groups) {
    const source = key.split('\u0000')[0];
    const idx = g.get('idx') as number[];
    for (const v of vars) {
      const values = idx.map((i) => Number(infos[v][i]));
      if (values.some((x) => !Number.isFinite(x))) continue;
      const N = values.length;
      const m: Metrics = { [`mean@${N}`]: mean(values) };
      if (N > 1) {
        m[`std@${N}`] = populationStd(values);
        const ns: number[] = [];
        for (let n = 2; n < N; n *= 2) ns.push(n);
        ns.push(N);
        for (const n of ns) Object.assign(m, bootstrap(values, n, preds ? idx.map((i) => preds[i]) : null));
      }
      let bySource = perSource.get(source);
      if (!bySource) perSource.set(source, (bySource = new Map()));
      for (const [metric, value] of Object.entries(m)) {
        const k = `${v}\u0000${metric}`;
        const list = bySource.get(k) ?? [];
        list.push(value);
        bySource.set(k, list);
      }
    }
  }
  const out: Metrics = {};
  for (const [source, bySource] of perSource) {
    const coreVar = vars.includes('acc') ? 'acc' : 'reward';
    let nMax = 0;
    for (const k of bySource.keys()) {
      const at = /@(\d+)/.exec(k);
      if (at) nMax = Math.max(nMax, Number(at[1]));
    }
    for (const [k, list] of bySource) {
      const [v, metric] = k.split('\u0000');
      const core = v === coreVar && /^(mean|maj|best)/.test(metric) && metric.includes(`@${nMax}`);
      out[`${core ? 'val-core' : 'val-aux'}/${source}/${v}/${metric}`] = mean(list);
    }
  }
  return out;
}
