// The models' decoder blocks (src/models/compute: full and cached attention, SwiGLU MLP) on tiny float64 cases:
// forward values against plain-JS references, gradients by finite differences.
import { describe, expect, it } from 'vitest';
import { Graph, nn, type Tensor, type TensorValue } from '../../src/engine/index.js';
import { cachedAttention, fullAttention, type KvSink } from '../../src/models/compute/attention.js';
import { swigluMlp, type DecoderContext } from '../../src/models/compute/decoder.js';
import { differentiable } from '../../src/models/compute/primitives.js';
import { parseHfConfig, presetConfig } from '../../src/models/index.js';
import { Rng } from '../../src/util/rng.js';
import { engine, expectGradOk, ids, randn } from '../engine/helpers.js';

const rng = new Rng(11);
const F = 'float64';

// ---- small JS references ------------------------------------------------------------------------------
const arr = (t: TensorValue): Float64Array => t.data as Float64Array;

function linearRef(x: Float64Array, rows: number, w: Float64Array, out: number, inF: number, b?: Float64Array): Float64Array {
  const y = new Float64Array(rows * out);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < out; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
      y[r * out + o] = s;
    }
  return y;
}

/** HF-style position ids for a padded batch: cumsum(mask) − 1, pads set to 1. */
function positionIds(mask: number[][]): number[] {
  const out: number[] = [];
  for (const row of mask) {
    let c = 0;
    for (const m of row) {
      c += m;
      out.push(m ? c - 1 : 1);
    }
  }
  return out;
}

interface AttnCase {
  B: number;
  T: number;
  H: number;
  KV: number;
  D: number;
  mask: number[][];
  feeds: Record<string, TensorValue>;
}

function attentionCase(withBias: boolean): AttnCase {
  const B = 2, T = 4, H = 4, KV = 2, D = 4, hidden = 12;
  const mask = [
    [0, 1, 1, 1], // left-padded prompt
    [1, 1, 1, 0], // right-padded response
  ];
  const feeds: Record<string, TensorValue> = {
    x: randn(rng, [B, T, hidden]),
    wq: randn(rng, [H * D, hidden], { scale: 0.4 }),
    wk: randn(rng, [KV * D, hidden], { scale: 0.4 }),
    wv: randn(rng, [KV * D, hidden], { scale: 0.4 }),
    wo: randn(rng, [hidden, H * D], { scale: 0.4 }),
    attention_mask: ids(mask.flat(), [B, T]),
    position_ids: ids(positionIds(mask), [B, T]),
    inv_freq: { data: Float64Array.from([1, 1 / 100]), dims: [2] },
  };
  if (withBias) {
    feeds.bq = randn(rng, [H * D]);
    feeds.bk = randn(rng, [KV * D]);
    feeds.bv = randn(rng, [KV * D]);
  }
  return { B, T, H, KV, D, mask, feeds };
}

/** The head geometry of an AttnCase as a model spec (only heads, head_dim and rms_norm_eps matter to attention). */
function contextFor(c: AttnCase): DecoderContext {
  const spec = parseHfConfig({
    ...presetConfig('llama'),
    hidden_size: c.feeds.x.dims[2],
    num_attention_heads: c.H,
    num_key_value_heads: c.KV,
    head_dim: c.D,
    rms_norm_eps: 1e-6,
  });
  return { spec, params: {}, ops: differentiable };
}

function buildAttention(g: Graph, c: AttnCase, opts: { bias: boolean; qkNorm?: boolean }): Tensor {
  const hidden = c.feeds.x.dims[2];
  const x = g.input('x', F, ['B', 'T', hidden]);
  const p = (n: string, dims: readonly number[]) => g.input(n, F, dims);
  const mask = g.input('attention_mask', 'int64', ['B', 'T']);
  const pos = g.input('position_ids', 'int64', ['B', 'T']);
  const rotary = differentiable.rotary(pos, p('inv_freq', [c.D / 2]), 1);
  return fullAttention(contextFor(c), rotary, nn.causalMask(mask, 'T'))(
    x,
    {
      q: p('wq', c.feeds.wq.dims),
      k: p('wk', c.feeds.wk.dims),
      v: p('wv', c.feeds.wv.dims),
      o: p('wo', c.feeds.wo.dims),
      qBias: opts.bias ? p('bq', [c.H * c.D]) : null,
      kBias: opts.bias ? p('bk', [c.KV * c.D]) : null,
      vBias: opts.bias ? p('bv', [c.KV * c.D]) : null,
      qNorm: opts.qkNorm ? p('qn', [c.D]) : null,
      kNorm: opts.qkNorm ? p('kn', [c.D]) : null,
    },
    0,
  );
}

