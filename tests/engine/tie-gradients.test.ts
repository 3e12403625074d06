// Gradient rules at ties and kinks, where a rule has to pick a subgradient: Max/Min split a tie evenly
// (central differences agree: they see half the slope), ReduceMax shares among all tied maxima, Clip passes
// the gradient at its bounds, Relu and Abs give 0 at 0. The expected values follow PyTorch's conventions
// (torch.maximum/minimum, amax, clamp, relu, abs), which verl's gradients are computed with.
import { describe, expect, it } from 'vitest';
import type { Graph, TensorValue } from '../../src/engine/index.js';
import { expectGradOk, gradientsOf } from './helpers.js';

const F = 'float64';
const f64 = (values: number[], dims = [values.length]): TensorValue => ({ data: Float64Array.from(values), dims });

function expectClose(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(a, `element ${i}`).toBeCloseTo(expected[i], 12));
}

describe('Max/Min at ties', () => {
  const a = [1, 2, 3, -1, 0.5];
  const b = [1, 0, 3, 5, 0.5]; // ties at 0, 2 and 4
  const dy = [0.3, -1.2, 2, 0.7, -0.4];
  const build = (op: 'max' | 'min') => (g: Graph) => {
    g.output('y', g[op](g.input('a', F, [5]), g.input('b', F, [5])));
  };

  it('Max gives each operand half of the upstream gradient where a = b', async () => {
    const grads = await gradientsOf(build('max'), { a: f64(a), b: f64(b) }, ['a', 'b'], { y: f64(dy) });
    expectClose(grads.a, [0.15, -1.2, 1, 0, -0.2]);
    expectClose(grads.b, [0.15, 0, 1, 0.7, -0.2]);
  });

  it('Min gives each operand half of the upstream gradient where a = b', async () => {
    const grads = await gradientsOf(build('min'), { a: f64(a), b: f64(b) }, ['a', 'b'], { y: f64(dy) });
    expectClose(grads.a, [0.15, 0, 1, 0.7, -0.2]);
    expectClose(grads.b, [0.15, -1.2, 1, 0, -0.2]);
  });

  it('the half share agrees with central differences at exact ties', async () => {
    await expectGradOk(
      (g) => {
        const x = g.input('a', F, [5]);
        const y = g.input('b', F, [5]);
        g.output('y', g.add(g.max(x, y), g.mul(g.min(x, y), 3)));
      },
      { a: f64(a), b: f64(b) },
      ['a', 'b'],
      { samples: 5 },
    );
  });

  it('a broadcast operand collects the half shares of every element it ties with', async () => {
    // max(x, 0.5) with x = [0.5, 0.5, 1, 0]: x gets [½, ½, 1, 0]; the scalar gets ½ + ½ + 0 + 1 = 2.
    const grads = await gradientsOf(
      (g) => {
        g.output('y', g.max(g.input('x', F, [4]), g.input('c', F, [1])));
      },
      { x: f64([0.5, 0.5, 1, 0]), c: f64([0.5]) },
      ['x', 'c'],
    );
    expectClose(grads.x, [0.5, 0.5, 1, 0]);
    expectClose(grads.c, [2]);
  });
});

describe('ReduceMax at ties', () => {
  it('splits the gradient evenly among all tied maxima of each reduced slice', async () => {
    // Rows: two tied maxima, three tied maxima, one maximum, all four equal.
    const x = [1, 4, 4, 0, 2, 2, 2, -1, 5, 1, 2, 3, 7, 7, 7, 7];
    const dy = [1.2, -0.9, 0.5, 2];
    const grads = await gradientsOf(
      (g) => {
        g.output('y', g.reduceMax(g.input('x', F, [4, 4]), [1], false));
      },
      { x: f64(x, [4, 4]) },
      ['x'],
      { y: f64(dy) },
    );
    expectClose(grads.x, [0, 0.6, 0.6, 0, -0.3, -0.3, -0.3, 0, 0.5, 0, 0, 0, 0.5, 0.5, 0.5, 0.5]);
  });

  it('counts ties across every reduced axis, with keepdims', async () => {
    // Max 3 occurs twice in the [2, 3] slice of batch 0 and once in batch 1.
    const x = [3, 1, 3, 0, 2, 2, 1, 1, 1, 3, 1, 1];
    const grads = await gradientsOf(
      (g) => {
        g.output('y', g.reduceMax(g.input('x', F, [2, 2, 3]), [1, 2], true));
      },
      { x: f64(x, [2, 2, 3]) },
      ['x'],
      { y: f64([4, -2], [2, 1, 1]) },
    );
    expectClose(grads.x, [2, 0, 2, 0, 0, 0, 0, 0, 0, -2, 0, 0]);
  });
});

describe('Clip, Relu and Abs at their kinks', () => {
  it('Clip passes the gradient at x = min and x = max, and blocks it outside', async () => {
    const grads = await gradientsOf(
      (g) => {
        g.output('y', g.clip(g.input('x', F, [5]), -0.5, 0.5));
      },
      { x: f64([-0.5, 0.5, -0.6, 0.7, 0.1]) },
      ['x'],
      { y: f64([2, 3, 4, 5, 6]) },
    );
    expectClose(grads.x, [2, 3, 0, 0, 6]);
  });

  it('Relu and Abs have gradient 0 at exactly 0', async () => {
    const x = f64([0, -0, 1.5, -2]);
    const dy = f64([2, 3, 4, 5]);
    const relu = await gradientsOf((g) => g.output('y', g.relu(g.input('x', F, [4]))), { x }, ['x'], { y: dy });
    expectClose(relu.x, [0, 0, 4, 0]);
    const abs = await gradientsOf((g) => g.output('y', g.abs(g.input('x', F, [4]))), { x }, ['x'], { y: dy });
    expectClose(abs.x, [0, 0, 4, -5]);
  });
});
