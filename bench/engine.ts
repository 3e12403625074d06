// Training-step benchmark for the engine (run: npx tsx bench/engine.ts [--quick] [--policies all,none,checkpoint]).
// Prints achieved FLOP/s as a fraction of the ORT MatMul peak measured in the same run, a per-phase breakdown,
// optimizer placement (TS loop vs ORT graph), event-loop lag during a step and a determinism check.
// Numbers are printed, never asserted; the machine is shared, so every step is paired with a MatMul probe and
// both medians and best-of-N are reported. Two warm-up steps per policy are not timed.
import { performance } from 'node:perf_hooks';
import {
  AdamW,
  Engine,
  Graph,
  GradRunner,
  ParameterStore,
  nn,
  toInt64,
  type FloatArray,
  type SavePolicy,
  type Tensor,
  type TensorValue,
} from '../src/engine/index.js';
import { fullAttention } from '../src/models/compute/attention.js';
import { swigluMlp } from '../src/models/compute/decoder.js';
import { differentiable } from '../src/models/compute/primitives.js';
import { parseHfConfig, presetConfig } from '../src/models/index.js';
import { Rng } from '../src/util/rng.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const cfg = {
  layers: Number(arg('layers', quick ? '2' : '8')),
  hidden: Number(arg('hidden', quick ? '256' : '512')),
  heads: 8,
  kvHeads: 4,
  inter: Number(arg('inter', quick ? '704' : '1408')),
  vocab: Number(arg('vocab', quick ? '1024' : '2048')),
  seq: Number(arg('seq', quick ? '128' : '256')),
  batch: Number(arg('batch', quick ? '4' : '8')),
  steps: Number(arg('steps', quick ? '2' : '3')),
};
const policies = arg('policies', 'matmul,all,checkpoint,none').split(',');
const threads = args.includes('--threads') ? Number(arg('threads', '2')) : undefined;
const engine = new Engine(threads === undefined ? {} : { intraOpNumThreads: threads });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x.toFixed(1)} ms`;
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

async function matmulPeak(): Promise<{ gflops: number; detail: string }> {
  const shapes: Array<[number, number, number]> = [
    [cfg.batch * cfg.seq, cfg.hidden, cfg.inter],
    [1024, 1024, 1024],
  ];
  let best = 0;
  const parts: string[] = [];
  for (const [m, k, n] of shapes) {
    const g = new Graph(`matmul_${m}x${k}x${n}`);
    g.output('y', g.matmul(g.input('a', 'float32', [m, k]), g.input('b', 'float32', [k, n])));
    const feeds = { a: new Float32Array(m * k).fill(0.5), b: new Float32Array(k * n).fill(0.25) };
    const s = await engine.compile(g);
    await s.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      await s.run(feeds);
      times.push(performance.now() - t0);
    }
    const gf = (2 * m * k * n) / (Math.min(...times) * 1e6);
    best = Math.max(best, gf);
    parts.push(`${m}x${k}x${n}: ${gf.toFixed(0)} GFLOP/s (best of 7)`);
  }
  return { gflops: best, detail: parts.join('; ') };
}

/** A short MatMul probe (1024³, best of 3) run right before each timed step, because other tenants of this
 * machine change the available compute from minute to minute; fractions use the adjacent probe. */
async function makePeakProbe(): Promise<() => Promise<{ wall: number }>> {
  const n = 1024;
  const g = new Graph('peak_probe');
  g.output('y', g.matmul(g.input('a', 'float32', [n, n]), g.input('b', 'float32', [n, n])));
  const s = await engine.compile(g);
  const feeds = { a: new Float32Array(n * n).fill(0.5), b: new Float32Array(n * n).fill(0.25) };
  await s.run(feeds);
  return async () => {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await s.run(feeds);
      best = Math.min(best, performance.now() - t0);
    }
    const wall = (2 * n * n * n) / (best * 1e6);
    probePeaks.push(wall);
    return { wall };
  };
}

/** Every probe of the run; the best one is the least-disturbed estimate of the MatMul peak. */
const probePeaks: number[] = [];
const bestPeak = () => Math.max(...probePeaks);

interface Model {
  graph: Graph;
  params: ParameterStore;
  layerInputs: Set<Tensor>;
  flopsForward: number;
}

function buildModel(): Model {
  const { layers, hidden: H, heads: NH, kvHeads: KV, inter: I, vocab: V } = cfg;
  const D = H / NH;
  const rng = new Rng(1);
  const params = new ParameterStore();
  const add = (name: string, shape: number[], scale: number, fill?: number) => {
    const p = params.add(name, shape, { dtype: 'float32' });
    for (let i = 0; i < p.data.length; i++) p.data[i] = fill ?? (rng.next() - 0.5) * 3.46 * scale;
  };
  add('embed', [V, H], 0.02);
  for (let l = 0; l < layers; l++) {
    add(`l${l}.ln1`, [H], 0, 1);
    add(`l${l}.q`, [NH * D, H], 0.02);
    add(`l${l}.k`, [KV * D, H], 0.02);
    add(`l${l}.v`, [KV * D, H], 0.02);
    add(`l${l}.o`, [H, NH * D], 0.02);
    add(`l${l}.ln2`, [H], 0, 1);
    add(`l${l}.gate`, [I, H], 0.02);
    add(`l${l}.up`, [I, H], 0.02);
    add(`l${l}.down`, [H, I], 0.02);
  }
  add('norm', [H], 0, 1);
  add('lm_head', [V, H], 0.02);

  const g = new Graph('bench_decoder');
  const w = params.declareIn(g);
  const ids = g.input('input_ids', 'int64', ['B', 'T']);
  const mask = g.input('attention_mask', 'int64', ['B', 'T']);
  const pos = g.input('position_ids', 'int64', ['B', 'T']);
  const targets = g.input('targets', 'int64', ['B', 'T']);
  const inv = Float32Array.from({ length: D / 2 }, (_, i) => 1 / 10000 ** ((2 * i) / D));
  // The models' attention and MLP blocks over these hand-made parameters (only the head geometry of the spec matters).
  const spec = parseHfConfig({ ...presetConfig('llama'), vocab_size: V, hidden_size: H, intermediate_size: I, num_attention_heads: NH, num_key_value_heads: KV, head_dim: D });
  const rotary = differentiable.rotary(pos, g.constant({ dtype: 'float32', dims: [D / 2], values: inv }), 1);
  const attend = fullAttention({ spec, params: {}, ops: differentiable }, rotary, nn.causalMask(mask, 'T'));
  let h = nn.embedding(w.embed, ids);
  const layerInputs = new Set<Tensor>();
  for (let l = 0; l < layers; l++) {
    layerInputs.add(h);
    h = g.withScope(`l${l}`, () => {
      const a = attend(nn.rmsNorm(h, w[`l${l}.ln1`], 1e-6), { q: w[`l${l}.q`], k: w[`l${l}.k`], v: w[`l${l}.v`], o: w[`l${l}.o`] }, l);
      const r = g.add(h, a);
      return g.add(r, swigluMlp(differentiable, nn.rmsNorm(r, w[`l${l}.ln2`], 1e-6), { gate: w[`l${l}.gate`], up: w[`l${l}.up`], down: w[`l${l}.down`] }));
    });
  }
  const logits = nn.linear(nn.rmsNorm(h, w.norm, 1e-6), w.lm_head);
  g.output('log_probs', nn.tokenStats(logits, targets).logProbs);

  const tokens = cfg.batch * cfg.seq;
  const linearParams = layers * (H * NH * D + 2 * H * KV * D + NH * D * H + 3 * H * I) + V * H;
  const attention = layers * 2 * 2 * cfg.batch * NH * cfg.seq * cfg.seq * D;
  return { graph: g, params, layerInputs, flopsForward: 2 * tokens * linearParams + attention };
}

function batchFeeds(): Record<string, TensorValue> {
  const { batch: B, seq: T, vocab: V } = cfg;
  const rng = new Rng(2);
  const ids = Array.from({ length: B * (T + 1) }, () => rng.int(V));
  const input: number[] = [];
  const target: number[] = [];
  const mask: number[] = [];
  const pos: number[] = [];
  for (let b = 0; b < B; b++) {
    const pad = b % 4 === 0 ? 16 : 0; // some left-padded rows
    for (let t = 0; t < T; t++) {
      input.push(ids[b * (T + 1) + t]);
      target.push(ids[b * (T + 1) + t + 1]);
      mask.push(t < pad ? 0 : 1);
      pos.push(t < pad ? 1 : t - pad);
    }
  }
  return {
    input_ids: { data: toInt64(input), dims: [B, T] },
    targets: { data: toInt64(target), dims: [B, T] },
    attention_mask: { data: toInt64(mask), dims: [B, T] },
    position_ids: { data: toInt64(pos), dims: [B, T] },
  };
}

function bytesOf(values: Iterable<TensorValue>): number {
  let n = 0;
  for (const v of values) n += v.data.byteLength;
  return n;
}

/** Time to obtain and fill fresh memory of this size (what every ORT output costs before it is usable). */
function freshMemoryMs(bytes: number): number {
  const chunk = 16 * 1024 * 1024;
  const t0 = performance.now();
  let left = bytes;
  const keep: Float32Array[] = [];
  while (left > 0) {
    const n = Math.min(chunk, left);
    const a = new Float32Array(n / 4);
    a.fill(1);
    keep.push(a);
    left -= n;
  }
  return performance.now() - t0;
}

async function eventLoopLag<T>(fn: () => Promise<T>): Promise<{ result: T; maxGapMs: number; ticks: number; elapsedMs: number }> {
  let last = performance.now();
  let maxGap = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 5);
  const t0 = performance.now();
  const result = await fn();
  const elapsedMs = performance.now() - t0;
  clearInterval(timer);
  maxGap = Math.max(maxGap, performance.now() - last);
  return { result, maxGapMs: maxGap, ticks, elapsedMs };
}

function adamwGraph(params: ParameterStore): Graph {
  // One update graph over all tensors: p, m, v, g in; p', m', v' out; hyper-parameters as scalar inputs.
  const g = new Graph('adamw_update');
  const s = (n: string) => g.input(n, 'float32', []);
  const [b1, b2, omb1, omb2, decay, step, bc2, eps, scale] = ['b1', 'b2', 'omb1', 'omb2', 'decay', 'step', 'bc2', 'eps', 'scale'].map(s);
  for (const p of params.list()) {
    const pt = g.input(`p.${p.name}`, 'float32', p.shape);
    const gt = g.mul(g.input(`g.${p.name}`, 'float32', p.shape), scale);
    const m = g.add(g.mul(g.input(`m.${p.name}`, 'float32', p.shape), b1), g.mul(gt, omb1));
    const v = g.add(g.mul(g.input(`v.${p.name}`, 'float32', p.shape), b2), g.mul(g.mul(gt, gt), omb2));
    const upd = g.div(g.mul(m, step), g.add(g.div(g.sqrt(v), bc2), eps));
    g.output(`p2.${p.name}`, g.sub(g.mul(pt, decay), upd));
    g.output(`m2.${p.name}`, m);
    g.output(`v2.${p.name}`, v);
  }
  return g;
}

/** Handing values over as outputs vs keeping the same elementwise work inside the graph (store vs recompute). */
async function outputCost(): Promise<string> {
  const n = (16 * 2 ** 20) / 4;
  const K = 8;
  const out = new Graph('outputs_handed_over');
  const x = out.input('x', 'float32', [n]);
  for (let k = 0; k < K; k++) out.output(`y${k}`, out.mul(x, k + 1));
  const inner = new Graph('outputs_kept_inside');
  let acc = inner.input('x', 'float32', [n]);
  for (let k = 0; k < K; k++) acc = inner.add(inner.mul(acc, 0.5), 1);
  inner.output('y', inner.reduceSum(acc, [0], false));
  const feeds = { x: new Float32Array(n).fill(1) };
  const time = async (g: Graph) => {
    const s = await engine.compile(g);
    await s.run(feeds);
    const ts: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      await s.run(feeds);
      ts.push(performance.now() - t0);
    }
    return median(ts);
  };
  const handed = await time(out);
  const kept = await time(inner);
  return `${K} elementwise ops on 16 MiB: results handed over as outputs ${ms(handed)} (${(handed / (K * 16)).toFixed(2)} ms/MiB) vs kept inside the graph ${ms(kept)} (${(kept / (K * 16)).toFixed(2)} ms/MiB) → storing costs ${(handed / kept).toFixed(1)}× recomputing`;
}

/** Whether ORT accepts a typed array on a SharedArrayBuffer (what a zero-copy worker runner would need). */
async function sharedArrayBufferCheck(): Promise<string> {
  const ort = await import('onnxruntime-node');
  const g = new Graph('sab');
  g.output('y', g.mul(g.input('x', 'float32', [4]), 2));
  const { serializeGraph } = await import('../src/engine/index.js');
  const session = await ort.InferenceSession.create(serializeGraph(g));
  const shared = new Float32Array(new SharedArrayBuffer(16)).fill(1);
  try {
    await session.run({ x: new ort.Tensor('float32', shared, [4]) });
    return 'ORT accepted a SharedArrayBuffer-backed input';
  } catch (e) {
    return `ORT rejects SharedArrayBuffer-backed inputs: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    await session.release();
  }
}

