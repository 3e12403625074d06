// Gradients of the scoring and value graphs against central finite differences, through the public API, on
// tiny float64 models covering every architecture option (GQA, biases, tied embeddings, q/k norm, llama3 RoPE).
import { describe, expect, it } from 'vitest';
import { CausalLM, ValueModel, initRandomWeights, parseHfConfig, presetConfig, withValueHead } from '../../src/models/index.js';
import type { FloatArray } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { engine, sequenceBatch } from './compute-helpers.js';

const TINY = { hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 23, pad_token_id: 0, initializer_range: 0.4 };

const SPECS = {
  qwen2: { ...presetConfig('qwen2'), ...TINY, tie_word_embeddings: true },
  qwen3: { ...presetConfig('qwen3'), ...TINY, head_dim: 6 },
  llama: {
    ...presetConfig('llama'), ...TINY, attention_bias: true, mlp_bias: true,
    rope_scaling: { rope_type: 'llama3', factor: 4.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 4 },
  },
};

// verl layout: prompts of 3 and 1 tokens left-padded to 4, responses of 3 and 2 tokens right-padded to 3.
// Token 0 is the pad id; row 1 also uses it as a real token, which must still get embedding gradients there.
const IDS = [
  [0, 5, 9, 2, 7, 0, 11],
  [0, 0, 0, 4, 0, 13, 0],
];
const MASK = [
  [0, 1, 1, 1, 1, 1, 1],
  [0, 0, 0, 1, 1, 1, 0],
];
const batch = sequenceBatch(IDS, MASK, 3);

function randomWeights(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.normal());
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Compare analytic gradients with central differences of `objective` on sampled elements of every parameter. */
async function fdCheck(params: ReturnType<CausalLM['parameters']>, grads: Record<string, FloatArray>, objective: () => Promise<number>, perParam = 2): Promise<number> {
  const rng = new Rng(99);
  const eps = 1e-5;
  let worst = 0;
  for (const p of params.list()) {
    for (let k = 0; k < perParam; k++) {
      const i = Math.floor(rng.next() * p.data.length);
      const saved = p.data[i];
      p.data[i] = saved + eps;
      const plus = await objective();
      p.data[i] = saved - eps;
      const minus = await objective();
      p.data[i] = saved;
      const numeric = (plus - minus) / (2 * eps);
      const analytic = grads[p.name][i];
      const err = Math.abs(analytic - numeric) / Math.max(1e-3, Math.abs(analytic), Math.abs(numeric));
      worst = Math.max(worst, err);
      expect(err, `${p.name}[${i}]: analytic ${analytic}, numeric ${numeric}`).toBeLessThan(1e-5);
    }
  }
  return worst;
}

describe('policy gradients (log-probs and entropy at τ = 0.8) pass finite-difference checks', () => {
  for (const [name, config] of Object.entries(SPECS)) {
    it(name, async () => {
      const spec = parseHfConfig(config);
      const lm = CausalLM.fromWeights(spec, initRandomWeights(spec, 5), { engine, dtype: 'float64' });
      const uLp = randomWeights(6, 1);
      const uEnt = randomWeights(6, 2);
      const pass = await lm.forward(batch, { temperature: 0.8, withEntropy: true });
      expect(pass.logProbs.data).toBeInstanceOf(Float64Array);
      const grads = await lm.backward(pass, { logProbs: uLp, entropy: uEnt });
      const objective = async () => {
        const s = await lm.scoreTokens(batch, { temperature: 0.8, withEntropy: true });
        return dot(uLp, s.logProbs.data) + dot(uEnt, s.entropy?.data ?? []);
      };
      await fdCheck(lm.parameters(), grads, objective);
      // transformers' padding_idx: looking up the pad id sends no gradient to its row; untied, nothing else does.
      if (!spec.tieWordEmbeddings) {
        const H = spec.hiddenSize;
        expect(Array.from(grads['model.embed_tokens.weight'].subarray(0, H)).every((x) => x === 0)).toBe(true);
      }
    });
  }

  it('log-probs only (no entropy output): the gradient of Σ u·log_probs', async () => {
    const spec = parseHfConfig(SPECS.qwen2);
    const lm = CausalLM.fromWeights(spec, initRandomWeights(spec, 6), { engine, dtype: 'float64' });
    const u = randomWeights(6, 3);
    const pass = await lm.forward(batch);
    expect(pass.entropy).toBeUndefined();
    const grads = await lm.backward(pass, { logProbs: u });
    await fdCheck(lm.parameters(), grads, async () => dot(u, (await lm.scoreTokens(batch)).logProbs.data), 1);
  });
});

describe('critic gradients pass finite-difference checks', () => {
  for (const name of ['qwen3', 'llama'] as const) {
    it(name, async () => {
      const spec = parseHfConfig(SPECS[name]);
      const critic = ValueModel.fromWeights(spec, withValueHead(spec, initRandomWeights(spec, 7), 8), { engine, dtype: 'float64' });
      const u = randomWeights(6, 4);
      const pass = await critic.forward(batch);
      const grads = await critic.backward(pass, { values: u });
      await fdCheck(critic.parameters(), grads, async () => dot(u, (await critic.values(batch)).data));
    });
  }
});

describe('gradient checkpointing per decoder layer (savePolicy "layer-inputs")', () => {
  it('gives the gradients of the default policy and stores only the layer inputs', async () => {
    const spec = parseHfConfig(SPECS.qwen3);
    const weights = initRandomWeights(spec, 9);
    const u = randomWeights(6, 5);
    const run = async (savePolicy: 'matmul' | 'layer-inputs') => {
      const lm = CausalLM.fromWeights(spec, weights, { engine, dtype: 'float64', savePolicy });
      const pass = await lm.forward(batch, { temperature: 0.8, withEntropy: true });
      return { saved: Object.keys(pass.tape.saved).length, grads: await lm.backward(pass, { logProbs: u, entropy: u }) };
    };
    const a = await run('matmul');
    const b = await run('layer-inputs');
    expect(b.saved).toBe(spec.numHiddenLayers);
    expect(a.saved).toBeGreaterThan(b.saved);
    for (const [name, g] of Object.entries(a.grads)) {
      for (let i = 0; i < g.length; i++) expect(Math.abs(b.grads[name][i] - g[i]), `${name}[${i}]`).toBeLessThan(1e-10 * Math.max(1, Math.abs(g[i])));
    }
  });
});
