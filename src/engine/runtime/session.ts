/** The Engine: compiles graphs into onnxruntime-node sessions (cached by graph hash) and runs them with checked feeds. */
import { createHash } from 'node:crypto';
import './ort-env.js';
import * as ort from 'onnxruntime-node';
import { type Dim, dimSymbols, evalDim, formatShape, isSymbolName } from '../dims.js';
import { type AnyTypedArray, type DType, dtypeOfArray } from '../dtype.js';
import { EngineInputError, EngineSetupError } from '../errors.js';
import type { Graph, Tensor } from '../graph.js';
import { maybeDumpGraph } from '../dump.js';
import { frozenParamLocation, serializeGraph } from '../onnx/serialize.js';
import type { ParameterStore } from './params.js';
import { didYouMean } from '../../util/suggest.js';
import { errorMessage } from '../../util/errors.js';

// ORT's own log lines (a red "[E:onnxruntime...]" when the CUDA provider is missing) would precede verl-ts's
// message about the same failure, which quotes ORT's text; failures reach the user as errors, not log lines.
// VERL_TS_ORT_LOG_LEVEL (verbose, info, warning, error, fatal) brings them back for debugging.
ort.env.logLevel = ortLogLevel(process.env.VERL_TS_ORT_LOG_LEVEL);

function ortLogLevel(value: string | undefined): NonNullable<typeof ort.env.logLevel> {
  const levels = ['verbose', 'info', 'warning', 'error', 'fatal'] as const;
  return levels.find((l) => l === value) ?? 'fatal';
}

/** A concrete tensor: data plus its dims. */
export interface TensorValue<A extends AnyTypedArray = AnyTypedArray> {
  readonly data: A;
  readonly dims: readonly number[];
}

/** A feed: a TensorValue, or a bare typed array for inputs whose shape is fully static. */
export type Feed = TensorValue | AnyTypedArray;

export type Device = 'cpu' | 'cuda';

export interface EngineOptions {
  /** 'cpu' (default) or 'cuda' (needs onnxruntime-node's CUDA 12 binaries, see docs/engine.md). */
  readonly device?: Device;
  /** ORT intra-op threads; left to ORT (one per core) when absent. */
  readonly intraOpNumThreads?: number;
  /** ORT graph optimisation level (default 'all'; QuickGelu fusion is always off so float64 SiLU loads). */
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Let ORT's intra-op threads spin-wait for work between parallel sections (ORT's own default). Default false:
   * on a machine shared with other processes, spinning threads burn the cores the other thread needs, and runs
   * took 2–3× longer (docs/engine.md, "Thread spinning").
   */
  readonly allowSpinning?: boolean;
}

export interface RunOptions {
  /** Parameters fed to the graph's `param` inputs (by name). */
  readonly params?: ParameterStore;
  /** Only fetch these outputs (default: all). */
  readonly outputs?: readonly string[];
}

const CUDA_HELP =
  "the CUDA execution provider is not installed. onnxruntime-node ships CPU binaries only; on linux x64 with CUDA 12 and cuDNN 9 run " +
  '`ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install` (npm 11 skips that install script by default), ' +
  "or use device 'cpu'";

/** One graph compiled into an ORT session, with feed checking and zero-copy parameter feeding. */
/**
 * Process-wide time spent inside ONNX Runtime runs and their count. Benchmarks read it to tell the time a job
 * spends around the engine (JS work, data handling) from the time the engine computes.
 */
export const engineRunStats = { seconds: 0, runs: 0 };

export class CompiledGraph {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  private readonly inputs: readonly Tensor[];

  constructor(
    readonly graph: Graph,
    private readonly session: ort.InferenceSession,
    readonly key: string,
    /** The graph's params are constants of the session (Engine.compileFrozen), not inputs. */
    readonly frozenParams = false,
  ) {
    this.inputs = graph.inputs.filter((t) => !(frozenParams && t.kind === 'param'));
    this.inputNames = this.inputs.map((t) => t.name);
    this.outputNames = graph.outputs.map((o) => o.name);
  }

  /**
   * Run once. Inputs are fed zero-copy; outputs come back as fresh arrays. After the run the promise resolves
   * on a later macrotask, so timers and I/O get a turn between back-to-back runs.
   */
  async run(feeds: Readonly<Record<string, Feed>>, opts: RunOptions = {}): Promise<Record<string, TensorValue>> {
    const fetches = opts.outputs ? [...opts.outputs] : undefined;
    if (fetches) for (const n of fetches) if (!this.outputNames.includes(n)) throw new EngineInputError(`graph '${this.graph.name}' has no output '${n}'.${didYouMean(n, this.outputNames)}`);
    const ortFeeds = this.prepareFeeds(feeds, opts.params);
    const started = performance.now();
    const result = fetches ? await this.session.run(ortFeeds, fetches) : await this.session.run(ortFeeds);
    engineRunStats.seconds += (performance.now() - started) / 1000;
    engineRunStats.runs++;
    const out: Record<string, TensorValue> = {};
    for (const [name, t] of Object.entries(result)) out[name] = { data: t.data as AnyTypedArray, dims: [...t.dims] };
    await yieldToEventLoop();
    return out;
  }

