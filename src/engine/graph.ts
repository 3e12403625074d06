/** The typed graph builder: symbolic tensors, nodes with inferred shapes, inputs, params, constants and outputs. */
import { attr, type Attrs, type ConstData, type TensorType } from './attrs.js';
import { type Dim, dimAdd, dimDiv, dimEq, dimMul, dimTerms, formatShape, isSymbolName, normDim } from './dims.js';
import { type DType, isFloat } from './dtype.js';
import { GraphBuildError } from './errors.js';
import { getOpSpec, type OpMeta } from './ops/index.js';
import { didYouMean } from '../util/suggest.js';

export type TensorKind = 'input' | 'param' | 'const' | 'value';

/** A symbolic tensor: a value of one graph, with a dtype and a (possibly symbolic) shape. */
export class Tensor implements TensorType {
  constructor(
    readonly graph: Graph,
    private valueName: string,
    readonly dtype: DType,
    readonly shape: readonly Dim[],
    readonly kind: TensorKind,
    readonly producer: Node | null = null,
    readonly constData: ConstData | null = null,
  ) {}

  /** The ONNX value name (a node output is renamed when it becomes a named graph output). */
  get name(): string {
    return this.valueName;
  }

  /** @internal Used by Graph.output only (naming an output renames its value instead of copying it). */
  renameTo(name: string): void {
    this.valueName = name;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Dimension `axis` (negative counts from the end). */
  dim(axis: number): Dim {
    return this.shape[axis < 0 ? this.shape.length + axis : axis];
  }

  toString(): string {
    return `${this.name}: ${this.dtype}${formatShape(this.shape)}`;
  }
}

export interface Node {
  readonly id: number;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: ReadonlyArray<Tensor | null>;
  readonly outputs: readonly Tensor[];
  readonly attrs: Attrs;
  readonly meta: OpMeta;
  readonly name: string;
}

export interface GraphOutput {
  readonly name: string;
  readonly tensor: Tensor;
}

/** Default ONNX opset; ORT 1.30 accepts up to 26. 23 brings RMSNormalization and Attention. */
export const DEFAULT_OPSET = 23;

type Operand = Tensor | number;

/**
 * Records ONNX nodes as typed ops are called on its tensors, inferring every output's dtype and shape so
 * mistakes surface at build time with both shapes in the message.
 *
 * Graph inputs come in two kinds: `input` (data fed per run) and `param` (weights the engine owns and feeds
 * zero-copy). Constants become initializers. Symbolic dims ('B', 'T') are bound by the inputs that declare them.
 */
export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly outputs: GraphOutput[] = [];
  readonly constants: Tensor[] = [];
  /** Called when a symbol is needed at run time but no input of this graph declares it (used by autodiff). */
  resolveSymbol: ((symbol: string) => { tensor: Tensor; axis: number } | undefined) | undefined;
  private readonly names = new Set<string>();
  private readonly symbolSources = new Map<string, { tensor: Tensor; axis: number }>();
  private readonly memo = new Map<string, Tensor>();
  private scopePrefix = '';
  private nextId = 0;

  /**
   * @param name graph name (shown in dumps and errors)
   * @param opset ONNX opset of the default domain
   * @param valuePrefix prefix of generated value names (the backward graph uses 'bw.' so its own values never
   *   collide with forward values imported under their forward names)
   */
  constructor(
    readonly name = 'graph',
    readonly opset = DEFAULT_OPSET,
    private readonly valuePrefix = '',
  ) {}

  // ---- values -------------------------------------------------------------------------------------------

  /** A per-run data input, e.g. `g.input('input_ids', 'int64', ['B', 'T'])`. */
  input(name: string, dtype: DType, shape: readonly Dim[]): Tensor {
    return this.addGraphInput(name, dtype, shape, 'input');
  }

  /** A named parameter (weight), fed from engine-owned arrays on every run. */
  param(name: string, dtype: DType, shape: readonly Dim[]): Tensor {
    for (const d of shape) {
      if (typeof d !== 'number') throw new GraphBuildError(`param '${name}': parameters need static dims, got ${formatShape(shape)}`);
    }
    return this.addGraphInput(name, dtype, shape, 'param');
  }

