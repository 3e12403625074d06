// The rollout: KV-cache decoding against full recomputation, seeded determinism, verl's output layout, errors.
import { describe, expect, it } from 'vitest';
import { Batch } from '../../src/data/batch.js';
import { Tensor } from '../../src/data/tensor.js';
import type { PpoTrainerConfig } from '../../src/config/schema/ppo-trainer.js';
import { CausalLM, KvBufferPool, KvCache, initRandomWeights, parseHfConfig, presetConfig, rolloutOptionsFromConfig, type RolloutOptions } from '../../src/models/index.js';
import { engine, promptBatch, rowsOf } from './compute-helpers.js';

const spec = parseHfConfig({
  ...presetConfig('qwen2'),
  hidden_size: 32, intermediate_size: 48, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 23,
  pad_token_id: 0, eos_token_id: 1, initializer_range: 0.3,
});
/** kvCacheBlock 4: responses of 9 tokens grow the cache twice. */
const lm = CausalLM.fromWeights(spec, initRandomWeights(spec, 1), { engine, kvCacheBlock: 4 });
const PROMPTS = [[5, 6, 7], [8], [9, 10, 11, 12, 13], [14, 15]];
const SAMPLE: RolloutOptions = {
  temperature: 0.9, topK: -1, topP: 1, doSample: true, n: 3, responseLength: 9, ignoreEos: false, seed: 17, maxNumSeqs: 5,
  // Several stop ids, so rows finish at different steps and finished rows are dropped from the cache.
  eosTokenIds: [1, 2, 3, 4],
};

function columns(b: Batch): Record<string, number[]> {
  return Object.fromEntries(b.tensorNames().map((n) => [n, Array.from(b.tensor(n).data)]));
}

