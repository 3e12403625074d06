import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelDir } from '../../src/models/checkpoint/load.js';
import { saveModelDir } from '../../src/models/checkpoint/save.js';
import { checkSequenceLength, parseHfConfig, readModelConfig } from '../../src/models/hf/config.js';
import { expectedTensors, parameterCount } from '../../src/models/hf/tensors.js';
import { loadWeights } from '../../src/models/hf/weights.js';
import { sharedFixture } from '../support/shared.js';
import { makeTempDir } from '../support/temp-dir.js';

const FIX = new URL('../fixtures/', import.meta.url).pathname;
const VERL_ARITH = sharedFixture('verl-arith/model');

interface Digest {
  file: string;
  dtype: string;
  shape: number[];
  first: number[];
  sum: number;
  sumsq: number;
}
const digests = (JSON.parse(readFileSync(join(FIX, 'models/tensor-digests.json'), 'utf8')) as { models: Record<string, Record<string, Digest>> }).models;

function copyModel(rel: string): string {
  const dir = join(makeTempDir('model-'), 'm');
  cpSync(join(FIX, rel), dir, { recursive: true });
  return dir;
}

/** The loaded weights equal what safetensors + torch read (first values exactly, sums to float32 accuracy). */
function expectDigests(key: string, dir: string, tied: boolean) {
  const { weights, sourceDtypes, files } = loadWeights(dir, readModelConfig(dir));
  const want = digests[key];
  const names = Object.keys(want).filter((n) => !(tied && n === 'lm_head.weight'));
  expect([...weights.keys()].sort()).toEqual(names.sort());
  expect(files.sort()).toEqual([...new Set(names.map((n) => want[n].file))].sort());
  for (const name of names) {
    const w = weights.get(name);
    const d = want[name];
    expect(w?.shape, name).toEqual(d.shape);
    expect(Array.from(w?.data.subarray(0, 4) ?? []), name).toEqual(d.first);
    let sum = 0;
    let sumsq = 0;
    for (const x of w?.data ?? []) {
      sum += x;
      sumsq += x * x;
    }
    expect(Math.abs(sum - d.sum), `${name} sum`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(d.sumsq)));
    expect(Math.abs(sumsq - d.sumsq), `${name} sumsq`).toBeLessThanOrEqual(1e-9 * Math.max(1, d.sumsq));
    expect(sourceDtypes.get(name), name).toBe(d.dtype);
  }
}

