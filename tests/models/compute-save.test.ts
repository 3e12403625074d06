// Saving and reloading models, copies, and verl's own bf16 test model (skipped without ../shared).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CausalLM, ValueModel, readSafetensorsFloat32 } from '../../src/models/index.js';
import { FIX, engine, promptBatch, wholeSequences } from './compute-helpers.js';
import { sharedFixture } from '../support/shared.js';
import { makeTempDir } from '../support/temp-dir.js';

const tmp = () => join(makeTempDir('compute-save-'), 'out');
const SEQS = wholeSequences([[3, 4, 5, 6, 7], [8, 9]]);

describe('save / load', () => {
  it('a CausalLM saves as the checkpoint it came from and scores identically after reloading', async () => {
    const lm = CausalLM.fromDir(join(FIX, 'hf-tiny/qwen2-tied-bf16'), { engine });
    const dir = tmp();
    const saved = await lm.save(dir);
    expect(saved.files.sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors']);
    const again = CausalLM.fromDir(dir, { engine });
    expect(again.spec.torchDtype).toBe('bfloat16');
    expect([...(await again.scoreTokens(SEQS)).logProbs.data]).toEqual([...(await lm.scoreTokens(SEQS)).logProbs.data]);
    // bf16 values survive a bf16 round trip bit for bit
    const a = readSafetensorsFloat32(join(FIX, 'hf-tiny/qwen2-tied-bf16/model.safetensors')).tensors;
    const b = readSafetensorsFloat32(join(dir, 'model.safetensors')).tensors;
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, t] of a) expect([...(b.get(name)?.data ?? [])], name).toEqual([...t.data]);
  });

  it('copy() is independent: changing the copy does not change the original', async () => {
    const lm = CausalLM.fromDir(join(FIX, 'hf-tiny/qwen3-f32'), { engine });
    const before = [...(await lm.scoreTokens(SEQS)).logProbs.data];
    const ref = lm.copy();
    ref.parameters().get('model.norm.weight').data.fill(0.5);
    expect([...(await lm.scoreTokens(SEQS)).logProbs.data]).toEqual(before);
    expect([...(await ref.scoreTokens(SEQS)).logProbs.data]).not.toEqual(before);
  });

  it('a ValueModel saves as transformers saves XForTokenClassification, and reloads with its head', async () => {
    const critic = ValueModel.fromDir(join(FIX, 'hf-tiny/qwen2-tied-bf16'), { engine, seed: 4 });
    const dir = tmp();
    const saved = await critic.save(dir, { dtype: 'float32' });
    expect(saved.files.sort()).toEqual(['config.json', 'model.safetensors']);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ architectures: ['Qwen2ForTokenClassification'], id2label: { '0': 'LABEL_0' }, label2id: { LABEL_0: 0 }, model_type: 'qwen2' });
    // same tensor names as the critic transformers itself saved
    const ours = [...readSafetensorsFloat32(join(dir, 'model.safetensors')).tensors.keys()].sort();
    const theirs = [...readSafetensorsFloat32(join(FIX, 'models/critic-qwen2-f32/model.safetensors')).tensors.keys()].sort();
    expect(ours).toEqual(theirs);
    const again = ValueModel.fromDir(dir, { engine, seed: 99 });
    expect([...again.parameters().get('score.weight').data]).toEqual([...critic.parameters().get('score.weight').data]);
    expect([...(await again.values(SEQS)).data]).toEqual([...(await critic.values(SEQS)).data]);
  });
});

const VERL_ARITH = sharedFixture('verl-arith/model');
describe.skipIf(VERL_ARITH === null)("verl's arithmetic-sequence model (bf16 Llama, character tokenizer)", () => {
  it('loads, scores and generates', async () => {
    const lm = CausalLM.fromDir(VERL_ARITH as string, { engine });
    expect(lm.spec.torchDtype).toBe('bfloat16');
    const tok = lm.tokenizer;
    if (!tok) throw new Error('verl-arith has a character tokenizer');
    const text = tok.applyChatTemplate([{ role: 'user', content: '3,5:9,4' }], { addGenerationPrompt: true });
    const ids = tok.encode(text);
    const scores = await lm.scoreTokens(wholeSequences([ids]));
    expect(Array.from(scores.logProbs.data).every((x) => Number.isFinite(x) && x <= 0)).toBe(true);
    const out = await lm.generate(promptBatch([ids, ids.slice(2)], 2), {
      temperature: 1, topK: -1, topP: 1, doSample: true, n: 2, responseLength: 8, ignoreEos: false, seed: 1, maxNumSeqs: 4,
    });
    expect(out.size).toBe(4);
    const responses = out.tensor('responses').data;
    expect(Array.from(responses).every((id) => id >= 0 && id < 16)).toBe(true);
    // verl's character vocabulary: S, E, P, U = ids 0..3 (special), then '0'..'9', ',', ':' from id 4.
    const vocab = '0123456789,:';
    const firstResponse = Array.from(responses.subarray(0, 8));
    const expectedText = firstResponse.filter((id) => id >= 4).map((id) => vocab[id - 4]).join('');
    expect(tok.decode(firstResponse, { skipSpecialTokens: true })).toBe(expectedText);
    expect(tok.decode([4, 13, 14, 15, 1], { skipSpecialTokens: true })).toBe('09,:');
    const rescored = await lm.scoreTokens(out, { temperature: 1 });
    const mask = out.tensor('response_mask').data;
    const rollout = out.tensor('rollout_log_probs').data;
    for (let i = 0; i < mask.length; i++) if (mask[i]) expect(Math.abs(rescored.logProbs.data[i] - rollout[i])).toBeLessThan(2e-5);
  });
});