  private addGraphInput(name: string, dtype: DType, shape: readonly Dim[], kind: 'input' | 'param'): Tensor {
    this.claimName(name);
    const dims = shape.map((d) => normDim(d));
    const t = new Tensor(this, name, dtype, dims, kind);
    this.inputs.push(t);
    dims.forEach((d, axis) => {
      if (typeof d === 'string' && isSymbolName(d) && !this.symbolSources.has(d)) this.symbolSources.set(d, { tensor: t, axis });
    });
    return t;
  }

  /** A constant (ONNX initializer). Identical small constants are shared. */
  constant(data: ConstData, name?: string): Tensor {
    const small = data.values.length <= 16;
    const key = small && name === undefined ? `const:${data.dtype}:${data.dims.join('x')}:${Array.from(data.values as ArrayLike<number | bigint>).join(',')}` : '';
    if (key) {
      const hit = this.memo.get(key);
      if (hit) return hit;
    }
    const n = name ?? this.freshName('const');
    this.claimName(n);
    const t = new Tensor(this, n, data.dtype, data.dims, 'const', null, data);
    this.constants.push(t);
    if (key) this.memo.set(key, t);
    return t;
  }

  /** A scalar (shape []) constant of a dtype. */
  scalar(value: number, dtype: DType): Tensor {
    return this.constant(constValues(dtype, [value], []));
  }

  /** A 1-D int64 constant (axes, shapes, slice bounds). */
  ints(values: readonly number[]): Tensor {
    return this.constant(constValues('int64', values, [values.length]));
  }

  /** Name a value as a graph output. */
  output(name: string, t: Tensor): Tensor {
    this.checkOwn(t, 'output');
    if (this.outputs.some((o) => o.name === name)) throw new GraphBuildError(`output '${name}' is declared twice`);
    let out = t;
    if (t.name !== name) {
      if (t.kind === 'value' && !this.outputs.some((o) => o.tensor === t)) {
        // Rename the producing node's output rather than copying it through an Identity.
        this.claimName(name);
        this.names.delete(t.name);
        t.renameTo(name);
      } else {
        out = this.apply('Identity', [t], {}, {}, name)[0];
      }
    }
    this.outputs.push({ name, tensor: out });
    return out;
  }

  /**
   * A graph with the same nodes, inputs and constants and these extra outputs (under their value names),
   * e.g. the forward graph of a training step that also returns activations saved for the backward graph.
   */
  withExtraOutputs(name: string, extra: readonly Tensor[]): Graph {
    const g = new Graph(name, this.opset, this.valuePrefix);
    g.nodes.push(...this.nodes);
    g.inputs.push(...this.inputs);
    g.constants.push(...this.constants);
    g.outputs.push(...this.outputs);
    for (const t of extra) {
      this.checkOwn(t, 'withExtraOutputs');
      if (!g.outputs.some((o) => o.tensor === t)) g.outputs.push({ name: t.name, tensor: t });
    }
    return g;
  }

  getOutput(name: string): Tensor {
    const o = this.outputs.find((x) => x.name === name);
    if (!o) throw new GraphBuildError(`graph '${this.name}' has no output '${name}'.${didYouMean(name, this.outputs.map((x) => x.name))}`);
    return o.tensor;
  }

  getInput(name: string): Tensor {
    const t = this.inputs.find((x) => x.name === name);
    if (!t) throw new GraphBuildError(`graph '${this.name}' has no input '${name}'.${didYouMean(name, this.inputs.map((x) => x.name))}`);
    return t;
  }

  hasName(name: string): boolean {
    return this.names.has(name);
  }

  /** Run `fn` with value names prefixed by `prefix/` (readable dumps: 'layers.0.attn/MatMul_12'). */
  withScope<T>(prefix: string, fn: () => T): T {
    const saved = this.scopePrefix;
    this.scopePrefix = `${saved}${prefix}/`;
    try {
      return fn();
    } finally {
      this.scopePrefix = saved;
    }
  }

  // ---- generic op recording -----------------------------------------------------------------------------