describe('hf-tiny models saved by transformers 5.18 load with the right spec and tensors', () => {
  it('llama-untied-f32-v4config: GQA, untied, transformers-4 rope layout', () => {
    const spec = readModelConfig(join(FIX, 'hf-tiny/llama-untied-f32-v4config'));
    expect(spec).toMatchObject({
      architecture: 'LlamaForCausalLM', modelType: 'llama', vocabSize: 77, hiddenSize: 48, intermediateSize: 96, numHiddenLayers: 2,
      numAttentionHeads: 4, numKeyValueHeads: 2, headDim: 12, maxPositionEmbeddings: 256, rmsNormEps: 1e-6, tieWordEmbeddings: false,
      torchDtype: 'float32', bosTokenId: 1, eosTokenIds: [2], padTokenId: 0, biases: { qkv: false, o: false, mlp: false }, qkNorm: false,
      slidingWindow: null, initializerRange: 0.08,
    });
    expect(spec.rope).toMatchObject({ ropeType: 'default', theta: 20000, rotaryDim: 12, attentionScaling: 1 });
    expect(spec.rope.invFreq.length).toBe(6);
    expectDigests('hf-tiny/llama-untied-f32-v4config', join(FIX, 'hf-tiny/llama-untied-f32-v4config'), false);
  });
  it('qwen2-tied-bf16: q/k/v biases, tied embeddings (no lm_head.weight), bf16 → f32', () => {
    const dir = join(FIX, 'hf-tiny/qwen2-tied-bf16');
    const m = loadModelDir(dir);
    expect(m.spec).toMatchObject({
      architecture: 'Qwen2ForCausalLM', vocabSize: 90, hiddenSize: 64, numAttentionHeads: 8, numKeyValueHeads: 2, headDim: 8,
      tieWordEmbeddings: true, torchDtype: 'bfloat16', biases: { qkv: true, o: false, mlp: false }, layerTypes: ['full_attention', 'full_attention'],
    });
    expect(m.spec.rope).toMatchObject({ ropeType: 'default', theta: 1000000 });
    expect(m.weights.has('lm_head.weight')).toBe(false);
    expect(m.sourceDtypes.get('model.embed_tokens.weight')).toBe('BF16');
    expect(m.tokenizer).toBeNull();
    expect(m.generationConfig).toMatchObject({ eosTokenIds: [2], padTokenId: 0, bosTokenId: 1, fromFile: true });
    expectDigests('hf-tiny/qwen2-tied-bf16', dir, true);
  });
  it('qwen3-f32: q_norm/k_norm and an explicit head_dim different from hidden/heads', () => {
    const dir = join(FIX, 'hf-tiny/qwen3-f32');
    const spec = readModelConfig(dir);
    expect(spec).toMatchObject({ architecture: 'Qwen3ForCausalLM', hiddenSize: 48, numAttentionHeads: 4, headDim: 16, qkNorm: true, tieWordEmbeddings: false });
    expect(expectedTensors(spec).find((t) => t.name === 'model.layers.0.self_attn.q_proj.weight')?.shape).toEqual([64, 48]);
    expect(expectedTensors(spec).find((t) => t.name === 'model.layers.1.self_attn.k_norm.weight')?.shape).toEqual([16]);
    expectDigests('hf-tiny/qwen3-f32', dir, false);
  });
});

describe('more checkpoints made by transformers', () => {
  it('a sharded Mistral checkpoint (model.safetensors.index.json)', () => {
    const dir = join(FIX, 'models/mistral-sharded-f32');
    const m = loadModelDir(dir);
    expect(m.spec).toMatchObject({ architecture: 'MistralForCausalLM', headDim: 8, numKeyValueHeads: 2, slidingWindow: null });
    expect(m.files.sort()).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expectDigests('models/mistral-sharded-f32', dir, false);
  });
  it('Llama with attention_bias, mlp_bias, llama3 rope, tied embeddings and a list of eos ids', () => {
    const dir = join(FIX, 'models/llama-bias-llama3rope-f32');
    const m = loadModelDir(dir);
    expect(m.spec).toMatchObject({ biases: { qkv: true, o: true, mlp: true }, tieWordEmbeddings: true, eosTokenIds: [2, 3] });
    expect(m.spec.rope).toMatchObject({ ropeType: 'llama3', factor: 4, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 32 });
    expect(m.generationConfig.eosTokenIds).toEqual([2, 3]);
    expect(m.weights.get('model.layers.0.mlp.down_proj.bias')?.shape).toEqual([32]);
    expectDigests('models/llama-bias-llama3rope-f32', dir, true);
  });
  it.skipIf(VERL_ARITH === null)("verl-arith's bf16 Llama and its character tokenizer", () => {
    const m = loadModelDir(VERL_ARITH as string, { tokenizer: 'required' });
    expect(m.spec).toMatchObject({ vocabSize: 16, hiddenSize: 128, numHiddenLayers: 4, intermediateSize: 344, torchDtype: 'bfloat16', bosTokenId: null, eosTokenIds: [1], padTokenId: 2 });
    expect(m.tokenizer?.kind).toBe('char');
    expect(m.tokenizer?.encode('1,2')).toEqual([5, 14, 6]);
    expect(parameterCount(m.spec)).toBe(Object.values(digests['verl-arith/model']).reduce((n, d) => n + d.shape.reduce((a, b) => a * b, 1), 0));
    expectDigests('verl-arith/model', VERL_ARITH as string, false);
  });
});

