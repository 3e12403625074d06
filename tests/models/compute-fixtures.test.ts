// Model compute against numbers transformers 5.18 computed for the same checkpoints (see
// tests/fixtures/models/gen/make_compute_fixtures.py and /work/shared/fixtures/README.md, hf-tiny).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CausalLM, ValueModel } from '../../src/models/index.js';
import { FIX, engine, expectAllClose, flat, maxAbsDiff, promptBatch, readJson, rowsOf, sequenceBatch, wholeSequences } from './compute-helpers.js';

interface Expected {
  inputs: number[][];
  logprobs: number[][];
  greedy?: number[][];
}

const MODEL_DIRS: Record<string, string> = {
  'llama-untied-f32-v4config': 'hf-tiny/llama-untied-f32-v4config',
  'qwen2-tied-bf16': 'hf-tiny/qwen2-tied-bf16',
  'qwen3-f32': 'hf-tiny/qwen3-f32',
  'llama-bias-llama3rope-f32': 'models/llama-bias-llama3rope-f32',
  'mistral-sharded-f32': 'models/mistral-sharded-f32',
  'llama-llama3rope-band-f32': 'models/llama-llama3rope-band-f32',
};

// Measured against these float32 fixtures: log-probs, entropy and values agree to 2e-6; gradients to 1e-4
// relative plus at most 3e-6 absolute (float32 sums that cancel, in the embedding gradients). The tolerances
// leave a few-fold headroom over that and no more.
const LOGPROB_TOL = 1e-5;
const GRAD_TOL = { rtol: 1e-4, atol: 5e-6 };

const models = new Map<string, CausalLM>();
function model(name: string): CausalLM {
  let m = models.get(name);
  if (!m) {
    m = CausalLM.fromDir(join(FIX, MODEL_DIRS[name]), { engine });
    models.set(name, m);
  }
  return m;
}

describe('log-probs of whole sequences equal transformers (expected.json)', () => {
  for (const name of Object.keys(MODEL_DIRS)) {
    it(`${name}: every token of 2–48-token sequences, scored together in one right-padded batch, within 1e-5`, async () => {
      const exp = readJson<Expected>(join(MODEL_DIRS[name], 'expected.json'));
      const batch = wholeSequences(exp.inputs);
      const { logProbs } = await model(name).scoreTokens(batch);
      expect(logProbs.shape).toEqual([exp.inputs.length, batch.length - 1]);
      const got = exp.inputs.flatMap((row, b) => Array.from({ length: row.length - 1 }, (_, t) => logProbs.data[b * (batch.length - 1) + t]));
      expect(maxAbsDiff(got, flat(exp.logprobs))).toBeLessThan(LOGPROB_TOL);
    });
  }
});

describe('llama3 RoPE at model level', () => {
  it("llama-llama3rope-band-f32 has frequencies in all three llama3 regimes, the smoothing band included", () => {
    const cfg = readJson<{ head_dim: number; rope_parameters: Record<string, number> }>('models/llama-llama3rope-band-f32/config.json');
    const rp = cfg.rope_parameters;
    const wavelengths = Array.from({ length: cfg.head_dim / 2 }, (_, i) => 2 * Math.PI * rp.rope_theta ** ((2 * i) / cfg.head_dim));
    const high = rp.original_max_position_embeddings / rp.high_freq_factor;
    const low = rp.original_max_position_embeddings / rp.low_freq_factor;
    const regimes = wavelengths.map((w) => (w < high ? 'kept' : w > low ? 'scaled' : 'smoothed'));
    expect(regimes.filter((r) => r === 'smoothed').length).toBeGreaterThanOrEqual(2);
    expect(new Set(regimes)).toEqual(new Set(['kept', 'smoothed', 'scaled']));
    const exp = readJson<Expected>('models/llama-llama3rope-band-f32/expected.json');
    // The smoothed frequencies rotate by ~0.1 rad per token; positions past 40 make them count.
    expect(Math.max(...exp.inputs.map((row) => row.length))).toBeGreaterThanOrEqual(40);
  });
});

