import { type Dim, dimEq, formatShape } from './dims.js';
import { isFloat } from './dtype.js';
import { GraphBuildError } from './errors.js';
import { Graph, type Node, type Tensor } from './graph.js';
import { getOpSpec, type GradContext } from './ops/index.js';
import { didYouMean } from '../util/suggest.js';

/**
 * Which forward activations the backward graph receives from the forward run ("store") instead of
 * recomputing them from inputs and parameters ("recompute"):
 * - 'all': store every float value a gradient rule reads (most memory and transfer);
 * - 'matmul' (default): store only MatMul/Gemm outputs and recompute every elementwise, softmax, reduction
 *   and shape op from them. Measured (docs/engine.md): an ORT output costs ~0.6 ms/MB to hand over while
 *   an elementwise op recomputes at ~0.1 ms/MB, and a GEMM with inner dim ≥ 64 costs more to redo than to store;
 * - 'none': recompute everything, so the backward graph is a fused forward+backward graph;
 * - a predicate: store the values it accepts and recompute the rest from the nearest stored ones
 *   (activation checkpointing, e.g. only each layer's input).
 * Integer and bool values (masks, shapes, indices) are always recomputed: they are cheap.
 */
export type SavePolicy = 'all' | 'matmul' | 'none' | ((t: Tensor) => boolean);

/** Ops whose outputs the 'matmul' policy stores: recomputing them costs more than passing them over. */
const EXPENSIVE_OPS = new Set(['MatMul', 'Gemm']);

export interface GradOptions {
  /** Forward outputs that receive an upstream gradient (fed as backward inputs named `grad:<output>`). */
  readonly outputs: readonly string[];
  /** Params or float inputs to differentiate with respect to (backward outputs named `grad:<name>`). */
  readonly wrt: readonly string[];
  /** Store-vs-recompute policy (default 'matmul'). */
  readonly save?: SavePolicy;
}

export interface GradResult {
  /** The forward graph plus outputs for the activations the backward graph needs. */
  readonly forward: Graph;
  /** Takes the forward's inputs and params it needs, the saved activations and the upstream gradients. */
  readonly backward: Graph;
  /** Names of forward values passed from the forward run to the backward run (as both output and input). */
  readonly saved: readonly string[];
  /** forward output name → backward input name of its upstream gradient. */
  readonly upstream: Readonly<Record<string, string>>;
  /** wrt name → backward output name of its gradient. */
  readonly gradients: Readonly<Record<string, string>>;
  /** wrt names no chosen output depends on; their gradients are zeros. */
  readonly unreachable: readonly string[];
}

export const upstreamName = (output: string): string => `grad:${output}`;
export const gradientName = (wrt: string): string => `grad:${wrt}`;