  private prepareFeeds(feeds: Readonly<Record<string, Feed>>, params?: ParameterStore): Record<string, ort.Tensor> {
    const known = new Set(this.inputNames);
    for (const name of Object.keys(feeds)) {
      if (!known.has(name)) throw new EngineInputError(`graph '${this.graph.name}' has no input '${name}'.${didYouMean(name, this.inputNames)}`);
    }
    const symbols = new Map<string, number>();
    const out: Record<string, ort.Tensor> = {};
    const missing: string[] = [];
    const checked: Array<[Tensor, Feed]> = [];
    for (const t of this.inputs) {
      let feed: Feed | undefined = feeds[t.name];
      if (feed === undefined && t.kind === 'param' && params?.has(t.name)) {
        const p = params.get(t.name);
        feed = { data: p.data, dims: p.shape };
      }
      if (feed === undefined) {
        missing.push(t.name);
        continue;
      }
      checked.push([t, feed]);
    }
    // Bare symbols first, so compound dims like 'P+T' can be checked whatever the input order.
    for (const [t, feed] of checked) {
      const dims = isTensorValue(feed) ? feed.dims : null;
      if (dims) t.shape.forEach((d, i) => typeof d === 'string' && isSymbolName(d) && dims.length === t.shape.length && bindDim(t, d, dims[i], i, symbols));
    }
    for (const [t, feed] of checked) out[t.name] = this.checkFeed(t, feed, symbols);
    if (missing.length) {
      const what = missing.length === 1 ? `input '${missing[0]}'` : `inputs ${missing.map((m) => `'${m}'`).join(', ')}`;
      throw new EngineInputError(`graph '${this.graph.name}': no value for ${what}${params ? '' : ' (parameters are taken from RunOptions.params)'}`);
    }
    return out;
  }

  private checkFeed(t: Tensor, feed: Feed, symbols: Map<string, number>): ort.Tensor {
    const value: TensorValue = isTensorValue(feed) ? feed : { data: feed, dims: staticDims(t) };
    const dtype = dtypeOfArray(value.data);
    if (dtype !== t.dtype) {
      throw new EngineInputError(`input '${t.name}' must be ${t.dtype} (${arrayNameOf(t.dtype)}), got ${dtype ? arrayNameOf(dtype) : describe(value.data)}`);
    }
    if (value.dims.length !== t.shape.length) {
      throw new EngineInputError(`input '${t.name}' must have rank ${t.shape.length} ${formatShape(t.shape)}, got dims [${value.dims.join(', ')}]`);
    }
    t.shape.forEach((d, i) => bindDim(t, d, value.dims[i], i, symbols));
    const size = value.dims.reduce((a, b) => a * b, 1);
    if (value.data.length !== size) {
      throw new EngineInputError(`input '${t.name}': dims [${value.dims.join(', ')}] need ${size} values, got ${value.data.length}`);
    }
    return new ort.Tensor(t.dtype, value.data, [...value.dims]);
  }

  /** Free the native session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

function bindDim(t: Tensor, d: Dim, actual: number, axis: number, symbols: Map<string, number>): void {
  if (typeof d === 'number') {
    if (d !== actual) throw new EngineInputError(`input '${t.name}' ${formatShape(t.shape)}: dimension ${axis} must be ${d}, got ${actual}`);
    return;
  }
  if (isSymbolName(d)) {
    const prev = symbols.get(d);
    if (prev === undefined) symbols.set(d, actual);
    else if (prev !== actual) throw new EngineInputError(`input '${t.name}' ${formatShape(t.shape)}: dimension ${axis} ('${d}') is ${actual}, but another input set ${d} = ${prev}`);
    return;
  }
  // A compound dim ('P+T') is checked when all its symbols are declared by other inputs.
  if (!dimSymbols(d).every((s) => symbols.has(s))) return;
  const expected = evalDim(d, symbols);
  if (expected !== actual) throw new EngineInputError(`input '${t.name}' ${formatShape(t.shape)}: dimension ${axis} (${d}) should be ${expected}, got ${actual}`);
}

function isTensorValue(f: Feed): f is TensorValue {
  return !ArrayBuffer.isView(f);
}

function staticDims(t: Tensor): number[] {
  if (t.shape.some((d) => typeof d !== 'number')) {
    throw new EngineInputError(`input '${t.name}' has symbolic dims ${formatShape(t.shape)}: feed it as { data, dims }`);
  }
  return t.shape as number[];
}

function arrayNameOf(d: DType): string {
  return { float32: 'Float32Array', float64: 'Float64Array', int64: 'BigInt64Array', bool: 'Uint8Array' }[d];
}

function describe(x: unknown): string {
  return x === null || x === undefined ? String(x) : ((x as object).constructor?.name ?? typeof x);
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Builds and caches ORT sessions. The cache key is a hash of the serialised model plus the session options,
 * so rebuilding an identical graph reuses its session.
 */
export class Engine {
  readonly device: Device;
  private readonly options: EngineOptions;
  private readonly cache = new Map<string, Promise<CompiledGraph>>();

