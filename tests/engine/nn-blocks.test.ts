// NN blocks: gradients by finite differences (float64) and forward values against plain-JS references.
import { describe, expect, it } from 'vitest';
import { Graph, nn, type TensorValue } from '../../src/engine/index.js';
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

describe('nn blocks: forward against JS references', () => {
  it('RMSNorm, linear with bias and embedding match references', async () => {
    const g = new Graph('blocks');
    const x = g.input('x', F, [3, 4]);
    g.output('norm', nn.rmsNorm(x, g.input('w', F, [4]), 1e-5));
    g.output('lin', nn.linear(x, g.input('lw', F, [5, 4]), g.input('lb', F, [5])));
    g.output('emb', nn.embedding(g.input('table', F, [6, 2]), g.input('ids', 'int64', [3])));
    const feeds = {
      x: randn(rng, [3, 4]),
      w: randn(rng, [4]),
      lw: randn(rng, [5, 4]),
      lb: randn(rng, [5]),
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
    linearRef(xv, 3, arr(feeds.lw), 5, 4, arr(feeds.lb)).forEach((v, i) => expect((out.lin.data as Float64Array)[i]).toBeCloseTo(v, 12));
    expect(Array.from(out.emb.data as Float64Array)).toEqual([...arr(feeds.table).slice(10, 12), ...arr(feeds.table).slice(0, 2), ...arr(feeds.table).slice(10, 12)]);
  });

  it('grouped-query attention under the causal padding mask matches a reference (decoding case T < S included)', async () => {
    const B = 2, H = 4, KV = 2, T = 2, S = 3, D = 3;
    const g = new Graph('sdpa');
    const q = g.input('q', F, [B, H, T, D]);
    const k = g.input('k', F, [B, KV, S, D]);
    const v = g.input('v', F, [B, KV, S, D]);
    const mask = nn.causalMask(g.input('attention_mask', 'int64', [B, S]), T);
    g.output('y', nn.scaledDotProductAttention(q, k, v, mask, 0.5));
    const maskRows = [
      [0, 1, 1],
      [1, 1, 0],
    ];
    const feeds = { q: randn(rng, [B, H, T, D]), k: randn(rng, [B, KV, S, D]), v: randn(rng, [B, KV, S, D]), attention_mask: ids(maskRows.flat(), [B, S]) };
    const y = (await engine.run(g, feeds)).y.data as Float64Array;
    const [qv, kv, vv] = [arr(feeds.q), arr(feeds.k), arr(feeds.v)];
    for (let b = 0; b < B; b++)
      for (let h = 0; h < H; h++)
        for (let i = 0; i < T; i++) {
          const kvHead = Math.floor(h / (H / KV));
          const at = (t: Float64Array, len: number, j: number, d: number) => t[((b * (t === qv ? H : KV) + (t === qv ? h : kvHead)) * len + j) * D + d];
          // Query i sits at absolute slot S − T + i and sees keys j ≤ that slot which are real tokens.
          const visible = Array.from({ length: S }, (_, j) => j <= S - T + i && maskRows[b][j] === 1);
          const scores = visible.map((ok, j) => (ok ? 0.5 * Array.from({ length: D }, (_, d) => at(qv, T, i, d) * at(kv, S, j, d)).reduce((x, z) => x + z, 0) : -Infinity));
          const top = Math.max(...scores);
          const e = scores.map((sc) => (top === -Infinity ? 1 : Math.exp(sc - top)));
          const z = e.reduce((x, w) => x + w, 0);
          for (let d = 0; d < D; d++) {
            const want = e.reduce((acc, w, j) => acc + (w / z) * at(vv, S, j, d), 0);
            expect(y[((b * H + h) * T + i) * D + d]).toBeCloseTo(want, 12);
          }
        }
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
  it('linear with bias', async () => {
    await expectGradOk((g) => g.output('y', nn.linear(g.input('x', F, ['B', 'T', 4]), g.input('w', F, [3, 4]), g.input('b', F, [3]))), { x: randn(rng, [2, 3, 4]), w: randn(rng, [3, 4]), b: randn(rng, [3]) }, ['x', 'w', 'b']);
  });
  it('grouped-query attention under the causal mask', async () => {
    await expectGradOk(
      (g) => {
        const mask = nn.causalMask(g.input('attention_mask', 'int64', [2, 3]), 3);
        g.output('y', nn.scaledDotProductAttention(g.input('q', F, [2, 4, 3, 2]), g.input('k', F, [2, 2, 3, 2]), g.input('v', F, [2, 2, 3, 2]), mask, 0.7));
      },
      { q: randn(rng, [2, 4, 3, 2]), k: randn(rng, [2, 2, 3, 2]), v: randn(rng, [2, 2, 3, 2]), attention_mask: ids([0, 1, 1, 1, 1, 0], [2, 3]) },
      ['q', 'k', 'v'],
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