/** Reverse-mode differentiation of `forward`: builds a backward graph computing vector–Jacobian products. */
export function grad(forward: Graph, options: GradOptions): GradResult {
  const seeds = options.outputs.map((name) => forward.getOutput(name));
  const wrt = options.wrt.map((name) => {
    const t = forward.inputs.find((x) => x.name === name);
    if (!t) throw new GraphBuildError(`grad: '${name}' is not an input or param of graph '${forward.name}'.${didYouMean(name, forward.inputs.map((x) => x.name))}`);
    if (!isFloat(t.dtype)) throw new GraphBuildError(`grad: '${name}' is ${t.dtype}; only float tensors have gradients`);
    return t;
  });
  if (seeds.length === 0) throw new GraphBuildError('grad: no outputs given');
  const policy = options.save ?? 'matmul';

  // Values that depend on a wrt tensor through float data.
  const depends = new Set<Tensor>(wrt);
  for (const n of forward.nodes) {
    if (n.inputs.some((t) => t && depends.has(t))) for (const o of n.outputs) if (isFloat(o.dtype)) depends.add(o);
  }
  // Values from which a seed can be reached.
  const reaches = new Set<Tensor>(seeds);
  for (let i = forward.nodes.length - 1; i >= 0; i--) {
    const n = forward.nodes[i];
    if (n.outputs.some((o) => reaches.has(o))) for (const t of n.inputs) if (t) reaches.add(t);
  }
  const active = forward.nodes.filter((n) => n.outputs.some((o) => depends.has(o) && reaches.has(o)));

  const b = new Graph(`${forward.name}.backward`, forward.opset, `${forward.name}.bw/`);
  const mapped = new Map<Tensor, Tensor>();
  const saved: Tensor[] = [];
  const symbolOwners = new Map<string, { tensor: Tensor; axis: number }>();
  for (const t of forward.inputs) {
    t.shape.forEach((d, axis) => {
      if (typeof d === 'string' && !symbolOwners.has(d)) symbolOwners.set(d, { tensor: t, axis });
    });
  }
  b.resolveSymbol = (s) => {
    const owner = symbolOwners.get(s);
    return owner ? { tensor: fwdValue(owner.tensor), axis: owner.axis } : undefined;
  };

  const shouldSave = (t: Tensor): boolean => {
    if (!isFloat(t.dtype)) return false;
    if (policy === 'all') return true;
    if (policy === 'none') return false;
    if (policy === 'matmul') return t.producer !== null && EXPENSIVE_OPS.has(t.producer.opType);
    return policy(t);
  };

  function fwdValue(t: Tensor): Tensor {
    const hit = mapped.get(t);
    if (hit) return hit;
    let v: Tensor;
    if (t.kind === 'input') v = b.input(t.name, t.dtype, t.shape);
    else if (t.kind === 'param') v = b.param(t.name, t.dtype, t.shape);
    else if (t.kind === 'const') v = b.constant(t.constData!);
    else if (shouldSave(t)) {
      v = b.input(t.name, t.dtype, t.shape);
      saved.push(t);
    } else {
      recompute(t.producer!);
      return mapped.get(t)!;
    }
    mapped.set(t, v);
    return v;
  }

  function recompute(n: Node): void {
    const ins = n.inputs.map((t) => (t ? fwdValue(t) : null));
    const outs = b.apply(n.opType, ins, n.attrs, n.meta);
    n.outputs.forEach((o, k) => mapped.set(o, outs[k]));
  }

  const grads = new Map<Tensor, Tensor>();
  const upstream: Record<string, string> = {};
  seeds.forEach((y, k) => {
    const name = upstreamName(options.outputs[k]);
    upstream[options.outputs[k]] = name;
    if (!isFloat(y.dtype)) throw new GraphBuildError(`grad: output '${options.outputs[k]}' is ${y.dtype}; only float outputs carry gradients`);
    const dy = b.input(name, y.dtype, y.shape);
    grads.set(y, grads.has(y) ? b.add(grads.get(y)!, dy) : dy);
  });

  const unbroadcast = (dy: Tensor, shape: readonly Dim[]): Tensor => {
    const lead = dy.rank - shape.length;
    const axes: number[] = [];
    for (let i = 0; i < dy.rank; i++) {
      if (i < lead) axes.push(i);
      else if (shape[i - lead] === 1 && dy.shape[i] !== 1) axes.push(i);
    }
    if (axes.length === 0) return dy;
    const summed = b.reduceSum(dy, axes, true);
    return lead > 0 ? b.squeeze(summed, Array.from({ length: lead }, (_, i) => i)) : summed;
  };

  for (let i = active.length - 1; i >= 0; i--) {
    const n = active[i];
    const dys = n.outputs.map((o) => grads.get(o) ?? null);
    if (dys.every((d) => d === null)) continue;
    const spec = getOpSpec(n.opType);
    if (!spec?.grad) throw new GraphBuildError(`grad: op ${n.opType} (node '${n.name}') has no gradient rule, but a gradient flows through it`);
    const needs = (k: number): boolean => {
      const t = n.inputs[k];
      return !!t && isFloat(t.dtype) && depends.has(t);
    };
    const ctx: GradContext = {
      g: b,
      input: (k) => fwdValue(n.inputs[k]!),
      output: (k) => fwdValue(n.outputs[k]),
      unbroadcast,
      needs,
    };
    const dxs = spec.grad(ctx, n, dys);
    n.inputs.forEach((x, k) => {
      if (!x || !needs(k)) return;
      const dx = dxs[k];
      if (!dx) throw new GraphBuildError(`grad: the rule for ${n.opType} gave no gradient for input ${k} ('${x.name}') of node '${n.name}'`);
      if (dx.rank !== x.rank || !dx.shape.every((d, j) => dimEq(d, x.shape[j]))) {
        throw new GraphBuildError(`grad: the rule for ${n.opType} returned shape ${formatShape(dx.shape)} for input '${x.name}' of shape ${formatShape(x.shape)}`);
      }
      const prev = grads.get(x);
      grads.set(x, prev ? b.add(prev, dx) : dx);
    });
  }

  const gradients: Record<string, string> = {};
  const unreachable: string[] = [];
  for (const w of wrt) {
    const name = gradientName(w.name);
    gradients[w.name] = name;
    let g = grads.get(w);
    if (!g) {
      unreachable.push(w.name);
      g = b.zeros(w.dtype, w.shape);
    }
    b.output(name, g);
  }

  return {
    forward: forward.withExtraOutputs(`${forward.name}.train`, saved),
    backward: b,
    saved: saved.map((t) => t.name),
    upstream,
    gradients,
    unreachable,
  };
}
