// Rollout and scoring throughput of verl-ts's model compute (run: npx tsx bench/models.ts [--quick] [--hfjs DIR]).
//
// For two model sizes — verl-arith's shape (the real checkpoint when ../shared is present) and a 25.7 M-parameter
// Llama (the engine benchmark's shape) — it prints, all measured in this run:
// - rollout tokens/s of `CausalLM.generate` (weights frozen into the decode sessions, KV cache fed zero-copy) at
//   batch 1, 8, 32, sampling and greedy;
// - as ratios against verl-ts greedy: the same rollout with the weights fed on every step (freezeDecodeWeights
//   false); a greedy loop with the concat-form cache (present = concat(past, new) returned every step, what an HF
//   ONNX export does; weights frozen too); and one with no cache (full recomputation per token);
// - Hugging Face transformers.js generate() on an ONNX export of the same weights, when the package is found in a
//   scratch folder (--hfjs DIR, default /tmp/hfjs; it is not a dependency of verl-ts): ratio and whether the
//   greedy outputs agree;
// - scoring tokens/s (no-grad forward) and training tokens/s (forward + backward).
// Numbers are printed, never asserted. The machine is shared: each configuration reports the best of at least
// `reps` runs (more for short runs, until --min-ms of measurements), after a warm-up run.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Batch } from '../src/data/batch.js';
import { Tensor as DataTensor } from '../src/data/tensor.js';
import { Engine, Graph, type CompiledGraph, type Feed, type FloatArray, type Tensor, nn, serializeGraph } from '../src/engine/index.js';
import { CausalLM, KvCache, buildDecodeGraph, initRandomWeights, parseHfConfig, presetConfig, type ModelSpec, type RolloutOptions } from '../src/models/index.js';
import { type Attend, type DecoderContext, decoderStack, embedTokens, lmHeadLogits } from '../src/models/compute/decoder.js';
import { mergeHeads, projectQkv } from '../src/models/compute/attention.js';
import { fused } from '../src/models/compute/primitives.js';
import { CHOICE_IO } from '../src/models/compute/token-choice.js';
import { invFreqFeed, toInt64Array } from '../src/models/compute/sequence-batch.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const reps = Number(arg('reps', quick ? '1' : '2'));
const minMs = Number(arg('min-ms', quick ? '300' : '1500'));
const hfjsDir = arg('hfjs', process.env.VERLTS_HFJS ?? '/tmp/hfjs');
const engine = new Engine();
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));

interface Case {
  name: string;
  lm: CausalLM;
  promptLength: number;
  responseLength: number;
  naiveResponseLength: number;
}

function modelCases(): Case[] {
  const arith = new URL('../../shared/fixtures/verl-arith/model', import.meta.url).pathname;
  const arith2 = new URL('../../../shared/fixtures/verl-arith/model', import.meta.url).pathname;
  const arithDir = [arith, arith2].find((d) => existsSync(d));
  const arithLm = arithDir
    ? CausalLM.fromDir(arithDir, { engine })
    : (() => {
        const spec = parseHfConfig({ ...presetConfig('llama'), hidden_size: 128, intermediate_size: 344, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 4, vocab_size: 16, eos_token_id: 1, pad_token_id: 2 });
        return CausalLM.fromWeights(spec, initRandomWeights(spec, 0), { engine });
      })();
  const bigSpec = parseHfConfig({
    ...presetConfig('llama'), hidden_size: 512, intermediate_size: 1408, num_hidden_layers: 8, num_attention_heads: 8, num_key_value_heads: 4,
    vocab_size: 2048, eos_token_id: 1, pad_token_id: 0, initializer_range: 0.02,
  });
  const big = CausalLM.fromWeights(bigSpec, initRandomWeights(bigSpec, 0), { engine });
  return [
    { name: `verl-arith (${arithDir ? 'checkpoint' : 'random, same shape'})`, lm: arithLm, promptLength: 16, responseLength: quick ? 32 : 64, naiveResponseLength: 32 },
    { name: '25.7M Llama', lm: big, promptLength: 32, responseLength: quick ? 32 : 128, naiveResponseLength: quick ? 16 : 32 },
  ];
}

function prompts(c: Case, batch: number, seed: number): Batch {
  const V = c.lm.spec.vocabSize;
  const ids = Int32Array.from({ length: batch * c.promptLength }, (_, i) => 3 + ((i * 7919 + seed * 31) % (V - 3)));
  return Batch.from({ tensors: { input_ids: new DataTensor(ids, [batch, c.promptLength]), attention_mask: new DataTensor(new Int32Array(batch * c.promptLength).fill(1), [batch, c.promptLength]) } });
}

