/** Gradient checking: backward-graph gradients against central finite differences. */
import { type SavePolicy, grad } from './autodiff.js';
import type { FloatArray } from './dtype.js';
import { GraphBuildError } from './errors.js';
import type { Graph } from './graph.js';
import type { Engine, Feed, TensorValue } from './runtime/session.js';
import { Rng } from '../util/rng.js';

export interface GradCheckOptions {
  readonly engine: Engine;
  /** Forward graph; use float64 so central differences are accurate. */
  readonly graph: Graph;
  readonly outputs: readonly string[];
  readonly wrt: readonly string[];
  /** Values for every input and param of the graph. */
  readonly feeds: Readonly<Record<string, TensorValue>>;
  readonly save?: SavePolicy;
  /** Central-difference step (default 1e-5). */
  readonly eps?: number;
  /** Elements checked per wrt tensor (default 6, chosen at random; all when the tensor is smaller). */
  readonly samples?: number;
  readonly seed?: number;
}

export interface GradCheckEntry {
  readonly name: string;
  readonly index: number;
  readonly analytic: number;
  readonly numeric: number;
  /** |analytic − numeric| / max(1e-2, |analytic|, |numeric|): relative, with a floor for tiny gradients. */
  readonly error: number;
}

export interface GradCheckResult {
  readonly maxError: number;
  readonly entries: readonly GradCheckEntry[];
}

/**
 * Compare the backward graph's gradients with central finite differences of L = Σ_k r_k·y_k for random
 * upstream weights r_k on the chosen outputs.
 */
export async function checkGradients(o: GradCheckOptions): Promise<GradCheckResult> {
  const rng = new Rng(o.seed ?? 1234);
  const eps = o.eps ?? 1e-5;
  const g = grad(o.graph, { outputs: o.outputs, wrt: o.wrt, save: o.save });
  const fwd = await o.engine.compile(o.graph);
  const train = await o.engine.compile(g.forward);
  const back = await o.engine.compile(g.backward);

  const first = await train.run(o.feeds);
  const upstream: Record<string, TensorValue> = {};
  for (const name of o.outputs) {
    const y = first[name];
    const r = y.data instanceof Float64Array ? new Float64Array(y.data.length) : new Float32Array(y.data.length);
    for (let i = 0; i < r.length; i++) r[i] = rng.normal();
    upstream[name] = { data: r, dims: y.dims };
  }
  const bfeeds: Record<string, Feed> = {};
  const need = new Set(back.inputNames);
  for (const [k, v] of Object.entries(o.feeds)) if (need.has(k)) bfeeds[k] = v;
  for (const k of g.saved) bfeeds[k] = first[k];
  for (const [out, inName] of Object.entries(g.upstream)) bfeeds[inName] = upstream[out];
  const grads = await back.run(bfeeds);

  const loss = async (feeds: Readonly<Record<string, TensorValue>>): Promise<number> => {
    const ys = await fwd.run(feeds, { outputs: o.outputs });
    let total = 0;
    for (const name of o.outputs) {
      const y = ys[name].data as FloatArray;
      const r = upstream[name].data as FloatArray;
      for (let i = 0; i < y.length; i++) total += r[i] * y[i];
    }
    return total;
  };

  const entries: GradCheckEntry[] = [];
  for (const w of o.wrt) {
    const base = o.feeds[w];
    if (!base) throw new GraphBuildError(`checkGradients: no feed for '${w}'`);
    const data = base.data as FloatArray;
    const analytic = grads[g.gradients[w]].data as FloatArray;
    const count = Math.min(o.samples ?? 6, data.length);
    const picks = data.length <= count ? Array.from({ length: data.length }, (_, i) => i) : rng.permutation(data.length).slice(0, count);
    for (const index of picks) {
      const plus = data.slice() as FloatArray;
      const minus = data.slice() as FloatArray;
      plus[index] += eps;
      minus[index] -= eps;
      const lp = await loss({ ...o.feeds, [w]: { data: plus, dims: base.dims } });
      const lm = await loss({ ...o.feeds, [w]: { data: minus, dims: base.dims } });
      const numeric = (lp - lm) / (2 * eps);
      const a = analytic[index];
      const error = Math.abs(a - numeric) / Math.max(1e-2, Math.abs(a), Math.abs(numeric));
      entries.push({ name: w, index, analytic: a, numeric, error });
    }
  }
  return { maxError: entries.reduce((m, e) => Math.max(m, e.error), 0), entries };
}