  /**
   * Record one node of a registered op and return its outputs. `outName` names the first output (used for
   * graph outputs); other names are generated.
   */
  apply(opType: string, inputs: ReadonlyArray<Tensor | null>, attrs: Attrs = {}, meta: OpMeta = {}, outName?: string): Tensor[] {
    const spec = getOpSpec(opType);
    if (!spec) throw new GraphBuildError(`unknown op '${opType}': register it with registerOp() first`);
    for (const t of inputs) if (t) this.checkOwn(t, opType);
    let types: TensorType[];
    try {
      types = spec.infer(inputs, attrs, meta);
    } catch (e) {
      if (e instanceof GraphBuildError) {
        const where = inputs.map((t) => (t ? `${t.name}: ${t.dtype}${formatShape(t.shape)}` : '-')).join(', ');
        throw new GraphBuildError(`${opType}: ${e.message} (inputs: ${where})`);
      }
      throw e;
    }
    const id = this.nextId++;
    const nodeName = `${this.valuePrefix}${this.scopePrefix}${opType}_${id}`;
    const outputs: Tensor[] = [];
    const node: Node = { id, opType, domain: spec.domain ?? '', inputs: [...inputs], outputs, attrs, meta, name: nodeName };
    types.forEach((ty, k) => {
      const n = k === 0 && outName !== undefined ? outName : types.length === 1 ? nodeName : `${nodeName}:${k}`;
      this.claimName(n);
      outputs.push(new Tensor(this, n, ty.dtype, ty.shape.map((d) => normDim(d)), 'value', node));
    });
    this.nodes.push(node);
    return outputs;
  }

  private apply1(opType: string, inputs: ReadonlyArray<Tensor | null>, attrs: Attrs = {}, meta: OpMeta = {}): Tensor {
    return this.apply(opType, inputs, attrs, meta)[0];
  }

  private claimName(name: string): void {
    if (this.names.has(name)) throw new GraphBuildError(`graph '${this.name}' already has a value named '${name}'`);
    this.names.add(name);
  }

  private freshName(base: string): string {
    const stem = `${this.valuePrefix}${this.scopePrefix}${base}`;
    let n = `${stem}_${this.nextId++}`;
    while (this.names.has(n)) n = `${stem}_${this.nextId++}`;
    return n;
  }

  private checkOwn(t: Tensor, what: string): void {
    if (t.graph !== this) throw new GraphBuildError(`${what}: tensor '${t.name}' belongs to graph '${t.graph.name}', not '${this.name}'`);
  }

  private lift(x: Operand, like: Tensor): Tensor {
    return typeof x === 'number' ? this.scalar(x, like.dtype) : x;
  }

  // ---- runtime shapes -----------------------------------------------------------------------------------

  /** The value of a (possibly symbolic) dimension as an int64 tensor of shape [1]. */
  dimValue(d: Dim): Tensor {
    const nd = normDim(d);
    if (typeof nd === 'number') return this.ints([nd]);
    const key = `dim:${nd}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    let total: Tensor | null = null;
    for (const [coef, syms] of dimTerms(nd)) {
      let term: Tensor | null = null;
      for (const s of syms) {
        const v = this.symbolValue(s);
        term = term ? this.mul(term, v) : v;
      }
      if (!term) term = this.ints([coef]);
      else if (coef !== 1) term = this.mul(term, this.ints([coef]));
      total = total ? this.add(total, term) : term;
    }
    const out = total as Tensor;
    this.memo.set(key, out);
    return out;
  }

  private symbolValue(s: string): Tensor {
    const key = `sym:${s}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    const src = this.symbolSources.get(s) ?? this.resolveSymbol?.(s);
    if (!src) {
      throw new GraphBuildError(`graph '${this.name}': symbolic dimension '${s}' is not declared by any input, so its value is unknown at run time`);
    }
    const v = this.apply1('Shape', [src.tensor], { start: attr.int(src.axis), end: attr.int(src.axis + 1) });
    this.memo.set(key, v);
    return v;
  }

