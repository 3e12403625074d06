/** Scoring a batch in micro-batches without gradients: log-probs (entropy, Σπ²) or values, concatenated in order. */
import type { Batch } from '../data/batch.js';
import { Tensor } from '../data/tensor.js';
import type { CausalLM, ScoreOptions, ValueModel } from '../models/index.js';
import { microBatches, type MicroBatching } from './micro-batches.js';
import { padOutput, trimBatch } from './trim.js';

type FloatTensor = Tensor<Float32Array | Float64Array>;

/** Per-response-token statistics of a whole batch, [B, R] each. */
export interface BatchTokenScores {
  logProbs: FloatTensor;
  entropy?: FloatTensor;
  sumPiSquared?: FloatTensor;
}

export async function scoreBatch(model: CausalLM, batch: Batch, options: ScoreOptions, how: MicroBatching, budgetKey?: string): Promise<BatchTokenScores> {
  const parts: BatchTokenScores[] = [];
  for (const micro of microBatches(batch, how, budgetKey)) {
    const trim = trimBatch(micro);
    const s = await model.scoreTokens(trim.input, options);
    parts.push({ logProbs: padOutput(s.logProbs, trim), entropy: s.entropy && padOutput(s.entropy, trim), sumPiSquared: s.sumPiSquared && padOutput(s.sumPiSquared, trim) });
  }
  const join = (pick: (s: BatchTokenScores) => FloatTensor | undefined): FloatTensor | undefined => {
    const ts = parts.map(pick);
    return ts.every((t): t is FloatTensor => t !== undefined) ? (Tensor.concat(ts as Tensor<Float32Array>[]) as FloatTensor) : undefined;
  };
  return { logProbs: join((s) => s.logProbs) as FloatTensor, entropy: join((s) => s.entropy), sumPiSquared: join((s) => s.sumPiSquared) };
}

export async function valuesOfBatch(model: ValueModel, batch: Batch, how: MicroBatching, budgetKey?: string): Promise<FloatTensor> {
  const parts: FloatTensor[] = [];
  for (const micro of microBatches(batch, how, budgetKey)) {
    const trim = trimBatch(micro);
    parts.push(padOutput(await model.values(trim.input), trim));
  }
  return Tensor.concat(parts as Tensor<Float32Array>[]) as FloatTensor;
}
