// NN blocks: gradients by finite differences (float64) and forward values against plain-JS references.
import { describe, expect, it } from 'vitest';
import { Graph, nn, type Tensor, type TensorValue } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { engine, expectGradOk, ids, randn } from './helpers.js';

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

function buildAttention(g: Graph, c: AttnCase, opts: { bias: boolean; qkNorm?: boolean }): Tensor {
  const hidden = c.feeds.x.dims[2];
  const x = g.input('x', F, ['B', 'T', hidden]);
  const p = (n: string, dims: readonly number[]) => g.input(n, F, dims);
  const mask = g.input('attention_mask', 'int64', ['B', 'T']);
  const pos = g.input('position_ids', 'int64', ['B', 'T']);
  const rope = nn.ropeTables(pos, p('inv_freq', [c.D / 2]));
  return nn.selfAttention(
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
    { numHeads: c.H, numKvHeads: c.KV, headDim: c.D, rope, mask: nn.causalMask(mask, 'T'), normEps: 1e-6 },
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

describe('nn blocks: forward against JS references', () => {
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

  it('RMSNorm, SwiGLU MLP, linear with bias and embedding match references', async () => {
    const g = new Graph('blocks');
    const x = g.input('x', F, [3, 4]);
    g.output('norm', nn.rmsNorm(x, g.input('w', F, [4]), 1e-5));
    g.output('mlp', nn.swigluMlp(x, { gate: g.input('gate', F, [5, 4]), up: g.input('up', F, [5, 4]), down: g.input('down', F, [4, 5]) }));
    g.output('emb', nn.embedding(g.input('table', F, [6, 2]), g.input('ids', 'int64', [3])));
    const feeds = {
      x: randn(rng, [3, 4]),
      w: randn(rng, [4]),
      gate: randn(rng, [5, 4]),
      up: randn(rng, [5, 4]),
      down: randn(rng, [4, 5]),
      table: randn(rng, [6, 2]),
      ids: ids([5, 0, 5], [3]),
    };
    const out = await engine.run(g, feeds);
    const xv = arr(feeds.x);
    for (let r = 0; r < 3; r++) {
      let ms = 0;
      for (let i = 0; i < 4; i++) ms += xv[r * 4 + i] ** 2 / 4;
      for (let i = 0; i < 4; i++) expect((out.norm.data as Float64Array)[r * 4 + i]).toBeCloseTo((xv[r * 4 + i] / Math.sqrt(ms + 1e-5)) * arr(feeds.w)[i], 12);
    }
    const gate = linearRef(xv, 3, arr(feeds.gate), 5, 4);
    const up = linearRef(xv, 3, arr(feeds.up), 5, 4);
    const h = gate.map((a, i) => (a / (1 + Math.exp(-a))) * up[i]);
    const mlp = linearRef(h, 3, arr(feeds.down), 4, 5);
    mlp.forEach((v, i) => expect((out.mlp.data as Float64Array)[i]).toBeCloseTo(v, 12));
    expect(Array.from(out.emb.data as Float64Array)).toEqual([...arr(feeds.table).slice(10, 12), ...arr(feeds.table).slice(0, 2), ...arr(feeds.table).slice(10, 12)]);
  });

  it('token stats: log-prob of ids with temperature, entropy and Σπ²', async () => {
    const g = new Graph('stats');
    const logits = g.input('logits', F, ['B', 'T', 5]);
    const s = nn.tokenStats(logits, g.input('ids', 'int64', ['B', 'T']), { temperature: 0.7, entropy: true, sumPiSquared: true });
    g.output('lp', s.logProbs);
    g.output('ent', s.entropy!);
    g.output('pp', s.sumPiSquared!);
    const feeds = { logits: randn(rng, [2, 3, 5], { scale: 2 }), ids: ids([0, 4, 2, 2, 1, 3], [2, 3]) };
    const out = await engine.run(g, feeds);
    const l = arr(feeds.logits);
    for (let r = 0; r < 6; r++) {
      const z = Array.from(l.slice(r * 5, r * 5 + 5), (v) => v / 0.7);
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((a, b) => a + Math.exp(b - m), 0));
      const p = z.map((v) => Math.exp(v - lse));
      const id = Number((feeds.ids.data as BigInt64Array)[r]);
      expect((out.lp.data as Float64Array)[r]).toBeCloseTo(z[id] - lse, 12);
      expect((out.ent.data as Float64Array)[r]).toBeCloseTo(-p.reduce((a, pi) => a + pi * Math.log(pi), 0), 12);
      expect((out.pp.data as Float64Array)[r]).toBeCloseTo(p.reduce((a, pi) => a + pi * pi, 0), 12);
    }
  });

  it('KV-cache decoding (prefill, then one token at a time) reproduces full-sequence attention', async () => {
    const c = attentionCase(false);
    const full = new Graph('full');
    full.output('y', buildAttention(full, c, { bias: false }));
    const ref = (await engine.run(full, c.feeds)).y.data as Float64Array;

    const step = new Graph('step');
    const hidden = 12;
    const x = step.input('x', F, ['B', 'T', hidden]);
    const mask = step.input('attention_mask', 'int64', ['B', 'P+T']);
    const pos = step.input('position_ids', 'int64', ['B', 'T']);
    const pk = step.input('past_key', F, ['B', c.KV, 'P', c.D]);
    const pv = step.input('past_value', F, ['B', c.KV, 'P', c.D]);
    const p = (n: string) => step.input(n, F, c.feeds[n].dims);
    const r = nn.selfAttentionWithCache(
      x,
      { q: p('wq'), k: p('wk'), v: p('wv'), o: p('wo') },
      { numHeads: c.H, numKvHeads: c.KV, headDim: c.D, rope: nn.ropeTables(pos, p('inv_freq')), mask: nn.causalMask(mask, 'T'), pastKey: pk, pastValue: pv },
    );
    step.output('y', r.out);
    step.output('present_key', r.presentKey);
    step.output('present_value', r.presentValue);

    const slice = (t: TensorValue, from: number, to: number): TensorValue => {
      const [B, T, ...rest] = t.dims;
      const inner = rest.reduce((a, b) => a * b, 1);
      const Ctor = t.data.constructor as new (n: number) => Float64Array | BigInt64Array;
      const out = new Ctor(B * (to - from) * inner);
      for (let b = 0; b < B; b++) out.set((t.data as Float64Array).subarray((b * T + from) * inner, (b * T + to) * inner) as never, b * (to - from) * inner);
      return { data: out, dims: [B, to - from, ...rest] };
    };
    let past: Record<string, TensorValue> = { past_key: { data: new Float64Array(0), dims: [2, c.KV, 0, c.D] }, past_value: { data: new Float64Array(0), dims: [2, c.KV, 0, c.D] } };
    const weights = Object.fromEntries(['wq', 'wk', 'wv', 'wo', 'inv_freq'].map((k) => [k, c.feeds[k]]));
    const pieces: Array<[number, number]> = [[0, 2], [2, 3], [3, 4]];
    for (const [from, to] of pieces) {
      const out = await engine.run(step, {
        ...weights,
        ...past,
        x: slice(c.feeds.x, from, to),
        position_ids: slice(c.feeds.position_ids, from, to),
        attention_mask: slice(c.feeds.attention_mask, 0, to),
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
      past = { past_key: out.present_key, past_value: out.present_value };
    }
    expect(past.past_key.dims).toEqual([2, c.KV, 4, c.D]);
  });
});

describe('nn blocks: gradients by finite differences', () => {
  it('RMSNorm', async () => {
    await expectGradOk((g) => g.output('y', nn.rmsNorm(g.input('x', F, [2, 3, 4]), g.input('w', F, [4]), 1e-6)), { x: randn(rng, [2, 3, 4]), w: randn(rng, [4]) }, ['x', 'w']);
  });
  it('RoPE (rotate_half), including the inv_freq input', async () => {
    await expectGradOk(
      (g) => {
        const t = nn.ropeTables(g.input('pos', 'int64', ['B', 'T']), g.input('inv', F, [2]), 0.9);
        g.output('y', nn.applyRope(g.input('q', F, ['B', 3, 'T', 4]), t));
      },
      { q: randn(rng, [2, 3, 5, 4]), pos: ids([0, 1, 2, 3, 4, 1, 1, 0, 1, 2], [2, 5]), inv: { data: Float64Array.from([0.9, 0.2]), dims: [2] } },
      ['q', 'inv'],
    );
  });
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
        g.output('y', nn.swigluMlp(h, { gate: g.input('gate', F, [6, 4]), up: g.input('up', F, [6, 4]), down: g.input('down', F, [4, 6]) }));
      },
      { x: randn(rng, [2, 3, 4]), w: randn(rng, [4, 4]), b: randn(rng, [4]), gate: randn(rng, [6, 4]), up: randn(rng, [6, 4]), down: randn(rng, [4, 6]) },
      ['x', 'w', 'b', 'gate', 'up', 'down'],
    );
  });
  it('embedding', async () => {
    await expectGradOk((g) => g.output('y', nn.embedding(g.input('w', F, [7, 3]), g.input('i', 'int64', ['B', 'T']))), { w: randn(rng, [7, 3]), i: ids([6, 0, 6, 2], [2, 2]) }, ['w'], { samples: 21 });
  });
  it('log-softmax-gather with temperature, entropy and Σπ²', async () => {
    await expectGradOk(
      (g) => {
        const s = nn.tokenStats(g.input('logits', F, ['B', 'T', 6]), g.input('ids', 'int64', ['B', 'T']), { temperature: 0.8, entropy: true, sumPiSquared: true });
        g.output('lp', s.logProbs);
        g.output('ent', s.entropy!);
        g.output('pp', s.sumPiSquared!);
      },
      { logits: randn(rng, [2, 3, 6]), ids: ids([5, 0, 2, 2, 3, 1], [2, 3]) },
      ['logits'],
      { outputs: ['lp', 'ent', 'pp'], samples: 12 },
    );
  });
  it('standalone entropy and Σπ² helpers', async () => {
    await expectGradOk(
      (g) => {
        const l = g.input('logits', F, [3, 5]);
        g.output('e', nn.entropyFromLogits(l, 1.3));
        g.output('p', nn.sumPiSquared(l, 1.3));
      },
      { logits: randn(rng, [3, 5]) },
      ['logits'],
      { outputs: ['e', 'p'] },
    );
  });
});