function attentionRef(c: AttnCase, bias: boolean): Float64Array {
  const { B, T, H, KV, D, mask } = c;
  const hidden = c.feeds.x.dims[2];
  const x = arr(c.feeds.x);
  const q = linearRef(x, B * T, arr(c.feeds.wq), H * D, hidden, bias ? arr(c.feeds.bq) : undefined);
  const k = linearRef(x, B * T, arr(c.feeds.wk), KV * D, hidden, bias ? arr(c.feeds.bk) : undefined);
  const v = linearRef(x, B * T, arr(c.feeds.wv), KV * D, hidden, bias ? arr(c.feeds.bv) : undefined);
  const pos = positionIds(mask);
  const inv = arr(c.feeds.inv_freq);
  const rope = (vec: Float64Array, off: number, p: number) => {
    const half = D / 2;
    const out = new Float64Array(D);
    for (let i = 0; i < D; i++) {
      const f = p * inv[i % half];
      const rot = i < half ? -vec[off + i + half] : vec[off + i - half];
      out[i] = vec[off + i] * Math.cos(f) + rot * Math.sin(f);
    }
    return out;
  };
  const ctx = new Float64Array(B * T * H * D);
  const rep = H / KV;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++) {
        const qi = rope(q, (b * T + i) * H * D + h * D, pos[b * T + i]);
        const scores: number[] = [];
        for (let j = 0; j < T; j++) {
          const kj = rope(k, (b * T + j) * KV * D + Math.floor(h / rep) * D, pos[b * T + j]);
          let s = 0;
          for (let d = 0; d < D; d++) s += qi[d] * kj[d];
          scores.push(j <= i && mask[b][j] ? s / Math.sqrt(D) : -Infinity);
        }
        const allMasked = scores.every((s) => s === -Infinity);
        const mx = Math.max(...scores);
        const e = scores.map((s) => (allMasked ? 1 : Math.exp(s - mx)));
        const z = e.reduce((a2, b2) => a2 + b2, 0);
        for (let j = 0; j < T; j++)
          for (let d = 0; d < D; d++) ctx[(b * T + i) * H * D + h * D + d] += (e[j] / z) * v[(b * T + j) * KV * D + Math.floor(h / rep) * D + d];
      }
  return linearRef(ctx, B * T, arr(c.feeds.wo), hidden, H * D);
}

