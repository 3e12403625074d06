/**
 * Reading a rollout batch the way verl's reward managers do, and building their output: per row the valid
 * prompt (the last Σ prompt-mask tokens) and the valid response (the first L = Σ response-mask tokens), the
 * data_source, ground truth and extra_info; the reward goes to token L − 1.
 */
import type { Batch } from '../../data/batch.js';
import { Tensor } from '../../data/tensor.js';
import type { Tokenizer } from '../../data/tokenizer.js';
import { RewardError } from '../errors.js';
import type { NormalisedScore } from '../score-result.js';
import type { ExtraInfo } from '../types.js';
import type { RewardOutput } from './types.js';

export interface ResponseRow {
  index: number;
  validPromptIds: Int32Array;
  validResponseIds: Int32Array;
  validResponseLength: number;
  dataSource: string;
  groundTruth: unknown;
  extraInfo: ExtraInfo;
}

export interface ResponseBatch {
  rows: ResponseRow[];
  promptWidth: number;
  responseWidth: number;
}

function sum(a: Int32Array): number {
  let s = 0;
  for (const x of a) s += x;
  return s;
}

export function readResponseBatch(batch: Batch, rewardFnKey: string): ResponseBatch {
  const prompts = batch.ints('prompts');
  const responses = batch.ints('responses');
  const mask = batch.ints('attention_mask');
  const promptWidth = prompts.width;
  const responseWidth = responses.width;
  if (mask.width !== promptWidth + responseWidth) {
    throw new RewardError(`attention_mask has width ${mask.width}; expected prompts (${promptWidth}) + responses (${responseWidth}) = ${promptWidth + responseWidth}`);
  }
  const dataSources = batch.column(rewardFnKey);
  const rewardModel = batch.has('reward_model') ? batch.column('reward_model') : null;
  const extraInfos = batch.has('extra_info') ? batch.column('extra_info') : null;
  const numTurns = batch.has('__num_turns__') ? batch.column('__num_turns__') : null;
  const rolloutScores = batch.has('reward_scores') ? batch.column('reward_scores') : null;
  const rows: ResponseRow[] = [];
  for (let i = 0; i < batch.size; i++) {
    const m = mask.row(i);
    const validPromptLength = sum(m.subarray(0, promptWidth));
    const validResponseLength = sum(m.subarray(promptWidth));
    const promptRow = prompts.row(i);
    const ds = dataSources[i];
    if (typeof ds !== 'string') throw new RewardError(`sample ${i}: column '${rewardFnKey}' (data.reward_fn_key) must be a string, got ${ds === null ? 'null' : typeof ds}`);
    const rm = rewardModel?.[i];
    const groundTruth = rm !== null && typeof rm === 'object' ? ((rm as Record<string, unknown>).ground_truth ?? null) : null;
    const extra = extraInfos?.[i];
    const extraInfo: ExtraInfo = extra !== null && typeof extra === 'object' && !Array.isArray(extra) ? { ...(extra as ExtraInfo) } : {};
    extraInfo.num_turns = numTurns?.[i] ?? null;
    extraInfo.rollout_reward_scores = rolloutScores?.[i] ?? {};
    rows.push({
      index: i,
      // Python's ids[-0:] is the whole row: verl decodes the full prompt when no prompt token is valid.
      validPromptIds: validPromptLength === 0 ? promptRow : promptRow.subarray(promptWidth - validPromptLength),
      validResponseIds: responses.row(i).subarray(0, validResponseLength),
      validResponseLength,
      dataSource: ds,
      groundTruth,
      extraInfo,
    });
  }
  return { rows, promptWidth, responseWidth };
}

export function decode(tokenizer: Tokenizer, ids: ArrayLike<number>): string {
  return tokenizer.decode(ids, { skipSpecialTokens: true });
}

/** Collects scores into verl's reward tensor and extra-info lists. */
export class RewardCollector {
  private readonly tensor: Tensor<Float32Array>;
  private readonly scores: Float32Array;
  private readonly extras: Array<Record<string, unknown> | null>;
  private failures = 0;

  constructor(
    private readonly size: number,
    private readonly width: number,
  ) {
    this.tensor = Tensor.zeros('float32', [size, width]);
    this.scores = new Float32Array(size);
    this.extras = new Array<Record<string, unknown> | null>(size).fill(null);
  }

  /** Token L − 1 gets the score; for an empty response verl writes at index −1, the last column (kept, documented). */
  private scalarIndex(validLength: number): number {
    return validLength > 0 ? validLength - 1 : this.width - 1;
  }

  put(row: number, validLength: number, score: NormalisedScore, bonus = 0): void {
    const r = this.tensor.row(row);
    if (score.kind === 'dense') {
      const n = Math.min(score.values.length, validLength);
      for (let t = 0; t < n; t++) r[t] += score.values[t];
      if (bonus !== 0) r[this.scalarIndex(validLength)] += bonus;
    } else {
      r[this.scalarIndex(validLength)] = score.score + bonus;
      if (score.extras) this.addExtras(row, score.extras);
    }
    this.scores[row] = score.score + bonus;
  }

  addExtras(row: number, extras: Record<string, unknown>): void {
    this.extras[row] = { ...(this.extras[row] ?? {}), ...extras };
  }

  /** A sample scored 0 under on_error=zero. */
  fail(row: number): void {
    this.failures++;
    this.scores[row] = 0;
  }

  finish(): RewardOutput {
    const keys: string[] = [];
    for (const e of this.extras) for (const k of Object.keys(e ?? {})) if (!keys.includes(k)) keys.push(k);
    const rewardExtraInfo: Record<string, unknown[]> = {};
    for (const k of keys) rewardExtraInfo[k] = this.extras.map((e) => (e && k in e ? e[k] : null));
    return { rewardTensor: this.tensor, rewardExtraInfo, sequenceScores: this.scores, metrics: { 'reward/score_failures': this.failures } };
  }
}

/** Prints up to `numExamine` samples per data_source, like verl's managers. */
export class Examiner {
  private readonly printed = new Map<string, number>();
  constructor(
    private readonly numExamine: number,
    private readonly log: (line: string) => void,
  ) {}

  wants(dataSource: string): boolean {
    return (this.printed.get(dataSource) ?? 0) < this.numExamine;
  }

  print(dataSource: string, lines: ReadonlyArray<readonly [string, unknown]>): void {
    if (!this.wants(dataSource)) return;
    this.printed.set(dataSource, (this.printed.get(dataSource) ?? 0) + 1);
    for (const [label, value] of lines) this.log(`[${label}] ${formatValue(value)}`);
  }
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof Float64Array || v instanceof Float32Array) return `[${Array.from(v).join(', ')}]`;
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

/** verl's rm_scores shortcut: a batch that already carries reward-model scores is returned as it is. */
export function fromRmScores(batch: Batch): RewardOutput | null {
  if (!batch.hasTensor('rm_scores')) return null;
  const t = batch.floats('rm_scores');
  const tensor = t.data instanceof Float32Array ? (t as Tensor<Float32Array>) : new Tensor(Float32Array.from(t.data), t.shape);
  const keys = Array.isArray(batch.meta.reward_extra_keys) ? (batch.meta.reward_extra_keys as string[]) : [];
  const rewardExtraInfo: Record<string, unknown[]> = {};
  for (const k of keys) rewardExtraInfo[k] = [...batch.column(k)];
  const scores = new Float32Array(tensor.rows);
  for (let i = 0; i < tensor.rows; i++) scores[i] = tensor.row(i).reduce((a, b) => a + b, 0);
  return { rewardTensor: tensor, rewardExtraInfo, sequenceScores: scores, metrics: {} };
}
