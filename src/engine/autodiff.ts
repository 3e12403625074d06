/**
 * Reverse-mode autodiff on graphs: from a forward graph, build a backward graph of vector–Jacobian products, in
 * four stages (what needs a gradient; which forward values the backward graph stores or recomputes; the sweep
 * over the nodes in reverse; the gradient outputs).
 */
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
  const { seeds, wrt } = resolveTargets(forward, options);
  const path = gradientPath(forward, seeds, wrt);
  const b = new Graph(`${forward.name}.backward`, forward.opset, `${forward.name}.bw/`);
  const values = new ForwardValues(forward, b, options.save ?? 'matmul');
  const { grads, upstream } = seedGradients(b, seeds, options.outputs);
  backwardSweep(b, path, values, grads);
  const { gradients, unreachable } = gradientOutputs(b, wrt, grads);
  return {
    forward: forward.withExtraOutputs(`${forward.name}.train`, values.saved),
    backward: b,
    saved: values.saved.map((t) => t.name),
    upstream,
    gradients,
    unreachable,
  };
}

/** The output tensors to differentiate and the float inputs/params to differentiate with respect to. */
function resolveTargets(forward: Graph, options: GradOptions): { seeds: Tensor[]; wrt: Tensor[] } {
  const seeds = options.outputs.map((name) => forward.getOutput(name));
  const wrt = options.wrt.map((name) => {
    const t = forward.inputs.find((x) => x.name === name);
    if (!t) throw new GraphBuildError(`grad: '${name}' is not an input or param of graph '${forward.name}'.${didYouMean(name, forward.inputs.map((x) => x.name))}`);
    if (!isFloat(t.dtype)) throw new GraphBuildError(`grad: '${name}' is ${t.dtype}; only float tensors have gradients`);
    return t;
  });
  if (seeds.length === 0) throw new GraphBuildError('grad: no outputs given');
  return { seeds, wrt };
}

/** Stage 1, what needs a gradient: the float values that depend on a wrt tensor, and the nodes between them and a seed. */
interface GradientPath {
  /** Values that depend on a wrt tensor through float data. */
  readonly depends: ReadonlySet<Tensor>;
  /** Nodes (in forward order) with an output that depends on a wrt tensor and from which a seed is reached. */
  readonly active: readonly Node[];
}

function gradientPath(forward: Graph, seeds: readonly Tensor[], wrt: readonly Tensor[]): GradientPath {
  const depends = new Set<Tensor>(wrt);
  for (const n of forward.nodes) {
    if (n.inputs.some((t) => t && depends.has(t))) for (const o of n.outputs) if (isFloat(o.dtype)) depends.add(o);
  }
  const reaches = new Set<Tensor>(seeds);
  for (let i = forward.nodes.length - 1; i >= 0; i--) {
    const n = forward.nodes[i];
    if (n.outputs.some((o) => reaches.has(o))) for (const t of n.inputs) if (t) reaches.add(t);
  }
  return { depends, active: forward.nodes.filter((n) => n.outputs.some((o) => depends.has(o) && reaches.has(o))) };
}

/**
 * Stage 2, save or recompute: forward values as the backward graph sees them. Inputs, params and constants are
 * redeclared; an activation the policy stores becomes a backward input (and a forward output, see `saved`);
 * any other activation is recomputed from its producer's inputs, recursively, on first use.
 */
class ForwardValues {
  /** Forward activations handed from the forward run to the backward run, in the order first needed. */
  readonly saved: Tensor[] = [];
  private readonly mapped = new Map<Tensor, Tensor>();

  constructor(
    forward: Graph,
    private readonly b: Graph,
    private readonly policy: SavePolicy,
  ) {
    // A symbolic dim of the backward graph is read off the forward input that first carries it.
    const symbolOwners = new Map<string, { tensor: Tensor; axis: number }>();
    for (const t of forward.inputs) {
      t.shape.forEach((d, axis) => {
        if (typeof d === 'string' && !symbolOwners.has(d)) symbolOwners.set(d, { tensor: t, axis });
      });
    }
    b.resolveSymbol = (s) => {
      const owner = symbolOwners.get(s);
      return owner ? { tensor: this.value(owner.tensor), axis: owner.axis } : undefined;
    };
  }

  /** Forward value `t` in the backward graph. */
  value(t: Tensor): Tensor {
    const hit = this.mapped.get(t);
    if (hit) return hit;
    const b = this.b;
    let v: Tensor;
    if (t.kind === 'input') v = b.input(t.name, t.dtype, t.shape);
    else if (t.kind === 'param') v = b.param(t.name, t.dtype, t.shape);
    else if (t.kind === 'const') v = b.constant(t.constData!);
    else if (this.shouldSave(t)) {
      v = b.input(t.name, t.dtype, t.shape);
      this.saved.push(t);
    } else {
      this.recompute(t.producer!);
      return this.mapped.get(t)!;
    }
    this.mapped.set(t, v);
    return v;
  }

