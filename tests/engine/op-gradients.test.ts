// Every op's gradient rule against central finite differences in float64 on ORT CPU.
import { describe, expect, it } from 'vitest';
import { Graph, grad, type Tensor } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { expectGradOk, ids, randn } from './helpers.js';

const rng = new Rng(7);
const F = 'float64';

describe('elementwise gradients', () => {
  it('Add/Sub/Mul/Div with broadcasting', async () => {
    const feeds = { a: randn(rng, [2, 3, 4]), b: randn(rng, [3, 1], { positive: true }), c: randn(rng, [4]) };
    await expectGradOk(
      (g) => {
        const a = g.input('a', F, [2, 3, 4]);
        const b = g.input('b', F, [3, 1]);
        const c = g.input('c', F, [4]);
        g.output('y', g.div(g.mul(g.sub(g.add(a, b), c), c), b));
      },
      feeds,
      ['a', 'b', 'c'],
    );
  });

  it('Pow with constant and tensor exponents', async () => {
    const feeds = { a: randn(rng, [2, 3], { positive: true }), e: randn(rng, [2, 3], { scale: 0.5 }) };
    await expectGradOk(
      (g) => {
        const a = g.input('a', F, [2, 3]);
        const e = g.input('e', F, [2, 3]);
        g.output('y', g.add(g.add(g.pow(a, 2), g.pow(a, 3.5)), g.pow(a, e)));
      },
      feeds,
      ['a', 'e'],
    );
  });

  it('Max/Min', async () => {
    const feeds = { a: randn(rng, [3, 4]), b: randn(rng, [3, 4]) };
    await expectGradOk(
      (g) => {
        const a = g.input('a', F, [3, 4]);
        const b = g.input('b', F, [3, 4]);
        g.output('y', g.add(g.max(a, b), g.mul(g.min(a, b), 3)));
      },
      feeds,
      ['a', 'b'],
    );
  });

  const unary: Array<[string, (g: Graph, x: Tensor) => Tensor, object]> = [
    ['Neg', (g, x) => g.neg(x), {}],
    ['Exp', (g, x) => g.exp(x), {}],
    ['Log', (g, x) => g.log(x), { positive: true }],
    ['Sqrt', (g, x) => g.sqrt(x), { positive: true }],
    ['Reciprocal', (g, x) => g.reciprocal(x), { positive: true }],
    ['Tanh', (g, x) => g.tanh(x), {}],
    ['Sigmoid', (g, x) => g.sigmoid(x), {}],
    ['Sin', (g, x) => g.sin(x), {}],
    ['Cos', (g, x) => g.cos(x), {}],
    ['Abs', (g, x) => g.abs(x), { awayFromZero: 0.1 }],
    ['Relu', (g, x) => g.relu(x), { awayFromZero: 0.1 }],
    ['Identity', (g, x) => g.identity(x), {}],
    ['SiLU', (g, x) => g.silu(x), {}],
    ['Clip', (g, x) => g.clip(x, -0.5, 0.5), { awayFromZero: 0.1 }],
  ];
  for (const [name, f, opts] of unary) {
    it(name, async () => {
      const x = randn(rng, [2, 5], opts);
      if (name === 'Clip') for (let i = 0; i < x.data.length; i++) if (Math.abs(Math.abs(Number(x.data[i])) - 0.5) < 0.05) (x.data as Float64Array)[i] += 0.2;
      await expectGradOk(
        (g) => {
          const t = g.input('x', F, [2, 5]);
          g.output('y', f(g, t));
        },
        { x },
        ['x'],
      );
    });
  }

  it('Cast float64 → float32 → float64', async () => {
    await expectGradOk(
      (g) => {
        const x = g.input('x', F, [3]);
        g.output('y', g.mul(g.cast(g.cast(x, 'float32'), F), x));
      },
      { x: randn(rng, [3]) },
      ['x'],
      { eps: 1e-2, tol: 1e-5 },
    );
  });

  it('Where with a computed condition and broadcasting', async () => {
    await expectGradOk(
      (g) => {
        const a = g.input('a', F, [2, 3]);
        const b = g.input('b', F, [3]);
        g.output('y', g.where(g.greater(a, 0), g.mul(a, a), b));
      },
      { a: randn(rng, [2, 3], { awayFromZero: 0.1 }), b: randn(rng, [3]) },
      ['a', 'b'],
    );
  });
});

