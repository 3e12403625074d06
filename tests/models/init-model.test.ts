import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { loadModelDir } from '../../src/models/checkpoint/load.js';
import { parseHfConfig } from '../../src/models/hf/config.js';
import { expectedTensors } from '../../src/models/hf/tensors.js';
import { initRandomWeights } from '../../src/models/init/random-init.js';
import { initModel } from '../../src/models/init/init-model.js';
import { makeTempDir } from '../support/temp-dir.js';

const FIX = new URL('../fixtures/', import.meta.url).pathname;
const out = () => join(makeTempDir('init-'), 'model');

describe('random initialisation like HF _init_weights', () => {
  it('normal(0, initializer_range) for linear/embedding, ones for norms, zeros for biases and the pad row', () => {
    const spec = parseHfConfig({
      model_type: 'qwen2', hidden_size: 64, intermediate_size: 96, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
      vocab_size: 500, initializer_range: 0.05, pad_token_id: 7, tie_word_embeddings: true,
    });
    const w = initRandomWeights(spec, 11);
    expect([...w.keys()]).toEqual(expectedTensors(spec).map((t) => t.name));
    for (const t of expectedTensors(spec)) {
      const data = w.get(t.name)?.data ?? new Float32Array();
      if (t.role === 'norm') expect(data.every((x) => x === 1), t.name).toBe(true);
      if (t.role === 'bias') expect(data.every((x) => x === 0), t.name).toBe(true);
    }
    const emb = w.get('model.embed_tokens.weight')?.data ?? new Float32Array();
    expect(emb.subarray(7 * 64, 8 * 64).every((x) => x === 0)).toBe(true);
    const all = [...(w.get('model.layers.0.mlp.up_proj.weight')?.data ?? []), ...emb.subarray(8 * 64)];
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(Math.abs(std - 0.05)).toBeLessThan(0.001);
    expect(initRandomWeights(spec, 11).get('model.layers.1.self_attn.o_proj.weight')).toEqual(w.get('model.layers.1.self_attn.o_proj.weight'));
    expect(initRandomWeights(spec, 12).get('model.layers.1.self_attn.o_proj.weight')).not.toEqual(w.get('model.layers.1.self_attn.o_proj.weight'));
  });
});

describe('initModel', () => {
  it('a preset architecture with a character tokenizer sets vocab and special ids from it', async () => {
    const dir = out();
    const r = await initModel({ outputDir: dir, modelType: 'qwen3', seed: 1 });
    expect(r.spec).toMatchObject({ architecture: 'Qwen3ForCausalLM', vocabSize: 16, eosTokenIds: [1], padTokenId: 2, bosTokenId: null, headDim: 16, tieWordEmbeddings: true });
    const m = loadModelDir(dir, { tokenizer: 'required' });
    expect(m.tokenizer?.applyChatTemplate([{ role: 'user', content: '1,2:5,2' }], { addGenerationPrompt: true })).toBe('1,2:5,2S');
    expect(m.generationConfig.eosTokenIds).toEqual([1]);
    expect(m.spec.torchDtype).toBe('float32');
    expect(m.weights.get('model.layers.0.self_attn.q_norm.weight')?.data.every((x) => x === 1)).toBe(true);
  });
  it("verl's flow: base model config + new config keys, the base model's tokenizer kept", async () => {
    const base = out();
    await initModel({ outputDir: base, modelType: 'llama', tokenizer: { kind: 'path', path: join(FIX, 'models/tiny-hf-tokenizer') } });
    const newConfig = { num_hidden_layers: 1, hidden_size: 32, intermediate_size: 48, num_attention_heads: 2, num_key_value_heads: 1, foo: 3 };
    const warnings: string[] = [];
    const dir = out();
    const r = await initModel({ outputDir: dir, baseModelDir: base, overrides: newConfig, dtype: 'bfloat16', warn: (m) => warnings.push(m) });
    expect(warnings).toEqual(["Key 'foo' in new config does not exist in original config, may not take effect."]);
    expect(r.tokenizerKind).toBe('hf');
    const m = loadModelDir(dir);
    expect(m.spec).toMatchObject({ numHiddenLayers: 1, hiddenSize: 32, vocabSize: 300, eosTokenIds: [2], padTokenId: 0, torchDtype: 'bfloat16' });
    expect(m.sourceDtypes.get('model.embed_tokens.weight')).toBe('BF16');
    expect((m.spec.rawConfig as Record<string, unknown>).foo).toBe(3);
    await expect(initModel({ outputDir: out(), baseModelDir: base, overrides: { model_type: 'qwen2' } })).rejects.toThrow(
      "Model types do not match: the new config has model_type 'qwen2', the base config 'llama'",
    );
  });
  it('refuses an existing output, a too-small vocab, an unknown preset', async () => {
    const dir = out();
    await initModel({ outputDir: dir });
    await expect(initModel({ outputDir: dir })).rejects.toThrow(`output path '${dir}' already exists; choose another or pass --overwrite to replace it`);
    await expect(initModel({ outputDir: dir, overwrite: true, seed: 5 })).resolves.toMatchObject({ tokenizerKind: 'char' });
    await expect(initModel({ outputDir: out(), overrides: { vocab_size: 8 } })).rejects.toThrow(
      "vocab_size 8 is smaller than the tokenizer's 16 tokens; raise vocab_size or leave it unset",
    );
    await expect(initModel({ outputDir: out(), modelType: 'gemma' })).rejects.toThrow("no preset for model_type 'gemma'. Presets: llama, qwen2, qwen3, mistral.");
  });
});

