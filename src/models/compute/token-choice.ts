/**
 * Choosing the next token inside the decode graph, so a step returns B token ids and log-probs instead of the
 * [B, V] logits (which JS would then scan): greedy (argmax of the raw logits, first index on ties, its raw
 * log-softmax — torch.argmax's and the JS sampler's rule) and plain sampling from softmax(logits / τ) by inverse
 * CDF with one uniform number per row supplied by the caller's seeded streams. Top-k and top-p stay in JS (the
 * models-io sampler) on the logits output.
 *
 * The graph sampler computes in float32 (cumulative sum of the probabilities in token order, then the first token
 * whose cumulative mass exceeds u · total), where the JS sampler sums in float64: for a u within float32 rounding
 * of a boundary the two can pick neighbouring tokens; both draw exactly from the same distribution otherwise.
 */
import { type Tensor, attr, registerOps } from '../../engine/index.js';
import type { TensorType } from '../../engine/index.js';
import type { ComputeDtype } from './decoder.js';

registerOps({
  // Forward-only: indices carry no gradient.
  ArgMax: {
    infer: (inputs: ReadonlyArray<TensorType | null>) => {
      const x = inputs[0] as TensorType;
      return [{ dtype: 'int64', shape: x.shape.slice(0, -1) }];
    },
  },
});

export const CHOICE_IO = {
  temperature: 'sample_temperature',
  uniform: 'sample_uniform',
  greedyToken: 'greedy_token',
  greedyLogProb: 'greedy_log_prob',
  sampledToken: 'sampled_token',
  sampledLogProb: 'sampled_log_prob',
} as const;

/** Add the greedy and sampling outputs for logits [B, V] (inputs: sample_temperature [1], sample_uniform [B]). */
export function addTokenChoice(logits: Tensor, dtype: ComputeDtype): void {
  const g = logits.graph;
  const [B, V] = logits.shape;
  const lse = (z: Tensor) => g.reduceLogSumExp(z, [-1], true); // [B, 1]
  const pick = (z: Tensor, idx: Tensor) => g.squeeze(g.gatherElements(z, g.unsqueeze(idx, [-1]), -1), [-1]);

  const best = g.apply('ArgMax', [logits], { axis: attr.int(-1), keepdims: attr.int(0), select_last_index: attr.int(0) })[0];
  g.output(CHOICE_IO.greedyToken, best);
  g.output(CHOICE_IO.greedyLogProb, g.sub(pick(logits, best), g.squeeze(lse(logits), [-1])));

  const temperature = g.input(CHOICE_IO.temperature, dtype, [1]);
  const uniform = g.input(CHOICE_IO.uniform, dtype, [B]);
  const z = g.div(logits, temperature);
  const zLse = lse(z);
  const cdf = g.cumsum(g.exp(g.sub(z, zLse)), -1); // [B, V]
  const total = g.slice(cdf, [-1], [Infinity], [1]); // [B, 1]
  const target = g.mul(g.unsqueeze(uniform, [-1]), total);
  const below = g.reduceSum(g.cast(g.lessOrEqual(cdf, target), 'int64'), [-1], false); // tokens whose mass ≤ u·total
  const chosen = g.min(below, g.scalar(Number(V) - 1, 'int64'));
  g.output(CHOICE_IO.sampledToken, chosen);
  g.output(CHOICE_IO.sampledLogProb, g.sub(pick(z, chosen), g.squeeze(zLse, [-1])));
}
