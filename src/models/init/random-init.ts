/**
 * Random weights as transformers' `_init_weights` makes them: linear and embedding weights from
 * normal(0, initializer_range), norm weights 1, biases 0, and the embedding row of pad_token_id zeroed
 * (nn.Embedding's padding_idx). Seeded with the project's Rng, so a seed always gives the same model
 * (the numbers differ from torch's generator, the distribution does not).
 */
import { Rng } from '../../util/rng.js';
import type { ModelSpec } from '../hf/config.js';
import { EMBED_TOKENS, expectedTensors, type ModelHead } from '../hf/tensors.js';
import type { WeightStore } from '../hf/weights.js';

/** `onTensor` is called with each tensor's number of values once it is filled (for progress). */
export function initRandomWeights(spec: ModelSpec, seed: number | Rng = 0, head: ModelHead = 'causal-lm', onTensor?: (values: number) => void): WeightStore {
  const rng = seed instanceof Rng ? seed : new Rng(seed);
  const std = spec.initializerRange;
  const weights: WeightStore = new Map();
  for (const t of expectedTensors(spec, head)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (t.role === 'norm') data.fill(1);
    else if (t.role === 'linear' || t.role === 'embedding') for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
    weights.set(t.name, { shape: [...t.shape], data });
    onTensor?.(n);
  }
  const pad = spec.padTokenId;
  if (pad !== null && pad < spec.vocabSize) {
    weights.get(EMBED_TOKENS)?.data.fill(0, pad * spec.hiddenSize, (pad + 1) * spec.hiddenSize);
  }
  return weights;
}