const rolloutOptions = (R: number, doSample: boolean): RolloutOptions => ({
  temperature: 1, topK: -1, topP: 1, doSample, n: 1, responseLength: R, ignoreEos: true, seed: 1, maxNumSeqs: 1024,
});

/** Best time of at least `reps` runs after a warm-up, repeating short runs until `minMs` of measurements. */
async function best(run: () => Promise<void>): Promise<number> {
  await run(); // warm-up: compiles sessions, grows ORT's arena for these shapes
  let bestMs = Infinity;
  let spent = 0;
  for (let i = 0; i < 20 && (i < reps || spent < minMs); i++) {
    const t0 = performance.now();
    await run();
    const ms = performance.now() - t0;
    bestMs = Math.min(bestMs, ms);
    spent += ms;
  }
  return bestMs;
}

// ---------------------------------------------------------------- alternative decode loops (same weights)

/** The concat-form decoder an HF ONNX export has: past_key_values.i.* in, logits [B, T, V] and present.i.* out. */
function mergedDecoderGraph(spec: ModelSpec, weights: Record<string, Tensor> | null, store: CausalLM): Graph {
  const g = new Graph(`${spec.modelType}.merged_decoder`);
  const params =
    weights ??
    Object.fromEntries(store.parameters().list().map((p) => [p.name, g.constant({ dtype: 'float32', dims: p.shape, values: p.data as Float32Array })]));
  const ctx: DecoderContext = { spec, params: weights ? store.parameters().declareIn(g) : params, ops: fused };
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'past_sequence_length+sequence_length']);
  const positions = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  const kvShape = ['batch_size', spec.numKeyValueHeads, 'past_sequence_length', spec.headDim];
  const pastK = Array.from({ length: spec.numHiddenLayers }, (_, i) => g.input(`past_key_values.${i}.key`, 'float32', kvShape));
  const pastV = Array.from({ length: spec.numHiddenLayers }, (_, i) => g.input(`past_key_values.${i}.value`, 'float32', kvShape));
  const inv = g.constant({ dtype: 'float32', dims: [spec.headDim / 2], values: spec.rope.invFreq });
  const rotary = fused.rotary(positions, inv, spec.rope.attentionScaling);
  const causal = nn.causalMask(mask, 'sequence_length');
  const presents: Array<[Tensor, Tensor]> = [];
  // The same projections as verl-ts's decode graphs; only the cache handling differs (present = concat(past, new)).
  const attend: Attend = (x, w, layer) => {
    const { q, k, v } = projectQkv(ctx, x, w, rotary);
    const presentKey = g.concat([pastK[layer], k], 2);
    const presentValue = g.concat([pastV[layer], v], 2);
    presents[layer] = [presentKey, presentValue];
    return mergeHeads(ctx, nn.scaledDotProductAttention(q, presentKey, presentValue, causal, 1 / Math.sqrt(spec.headDim)), x, w);
  };
  g.output('logits', lmHeadLogits(ctx, decoderStack(ctx, embedTokens(ctx, ids), attend)));
  presents.forEach(([k, v], i) => {
    g.output(`present.${i}.key`, k);
    g.output(`present.${i}.value`, v);
  });
  return g;
}

function argmaxRows(logits: FloatArray, rows: number, V: number, rowStride: number, offset: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < rows; b++) {
    let bi = 0;
    const base = b * rowStride + offset;
    for (let i = 1; i < V; i++) if (logits[base + i] > logits[base + bi]) bi = i;
    out.push(bi);
  }
  return out;
}

/** Greedy decoding with the concat-form cache: every step returns the whole grown cache as fresh arrays. */
async function concatFormDecode(graph: CompiledGraph, lm: CausalLM, p: Batch, R: number): Promise<number[][]> {
  const spec = lm.spec;
  const [B, P] = p.tensor('input_ids').shape;
  const V = spec.vocabSize;
  let past: Record<string, Feed> = {};
  for (let i = 0; i < spec.numHiddenLayers; i++) {
    for (const kind of ['key', 'value']) past[`past_key_values.${i}.${kind}`] = { data: new Float32Array(0), dims: [B, spec.numKeyValueHeads, 0, spec.headDim] };
  }
  let ids = Array.from(p.tensor('input_ids').data);
  let T = P;
  const out: number[][] = Array.from({ length: B }, () => []);
  for (let step = 0; step < R; step++) {
    const S = P + step;
    const feeds: Record<string, Feed> = {
      ...past,
      input_ids: { data: toInt64Array(ids), dims: [B, T] },
      attention_mask: { data: new BigInt64Array(B * S).fill(1n), dims: [B, S] },
      position_ids: { data: toInt64Array(Array.from({ length: B * T }, (_, i) => S - T + (i % T))), dims: [B, T] },
    };
    const res = await graph.run(feeds);
    const next = argmaxRows(res.logits.data as FloatArray, B, V, T * V, (T - 1) * V);
    next.forEach((t, b) => out[b].push(t));
    past = {};
    for (let i = 0; i < spec.numHiddenLayers; i++) {
      past[`past_key_values.${i}.key`] = res[`present.${i}.key`];
      past[`past_key_values.${i}.value`] = res[`present.${i}.value`];
    }
    ids = next;
    T = 1;
  }
  return out;
}