describe('KV-cache decoding', () => {
  it('equals full recomputation: every sampled token’s log-prob matches scoring the finished sequences', async () => {
    const out = await lm.generate(promptBatch(PROMPTS), SAMPLE);
    const R = SAMPLE.responseLength;
    const lengths = rowsOf(out.tensor('response_mask').data, R).map((row) => row.reduce((a, b) => a + b, 0));
    expect(new Set(lengths).size).toBeGreaterThan(2); // rows stopped at different steps
    expect(Math.max(...lengths)).toBe(R); // and some ran to the end (cache growth past 2 blocks)
    // With neither top-k nor top-p the sampling distribution is softmax(logits / τ), which scoring recomputes.
    const scores = await lm.scoreTokens(out, { temperature: SAMPLE.temperature });
    const mask = out.tensor('response_mask').data;
    const rollout = out.tensor('rollout_log_probs').data;
    let compared = 0;
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      expect(Math.abs(scores.logProbs.data[i] - rollout[i]), `element ${i}`).toBeLessThan(2e-5);
      compared++;
    }
    expect(compared).toBeGreaterThan(40);
  });

  it('greedy decoding picks the argmax of the fully recomputed distribution at every step', async () => {
    const out = await lm.generate(promptBatch(PROMPTS), { ...SAMPLE, doSample: false, n: 1, ignoreEos: true });
    const scores = await lm.scoreTokens(out);
    // Greedy log-probs are the raw log-softmax of the chosen (maximal) token: log p ≥ log(1/V) and equal to scoring.
    const rollout = out.tensor('rollout_log_probs').data;
    for (let i = 0; i < rollout.length; i++) expect(Math.abs(scores.logProbs.data[i] - rollout[i])).toBeLessThan(2e-5);
    expect(Math.min(...rollout)).toBeGreaterThan(Math.log(1 / spec.vocabSize));
  });

  it('KvCache keeps slot contents through growth and row dropping', () => {
    const shape = { layers: 1, kvHeads: 2, headDim: 3 };
    const cache = new KvCache(shape, 'float32', 2, 4);
    // prefill of 2 prompt rows, width 2; cache row r copies prompt row 1 − r
    const keys = [Float32Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => i)];
    cache.fillFromPrefill(keys, keys, [0, 1, 1, 1], 2, [1, 0]);
    const step = [Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => 100 + i)];
    cache.appendSlot(step, step);
    cache.reserve(7, 4);
    expect(cache.capacity).toBe(8);
    cache.keepRows([1]);
    const feeds = cache.feeds();
    const k = feeds['past.0.key'];
    expect(k.dims).toEqual([1, 2, 8, 3]);
    // row 1 of the cache copied prompt row 0: head 0 slots 0–1 are keys[0..5], slot 2 the step's row-1 head-0 values
    expect(Array.from((k.data as Float32Array).subarray(0, 9))).toEqual([0, 1, 2, 3, 4, 5, 106, 107, 108]);
    expect(Array.from(feeds.past_valid.data as Uint8Array)).toEqual([0, 1, 1, 0, 0, 0, 0, 0]);
    expect(cache.length).toBe(3);
  });

  it('KvCache drops rows in place or reordered, and a recycled cache holds what a fresh one holds', () => {
    const shape = { layers: 2, kvHeads: 2, headDim: 3 };
    const keys = [0, 1].map((l) => Float32Array.from({ length: 3 * 2 * 2 * 3 }, (_, i) => 1000 * l + i + 1));
    const values = keys.map((k) => k.map((x) => -x));
    const mask = [0, 1, 1, 1, 1, 1];
    const step = [0, 1].map((l) => Float32Array.from({ length: 3 * 2 * 3 }, (_, i) => 500 + 1000 * l + i));
    const build = (pool: KvBufferPool | null) => {
      const c = new KvCache(shape, 'float32', 3, 4, pool);
      c.fillFromPrefill(keys, values, mask, 2, [2, 0, 1]);
      c.appendSlot(step, step);
      return c;
    };
    const snapshot = (c: KvCache) => Object.fromEntries(Object.entries(c.feeds()).map(([k, v]) => [k, { dims: v.dims, data: Array.from(v.data as ArrayLike<number>) }]));
    const fresh = build(null);
    const pool = new KvBufferPool();
    const first = build(pool);
    first.keepRows([0, 2]); // in place
    first.appendSlot([7, 8].map((x) => new Float32Array(2 * 2 * 3).fill(x)), step.slice(0, 2).reverse());
    first.release();
    const recycled = build(pool); // the same buffers, full of the first cache's values
    expect(snapshot(recycled)).toEqual(snapshot(fresh));
    recycled.keepRows([1, 2]);
    fresh.keepRows([2, 1]); // not ascending: copied into new buffers
    const a = snapshot(recycled);
    const b = snapshot(fresh);
    expect(a['past.1.key'].dims).toEqual([2, 2, 4, 3]);
    // fresh's rows are recycled's in the opposite order
    const half = a['past.1.key'].data.length / 2;
    expect(a['past.1.key'].data.slice(0, half)).toEqual(b['past.1.key'].data.slice(half));
    expect(a['past.1.key'].data.slice(half)).toEqual(b['past.1.key'].data.slice(0, half));
    // row 1 (prompt 0, mask [0, 1]) then its step slot: head 0 slots 0..2, slot 3 empty
    expect(a['past.1.key'].data.slice(0, 12)).toEqual([1001, 1002, 1003, 1004, 1005, 1006, 1506, 1507, 1508, 0, 0, 0]);
    expect(a.past_valid.data).toEqual([0, 1, 1, 0, 1, 1, 1, 0]);
  });
});