describe('decoder blocks: forward against JS references', () => {
  it('causal GQA attention with left/right padding, biases and RoPE matches a naive reference', async () => {
    const c = attentionCase(true);
    const g = new Graph('attn');
    g.output('y', buildAttention(g, c, { bias: true }));
    const out = await engine.run(g, c.feeds);
    const ref = attentionRef(c, true);
    const y = out.y.data as Float64Array;
    expect(out.y.dims).toEqual([2, 4, 12]);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i] - y[i]));
    expect(maxDiff).toBeLessThan(1e-12);
  });

  it('SwiGLU MLP matches a reference', async () => {
    const g = new Graph('mlp');
    const x = g.input('x', F, [3, 4]);
    g.output('mlp', swigluMlp(differentiable, x, { gate: g.input('gate', F, [5, 4]), up: g.input('up', F, [5, 4]), down: g.input('down', F, [4, 5]) }));
    const feeds = { x: randn(rng, [3, 4]), gate: randn(rng, [5, 4]), up: randn(rng, [5, 4]), down: randn(rng, [4, 5]) };
    const out = await engine.run(g, feeds);
    const xv = arr(feeds.x);
    const gate = linearRef(xv, 3, arr(feeds.gate), 5, 4);
    const up = linearRef(xv, 3, arr(feeds.up), 5, 4);
    const h = gate.map((a, i) => (a / (1 + Math.exp(-a))) * up[i]);
    const mlp = linearRef(h, 3, arr(feeds.down), 4, 5);
    mlp.forEach((v, i) => expect((out.mlp.data as Float64Array)[i]).toBeCloseTo(v, 12));
  });

  it('KV-cache decoding (prefill, then one token at a time) reproduces full-sequence attention', async () => {
    const c = attentionCase(false);
    const full = new Graph('full');
    full.output('y', buildAttention(full, c, { bias: false }));
    const ref = (await engine.run(full, c.feeds)).y.data as Float64Array;

    const step = new Graph('step');
    const hidden = 12;
    const x = step.input('x', F, ['B', 'T', hidden]);
    const pastMask = step.input('past_mask', 'int64', ['B', 'P']);
    const mask = step.input('attention_mask', 'int64', ['B', 'T']);
    const pos = step.input('position_ids', 'int64', ['B', 'T']);
    const pk = step.input('past_key', F, ['B', c.KV, 'P', c.D]);
    const pv = step.input('past_value', F, ['B', c.KV, 'P', c.D]);
    const p = (n: string) => step.input(n, F, c.feeds[n].dims);
    const sink: KvSink = { keys: [], values: [] };
    const rotary = differentiable.rotary(pos, p('inv_freq'), 1);
    const past = { keys: [pk], values: [pv], valid: step.cast(pastMask, 'bool') };
    const attend = cachedAttention(contextFor(c), rotary, past, nn.causalMask(mask, 'T'), sink);
    step.output('y', attend(x, { q: p('wq'), k: p('wk'), v: p('wv'), o: p('wo') }, 0));
    // The cache grows by the new keys/values (the caller's job in the models; here as graph outputs).
    step.output('present_key', step.concat([pk, sink.keys[0]], 2));
    step.output('present_value', step.concat([pv, sink.values[0]], 2));

    const slice = (t: TensorValue, from: number, to: number): TensorValue => {
      const [B, T, ...rest] = t.dims;
      const inner = rest.reduce((a, b) => a * b, 1);
      const Ctor = t.data.constructor as new (n: number) => Float64Array | BigInt64Array;
      const out = new Ctor(B * (to - from) * inner);
      for (let b = 0; b < B; b++) out.set((t.data as Float64Array).subarray((b * T + from) * inner, (b * T + to) * inner) as never, b * (to - from) * inner);
      return { data: out, dims: [B, to - from, ...rest] };
    };
    let cache: Record<string, TensorValue> = { past_key: { data: new Float64Array(0), dims: [2, c.KV, 0, c.D] }, past_value: { data: new Float64Array(0), dims: [2, c.KV, 0, c.D] } };
    const weights = Object.fromEntries(['wq', 'wk', 'wv', 'wo', 'inv_freq'].map((k) => [k, c.feeds[k]]));
    const pieces: Array<[number, number]> = [[0, 2], [2, 3], [3, 4]];
    for (const [from, to] of pieces) {
      const out = await engine.run(step, {
        ...weights,
        ...cache,
        x: slice(c.feeds.x, from, to),
        position_ids: slice(c.feeds.position_ids, from, to),
        past_mask: slice(c.feeds.attention_mask, 0, from),
        attention_mask: slice(c.feeds.attention_mask, from, to),
      });
      const want = slice({ data: ref, dims: [2, 4, hidden] }, from, to).data as Float64Array;
      const got = out.y.data as Float64Array;
      // Pad query positions attend uniformly to whatever keys exist (as in HF), so only real tokens compare.
      for (let b = 0; b < 2; b++)
        for (let t = from; t < to; t++) {
          if (!c.mask[b][t]) continue;
          for (let h = 0; h < hidden; h++) {
            const i = (b * (to - from) + (t - from)) * hidden + h;
            expect(got[i]).toBeCloseTo(want[i], 12);
          }
        }
      cache = { past_key: out.present_key, past_value: out.present_value };
    }
    expect(cache.past_key.dims).toEqual([2, c.KV, 4, c.D]);
  });
});

describe('decoder blocks: gradients by finite differences', () => {
  it('causal attention with padding mask, GQA and q/k/v biases', async () => {
    const c = attentionCase(true);
    await expectGradOk((g) => g.output('y', buildAttention(g, c, { bias: true })), c.feeds, ['x', 'wq', 'wk', 'wv', 'wo', 'bq', 'bk', 'bv']);
  });
  it('attention with Qwen3 q/k RMSNorm, recomputing everything (save=none)', async () => {
    const c = attentionCase(false);
    c.feeds.qn = randn(rng, [c.D]);
    c.feeds.kn = randn(rng, [c.D]);
    await expectGradOk((g) => g.output('y', buildAttention(g, c, { bias: false, qkNorm: true })), c.feeds, ['x', 'wq', 'wk', 'qn', 'kn'], { save: 'none' });
  });
  it('SwiGLU MLP and linear with bias', async () => {
    await expectGradOk(
      (g) => {
        const x = g.input('x', F, ['B', 'T', 4]);
        const h = nn.linear(x, g.input('w', F, [4, 4]), g.input('b', F, [4]));
        g.output('y', swigluMlp(differentiable, h, { gate: g.input('gate', F, [6, 4]), up: g.input('up', F, [6, 4]), down: g.input('down', F, [4, 6]) }));
      },
      { x: randn(rng, [2, 3, 4]), w: randn(rng, [4, 4]), b: randn(rng, [4]), gate: randn(rng, [6, 4]), up: randn(rng, [6, 4]), down: randn(rng, [4, 6]) },
      ['x', 'w', 'b', 'gate', 'up', 'down'],
    );
  });
});