/** Repeated-id scatter-add (the embedding gradient): ScatterND vs ScatterElements, bit-identical across runs? */
async function scatterDeterminism(): Promise<string> {
  const rows = 64;
  const width = 512;
  const count = 16384;
  const rng = new Rng(9);
  const ids = toInt64(Array.from({ length: count }, () => rng.int(rows)));
  const upd = Float32Array.from({ length: count * width }, () => rng.normal());
  const check = async (useND: boolean) => {
    const g = new Graph(useND ? 'scatter_nd' : 'scatter_elements');
    const i = g.input('ids', 'int64', [count]);
    const u = g.input('u', 'float32', [count, width]);
    const zeros = g.zeros('float32', [rows, width]);
    g.output(
      'y',
      useND ? g.scatterND(zeros, g.unsqueeze(i, [1]), u, 'add') : g.scatterElements(zeros, g.expand(g.reshape(i, [count, 1]), [count, width]), u, 0, 'add'),
    );
    const s = await engine.compile(g);
    const first = (await s.run({ ids: { data: ids, dims: [count] }, u: { data: upd, dims: [count, width] } })).y.data as Float32Array;
    let differing = 0;
    for (let r = 0; r < 5; r++) {
      const y = (await s.run({ ids: { data: ids, dims: [count] }, u: { data: upd, dims: [count, width] } })).y.data as Float32Array;
      if (!Buffer.from(y.buffer).equals(Buffer.from(first.buffer))) differing++;
    }
    return differing;
  };
  const nd = await check(true);
  const el = await check(false);
  return `scatter-add of ${count} rows onto ${rows} ids, 5 repeats: ScatterND differed from the first run ${nd}×, ScatterElements ${el}×`;
}