describe('checkpoint checks name the tensor and the file', () => {
  const llama = 'hf-tiny/llama-untied-f32-v4config';
  it('too few layers in the config: the extra tensors are unexpected', () => {
    const dir = copyModel(llama);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 1 }));
    expect(() => loadModelDir(dir)).toThrow(
      `${dir}: the checkpoint does not match its config.json (LlamaForCausalLM, 1 layers, hidden 48, vocab 77):\n` +
        `  - unexpected tensor 'model.layers.1.input_layernorm.weight' in model.safetensors (config.json has num_hidden_layers=1)`,
    );
  });
  it('a wrong size and a missing tensor', () => {
    const dir = copyModel(llama);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: 97, tie_word_embeddings: false, num_hidden_layers: 3 }));
    let msg = '';
    try {
      loadModelDir(dir);
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toContain("  - tensor 'model.layers.0.mlp.gate_proj.weight' in model.safetensors has shape [96, 48], expected [97, 48]");
    expect(msg).toContain("  - missing tensor 'model.layers.2.input_layernorm.weight' (shape [48]); not in model.safetensors");
    expect(msg).toMatch(/\n {2}\.\.\. and \d+ more$/);
  });
  it('untied config without lm_head.weight', () => {
    const dir = copyModel('hf-tiny/qwen2-tied-bf16');
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, tie_word_embeddings: false }));
    expect(() => loadModelDir(dir)).toThrow("missing tensor 'lm_head.weight' (shape [90, 64]); not in model.safetensors (config.json has tie_word_embeddings=false)");
  });
  it('a bias the architecture does not have', () => {
    const dir = copyModel('models/llama-bias-llama3rope-f32');
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, mlp_bias: false }));
    expect(() => loadModelDir(dir)).toThrow(
      "unexpected tensor 'model.layers.0.mlp.down_proj.bias' in model.safetensors (LlamaForCausalLM with this config has no such bias; check attention_bias / mlp_bias)",
    );
  });
  it('a missing shard and a directory without weights', () => {
    const dir = copyModel('models/mistral-sharded-f32');
    rmSync(join(dir, 'model-00002-of-00002.safetensors'));
    expect(() => loadModelDir(dir)).toThrow(`${join(dir, 'model.safetensors.index.json')}: shard 'model-00002-of-00002.safetensors' (holding e.g. 'lm_head.weight') does not exist in ${dir}`);
    const empty = makeTempDir('model-');
    writeFileSync(join(empty, 'config.json'), readFileSync(join(FIX, llama, 'config.json')));
    writeFileSync(join(empty, 'pytorch_model.bin'), '');
    expect(() => loadModelDir(empty)).toThrow(`${empty}: no model.safetensors or model.safetensors.index.json in the model directory. It has PyTorch pickle weights (pytorch_model.bin)`);
  });
});

