import { expect } from 'vitest';
import { checkGradients, grad, type SavePolicy, type TensorValue } from '../../src/engine/index.js';
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

/**
 * Run a float64 graph's backward pass for the given upstream gradients (ones where not given) and return
 * each wrt tensor's gradient: for checks against hand-derived values where finite differences say nothing
 * (ties, kinks).
 */
export async function gradientsOf(
  build: (g: Graph) => void,
  feeds: Record<string, TensorValue>,
  wrt: string[],
  upstream: Record<string, TensorValue> = {},
): Promise<Record<string, number[]>> {
  const g = new Graph('case');
  build(g);
  const outputs = g.outputs.map((o) => o.name);
  const r = grad(g, { outputs, wrt });
  const first = await (await engine.compile(r.forward)).run(feeds);
  const back = await engine.compile(r.backward);
  const bfeeds: Record<string, TensorValue> = {};
  const need = new Set(back.inputNames);
  for (const [k, v] of Object.entries(feeds)) if (need.has(k)) bfeeds[k] = v;
  for (const k of r.saved) bfeeds[k] = first[k];
  for (const [out, inName] of Object.entries(r.upstream)) {
    const y = first[out];
    bfeeds[inName] = upstream[out] ?? { data: new Float64Array(y.data.length).fill(1), dims: y.dims };
  }
  const grads = await back.run(bfeeds);
  return Object.fromEntries(wrt.map((w) => [w, Array.from(grads[r.gradients[w]].data as Float64Array)]));
}
