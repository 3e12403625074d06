// End-to-end: forward → JS upstream gradient → backward → AdamW. Loss must fall; runs must be deterministic.
import { describe, expect, it } from 'vitest';
import { AdamW, Engine, Graph, GradRunner, ParameterStore, nn, toInt64, type SavePolicy } from '../../src/engine/index.js';
import { fullAttention } from '../../src/models/compute/attention.js';
import { swigluMlp } from '../../src/models/compute/decoder.js';
import { differentiable } from '../../src/models/compute/primitives.js';
import { parseHfConfig, presetConfig } from '../../src/models/index.js';
import { Rng } from '../../src/util/rng.js';

const F = 'float32';

function init(store: ParameterStore, rng: Rng, name: string, shape: number[], scale: number, fill?: number): void {
  const p = store.add(name, shape, { dtype: 'float32' });
  for (let i = 0; i < p.data.length; i++) p.data[i] = fill ?? rng.normal() * scale;
}

describe('training', () => {
  it('a small MLP regression: loss falls', async () => {
    const engine = new Engine({ intraOpNumThreads: 1 });
    const rng = new Rng(3);
    const params = new ParameterStore();
    init(params, rng, 'w1', [16, 4], 0.5);
    init(params, rng, 'b1', [16], 0, 0);
    init(params, rng, 'w2', [1, 16], 0.3);
    const g = new Graph('mlp');
    const w = params.declareIn(g);
    const x = g.input('x', F, ['N', 4]);
    const target = g.input('target', F, ['N', 1]);
    const y = nn.linear(g.tanh(nn.linear(x, w.w1, w.b1)), w.w2);
    const d = g.sub(y, target);
    g.output('loss', g.reduceMean(g.mul(d, d), [0, 1], false));
    const runner = await GradRunner.create(engine, g, { outputs: ['loss'], wrt: params.names() });

    const N = 32;
    const xs = new Float32Array(N * 4).map(() => rng.normal());
    const ts = new Float32Array(N).map((_, i) => Math.sin(xs[i * 4] + 0.5 * xs[i * 4 + 1]));
    const feeds = { x: { data: xs, dims: [N, 4] }, target: { data: ts, dims: [N, 1] } };
    const opt = new AdamW(params, { lr: 0.03, weightDecay: 0 });
    const losses: number[] = [];
    for (let step = 0; step < 60; step++) {
      const f = await runner.forward(feeds, { params });
      losses.push((f.outputs.loss.data as Float32Array)[0]);
      const grads = await runner.backward(f.tape, { loss: Float32Array.from([1]) });
      opt.step(grads, { maxGradNorm: 5 });
    }
    expect(losses[59]).toBeLessThan(losses[0] * 0.2);
  });

  const decoderRun = async (engine: Engine, save: SavePolicy, steps: number) => {
    const rng = new Rng(5);
    const V = 11, H = 16, NH = 4, KV = 2, D = 4, I = 24;
    const params = new ParameterStore();
    init(params, rng, 'embed', [V, H], 0.5);
    init(params, rng, 'ln1', [H], 0, 1);
    init(params, rng, 'q', [NH * D, H], 0.3);
    init(params, rng, 'k', [KV * D, H], 0.3);
    init(params, rng, 'v', [KV * D, H], 0.3);
    init(params, rng, 'o', [H, NH * D], 0.3);
    init(params, rng, 'ln2', [H], 0, 1);
    init(params, rng, 'gate', [I, H], 0.3);
    init(params, rng, 'up', [I, H], 0.3);
    init(params, rng, 'down', [H, I], 0.3);
    init(params, rng, 'norm', [H], 0, 1);
    init(params, rng, 'lm_head', [V, H], 0.3);

    const g = new Graph('decoder');
    const w = params.declareIn(g);
    const inputIds = g.input('input_ids', 'int64', ['B', 'T']);
    const mask = g.input('attention_mask', 'int64', ['B', 'T']);
    const pos = g.input('position_ids', 'int64', ['B', 'T']);
    const targets = g.input('targets', 'int64', ['B', 'T']);
    const invFreq = g.constant({ dtype: F, dims: [D / 2], values: Float32Array.from([1, 0.01]) });
    let h = nn.embedding(w.embed, inputIds);
    // The attention and MLP blocks are the models' (src/models/compute); the engine has no architecture blocks.
    const spec = parseHfConfig({ ...presetConfig('llama'), vocab_size: V, hidden_size: H, intermediate_size: I, num_attention_heads: NH, num_key_value_heads: KV, head_dim: D });
    const ctx = { spec, params: {}, ops: differentiable };
    const attend = fullAttention(ctx, differentiable.rotary(pos, invFreq, 1), nn.causalMask(mask, 'T'));
    const attn = attend(nn.rmsNorm(h, w.ln1, 1e-6), { q: w.q, k: w.k, v: w.v, o: w.o }, 0);
    h = g.add(h, attn);
    h = g.add(h, swigluMlp(differentiable, nn.rmsNorm(h, w.ln2, 1e-6), { gate: w.gate, up: w.up, down: w.down }));
    const logits = nn.linear(nn.rmsNorm(h, w.norm, 1e-6), w.lm_head);
    g.output('log_probs', nn.tokenStats(logits, targets).logProbs);
    const runner = await GradRunner.create(engine, g, { outputs: ['log_probs'], wrt: params.names(), save });

    const seqs = [
      [0, 3, 1, 4, 1, 5, 9],
      [2, 6, 5, 3, 5, 8, 9],
    ];
    const T = 6;
    const feeds = {
      input_ids: { data: toInt64(seqs.flatMap((s) => s.slice(0, T))), dims: [2, T] },
      targets: { data: toInt64(seqs.flatMap((s) => s.slice(1, T + 1))), dims: [2, T] },
      attention_mask: { data: toInt64(new Array(2 * T).fill(1)), dims: [2, T] },
      position_ids: { data: toInt64([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]), dims: [2, T] },
    };
    const opt = new AdamW(params, { lr: 0.02 });
    const losses: number[] = [];
    for (let step = 0; step < steps; step++) {
      const f = await runner.forward(feeds, { params });
      const lp = f.outputs.log_probs.data as Float32Array;
      losses.push(-lp.reduce((a, b) => a + b, 0) / lp.length);
      // loss = −mean(log p), so dLoss/dlog p = −1/N at every position.
      const grads = await runner.backward(f.tape, { log_probs: new Float32Array(lp.length).fill(-1 / lp.length) });
      opt.step(grads, { maxGradNorm: 1 });
    }
    return { losses, params };
  };

  it('a tiny decoder block (embedding, RMSNorm, GQA attention, SwiGLU, lm head) learns its sequences', async () => {
    const { losses } = await decoderRun(new Engine({ intraOpNumThreads: 1 }), 'all', 40);
    expect(losses[39]).toBeLessThan(losses[0] * 0.3);
  });

  it('store and recompute give the same training trajectory', async () => {
    const a = await decoderRun(new Engine({ intraOpNumThreads: 1 }), 'all', 3);
    const b = await decoderRun(new Engine({ intraOpNumThreads: 1 }), 'none', 3);
    a.losses.forEach((l, i) => expect(b.losses[i]).toBeCloseTo(l, 5));
  });

  it('is bit-for-bit deterministic across runs with 2 intra-op threads', async () => {
    const a = await decoderRun(new Engine({ intraOpNumThreads: 2 }), 'all', 3);
    const b = await decoderRun(new Engine({ intraOpNumThreads: 2 }), 'all', 3);
    expect(b.losses).toEqual(a.losses);
    for (const p of a.params.list()) expect(Buffer.from(b.params.get(p.name).data.buffer)).toEqual(Buffer.from(p.data.buffer));
  });
});