describe('config errors name the option', () => {
  const base = { model_type: 'llama', hidden_size: 64, num_attention_heads: 4, num_hidden_layers: 1, vocab_size: 10, intermediate_size: 8 };
  const err = (cfg: Record<string, unknown>) => () => parseHfConfig(cfg, { where: 'x/config.json' });
  it('unknown architecture', () => {
    expect(err({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] })).toThrow(
      "x/config.json: model_type 'gpt2' (architectures: GPT2LMHeadModel) is not supported by verl-ts. Supported: llama (LlamaForCausalLM), qwen2 (Qwen2ForCausalLM), qwen3 (Qwen3ForCausalLM), mistral (MistralForCausalLM).",
    );
    expect(err({ model_type: 'qwen' })).toThrow("Did you mean one of 'qwen2', 'qwen3'?");
    expect(err({ architectures: ['Qwen2ForCausalLM'], hidden_size: 64, num_attention_heads: 4 })).not.toThrow();
    expect(err({ hidden_size: 8 })).toThrow("x/config.json: no 'model_type' or 'architectures' key, so the architecture is unknown.");
  });
  it('unsupported options', () => {
    expect(err({ ...base, hidden_act: 'gelu' })).toThrow(`x/config.json: hidden_act "gelu" is not supported by verl-ts (only 'silu')`);
    expect(err({ ...base, num_key_value_heads: 3 })).toThrow('num_attention_heads (4) must be a multiple of num_key_value_heads (3)');
    expect(err({ ...base, attention_dropout: 0.1 })).toThrow('attention_dropout=0.1 is not supported by verl-ts');
    expect(err({ ...base, quantization_config: { quant_method: 'gptq' } })).toThrow("quantized checkpoints ('quantization_config') are not supported");
    expect(err({ ...base, dtype: 'float8' })).toThrow('dtype "float8" is not supported (use float32, bfloat16 or float16)');
    expect(err({ ...base, hidden_size: '64' })).toThrow(`'hidden_size' must be a positive integer, got "64"`);
  });
  it('sliding windows are recorded so the engine can refuse long sequences', () => {
    expect(parseHfConfig({ model_type: 'mistral', hidden_size: 64, num_attention_heads: 8 }).slidingWindow).toBe(4096);
    expect(parseHfConfig({ model_type: 'mistral', hidden_size: 64, num_attention_heads: 8, sliding_window: null }).slidingWindow).toBeNull();
    const q = parseHfConfig({ model_type: 'qwen2', hidden_size: 64, num_attention_heads: 4, num_hidden_layers: 3, use_sliding_window: true, sliding_window: 64, max_window_layers: 1 });
    expect(q.layerTypes).toEqual(['full_attention', 'sliding_attention', 'sliding_attention']);
    expect(q.slidingWindow).toBe(64);
    expect(parseHfConfig({ model_type: 'qwen2', hidden_size: 64, num_attention_heads: 4, sliding_window: 64 }).slidingWindow).toBeNull();
  });
  it('HF class defaults fill missing keys (Qwen3 head_dim 128, Mistral kv heads 8)', () => {
    const q3 = parseHfConfig({ model_type: 'qwen3', hidden_size: 64, num_attention_heads: 4 });
    expect(q3.headDim).toBe(128);
    expect(parseHfConfig({ model_type: 'qwen3', hidden_size: 64, num_attention_heads: 4, head_dim: null }).headDim).toBe(16);
    const mi = parseHfConfig({ model_type: 'mistral', hidden_size: 64, num_attention_heads: 16 });
    expect(mi).toMatchObject({ numKeyValueHeads: 8, vocabSize: 32000, bosTokenId: 1, eosTokenIds: [2] });
  });
});