async function main(): Promise<void> {
  console.log(`engine benchmark: ${JSON.stringify(cfg)}${threads === undefined ? '' : ` threads=${threads}`}`);
  const peak = await matmulPeak();
  probePeaks.push(peak.gflops);
  console.log(`ORT MatMul peak (float32): ${peak.gflops.toFixed(0)} GFLOP/s  [${peak.detail}]`);

  console.log(await outputCost());
  console.log(await sharedArrayBufferCheck());
  console.log(await scatterDeterminism());

  const t0 = performance.now();
  const model = buildModel();
  const buildMs = performance.now() - t0;
  const nParams = model.params.size;
  const stepFlops = 3 * model.flopsForward;
  console.log(
    `model: ${(nParams / 1e6).toFixed(1)} M params, ${model.graph.nodes.length} forward nodes (built in ${ms(buildMs)}); ` +
      `training step = ${(stepFlops / 1e9).toFixed(0)} GFLOP (3 × forward, attention counted in full)`,
  );
  const feeds = batchFeeds();
  const nTok = cfg.batch * cfg.seq;
  const upstream = new Float32Array(nTok).fill(-1 / nTok);

  // No-grad scoring forward (old/ref log-probs).
  const scoring = await engine.compile(model.graph);
  for (let i = 0; i < 2; i++) await scoring.run(feeds, { params: model.params });
  const probe = await makePeakProbe();
  const scoreTimes: number[] = [];
  const scoreFrac: number[] = [];
  for (let i = 0; i < cfg.steps; i++) {
    const p = await probe();
    const s0 = performance.now();
    await scoring.run(feeds, { params: model.params });
    scoreTimes.push(performance.now() - s0);
    scoreFrac.push(model.flopsForward / (scoreTimes[i] * 1e6) / p.wall);

  }
  const scoreMs = median(scoreTimes);
  const scoreLine = () =>
    `no-grad scoring forward: ${ms(scoreMs)} median → ${pct(median(scoreFrac))} of the adjacent probe (median over ${cfg.steps}); ` +
    `best ${ms(Math.min(...scoreTimes))} = ${pct(model.flopsForward / (Math.min(...scoreTimes) * 1e6) / bestPeak())} of the best MatMul probe of the run`;

  const summary: Array<() => string> = [];
  let chosenRunner: GradRunner | undefined;
  for (const policy of policies) {
    const save: SavePolicy = policy === 'checkpoint' ? (t: Tensor) => model.layerInputs.has(t) : (policy as 'all' | 'matmul' | 'none');
    const c0 = performance.now();
    const runner = await GradRunner.create(engine, model.graph, { outputs: ['log_probs'], wrt: model.params.names(), save });
    const compileMs = performance.now() - c0;
    const opt = new AdamW(model.params, { lr: 1e-5 });
    const phase = { fwd: [] as number[], bwd: [] as number[], opt: [] as number[], js: [] as number[], total: [] as number[], frac: [] as number[], peak: [] as number[], cpu: [] as number[] };
    let savedBytes = 0;
    // Two warm-up steps: ORT grows its arena and memory plan during the first runs at a new shape (measured:
    // ~190k page faults in the second backward run, ~1k from the third on).
    const warmup = 2;
    for (let step = 0; step < cfg.steps + warmup; step++) {
      const peakNow = await probe();
      const cpu0 = process.cpuUsage();
      const s0 = performance.now();
      const f = await runner.forward(feeds, { params: model.params });
      const s1 = performance.now();
      const lp = f.outputs.log_probs.data as Float32Array;
      let loss = 0;
      for (let i = 0; i < lp.length; i++) loss -= lp[i] / lp.length;
      const s2 = performance.now();
      const grads = await runner.backward(f.tape, { log_probs: upstream });
      const s3 = performance.now();
      opt.step(grads, { maxGradNorm: 1 });
      const s4 = performance.now();
      savedBytes = bytesOf(Object.values(f.tape.saved));
      if (step < warmup) continue;
      phase.fwd.push(s1 - s0);
      phase.js.push(s2 - s1);
      phase.bwd.push(s3 - s2);
      phase.opt.push(s4 - s3);
      phase.total.push(s4 - s0);
      phase.peak.push(peakNow.wall);
      const cpu = process.cpuUsage(cpu0);
      phase.cpu.push((cpu.user + cpu.system) / 1000);
      phase.frac.push(stepFlops / ((s4 - s0) * 1e6) / peakNow.wall);

      if (!Number.isFinite(loss)) throw new Error('loss is not finite');
    }
    const total = median(phase.total);
    const computeFlops = policy === 'none' ? stepFlops + model.flopsForward : stepFlops;
    const frac = median(phase.frac);
    const gradBytes = nParams * 4;
    const copyMs = freshMemoryMs(savedBytes + gradBytes);
    const line = () =>
      `policy '${policy}': step ${ms(total)} median of ${cfg.steps} → ${(stepFlops / (total * 1e6)).toFixed(0)} GFLOP/s useful, ${pct(frac)} of the adjacent probe; ` +
      `best step ${ms(Math.min(...phase.total))} = ${pct(stepFlops / (Math.min(...phase.total) * 1e6) / bestPeak())} of the best MatMul probe of the run ` +
      `(adjacent probes ${phase.peak.map((x) => x.toFixed(0)).join('/')} GFLOP/s); CPU time ${ms(median(phase.cpu))} per step` +
      ` (executed ${(computeFlops / 1e9).toFixed(0)} GFLOP)\n` +
      `    forward ${ms(median(phase.fwd))}, backward ${ms(median(phase.bwd))}, optimizer ${ms(median(phase.opt))}, JS loss ${ms(median(phase.js))}; ` +
      `saved activations ${(savedBytes / 2 ** 20).toFixed(0)} MiB + grads ${(gradBytes / 2 ** 20).toFixed(0)} MiB (fresh-memory cost of that much: ${ms(copyMs)}); ` +
      `session build ${ms(compileMs)}; backward nodes ${runner.result.backward.nodes.length}`;
    console.log(`policy '${policy}' measured (${ms(total)} median step)`);
    summary.push(line);
    if (policy === policies[0]) chosenRunner = runner;
  }

  // Optimizer placement: TS loop (AdamW.step) vs the same update as an ORT graph.
  const grads: Record<string, FloatArray> = {};
  for (const p of model.params.list()) grads[p.name] = new Float32Array(p.data.length).fill(1e-3);
  const opt = new AdamW(model.params, { lr: 1e-5 });
  const tsTimes: number[] = [];
  for (let i = 0; i < 4; i++) {
    const o0 = performance.now();
    opt.step(grads, { maxGradNorm: 1 });
    tsTimes.push(performance.now() - o0);
  }
  const ug = adamwGraph(model.params);
  const upd = await engine.compile(ug);
  const ufeeds: Record<string, TensorValue> = {};
  const scalar = (v: number): TensorValue => ({ data: Float32Array.from([v]), dims: [] });
  Object.assign(ufeeds, { b1: scalar(0.9), b2: scalar(0.999), omb1: scalar(0.1), omb2: scalar(0.001), decay: scalar(1), step: scalar(1e-5), bc2: scalar(0.03), eps: scalar(1e-8), scale: scalar(1) });
  for (const p of model.params.list()) {
    ufeeds[`p.${p.name}`] = { data: p.data, dims: p.shape };
    ufeeds[`g.${p.name}`] = { data: grads[p.name], dims: p.shape };
    ufeeds[`m.${p.name}`] = { data: opt.state.m.get(p.name)!, dims: p.shape };
    ufeeds[`v.${p.name}`] = { data: opt.state.v.get(p.name)!, dims: p.shape };
  }
  const ortTimes: number[] = [];
  for (let i = 0; i < 4; i++) {
    const o0 = performance.now();
    const out = await upd.run(ufeeds);
    // The results come back as fresh arrays and must be copied into the engine-owned buffers.
    for (const p of model.params.list()) {
      p.data.set(out[`p2.${p.name}`].data as Float32Array);
      opt.state.m.get(p.name)!.set(out[`m2.${p.name}`].data as Float32Array);
      opt.state.v.get(p.name)!.set(out[`v2.${p.name}`].data as Float32Array);
    }
    ortTimes.push(performance.now() - o0);
  }
  const optLine = `AdamW over ${(nParams / 1e6).toFixed(1)} M params: TS loop ${ms(median(tsTimes.slice(1)))} vs ORT update graph ${ms(median(ortTimes.slice(1)))} (incl. copying results back) → ratio ${(median(ortTimes.slice(1)) / median(tsTimes.slice(1))).toFixed(2)}×`;
  console.log(optLine);

  // Event loop: how long timers wait during one forward+backward step run on this thread.
  if (chosenRunner) {
    const runner = chosenRunner;
    const lag = await eventLoopLag(async () => {
      const f = await runner.forward(feeds, { params: model.params });
      return runner.backward(f.tape, { log_probs: upstream });
    });
    console.log(
      `event loop during one step (${ms(lag.elapsedMs)}): a 5 ms interval fired ${lag.ticks} times (ideal ${Math.floor(lag.elapsedMs / 5)}), longest gap ${ms(lag.maxGapMs)} — runs block the thread, the engine yields between runs`,
    );
    // Determinism: the same step twice must give bit-identical gradients.
    const r1 = await runner.backward((await runner.forward(feeds, { params: model.params })).tape, { log_probs: upstream });
    const r2 = await runner.backward((await runner.forward(feeds, { params: model.params })).tape, { log_probs: upstream });
    let same = true;
    for (const k of Object.keys(r1)) if (!Buffer.from(r1[k].buffer, r1[k].byteOffset, r1[k].byteLength).equals(Buffer.from(r2[k].buffer, r2[k].byteOffset, r2[k].byteLength))) same = false;
    console.log(`determinism: two identical steps gave ${same ? 'bit-identical' : 'DIFFERENT'} gradients (intra-op threads: ${threads ?? 'ORT default'})`);
  }
  console.log(`\nbest MatMul probe of the run: ${bestPeak().toFixed(0)} GFLOP/s (${probePeaks.length} probes, median ${median(probePeaks).toFixed(0)})`);
  console.log(scoreLine());
  for (const line of summary) console.log(line());
  await engine.dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
