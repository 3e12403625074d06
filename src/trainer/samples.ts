/**
 * Per-trajectory records of a batch, for rollout and validation dumps (verl's JSONL: input, output, gts, score,
 * step, and every reward extra whose length equals the batch) and for validation tables.
 */
import type { Batch } from '../data/batch.js';
import type { Tokenizer } from '../models/index.js';
import { maskRowSums } from '../algos/index.js';
import { matOf } from './columns.js';
import type { TrajectoryRecord } from './dump-file.js';

/** Decoded prompt (left padding and special tokens dropped) and response (its valid tokens) of every row. */
export function trajectoryRecords(batch: Batch, tokenizer: Tokenizer, scores: ArrayLike<number>, step: number, extras: Record<string, readonly unknown[]>): TrajectoryRecord[] {
  const prompts = batch.ints('prompts');
  const responses = batch.ints('responses');
  const mask = batch.tensor('attention_mask');
  const P = prompts.shape[1];
  const R = responses.shape[1];
  const lengths = maskRowSums(matOf(batch, 'response_mask'));
  const rm = batch.has('reward_model') ? batch.column('reward_model') : null;
  const out: TrajectoryRecord[] = [];
  for (let i = 0; i < batch.size; i++) {
    const promptIds: number[] = [];
    for (let t = 0; t < P; t++) if (mask.data[i * mask.shape[1] + t] !== 0) promptIds.push(prompts.data[i * P + t]);
    const responseIds = responses.data.subarray(i * R, i * R + lengths[i]);
    const r = rm?.[i];
    const record: TrajectoryRecord = {
      input: tokenizer.decode(promptIds, { skipSpecialTokens: true }),
      output: tokenizer.decode(responseIds, { skipSpecialTokens: true }),
      gts: r !== null && typeof r === 'object' ? ((r as Record<string, unknown>).ground_truth ?? null) : null,
      score: scores[i],
      step,
    };
    for (const [k, v] of Object.entries(extras)) if (v.length === batch.size && !(k in record)) record[k] = v[i];
    out.push(record);
  }
  return out;
}