describe('sampling is seeded and laid out as verl lays it out', () => {
  it('the same seed gives the same samples; another seed gives others', async () => {
    const a = await lm.generate(promptBatch(PROMPTS), SAMPLE);
    const b = await lm.generate(promptBatch(PROMPTS), SAMPLE);
    const c = await lm.generate(promptBatch(PROMPTS), { ...SAMPLE, seed: 18 });
    expect(columns(b)).toEqual(columns(a));
    expect(columns(c).responses).not.toEqual(columns(a).responses);
  });

  it('a row’s samples do not depend on how rows are grouped (max_num_seqs)', async () => {
    const a = await lm.generate(promptBatch(PROMPTS), SAMPLE);
    const b = await lm.generate(promptBatch(PROMPTS), { ...SAMPLE, maxNumSeqs: 64 });
    const c = await lm.generate(promptBatch(PROMPTS), { ...SAMPLE, maxNumSeqs: 1 });
    expect(columns(b).responses).toEqual(columns(a).responses);
    expect(columns(c).responses).toEqual(columns(a).responses);
  });

  it('columns, shapes and contents: prompts ‖ responses, masks, positions, −1-padded rollout log-probs', async () => {
    const out = await lm.generate(promptBatch(PROMPTS), SAMPLE);
    const n = SAMPLE.n;
    const R = SAMPLE.responseLength;
    const P = 5;
    expect(out.size).toBe(PROMPTS.length * n);
    expect(out.tensorNames().sort()).toEqual(['attention_mask', 'input_ids', 'position_ids', 'prompts', 'response_mask', 'responses', 'rollout_log_probs']);
    expect(out.tensor('input_ids').shape).toEqual([12, P + R]);
    expect(out.tensor('rollout_log_probs').dtype).toBe('float32');
    for (const name of ['prompts', 'responses', 'input_ids', 'attention_mask', 'position_ids', 'response_mask']) expect(out.tensor(name).dtype).toBe('int32');
    const prompts = rowsOf(out.tensor('prompts').data, P);
    const responses = rowsOf(out.tensor('responses').data, R);
    const ids = rowsOf(out.tensor('input_ids').data, P + R);
    const attention = rowsOf(out.tensor('attention_mask').data, P + R);
    const positions = rowsOf(out.tensor('position_ids').data, P + R);
    const rmask = rowsOf(out.tensor('response_mask').data, R);
    const logps = rowsOf(out.tensor('rollout_log_probs').data, R);
    for (let row = 0; row < out.size; row++) {
      const prompt = PROMPTS[Math.floor(row / n)]; // interleaved: row i·n + k is sample k of prompt i
      expect(prompts[row]).toEqual([...new Array<number>(P - prompt.length).fill(0), ...prompt]);
      expect(ids[row]).toEqual([...prompts[row], ...responses[row]]);
      const len = rmask[row].reduce((a, b) => a + b, 0);
      expect(rmask[row]).toEqual(Array.from({ length: R }, (_, t) => (t < len ? 1 : 0)));
      expect(attention[row]).toEqual([...new Array<number>(P - prompt.length).fill(0), ...new Array<number>(prompt.length).fill(1), ...rmask[row]]);
      // clip(cumsum(mask) − 1, 0) on the prompt, then last prompt position + 1 … + R on the response
      expect(positions[row]).toEqual([...new Array<number>(P - prompt.length).fill(0), ...prompt.map((_, t) => t), ...Array.from({ length: R }, (_, t) => prompt.length + t)]);
      const stopped = len < R;
      if (stopped) expect(SAMPLE.eosTokenIds).toContain(responses[row][len - 1]);
      expect(responses[row].slice(0, len - 1).some((id) => SAMPLE.eosTokenIds?.includes(id))).toBe(false);
      expect(responses[row].slice(len).every((id) => id === 0)).toBe(true); // the pad id after the response
      expect(logps[row].slice(len).every((x) => x === -1)).toBe(true);
      expect(logps[row].slice(0, len).every((x) => x < 0 && x > -20)).toBe(true);
    }
  });

  it('ignore_eos keeps generating through EOS to response_length', async () => {
    const out = await lm.generate(promptBatch(PROMPTS), { ...SAMPLE, ignoreEos: true });
    expect(Array.from(out.tensor('response_mask').data).every((x) => x === 1)).toBe(true);
    expect(Array.from(out.tensor('responses').data).some((id) => SAMPLE.eosTokenIds?.includes(id))).toBe(true);
  });

  it('top-k 1 is greedy; the log-prob of a forced token is 0', async () => {
    const greedy = await lm.generate(promptBatch(PROMPTS), { ...SAMPLE, doSample: false, n: 1 });
    const topk = await lm.generate(promptBatch(PROMPTS), { ...SAMPLE, topK: 1, n: 1 });
    expect(columns(topk).responses).toEqual(columns(greedy).responses);
    const mask = topk.tensor('response_mask').data;
    Array.from(topk.tensor('rollout_log_probs').data).forEach((x, i) => expect(x).toBe(mask[i] ? 0 : -1));
  });

  it('position_ids given with the prompts are continued (verl: last prompt position + 1 …)', async () => {
    const base = promptBatch([[5, 6]]);
    const shifted = base.withTensor('position_ids', new Tensor(Int32Array.from([10, 11]), [1, 2]));
    const out = await lm.generate(shifted, { ...SAMPLE, n: 1, responseLength: 3, ignoreEos: true });
    expect(Array.from(out.tensor('position_ids').data)).toEqual([10, 11, 12, 13, 14]);
  });
});