describe('greedy continuations equal transformers generate(do_sample=False) with the KV cache', () => {
  for (const name of ['llama-untied-f32-v4config', 'qwen2-tied-bf16', 'qwen3-f32']) {
    it(`${name}: 12 tokens, EOS disabled, each prompt alone`, async () => {
      const exp = readJson<Expected>(join(MODEL_DIRS[name], 'expected.json'));
      for (const [b, prompt] of exp.inputs.entries()) {
        const out = await model(name).generate(promptBatch([prompt]), {
          temperature: 1, topK: -1, topP: 1, doSample: false, n: 1, responseLength: 12, ignoreEos: true, seed: 0, maxNumSeqs: 4,
        });
        expect([...out.tensor('responses').data], `prompt ${b}`).toEqual(exp.greedy?.[b]);
      }
    });
  }

  interface GreedyBatch {
    max_new_tokens: number;
    pad_token_id: number;
    models: Record<string, { input_ids: number[][]; attention_mask: number[][]; eos_token_id: number; sequences: number[][]; log_probs: number[][] }>;
  }
  const greedy = readJson<GreedyBatch>('models/compute/greedy-batch.json');
  for (const [name, c] of Object.entries(greedy.models)) {
    it(`${name}: a left-padded batch stopping at an EOS id, padded like transformers, with raw log-probs`, async () => {
      const prompts = c.input_ids.map((row, b) => row.filter((_, t) => c.attention_mask[b][t] === 1));
      const out = await model(name).generate(promptBatch(prompts), {
        temperature: 1, topK: -1, topP: 1, doSample: false, n: 1, responseLength: greedy.max_new_tokens, ignoreEos: false, seed: 0,
        maxNumSeqs: 8, eosTokenIds: [c.eos_token_id], padTokenId: greedy.pad_token_id,
      });
      const R = greedy.max_new_tokens;
      const responses = rowsOf(out.tensor('responses').data, R);
      const mask = rowsOf(out.tensor('response_mask').data, R);
      const logps = rowsOf(out.tensor('rollout_log_probs').data, R);
      c.sequences.forEach((want, b) => {
        const width = want.length;
        expect(responses[b].slice(0, width), `row ${b}`).toEqual(want);
        expect(responses[b].slice(width).every((id) => id === greedy.pad_token_id)).toBe(true);
        // transformers keeps the EOS and pads after it; the response mask covers the EOS too.
        const stop = want.indexOf(c.eos_token_id);
        const len = stop >= 0 ? stop + 1 : width;
        expect(mask[b]).toEqual(Array.from({ length: R }, (_, t) => (t < len ? 1 : 0)));
        expect(maxAbsDiff(logps[b].slice(0, len), c.log_probs[b].slice(0, len))).toBeLessThan(LOGPROB_TOL);
        expect(logps[b].slice(len).every((x) => x === -1)).toBe(true);
      });
      expect(c.sequences.some((s) => s.includes(c.eos_token_id))).toBe(true);
    });
  }
});

interface LayoutCase {
  prompt_length: number;
  response_length: number;
  input_ids: number[][];
  attention_mask: number[][];
  position_ids: number[][];
  log_probs: number[][];
  entropy: number[][];
  sum_pi_squared: number[][];
  upstream_log_probs: number[][];
  upstream_entropy: number[][];
  grads: Record<string, number[]>;
}

