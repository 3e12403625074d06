/** A forward graph and its backward graph compiled together, with the tape that carries saved values between the runs. */
import { type GradOptions, type GradResult, grad } from '../autodiff.js';
import type { FloatArray } from '../dtype.js';
import { EngineInputError } from '../errors.js';
import type { Graph } from '../graph.js';
import type { CompiledGraph, Engine, Feed, RunOptions, TensorValue } from './session.js';
import type { ParameterStore } from './params.js';
import { didYouMean } from '../../util/suggest.js';

/** What the forward run leaves for the backward run: the feeds and the saved activations. */
export interface Tape {
  readonly feeds: Readonly<Record<string, Feed>>;
  readonly params: ParameterStore | undefined;
  readonly saved: Readonly<Record<string, TensorValue>>;
  /** Dims of the forward outputs, so upstream gradients may be passed as bare arrays. */
  readonly outputDims: Readonly<Record<string, readonly number[]>>;
}

export interface ForwardResult {
  /** The forward graph's own outputs (saved activations are kept in the tape, not here). */
  readonly outputs: Record<string, TensorValue>;
  readonly tape: Tape;
}

/**
 * A forward graph and its gradient, compiled, with the bookkeeping between the two runs: call `forward`,
 * compute upstream gradients of its outputs in JS, then `backward` to get parameter gradients.
 * For no-grad scoring run the plain forward graph (`scoring`), which stores nothing.
 */
export class GradRunner {
  private constructor(
    readonly result: GradResult,
    readonly scoring: CompiledGraph,
    private readonly train: CompiledGraph,
    private readonly back: CompiledGraph,
    private readonly userOutputs: readonly string[],
  ) {}

  static async create(engine: Engine, forward: Graph, options: GradOptions): Promise<GradRunner> {
    const result = grad(forward, options);
    const scoring = await engine.compile(forward);
    // With nothing stored the training forward is the scoring graph itself.
    const train = result.saved.length === 0 ? scoring : await engine.compile(result.forward);
    const back = await engine.compile(result.backward);
    return new GradRunner(result, scoring, train, back, forward.outputs.map((o) => o.name));
  }

  /** Run the forward graph, keeping what the backward run needs. */
  async forward(feeds: Readonly<Record<string, Feed>>, opts: Pick<RunOptions, 'params'> = {}): Promise<ForwardResult> {
    const all = await this.train.run(feeds, opts);
    const outputs: Record<string, TensorValue> = {};
    for (const n of this.userOutputs) outputs[n] = all[n];
    const saved: Record<string, TensorValue> = {};
    for (const n of this.result.saved) saved[n] = all[n];
    const outputDims: Record<string, readonly number[]> = {};
    for (const [k, v] of Object.entries(outputs)) outputDims[k] = v.dims;
    return { outputs, tape: { feeds, params: opts.params, saved, outputDims } };
  }

  /**
   * Gradients of Σ upstream·output with respect to the `wrt` tensors, keyed by wrt name. Every output named
   * in GradOptions.outputs needs an upstream array of its shape.
   */
  async backward(tape: Tape, upstream: Readonly<Record<string, FloatArray | TensorValue>>): Promise<Record<string, FloatArray>> {
    const feeds: Record<string, Feed> = {};
    const needed = new Set(this.back.inputNames);
    for (const [k, v] of Object.entries(tape.feeds)) if (needed.has(k)) feeds[k] = v;
    for (const [k, v] of Object.entries(tape.saved)) feeds[k] = v;
    for (const [out, inName] of Object.entries(this.result.upstream)) {
      const u = upstream[out];
      if (u === undefined) throw new EngineInputError(`backward: no upstream gradient for output '${out}'`);
      feeds[inName] = ArrayBuffer.isView(u) ? { data: u, dims: tape.outputDims[out] } : u;
    }
    for (const k of Object.keys(upstream)) {
      if (!(k in this.result.upstream)) throw new EngineInputError(`backward: '${k}' is not a differentiated output.${didYouMean(k, Object.keys(this.result.upstream))}`);
    }
    const out = await this.back.run(feeds, { params: tape.params });
    const grads: Record<string, FloatArray> = {};
    for (const [w, name] of Object.entries(this.result.gradients)) grads[w] = out[name].data as FloatArray;
    return grads;
  }
}