describe('saving a checkpoint', () => {
  it('reloads bit-exactly in its own dtype (bf16) and in float32', async () => {
    const src = loadModelDir(join(FIX, 'hf-tiny/qwen2-tied-bf16'));
    const root = makeTempDir('save-');
    const bf = join(root, 'bf16');
    const saved = await saveModelDir(bf, { config: src.spec, weights: src.weights, generationConfig: src.generationConfig });
    expect(saved.files.sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors']);
    expect(readFileSync(join(bf, 'model.safetensors')).length).toBe(readFileSync(join(FIX, 'hf-tiny/qwen2-tied-bf16/model.safetensors')).length);
    const back = loadModelDir(bf);
    expect(back.spec.torchDtype).toBe('bfloat16');
    const bits = (a: Float32Array | undefined) => Array.from(new Uint32Array(a ? a.slice().buffer : new ArrayBuffer(0)));
    for (const [name, w] of src.weights) expect(bits(back.weights.get(name)?.data), name).toEqual(bits(w.data));
    const f32 = join(root, 'f32');
    await saveModelDir(f32, { config: src.spec, weights: src.weights, dtype: 'float32' });
    const cfg = JSON.parse(readFileSync(join(f32, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(cfg.dtype).toBe('float32');
    expect(Object.keys(cfg)).toEqual(Object.keys(cfg).sort());
    const back32 = loadModelDir(f32);
    expect(back32.sourceDtypes.get('model.norm.weight')).toBe('F32');
    for (const [name, w] of src.weights) expect(Array.from(back32.weights.get(name)?.data ?? []), name).toEqual(Array.from(w.data));
  });
  it('keeps the transformers-4 torch_dtype key, shards on request, copies tokenizer files, replaces the directory atomically', async () => {
    const src = loadModelDir(join(FIX, 'hf-tiny/llama-untied-f32-v4config'));
    const dir = join(makeTempDir('save-'), 'out');
    const cfg = { ...src.spec.rawConfig, torch_dtype: 'float32' };
    delete (cfg as Record<string, unknown>).dtype;
    await saveModelDir(dir, { config: cfg, weights: src.weights, dtype: 'bfloat16', maxShardBytes: 40_000, tokenizer: { fromDir: join(FIX, 'models/char-tokenizer') } });
    const written = readdirSync(dir).sort();
    expect(written).toContain('model.safetensors.index.json');
    expect(written).toContain('tokenizer_config.json');
    expect(written.filter((f) => f.startsWith('model-')).length).toBeGreaterThan(2);
    const saved = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(saved.torch_dtype).toBe('bfloat16');
    expect(saved.dtype).toBeUndefined();
    const back = loadModelDir(dir);
    expect(back.tokenizer?.kind).toBe('char');
    expect(back.sourceDtypes.get('lm_head.weight')).toBe('BF16');
    // saving again onto the same directory replaces it whole
    await saveModelDir(dir, { config: src.spec, weights: src.weights });
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors']);
    expect(readdirSync(join(dir, '..'))).toEqual(['out']);
  });
  it('refuses a tokenizer larger than the embedding table when loading', async () => {
    const src = loadModelDir(join(FIX, 'hf-tiny/llama-untied-f32-v4config'));
    const dir = join(makeTempDir('save-'), 'out');
    await saveModelDir(dir, { config: src.spec, weights: src.weights, tokenizer: { fromDir: join(FIX, 'models/tiny-hf-tokenizer') } });
    expect(readdirSync(dir)).toContain('chat_template.jinja');
    expect(() => loadModelDir(dir)).toThrow(
      `${dir}: the tokenizer has 300 tokens but config.json's vocab_size is 77; token ids past the embedding table would crash the model`,
    );
    expect(loadModelDir(dir, { tokenizer: 'none' }).tokenizer).toBeNull();
  });
  it('refuses weights that do not match the config and leaves no directory behind', async () => {
    const src = loadModelDir(join(FIX, 'hf-tiny/qwen3-f32'));
    const weights = new Map(src.weights);
    weights.delete('model.norm.weight');
    weights.set('extra.weight', { shape: [1], data: new Float32Array(1) });
    const dir = join(makeTempDir('save-'), 'out');
    await expect(saveModelDir(dir, { config: src.spec, weights })).rejects.toThrow(
      "cannot save the model: its weights do not match its config:\n  - missing tensor 'model.norm.weight'\n  - tensor 'extra.weight' is not part of Qwen3ForCausalLM with this config",
    );
    expect(existsSync(dir)).toBe(false);
  });
});

describe('sequence-length check', () => {
  it('accepts lengths inside a sliding window and refuses longer ones', () => {
    const spec = parseHfConfig({ model_type: 'mistral', hidden_size: 64, num_attention_heads: 8, sliding_window: 128 });
    expect(() => checkSequenceLength(spec, 128)).not.toThrow();
    expect(() => checkSequenceLength(spec, 129)).toThrow(
      'sequences of up to 129 tokens exceed the sliding window (128) of this MistralForCausalLM config; verl-ts implements full attention only',
    );
    expect(() => checkSequenceLength(parseHfConfig({ model_type: 'llama', hidden_size: 64, num_attention_heads: 4 }), 100000)).not.toThrow();
  });
});