describe("verl's layout (left-padded prompts ‖ right-padded responses) at temperature 0.7", () => {
  const layout = readJson<{ temperature: number; models: Record<string, LayoutCase> }>('models/compute/verl-layout.json');
  for (const [name, c] of Object.entries(layout.models)) {
    it(`${name}: log-probs, entropy and Σπ² of logits[:, -R-1:-1]/τ; gradients equal torch float64 autograd`, async () => {
      const lm = model(name);
      const batch = sequenceBatch(c.input_ids, c.attention_mask, c.response_length, c.position_ids);
      const scores = await lm.scoreTokens(batch, { temperature: layout.temperature, withEntropy: true, withSumPiSquared: true });
      expect(maxAbsDiff(scores.logProbs.data, flat(c.log_probs))).toBeLessThan(LOGPROB_TOL);
      expect(maxAbsDiff(scores.entropy?.data ?? [], flat(c.entropy))).toBeLessThan(LOGPROB_TOL);
      expect(maxAbsDiff(scores.sumPiSquared?.data ?? [], flat(c.sum_pi_squared))).toBeLessThan(1e-6);

      // Position ids default to verl's clip(cumsum(mask) - 1, 0).
      const implicit = await lm.scoreTokens(sequenceBatch(c.input_ids, c.attention_mask, c.response_length), { temperature: layout.temperature });
      expect([...implicit.logProbs.data]).toEqual([...scores.logProbs.data]);

      const pass = await lm.forward(batch, { temperature: layout.temperature, withEntropy: true });
      expect([...pass.logProbs.data]).toEqual([...scores.logProbs.data]);
      const grads = await lm.backward(pass, { logProbs: Float32Array.from(flat(c.upstream_log_probs)), entropy: Float32Array.from(flat(c.upstream_entropy)) });
      expect(Object.keys(grads).sort()).toEqual(lm.parameters().names().sort());
      expect(Object.keys(c.grads).length).toBeGreaterThanOrEqual(4);
      for (const [param, want] of Object.entries(c.grads)) expectAllClose(grads[param], want, GRAD_TOL, param);
    });
  }
});

describe('critic: a Qwen2ForTokenClassification saved by transformers', () => {
  interface CriticCase {
    model: string;
    input_ids: number[][];
    attention_mask: number[][];
    position_ids: number[][];
    response_length: number;
    values: number[][];
    upstream: number[][];
    grads: Record<string, number[]>;
  }
  const c = readJson<CriticCase>('models/compute/critic.json');

  it('loads with its head; values[:, -R-1:-1] and their gradients equal transformers', async () => {
    const critic = ValueModel.fromDir(join(FIX, 'models', c.model), { engine });
    const batch = sequenceBatch(c.input_ids, c.attention_mask, c.response_length, c.position_ids);
    const values = await critic.values(batch);
    expect(values.shape).toEqual([3, c.response_length]);
    expect(maxAbsDiff(values.data, flat(c.values))).toBeLessThan(LOGPROB_TOL);
    const pass = await critic.forward(batch);
    expect([...pass.values.data]).toEqual([...values.data]);
    const grads = await critic.backward(pass, { values: Float32Array.from(flat(c.upstream)) });
    for (const [param, want] of Object.entries(c.grads)) expectAllClose(grads[param], want, GRAD_TOL, param);
  });

  it('a causal LM becomes a critic with a new head: normal(0, initializer_range) weight, zero bias, lm_head dropped', () => {
    const critic = ValueModel.fromDir(join(FIX, 'hf-tiny/llama-untied-f32-v4config'), { engine, seed: 3 });
    const names = critic.parameters().names();
    expect(names).toContain('score.weight');
    expect(names).not.toContain('lm_head.weight');
    const w = critic.parameters().get('score.weight').data;
    expect(critic.parameters().get('score.weight').shape).toEqual([1, 48]);
    expect([...critic.parameters().get('score.bias').data]).toEqual([0]);
    const std = Math.sqrt(Array.from(w).reduce((s, x) => s + x * x, 0) / w.length);
    expect(std).toBeGreaterThan(0.08 * 0.6);
    expect(std).toBeLessThan(0.08 * 1.4);
    const again = ValueModel.fromDir(join(FIX, 'hf-tiny/llama-untied-f32-v4config'), { engine, seed: 3 });
    expect([...again.parameters().get('score.weight').data]).toEqual([...w]);
  });
});