  private shouldSave(t: Tensor): boolean {
    if (!isFloat(t.dtype)) return false;
    const policy = this.policy;
    if (policy === 'all') return true;
    if (policy === 'none') return false;
    if (policy === 'matmul') return t.producer !== null && EXPENSIVE_OPS.has(t.producer.opType);
    return policy(t);
  }

  private recompute(n: Node): void {
    const ins = n.inputs.map((t) => (t ? this.value(t) : null));
    const outs = this.b.apply(n.opType, ins, n.attrs, n.meta);
    n.outputs.forEach((o, k) => this.mapped.set(o, outs[k]));
  }
}

/** The upstream gradient inputs (`grad:<output>`): the sweep starts from them. Two outputs naming one tensor add up. */
function seedGradients(b: Graph, seeds: readonly Tensor[], outputs: readonly string[]): { grads: Map<Tensor, Tensor>; upstream: Record<string, string> } {
  const grads = new Map<Tensor, Tensor>();
  const upstream: Record<string, string> = {};
  seeds.forEach((y, k) => {
    const name = upstreamName(outputs[k]);
    upstream[outputs[k]] = name;
    if (!isFloat(y.dtype)) throw new GraphBuildError(`grad: output '${outputs[k]}' is ${y.dtype}; only float outputs carry gradients`);
    const dy = b.input(name, y.dtype, y.shape);
    grads.set(y, grads.has(y) ? b.add(grads.get(y)!, dy) : dy);
  });
  return { grads, upstream };
}

/** Sum `dy` over the axes along which a tensor of `shape` was broadcast to dy's shape (GradContext.unbroadcast). */
function unbroadcast(b: Graph, dy: Tensor, shape: readonly Dim[]): Tensor {
  const lead = dy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && dy.shape[i] !== 1) axes.push(i);
  }
  if (axes.length === 0) return dy;
  const summed = b.reduceSum(dy, axes, true);
  return lead > 0 ? b.squeeze(summed, Array.from({ length: lead }, (_, i) => i)) : summed;
}

/**
 * Stage 3, the backward sweep: the active nodes in reverse order, each turning its outputs' gradients into its
 * inputs' with the op's gradient rule; gradients reaching one tensor along several paths add up in `grads`.
 */
function backwardSweep(b: Graph, path: GradientPath, values: ForwardValues, grads: Map<Tensor, Tensor>): void {
  for (let i = path.active.length - 1; i >= 0; i--) {
    const n = path.active[i];
    const dys = n.outputs.map((o) => grads.get(o) ?? null);
    if (dys.every((d) => d === null)) continue;
    const spec = getOpSpec(n.opType);
    if (!spec?.grad) throw new GraphBuildError(`grad: op ${n.opType} (node '${n.name}') has no gradient rule, but a gradient flows through it`);
    const needs = (k: number): boolean => {
      const t = n.inputs[k];
      return !!t && isFloat(t.dtype) && path.depends.has(t);
    };
    const ctx: GradContext = {
      g: b,
      input: (k) => values.value(n.inputs[k]!),
      output: (k) => values.value(n.outputs[k]),
      unbroadcast: (dy, shape) => unbroadcast(b, dy, shape),
      needs,
    };
    const dxs = spec.grad(ctx, n, dys);
    n.inputs.forEach((x, k) => {
      if (!x || !needs(k)) return;
      const dx = checkedInputGradient(n, k, dxs[k]);
      const prev = grads.get(x);
      grads.set(x, prev ? b.add(prev, dx) : dx);
    });
  }
}

/** A rule's gradient for input k of n, refused when missing or of the wrong shape. */
function checkedInputGradient(n: Node, k: number, dx: Tensor | null | undefined): Tensor {
  const x = n.inputs[k]!;
  if (!dx) throw new GraphBuildError(`grad: the rule for ${n.opType} gave no gradient for input ${k} ('${x.name}') of node '${n.name}'`);
  if (dx.rank !== x.rank || !dx.shape.every((d, j) => dimEq(d, x.shape[j]))) {
    throw new GraphBuildError(`grad: the rule for ${n.opType} returned shape ${formatShape(dx.shape)} for input '${x.name}' of shape ${formatShape(x.shape)}`);
  }
  return dx;
}

/** Stage 4, the outputs: one `grad:<wrt>` per wrt tensor; zeros for those no seed depends on. */
function gradientOutputs(b: Graph, wrt: readonly Tensor[], grads: ReadonlyMap<Tensor, Tensor>): { gradients: Record<string, string>; unreachable: string[] } {
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
  return { gradients, unreachable };
}
