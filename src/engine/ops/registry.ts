/** The op registry: what the graph builder and autodiff know about each ONNX op (shape inference, gradient rule). */
import type { Attrs, TensorType } from '../attrs.js';
import type { Dim } from '../dims.js';
import type { Graph, Node, Tensor } from '../graph.js';

/**
 * Static facts the builder knows about an op's constant inputs (axes, slice bounds, target shapes). Shape
 * inference and gradient rules read these instead of decoding constant tensors.
 */
export interface OpMeta {
  readonly axes?: readonly number[];
  readonly starts?: readonly Dim[];
  readonly ends?: readonly Dim[];
  readonly steps?: readonly number[];
  readonly shape?: readonly Dim[];
  readonly sizes?: readonly Dim[];
}

/** What a gradient rule sees: the backward graph and forward values mapped into it. */
export interface GradContext {
  /** The graph the gradient is being built in. */
  readonly g: Graph;
  /** Forward input `i` of the node being differentiated, as a value of the backward graph. */
  input(i: number): Tensor;
  /** Forward output `j` of the node, as a value of the backward graph. */
  output(j: number): Tensor;
  /** Sum `dy` over the axes along which a tensor of `shape` was broadcast to dy's shape. */
  unbroadcast(dy: Tensor, shape: readonly Dim[]): Tensor;
  /** Whether input `i` needs a gradient (rules may skip work for the others). */
  needs(i: number): boolean;
}

/** Given the upstream gradients of a node's outputs (null where none flows), the gradients of its inputs. */
export type GradRule = (ctx: GradContext, node: Node, dys: ReadonlyArray<Tensor | null>) => ReadonlyArray<Tensor | null>;

export interface OpSpec {
  /** ONNX domain; '' (the default) for standard ops. */
  readonly domain?: string;
  /** Output types from input types; throws GraphBuildError with both shapes when they do not fit. */
  infer(inputs: ReadonlyArray<TensorType | null>, attrs: Attrs, meta: OpMeta): TensorType[];
  /** Vector–Jacobian product; absent for ops that are never differentiated (comparisons, shapes, indices). */
  readonly grad?: GradRule;
}

const specs = new Map<string, OpSpec>();

/** Add an op (or replace one) in the registry; models and users may register their own. */
export function registerOp(opType: string, spec: OpSpec): void {
  specs.set(opType, spec);
}

export function registerOps(table: Readonly<Record<string, OpSpec>>): void {
  for (const [k, v] of Object.entries(table)) registerOp(k, v);
}

export function getOpSpec(opType: string): OpSpec | undefined {
  return specs.get(opType);
}

export function registeredOps(): string[] {
  return [...specs.keys()].sort();
}