describe('linear algebra gradients', () => {
  it('MatMul: rank-3 by rank-2 (weight gradient as one GEMM)', async () => {
    await expectGradOk(
      (g) => g.output('y', g.matmul(g.input('a', F, [2, 3, 4]), g.input('b', F, [4, 5]))),
      { a: randn(rng, [2, 3, 4]), b: randn(rng, [4, 5]) },
      ['a', 'b'],
    );
  });
  it('MatMul: batched and batch-broadcast', async () => {
    await expectGradOk(
      (g) => {
        const y1 = g.matmul(g.input('a', F, [2, 3, 4]), g.input('b', F, [2, 4, 5]));
        const y2 = g.matmul(g.input('c', F, [2, 1, 3, 4]), g.input('d', F, [3, 4, 2]));
        g.output('y', y1);
        g.output('z', y2);
      },
      { a: randn(rng, [2, 3, 4]), b: randn(rng, [2, 4, 5]), c: randn(rng, [2, 1, 3, 4]), d: randn(rng, [3, 4, 2]) },
      ['a', 'b', 'c', 'd'],
      { outputs: ['y', 'z'] },
    );
  });
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    it(`Gemm transA=${ta} transB=${tb} with alpha, beta and a broadcast bias`, async () => {
      const aDims = ta ? [4, 3] : [3, 4];
      const bDims = tb ? [5, 4] : [4, 5];
      await expectGradOk(
        (g) => g.output('y', g.gemm(g.input('a', F, aDims), g.input('b', F, bDims), g.input('c', F, [5]), { transA: ta, transB: tb, alpha: 0.7, beta: 1.3 })),
        { a: randn(rng, aDims), b: randn(rng, bDims), c: randn(rng, [5]) },
        ['a', 'b', 'c'],
      );
    });
  }
});

describe('softmax and reduction gradients', () => {
  it('Softmax and LogSoftmax on two axes', async () => {
    await expectGradOk(
      (g) => {
        const x = g.input('x', F, [2, 3, 4]);
        g.output('y', g.softmax(x, -1));
        g.output('z', g.logSoftmax(x, 1));
      },
      { x: randn(rng, [2, 3, 4]) },
      ['x'],
      { outputs: ['y', 'z'] },
    );
  });
  it('ReduceSum / ReduceMean / ReduceMax / ReduceLogSumExp, keepdims on and off', async () => {
    await expectGradOk(
      (g) => {
        const x = g.input('x', F, [2, 3, 4]);
        g.output('s', g.reduceSum(x, [1], false));
        g.output('m', g.reduceMean(x, [0, 2], true));
        g.output('mx', g.reduceMax(x, [-1], false));
        g.output('l', g.reduceLogSumExp(x, [2], true));
      },
      { x: randn(rng, [2, 3, 4]) },
      ['x'],
      { outputs: ['s', 'm', 'mx', 'l'] },
    );
  });
  it('ReduceMean over a symbolic axis', async () => {
    await expectGradOk((g) => g.output('y', g.reduceMean(g.input('x', F, ['B', 3]), [0], false)), { x: randn(rng, [4, 3]) }, ['x']);
  });
  it('CumSum', async () => {
    await expectGradOk((g) => g.output('y', g.cumsum(g.input('x', F, [2, 5]), 1)), { x: randn(rng, [2, 5]) }, ['x']);
  });
});