  constructor(options: EngineOptions = {}) {
    this.device = options.device ?? 'cpu';
    if (this.device !== 'cpu' && this.device !== 'cuda') throw new EngineSetupError(`unknown device '${String(this.device)}': use 'cpu' or 'cuda'`);
    if (options.intraOpNumThreads !== undefined && !(Number.isInteger(options.intraOpNumThreads) && options.intraOpNumThreads >= 0)) {
      throw new EngineSetupError(`intraOpNumThreads must be a non-negative integer, got ${options.intraOpNumThreads}`);
    }
    if (options.allowSpinning !== undefined && typeof options.allowSpinning !== 'boolean') {
      throw new EngineSetupError(`allowSpinning must be true or false, got ${String(options.allowSpinning)}`);
    }
    this.options = options;
  }

  /** The session for a graph, created on first use. */
  compile(graph: Graph): Promise<CompiledGraph> {
    const bytes = serializeGraph(graph);
    const key = createHash('sha256')
      .update(bytes)
      .update(JSON.stringify([this.device, this.options.intraOpNumThreads ?? null, this.options.graphOptimizationLevel ?? 'all', this.options.allowSpinning ?? false]))
      .digest('hex');
    let entry = this.cache.get(key);
    if (!entry) {
      maybeDumpGraph(graph, bytes, key);
      entry = this.createSession(graph, bytes, key);
      this.cache.set(key, entry);
      entry.catch(() => this.cache.delete(key));
    }
    return entry;
  }

  /**
   * Compile `graph` with its params frozen into the session: the current values of `params` become constants
   * (ONNX initializers handed to ORT as in-memory external data), so ORT prepacks weight matrices once instead of
   * on every run — what makes small-batch decoding fast. The session is a snapshot: later changes to `params`
   * do not reach it. Not cached; the caller releases it (CompiledGraph.release) when it is out of date.
   */
  async compileFrozen(graph: Graph, params: ParameterStore): Promise<CompiledGraph> {
    const bytes = serializeGraph(graph, { externalParams: true });
    const externalData: Array<{ path: string; data: Uint8Array }> = [];
    for (const t of graph.inputs) {
      if (t.kind !== 'param') continue;
      const p = params.get(t.name);
      const dtype = p.data instanceof Float64Array ? 'float64' : 'float32';
      if (dtype !== t.dtype || p.shape.join() !== t.shape.join()) {
        throw new EngineInputError(`compileFrozen: parameter '${t.name}' is ${dtype} [${p.shape.join(', ')}], the graph declares ${t.dtype} ${formatShape(t.shape)}`);
      }
      externalData.push({ path: frozenParamLocation(t.name), data: new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength) });
    }
    const key = createHash('sha256').update(bytes).digest('hex');
    maybeDumpGraph(graph, bytes, key);
    return this.createSession(graph, bytes, key, externalData);
  }

  /** Compile (cached) and run once. */
  async run(graph: Graph, feeds: Readonly<Record<string, Feed>>, opts: RunOptions = {}): Promise<Record<string, TensorValue>> {
    return (await this.compile(graph)).run(feeds, opts);
  }

  get cachedSessions(): number {
    return this.cache.size;
  }

  /** Release every cached session. */
  async dispose(): Promise<void> {
    const all = [...this.cache.values()];
    this.cache.clear();
    for (const p of all) {
      try {
        await (await p).release();
      } catch {
        // A session that failed to build has nothing to release.
      }
    }
  }

  private async createSession(graph: Graph, bytes: Uint8Array, key: string, externalData?: Array<{ path: string; data: Uint8Array }>): Promise<CompiledGraph> {
    const opts: ort.InferenceSession.SessionOptions = {
      ...(externalData ? { externalData } : {}),
      executionProviders: [this.device === 'cuda' ? 'cuda' : 'cpu'],
      graphOptimizationLevel: this.options.graphOptimizationLevel ?? 'all',
      // Fusing x·sigmoid(x) into com.microsoft.QuickGelu breaks float64 graphs (float-only kernel).
      extra: {
        optimization: { disable_specified_optimizers: 'QuickGeluFusion' },
        session: { intra_op: { allow_spinning: this.options.allowSpinning === true ? '1' : '0' } },
      },
    };
    if (this.options.intraOpNumThreads !== undefined) opts.intraOpNumThreads = this.options.intraOpNumThreads;
    try {
      const session = await ort.InferenceSession.create(bytes, opts);
      return new CompiledGraph(graph, session, key, externalData !== undefined);
    } catch (e) {
      const msg = errorMessage(e);
      if (this.device === 'cuda' && /cuda|providers_shared|shared library/i.test(msg)) throw new EngineSetupError(`device 'cuda': ${CUDA_HELP}. (ORT said: ${msg})`, { cause: e });
      throw new EngineSetupError(`graph '${graph.name}' could not be loaded by onnxruntime: ${msg}`, { cause: e });
    }
  }
}
