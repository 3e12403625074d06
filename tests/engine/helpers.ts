import { expect } from 'vitest';
import { checkGradients, type SavePolicy, type TensorValue } from '../../src/engine/index.js';
import { Engine, Graph } from '../../src/engine/index.js';
import type { Rng } from '../../src/util/rng.js';

export const engine = new Engine({ intraOpNumThreads: 1 });

export function randn(rng: Rng, dims: number[], opts: { positive?: boolean; scale?: number; awayFromZero?: number } = {}): TensorValue {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = rng.normal() * (opts.scale ?? 1);
    if (opts.positive) v = Math.abs(v) + 0.5;
    if (opts.awayFromZero !== undefined && Math.abs(v) < opts.awayFromZero) v += v < 0 ? -opts.awayFromZero : opts.awayFromZero;
    data[i] = v;
  }
  return { data, dims };
}

export function ids(values: number[], dims: number[]): TensorValue {
  return { data: BigInt64Array.from(values.map((v) => BigInt(v))), dims };
}

/** Build a float64 graph, differentiate, and compare with central differences. */
export async function expectGradOk(
  build: (g: Graph) => void,
  feeds: Record<string, TensorValue>,
  wrt: string[],
  opts: { outputs?: string[]; save?: SavePolicy; tol?: number; eps?: number; samples?: number } = {},
): Promise<void> {
  const g = new Graph('case');
  build(g);
  const res = await checkGradients({
    engine,
    graph: g,
    outputs: opts.outputs ?? ['y'],
    wrt,
    feeds,
    save: opts.save,
    eps: opts.eps,
    samples: opts.samples ?? 8,
  });
  const worst = res.entries.reduce((a, b) => (b.error > a.error ? b : a), res.entries[0]);
  expect(res.maxError, `worst: ${JSON.stringify(worst)}`).toBeLessThan(opts.tol ?? 1e-6);
}