  /** A 1-D int64 tensor holding `dims`; a constant when every dim is static. */
  shapeTensor(dims: readonly Dim[]): Tensor {
    if (dims.every((d) => typeof d === 'number')) return this.ints(dims as number[]);
    const key = `shape:${dims.map((d) => normDim(d)).join(',')}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    // Runs of static dims become one constant; symbolic dims are computed.
    const parts: Tensor[] = [];
    let run: number[] = [];
    for (const d of dims) {
      const nd = normDim(d);
      if (typeof nd === 'number') run.push(nd);
      else {
        if (run.length) parts.push(this.ints(run));
        run = [];
        parts.push(this.dimValue(nd));
      }
    }
    if (run.length) parts.push(this.ints(run));
    const out = parts.length === 1 ? parts[0] : this.apply1('Concat', parts, { axis: attr.int(0) }, {});
    this.memo.set(key, out);
    return out;
  }

  /** Zeros of a dtype and shape. */
  zeros(dtype: DType, dims: readonly Dim[]): Tensor {
    return this.fill(0, dtype, dims);
  }

  fill(value: number, dtype: DType, dims: readonly Dim[]): Tensor {
    return this.apply1('ConstantOfShape', [this.shapeTensor(dims)], { value: attr.tensor(constValues(dtype, [value], [1])) }, { shape: dims });
  }

  /** 0, 1, …, n−1 shifted by `offset` (int64, shape [n]); n and offset may be symbolic. */
  arange(n: Dim, offset: Dim = 0): Tensor {
    const start = this.toScalar(this.dimValue(offset));
    const limit = this.toScalar(this.dimValue(dimAdd(offset, n)));
    return this.apply1('Range', [start, limit, this.scalar(1, 'int64')], {}, { shape: [n] });
  }

  private toScalar(t: Tensor): Tensor {
    return this.reshape(t, []);
  }

  // ---- elementwise ----------------------------------------------------------------------------------------

  add(a: Tensor, b: Operand): Tensor {
    return this.apply1('Add', [a, this.lift(b, a)]);
  }
  sub(a: Tensor, b: Operand): Tensor {
    return this.apply1('Sub', [a, this.lift(b, a)]);
  }
  /** b − a for a number b (e.g. 1 − x). */
  rsub(b: number, a: Tensor): Tensor {
    return this.apply1('Sub', [this.lift(b, a), a]);
  }
  mul(a: Tensor, b: Operand): Tensor {
    return this.apply1('Mul', [a, this.lift(b, a)]);
  }
  div(a: Tensor, b: Operand): Tensor {
    return this.apply1('Div', [a, this.lift(b, a)]);
  }
  pow(a: Tensor, b: Operand): Tensor {
    return this.apply1('Pow', [a, this.lift(b, a)]);
  }
  neg(x: Tensor): Tensor {
    return this.apply1('Neg', [x]);
  }
  exp(x: Tensor): Tensor {
    return this.apply1('Exp', [x]);
  }
  log(x: Tensor): Tensor {
    return this.apply1('Log', [x]);
  }
  sqrt(x: Tensor): Tensor {
    return this.apply1('Sqrt', [x]);
  }
  reciprocal(x: Tensor): Tensor {
    return this.apply1('Reciprocal', [x]);
  }
  tanh(x: Tensor): Tensor {
    return this.apply1('Tanh', [x]);
  }
  sigmoid(x: Tensor): Tensor {
    return this.apply1('Sigmoid', [x]);
  }
  sin(x: Tensor): Tensor {
    return this.apply1('Sin', [x]);
  }
  cos(x: Tensor): Tensor {
    return this.apply1('Cos', [x]);
  }
  abs(x: Tensor): Tensor {
    return this.apply1('Abs', [x]);
  }
  relu(x: Tensor): Tensor {
    return this.apply1('Relu', [x]);
  }
  identity(x: Tensor): Tensor {
    return this.apply1('Identity', [x]);
  }
  /** x · sigmoid(x) (SiLU / Swish), as Llama's MLP uses it. */
  silu(x: Tensor): Tensor {
    return this.mul(x, this.sigmoid(x));
  }
  max(a: Tensor, b: Operand): Tensor {
    return this.apply1('Max', [a, this.lift(b, a)]);
  }
  min(a: Tensor, b: Operand): Tensor {
    return this.apply1('Min', [a, this.lift(b, a)]);
  }
  clip(x: Tensor, min?: number, max?: number): Tensor {
    return this.apply1('Clip', [x, min === undefined ? null : this.scalar(min, x.dtype), max === undefined ? null : this.scalar(max, x.dtype)]);
  }
  cast(x: Tensor, to: DType): Tensor {
    if (x.dtype === to) return x;
    return this.apply1('Cast', [x], { to: attr.int(onnxCode(to)) });
  }
  where(cond: Tensor, a: Operand, b: Operand): Tensor {
    const like = typeof a !== 'number' ? a : typeof b !== 'number' ? b : undefined;
    if (!like) throw new GraphBuildError('Where: at least one of the two branches must be a tensor');
    return this.apply1('Where', [cond, this.lift(a, like), this.lift(b, like)]);
  }
  equal(a: Tensor, b: Operand): Tensor {
    return this.apply1('Equal', [a, this.lift(b, a)]);
  }
  less(a: Tensor, b: Operand): Tensor {
    return this.apply1('Less', [a, this.lift(b, a)]);
  }
  lessOrEqual(a: Tensor, b: Operand): Tensor {
    return this.apply1('LessOrEqual', [a, this.lift(b, a)]);
  }
  greater(a: Tensor, b: Operand): Tensor {
    return this.apply1('Greater', [a, this.lift(b, a)]);
  }
  greaterOrEqual(a: Tensor, b: Operand): Tensor {
    return this.apply1('GreaterOrEqual', [a, this.lift(b, a)]);
  }
  and(a: Tensor, b: Tensor): Tensor {
    return this.apply1('And', [a, b]);
  }
  or(a: Tensor, b: Tensor): Tensor {
    return this.apply1('Or', [a, b]);
  }
  not(a: Tensor): Tensor {
    return this.apply1('Not', [a]);
  }

  // ---- linear algebra -------------------------------------------------------------------------------------

  /** Batched matrix product with numpy broadcasting of the batch dims (both operands rank ≥ 2). */
  matmul(a: Tensor, b: Tensor): Tensor {
    return this.apply1('MatMul', [a, b]);
  }

  /** alpha·op(a)·op(b) + beta·c for 2-D a and b (op = transpose when the flag is set). */
  gemm(a: Tensor, b: Tensor, c: Tensor | null = null, opts: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {}): Tensor {
    const attrs: Record<string, ReturnType<typeof attr.int>> = {};
    if (opts.transA) attrs.transA = attr.int(1);
    if (opts.transB) attrs.transB = attr.int(1);
    if (opts.alpha !== undefined && opts.alpha !== 1) attrs.alpha = attr.float(opts.alpha);
    if (opts.beta !== undefined && opts.beta !== 1) attrs.beta = attr.float(opts.beta);
    return this.apply1('Gemm', c ? [a, b, c] : [a, b], attrs);
  }

  // ---- normalisation and reductions -----------------------------------------------------------------------

  softmax(x: Tensor, axis = -1): Tensor {
    return this.apply1('Softmax', [x], { axis: attr.int(axis) });
  }
  logSoftmax(x: Tensor, axis = -1): Tensor {
    return this.apply1('LogSoftmax', [x], { axis: attr.int(axis) });
  }
  reduceSum(x: Tensor, axes: readonly number[], keepdims = true): Tensor {
    return this.reduce('ReduceSum', x, axes, keepdims);
  }
  reduceMean(x: Tensor, axes: readonly number[], keepdims = true): Tensor {
    return this.reduce('ReduceMean', x, axes, keepdims);
  }
  reduceMax(x: Tensor, axes: readonly number[], keepdims = true): Tensor {
    return this.reduce('ReduceMax', x, axes, keepdims);
  }
  reduceLogSumExp(x: Tensor, axes: readonly number[], keepdims = true): Tensor {
    return this.reduce('ReduceLogSumExp', x, axes, keepdims);
  }
  private reduce(op: string, x: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
    const norm = normAxes(axes, x.rank, op);
    return this.apply1(op, [x, this.ints(norm)], { keepdims: attr.int(keepdims ? 1 : 0) }, { axes: norm });
  }
  cumsum(x: Tensor, axis: number): Tensor {
    return this.apply1('CumSum', [x, this.scalar(axis, 'int64')], {}, { axes: normAxes([axis], x.rank, 'CumSum') });
  }

  // ---- indexing -------------------------------------------------------------------------------------------

  /** Rows of `data` picked by `indices` along `axis` (embedding lookup with axis 0). */
  gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
    return this.apply1('Gather', [data, indices], { axis: attr.int(axis) });
  }
  gatherElements(data: Tensor, indices: Tensor, axis: number): Tensor {
    return this.apply1('GatherElements', [data, indices], { axis: attr.int(axis) });
  }
  scatterElements(data: Tensor, indices: Tensor, updates: Tensor, axis: number, reduction: 'none' | 'add' = 'none'): Tensor {
    return this.apply1('ScatterElements', [data, indices, updates], { axis: attr.int(axis), reduction: attr.string(reduction) });
  }
  scatterND(data: Tensor, indices: Tensor, updates: Tensor, reduction: 'none' | 'add' = 'none'): Tensor {
    return this.apply1('ScatterND', [data, indices, updates], { reduction: attr.string(reduction) });
  }

  // ---- shape ----------------------------------------------------------------------------------------------

  /**
   * Reshape to `dims` (numbers, symbols or polynomials like 'B*T'; one -1 is inferred). The shape tensor holds
   * every dim's actual value, so it is written with allowzero=1: a dim that is 0 at run time (an empty KV cache)
   * means 0, not ONNX's default "copy this dim from the input".
   */
  reshape(x: Tensor, dims: readonly Dim[]): Tensor {
    const resolved = inferReshape(x.shape, dims);
    if (resolved.length === x.rank && resolved.every((d, i) => dimEq(d, x.shape[i]))) return x;
    return this.apply1('Reshape', [x, this.shapeTensor(resolved)], { allowzero: attr.int(1) }, { shape: resolved });
  }
  transpose(x: Tensor, perm: readonly number[]): Tensor {
    return this.apply1('Transpose', [x], { perm: attr.ints(perm) });
  }
  unsqueeze(x: Tensor, axes: readonly number[]): Tensor {
    const rank = x.rank + axes.length;
    const norm = normAxes(axes, rank, 'Unsqueeze');
    return this.apply1('Unsqueeze', [x, this.ints(norm)], {}, { axes: norm });
  }
  squeeze(x: Tensor, axes: readonly number[]): Tensor {
    const norm = normAxes(axes, x.rank, 'Squeeze');
    return this.apply1('Squeeze', [x, this.ints(norm)], {}, { axes: norm });
  }
  concat(xs: readonly Tensor[], axis: number): Tensor {
    if (xs.length === 0) throw new GraphBuildError('Concat: needs at least one tensor');
    if (xs.length === 1) return xs[0];
    return this.apply1('Concat', xs, { axis: attr.int(axis < 0 ? xs[0].rank + axis : axis) });
  }
  /**
   * x[starts:ends:steps] along `axes`. Bounds may be symbolic; negative numbers count from the end and
   * `Infinity` means "to the end".
   */
  slice(x: Tensor, starts: readonly Dim[], ends: readonly Dim[], axes?: readonly number[], steps?: readonly number[]): Tensor {
    const ax = normAxes(axes ?? starts.map((_, i) => i), x.rank, 'Slice');
    const st = steps ?? ax.map(() => 1);
    if (st.some((v) => !Number.isInteger(v) || v < 1)) throw new GraphBuildError(`Slice: steps must be positive integers, got [${st.join(', ')}]`);
    if (starts.length !== ax.length || ends.length !== ax.length) throw new GraphBuildError(`Slice: ${starts.length} starts and ${ends.length} ends for ${ax.length} axes`);
    const nStarts = starts.map((s, i) => normBound(s, x.shape[ax[i]]));
    const nEnds = ends.map((e, i) => normBound(e, x.shape[ax[i]]));
    return this.apply1(
      'Slice',
      [x, this.shapeTensor(nStarts), this.shapeTensor(nEnds), this.ints(ax), this.ints(st)],
      {},
      { axes: ax, starts: nStarts, ends: nEnds, steps: st },
    );
  }
  /** Split along `axis` into pieces of the given sizes (symbolic sizes allowed). */
  split(x: Tensor, sizes: readonly Dim[], axis: number): Tensor[] {
    const a = normAxes([axis], x.rank, 'Split');
    return this.apply('Split', [x, this.shapeTensor(sizes)], { axis: attr.int(a[0]) }, { axes: a, sizes });
  }
  /** Broadcast x to `dims` (numpy rules). */
  expand(x: Tensor, dims: readonly Dim[]): Tensor {
    return this.apply1('Expand', [x, this.shapeTensor(dims)], {}, { shape: dims });
  }
  /** Zero-pad x: `before[i]`/`after[i]` elements on axis i (symbolic allowed). */
  pad(x: Tensor, before: readonly Dim[], after: readonly Dim[]): Tensor {
    return this.apply1('Pad', [x, this.shapeTensor([...before, ...after])], {}, { starts: before, ends: after });
  }
}

function normAxes(axes: readonly number[], rank: number, op: string): number[] {
  return axes.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) throw new GraphBuildError(`${op}: axis ${a} is out of range for rank ${rank}`);
    return a < 0 ? a + rank : a;
  });
}

/** A slice bound made non-negative against its dim; Infinity/-Infinity become the end/start. */
function normBound(b: Dim, dim: Dim): Dim {
  if (typeof b === 'number') {
    if (b === Infinity) return dim;
    if (b === -Infinity) return 0;
    if (b < 0) return typeof dim === 'number' ? Math.max(0, dim + b) : dimAdd(dim, b);
    if (typeof dim === 'number') return Math.min(b, dim);
    return b;
  }
  return normDim(b);
}

/** Target dims of a reshape with one optional -1 resolved from the element count. */
export function inferReshape(from: readonly Dim[], dims: readonly Dim[]): Dim[] {
  const minus = dims.filter((d) => d === -1).length;
  if (minus > 1) throw new GraphBuildError(`Reshape: at most one -1 allowed, got ${formatShape(dims)}`);
  const total = productOf(from);
  const known = productOf(dims.filter((d) => d !== -1));
  if (minus === 0) {
    if (!dimEq(total, known)) {
      throw new GraphBuildError(`Reshape: cannot reshape ${formatShape(from)} (${total} elements) to ${formatShape(dims)} (${known} elements)`);
    }
    return dims.map((d) => normDim(d));
  }
  // Cancel identical factors first so polynomial dims like 'P+T' need no polynomial division.
  const num = from.map((d) => normDim(d));
  const den: Dim[] = [];
  for (const d of dims) {
    if (d === -1) continue;
    const i = num.findIndex((x) => dimEq(x, d));
    if (i >= 0) num.splice(i, 1);
    else den.push(d);
  }
  const rest = dimDiv(productOf(num), productOf(den));
  if (rest === undefined) throw new GraphBuildError(`Reshape: cannot infer -1 reshaping ${formatShape(from)} to ${formatShape(dims)}`);
  return dims.map((d) => (d === -1 ? rest : normDim(d)));
}

function productOf(dims: readonly Dim[]): Dim {
  let p: Dim = 1;
  for (const d of dims) p = dimMul(p, d);
  return p;
}


export function onnxCode(dtype: DType): number {
  return dtype === 'float32' ? 1 : dtype === 'float64' ? 11 : dtype === 'int64' ? 7 : 9;
}

/** Constant data from plain numbers. */
export function constValues(dtype: DType, values: ArrayLike<number>, dims: readonly number[]): ConstData {
  const n = dims.reduce((a, b) => a * b, 1);
  if (values.length !== n) throw new GraphBuildError(`constant: ${values.length} values do not fill shape ${formatShape(dims)}`);
  let arr: ConstData['values'];
  if (dtype === 'float32') arr = Float32Array.from(values);
  else if (dtype === 'float64') arr = Float64Array.from(values);
  else if (dtype === 'int64') arr = BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
  else arr = Uint8Array.from(values);
  return { dtype, dims: [...dims], values: arr };
}

export function isDifferentiable(t: Tensor): boolean {
  return isFloat(t.dtype);
}