describe('indexing gradients', () => {
  it('Gather (embedding lookup with repeated ids) on axis 0 and axis 1', async () => {
    await expectGradOk(
      (g) => {
        const w = g.input('w', F, [5, 3]);
        const i = g.input('i', 'int64', ['B', 'T']);
        g.output('y', g.gather(w, i, 0));
        g.output('z', g.gather(w, g.input('j', 'int64', [2]), 1));
      },
      { w: randn(rng, [5, 3]), i: ids([1, 4, 1, 0, 4, 4], [2, 3]), j: ids([2, 2], [2]) },
      ['w'],
      { outputs: ['y', 'z'], samples: 15 },
    );
  });
  it('GatherElements on the last axis', async () => {
    await expectGradOk(
      (g) => g.output('y', g.gatherElements(g.input('x', F, [2, 4]), g.input('i', 'int64', [2, 3]), -1)),
      { x: randn(rng, [2, 4]), i: ids([0, 3, 3, 1, 1, 2], [2, 3]) },
      ['x'],
      { samples: 8 },
    );
  });
});

describe('shape op gradients (symbolic dims included)', () => {
  it('Reshape, Transpose, Unsqueeze, Squeeze', async () => {
    await expectGradOk(
      (g) => {
        const x = g.input('x', F, ['B', 6]);
        const r = g.reshape(x, ['B', 2, 3]);
        const t = g.transpose(r, [2, 0, 1]);
        const u = g.unsqueeze(t, [0, 3]);
        const s = g.squeeze(u, [0]);
        g.output('y', g.mul(g.reshape(s, [-1]), g.reshape(s, [-1])));
      },
      { x: randn(rng, [3, 6]) },
      ['x'],
    );
  });
  it('Concat, Split and Slice with symbolic bounds', async () => {
    await expectGradOk(
      (g) => {
        const a = g.input('a', F, ['T', 2]);
        const b = g.input('b', F, ['T', 3]);
        const c = g.concat([a, b, a], 1);
        const [p, q] = g.split(c, [4, 3], 1);
        const s = g.slice(p, [1], [-1], [0]);
        g.output('y', s);
        g.output('z', g.exp(q));
      },
      { a: randn(rng, [4, 2]), b: randn(rng, [4, 3]) },
      ['a', 'b'],
      { outputs: ['y', 'z'] },
    );
  });
  it('Split with an unused piece gets zero gradient there', async () => {
    await expectGradOk(
      (g) => {
        const x = g.input('x', F, [2, 5]);
        const [p] = g.split(x, [2, 3], 1);
        g.output('y', g.tanh(p));
      },
      { x: randn(rng, [2, 5]) },
      ['x'],
      { samples: 10 },
    );
  });
  it('Expand and Pad', async () => {
    await expectGradOk(
      (g) => {
        const x = g.input('x', F, ['B', 1, 3]);
        const e = g.expand(x, ['B', 4, 3]);
        g.output('y', g.pad(g.mul(e, e), [0, 1, 0], [0, 0, 2]));
      },
      { x: randn(rng, [2, 1, 3]) },
      ['x'],
    );
  });
});

describe('store vs recompute', () => {
  const build = (g: Graph) => {
    const x = g.input('x', F, ['B', 4]);
    const w = g.param('w', F, [4, 4]);
    const h = g.tanh(g.matmul(x, w));
    g.output('y', g.softmax(g.matmul(h, w)));
  };
  const feeds = { x: randn(rng, [3, 4]), w: randn(rng, [4, 4]) };
  for (const save of ['all', 'matmul', 'none'] as const) {
    it(`save='${save}'`, async () => {
      await expectGradOk(build, feeds, ['x', 'w'], { save });
    });
  }
  it('what each policy stores', () => {
    const g = new Graph('policies');
    build(g);
    const producers = (save: 'all' | 'matmul' | 'none') => {
      const r = grad(g, { outputs: ['y'], wrt: ['w'], save });
      return r.saved.map((n) => g.nodes.find((node) => node.outputs.some((o) => o.name === n))!.opType).sort();
    };
    expect(producers('matmul')).toEqual(['MatMul', 'MatMul']);
    expect(producers('all')).toEqual(['Softmax', 'Tanh']);
    expect(producers('none')).toEqual([]);
    expect(grad(g, { outputs: ['y'], wrt: ['w'] }).saved).toEqual(grad(g, { outputs: ['y'], wrt: ['w'], save: 'matmul' }).saved);
  });
  it('save=predicate (checkpoint the tanh output only)', async () => {
    await expectGradOk(build, feeds, ['w'], { save: (t) => t.producer?.opType === 'Tanh' });
  });
});