/** Greedy decoding without a cache: the decode graph on the whole sequence with an empty cache, every token. */
async function noCacheDecode(graph: CompiledGraph, lm: CausalLM, p: Batch, R: number): Promise<void> {
  const spec = lm.spec;
  const [B, P] = p.tensor('input_ids').shape;
  const rows = Array.from({ length: B }, (_, b) => Array.from(p.tensor('input_ids').data.subarray(b * P, (b + 1) * P)));
  for (let step = 0; step < R; step++) {
    const T = P + step;
    const flat = rows.flat();
    const empty = new KvCache({ layers: spec.numHiddenLayers, kvHeads: spec.numKeyValueHeads, headDim: spec.headDim }, 'float32', B, 0);
    const res = await graph.run(
      {
        ...empty.feeds(),
        input_ids: { data: toInt64Array(flat), dims: [B, T] },
        attention_mask: { data: new BigInt64Array(B * T).fill(1n), dims: [B, T] },
        position_ids: { data: toInt64Array(Array.from({ length: B * T }, (_, i) => i % T)), dims: [B, T] },
        inv_freq: { data: invFreqFeed(spec, T, 'float32'), dims: [spec.headDim / 2] },
        [CHOICE_IO.temperature]: { data: Float32Array.from([1]), dims: [1] },
        [CHOICE_IO.uniform]: { data: new Float32Array(B), dims: [B] },
      },
      { outputs: [CHOICE_IO.greedyToken] },
    );
    Array.from(res[CHOICE_IO.greedyToken].data as BigInt64Array, Number).forEach((t, b) => rows[b].push(t));
  }
}

// ---------------------------------------------------------------- transformers.js on an ONNX export of the weights

interface HfJs {
  AutoModelForCausalLM: { from_pretrained(path: string, options: Record<string, unknown>): Promise<{ generate(o: Record<string, unknown>): Promise<{ data: BigInt64Array; dims: number[] }>; dispose(): Promise<void> }> };
  Tensor: new (type: string, data: BigInt64Array, dims: number[]) => unknown;
  env: Record<string, unknown>;
}

async function loadHfJs(): Promise<HfJs | null> {
  const entry = join(hfjsDir, 'node_modules/@huggingface/transformers/dist/transformers.node.mjs');
  if (!existsSync(entry)) return null;
  return (await import(pathToFileURL(entry).href)) as HfJs;
}

function exportForHfJs(c: Case): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'verlts-hfjs-')), 'model');
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'onnx/model.onnx'), serializeGraph(mergedDecoderGraph(c.lm.spec, null, c.lm)));
  const config = { ...c.lm.spec.rawConfig, eos_token_id: null, bos_token_id: null };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: null, pad_token_id: c.lm.spec.padTokenId ?? 0 }));
  return dir;
}

// ---------------------------------------------------------------- main