describe('rollout errors', () => {
  it('refuses right-padded prompts, unknown ids, impossible options and a model without EOS', async () => {
    const rightPadded = Batch.from({ tensors: { input_ids: new Tensor(Int32Array.from([5, 0]), [1, 2]), attention_mask: new Tensor(Int32Array.from([1, 0]), [1, 2]) } });
    await expect(lm.generate(rightPadded, SAMPLE)).rejects.toThrow('prompt row 0 ends with padding: prompts must be left-padded (real tokens last), as verl pads them');
    await expect(lm.generate(promptBatch([[5, 99]]), SAMPLE)).rejects.toThrow('token id 99 at row 0, position 1 is outside the vocabulary [0, 23)');
    await expect(lm.generate(promptBatch([[5]]), { ...SAMPLE, temperature: 0 })).rejects.toThrow('temperature (=0) has to be a strictly positive number when do_sample is true');
    await expect(lm.generate(promptBatch([[5]]), { ...SAMPLE, n: 0 })).rejects.toThrow('n must be a positive integer, got 0');
    await expect(lm.generate(promptBatch([[5]]), { ...SAMPLE, maxNumSeqs: 1.5 })).rejects.toThrow('max_num_seqs must be a positive integer, got 1.5');
    const noEos = CausalLM.fromWeights(parseHfConfig({ ...spec.rawConfig, eos_token_id: null }), lm.weights(), { engine });
    await expect(noEos.generate(promptBatch([[5]]), { ...SAMPLE, eosTokenIds: undefined })).rejects.toThrow(
      'Qwen2ForCausalLM: no EOS token id is known (generation_config.json, config.json and the tokenizer name none), so responses could not stop; set ignore_eos=true or pass eosTokenIds',
    );
    await expect(lm.scoreTokens(promptBatch([[5, 6]]).withTensor('responses', new Tensor(Int32Array.from([6, 5]), [1, 2])))).rejects.toThrow(
      'response length must be between 1 and 1 (sequence length − 1), got 2',
    );
    await expect(lm.scoreTokens(promptBatch([[5, 6]]))).rejects.toThrow("batch has no tensor column 'responses'");
    await expect(lm.scoreTokens({ batchSize: 1, length: 2, inputIds: [5, 6], attentionMask: [1, 1], responseLength: 1 }, { temperature: 0 })).rejects.toThrow(
      'temperature must be a positive number, got 0',
    );
  });
});

describe('RolloutOptions from the validated rollout section', () => {
  const rollout = {
    name: 'ort', temperature: 0.7, top_k: 20, top_p: 0.9, prompt_length: 64, response_length: 32, ignore_eos: false, do_sample: true, n: 4,
    max_num_seqs: 16, seed: 3, calculate_log_probs: false, log_prob_micro_batch_size: null, log_prob_micro_batch_size_per_gpu: null,
    log_prob_use_dynamic_bsz: false, log_prob_max_token_len_per_gpu: 16384,
    val_kwargs: { top_k: -1, top_p: 1.0, temperature: 0, n: 1, do_sample: false },
  } satisfies PpoTrainerConfig['actor_rollout_ref']['rollout'];

  it('training uses the rollout keys; validation uses val_kwargs for the sampling ones', () => {
    expect(rolloutOptionsFromConfig(rollout)).toEqual({
      temperature: 0.7, topK: 20, topP: 0.9, doSample: true, n: 4, responseLength: 32, ignoreEos: false, seed: 3, maxNumSeqs: 16,
    });
    expect(rolloutOptionsFromConfig(rollout, 'validate')).toEqual({
      temperature: 0, topK: -1, topP: 1, doSample: false, n: 1, responseLength: 32, ignoreEos: false, seed: 3, maxNumSeqs: 16,
    });
  });
});