describe('verl-ts init-model', () => {
  it('writes a model from the command line', async () => {
    const root = makeTempDir('cli-');
    writeFileSync(join(root, 'small.json'), JSON.stringify({ num_hidden_layers: 1 }));
    const io = bufferIO({ cwd: root });
    const code = await runCli(
      ['init-model', '--output_path', 'm', '--model_type', 'mistral', '--chars', 'abc', '--new_config_path', 'small.json', '--set', 'hidden_size=32', '--set', 'rms_norm_eps=1e-5', '--seed', '3'],
      io,
    );
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    // embed 7·32 + lm_head 7·32 + norm 32 + layer (2 norms 64, q 32·32, k/v 2·16·32, o 32·32, MLP 3·128·32) = 15,904
    expect(io.out()).toMatch(
      new RegExp(`^Random MistralForCausalLM \\(hidden 32, 1 layers, 4 heads / 2 kv, vocab 7, 15,904 parameters, float32, char tokenizer\\) saved to ${join(root, 'm')} in \\d+s\n$`),
    );
    const m = loadModelDir(join(root, 'm'));
    expect(m.spec).toMatchObject({ rmsNormEps: 1e-5, numHiddenLayers: 1, vocabSize: 7 });
    expect(m.tokenizer?.encode('cab')).toEqual([6, 4, 5]);
  });
  it('reports bad input without a stack trace', async () => {
    const root = makeTempDir('cli-');
    const io = bufferIO({ cwd: root });
    expect(await runCli(['init-model', '--output_path', 'm', '--set', 'hidden_act=gelu'], io)).toBe(1);
    expect(io.err()).toBe(`new model config: hidden_act "gelu" is not supported by verl-ts (only 'silu')\n`);
    expect(existsSync(join(root, 'm'))).toBe(false);
    const io2 = bufferIO({ cwd: root });
    expect(await runCli(['init-model', '--output_path', 'm', '--set', 'oops'], io2)).toBe(2);
    expect(io2.err()).toBe("--set expects key=value, got 'oops'\n");
    const io3 = bufferIO({ cwd: root });
    expect(await runCli(['init-model', '--output_path', 'm', '--tokenizer', 'nowhere'], io3)).toBe(1);
    expect(io3.err()).toBe(`tokenizer not found: '${join(root, 'nowhere')}'\n`);
    expect(readFileSync(join(FIX, 'models/char-tokenizer/tokenizer_config.json'), 'utf8')).toContain('char_ords');
  });
});