async function benchCase(c: Case, hf: HfJs | null): Promise<void> {
  const { lm } = c;
  const R = c.responseLength;
  console.log(`\n## ${c.name}: ${lm.parameterCount.toLocaleString('en-US')} parameters; prompt ${c.promptLength}, response ${R} tokens (EOS ignored)`);
  const merged = await engine.compileFrozen(mergedDecoderGraph(lm.spec, {}, lm), lm.parameters());
  const decode = await engine.compileFrozen(buildDecodeGraph(lm.spec, lm.parameters(), 'float32'), lm.parameters());
  const fed = CausalLM.fromWeights(lm.spec, lm.weights(), { engine, freezeDecodeWeights: false });
  let model: Awaited<ReturnType<HfJs['AutoModelForCausalLM']['from_pretrained']>> | null = null;
  if (hf) {
    hf.env.allowRemoteModels = false;
    hf.env.allowLocalModels = true;
    model = await hf.AutoModelForCausalLM.from_pretrained(exportForHfJs(c), { dtype: 'fp32', device: 'cpu', local_files_only: true });
  }
  console.log('| batch | verl-ts sampling | verl-ts greedy | weights fed each step | concat-form cache | no cache | transformers.js greedy | greedy outputs equal |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const B of quick ? [1, 8] : [1, 8, 32]) {
    const p = prompts(c, B, B);
    const tokens = B * R;
    const sample = await best(async () => void (await lm.generate(p, rolloutOptions(R, true))));
    const greedyMs = await best(async () => void (await lm.generate(p, rolloutOptions(R, false))));
    const fedMs = await best(async () => void (await fed.generate(p, rolloutOptions(R, false))));
    const ours = await lm.generate(p, rolloutOptions(R, false));
    const concatMs = await best(async () => void (await concatFormDecode(merged, lm, p, R)));
    const concatOut = await concatFormDecode(merged, lm, p, R);
    const oursRows = Array.from({ length: B }, (_, b) => Array.from(ours.tensor('responses').data.subarray(b * R, (b + 1) * R)));
    const equalConcat = JSON.stringify(concatOut) === JSON.stringify(oursRows);
    let naive = 'n/a';
    if (B <= 8) {
      const nR = c.naiveResponseLength;
      const ms = await best(() => noCacheDecode(decode, lm, p, nR));
      // Compare like with like: verl-ts greedy on the same (shorter) response length.
      const oursShort = await best(async () => void (await lm.generate(p, rolloutOptions(nR, false))));
      naive = `${fmt((B * nR) / (ms / 1000))} tok/s (verl-ts ${fmt(ms / oursShort)}× at R=${nR})`;
    }
    let hfCell = 'not installed';
    let equalHf = 'n/a';
    if (model && hf) {
      const input = new hf.Tensor('int64', toInt64Array(p.tensor('input_ids').data), [B, c.promptLength]);
      const mask = new hf.Tensor('int64', new BigInt64Array(B * c.promptLength).fill(1n), [B, c.promptLength]);
      const gen = () => model.generate({ input_ids: input, attention_mask: mask, max_new_tokens: R, do_sample: false });
      const hfMs = await best(async () => void (await gen()));
      const seqs = await gen();
      const W = seqs.dims[1];
      const hfRows = Array.from({ length: B }, (_, b) => Array.from(seqs.data.subarray(b * W + c.promptLength, (b + 1) * W), Number));
      equalHf = JSON.stringify(hfRows) === JSON.stringify(oursRows) ? 'yes' : 'NO';
      hfCell = `${fmt(tokens / (hfMs / 1000))} tok/s (verl-ts ${fmt(hfMs / greedyMs)}×)`;
    }
    const rate = (ms: number) => `${fmt(tokens / (ms / 1000))} tok/s`;
    console.log(
      `| ${B} | ${rate(sample)} | ${rate(greedyMs)} | ${rate(fedMs)} (verl-ts ${fmt(fedMs / greedyMs)}×) | ${rate(concatMs)} (verl-ts ${fmt(concatMs / greedyMs)}×) | ${naive} | ${hfCell} | concat ${equalConcat ? 'yes' : 'NO'}, transformers.js ${equalHf} |`,
    );
  }
  await model?.dispose();
  await merged.release();
  await decode.release();

  const T = c.promptLength + R;
  const B = 8;
  const ids = Int32Array.from({ length: B * T }, (_, i) => 3 + ((i * 131) % (lm.spec.vocabSize - 3)));
  const seq = { batchSize: B, length: T, inputIds: ids, attentionMask: new Int32Array(B * T).fill(1), responseLength: R };
  const scoreMs = await best(async () => void (await lm.scoreTokens(seq, { withEntropy: true })));
  const trainMs = await best(async () => {
    const pass = await lm.forward(seq, { withEntropy: true });
    await lm.backward(pass, { logProbs: new Float32Array(B * R).fill(1 / (B * R)), entropy: new Float32Array(B * R).fill(-0.001) });
  });
  console.log(`scoring (log-probs + entropy, no grad), batch ${B} × ${T}: ${fmt((B * T) / (scoreMs / 1000))} tokens/s (${scoreMs.toFixed(0)} ms)`);
  console.log(`training forward + backward, batch ${B} × ${T}: ${fmt((B * T) / (trainMs / 1000))} tokens/s (${trainMs.toFixed(0)} ms)`);
}

const hf = args.includes('--no-hfjs') ? null : await loadHfJs();
console.log(`verl-ts model benchmark (${quick ? 'quick' : 'full'}; best of ≥ ${reps} runs and ≥ ${minMs} ms after a warm-up; transformers.js ${hf ? `from ${hfjsDir}` : 'not found'})`);
for (const c of modelCases()) await benchCase(c, hf);
await engine.dispose();
