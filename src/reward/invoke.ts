/**
 * Calling scoring functions safely: one sample or a whole batch, sync or async, with the timeout and the
 * on-error policy of ScorePolicy, and a concurrency limit for many async calls at once.
 */
import { errorMessage } from '../util/errors.js';
import { RewardError } from './errors.js';
import { findScorer } from './default-score.js';
import { normaliseScore } from './score-result.js';
import type { NormalisedScore } from './score-result.js';
import { BATCH_ARGS, SAMPLE_ARGS, invokeScoringFunction } from './scoring-function.js';
import type { ScoringFunction } from './scoring-function.js';
import type { ExtraInfo, ScorePolicy } from './types.js';

export interface SampleCall {
  /** Row index in the batch, for messages. */
  index: number;
  dataSource: string;
  solutionStr: string;
  groundTruth: unknown;
  extraInfo: ExtraInfo | null;
}

export type ScoreOutcome = { ok: true; score: NormalisedScore } | { ok: false; reason: string };

const TIMED_OUT = Symbol('timed out');

/** Await `value` (a promise or a plain value) for at most `timeoutS` seconds. */
async function withTimeout(value: unknown, timeoutS: number | null): Promise<unknown> {
  if (!(value instanceof Promise) || timeoutS === null) return await value;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutS * 1000);
  });
  try {
    return await Promise.race([value, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Run `call` and describe any failure (throw, timeout) as a reason string. */
async function guarded(call: () => unknown, policy: ScorePolicy): Promise<{ value: unknown } | { reason: string }> {
  const started = performance.now();
  let value: unknown;
  try {
    value = await withTimeout(call(), policy.timeoutS);
  } catch (err) {
    return { reason: `threw: ${errorMessage(err)}` };
  }
  const elapsedS = (performance.now() - started) / 1000;
  // A synchronous function cannot be interrupted; its overrun is noticed when it returns.
  if (value === TIMED_OUT || (policy.timeoutS !== null && elapsedS > policy.timeoutS)) {
    return { reason: `did not finish within custom_reward_function.timeout_s=${policy.timeoutS} s` };
  }
  return { value };
}

function failure(sf: ScoringFunction, where: string, reason: string): RewardError {
  return new RewardError(
    `reward function ${sf.label} ${reason} (${where}). Set custom_reward_function.on_error=zero to score such samples 0 instead.`,
  );
}

export function describeSample(c: Pick<SampleCall, 'index' | 'dataSource'>): string {
  return `sample ${c.index}, data_source '${c.dataSource}'`;
}

/** Score one sample. With onError 'raise' a failure throws a RewardError naming the sample and function. */
export async function scoreSample(sf: ScoringFunction, c: SampleCall, policy: ScorePolicy, extraKwargs: Record<string, unknown> = {}): Promise<ScoreOutcome> {
  // An unknown data_source is a configuration error, never a sample to score 0.
  if (sf.builtIn) findScorer(c.dataSource);
  const r = await guarded(
    () => invokeScoringFunction(sf, SAMPLE_ARGS, [c.dataSource, c.solutionStr, c.groundTruth, c.extraInfo], extraKwargs),
    policy,
  );
  let outcome: ScoreOutcome;
  if ('reason' in r) {
    outcome = { ok: false, reason: r.reason };
  } else {
    const n = normaliseScore(r.value);
    outcome = typeof n === 'string' ? { ok: false, reason: n } : { ok: true, score: n };
  }
  if (!outcome.ok && policy.onError === 'raise') throw failure(sf, describeSample(c), outcome.reason);
  return outcome;
}

/** Score a batch with one call (batch reward manager). The function must return one result per sample. */
export async function scoreBatchCall(
  sf: ScoringFunction,
  calls: readonly SampleCall[],
  policy: ScorePolicy,
  extraKwargs: Record<string, unknown> = {},
): Promise<ScoreOutcome[]> {
  const r = await guarded(
    () =>
      invokeScoringFunction(
        sf,
        BATCH_ARGS,
        [calls.map((c) => c.dataSource), calls.map((c) => c.solutionStr), calls.map((c) => c.groundTruth), calls.map((c) => c.extraInfo ?? {})],
        extraKwargs,
      ),
    policy,
  );
  const where = `a batch of ${calls.length} samples`;
  if ('reason' in r) {
    if (policy.onError === 'raise') throw failure(sf, where, r.reason);
    return calls.map(() => ({ ok: false, reason: r.reason }));
  }
  const list = r.value;
  if (!Array.isArray(list) || list.length !== calls.length) {
    const reason = `returned ${Array.isArray(list) ? `${list.length} results` : 'something other than an array'}; expected one result per sample (${calls.length})`;
    if (policy.onError === 'raise') throw failure(sf, where, reason);
    return calls.map(() => ({ ok: false, reason }));
  }
  return list.map((raw: unknown, i) => {
    const n = normaliseScore(raw);
    if (typeof n === 'string') {
      if (policy.onError === 'raise') throw failure(sf, describeSample(calls[i]), n);
      return { ok: false, reason: n };
    }
    return { ok: true, score: n };
  });
}

/** Map with at most `limit` promises in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}
