/**
 * What the policy (CausalLM) and the critic (ValueModel) share: a ModelSpec, engine-owned parameters named like
 * the HF checkpoint tensors, an Engine, the compiled graphs (built once per variant and kept), the
 * forward-with-tape / backward plumbing, and saving back to a Hugging Face directory.
 */
import {
  type CompiledGraph,
  Engine,
  type Feed,
  type FloatArray,
  type Graph,
  GradRunner,
  ParameterStore,
  type SavePolicy,
  type Tape,
  type Tensor,
  type TensorValue,
} from '../../engine/index.js';
import { Batch } from '../../data/batch.js';
import { Tensor as DataTensor } from '../../data/tensor.js';
import { InputError } from '../../util/errors.js';
import type { ModelSpec } from '../hf/config.js';
import type { GenerationConfig } from '../hf/generation-config.js';
import { EMBED_TOKENS, expectedTensors, type ModelHead } from '../hf/tensors.js';
import type { WeightStore } from '../hf/weights.js';
import { saveModelDir, type SaveDtype, type SavedModel } from '../checkpoint/save.js';
import type { SavableTokenizer } from '../tokenizer/types.js';
import { type ComputeDtype, layerInputsOf, paddingIdx } from './decoder.js';
import { IO } from './graphs.js';
import { type SequenceBatch, checkSequenceBatch, sequenceBatchFromBatch, sequenceFeeds } from './sequence-batch.js';

export interface ModelRuntimeOptions {
  /** Engine that compiles and runs the graphs (share one between models); default: a new CPU engine. */
  engine?: Engine;
  /** Parameter and activation dtype (default float32; float64 for gradient checks). */
  dtype?: ComputeDtype;
  /**
   * Store-or-recompute policy of the training graphs (default 'matmul', see docs/engine.md). 'layer-inputs' is
   * gradient checkpointing per decoder layer (verl's model.enable_gradient_checkpointing, HF's
   * gradient_checkpointing_enable): only each layer's input is kept, the rest is recomputed in the backward run.
   */
  savePolicy?: ModelSavePolicy;
}

export type ModelSavePolicy = SavePolicy | 'layer-inputs';

export interface ModelExtras {
  tokenizer?: SavableTokenizer | null;
  generationConfig?: GenerationConfig | null;
}

/** Gradients of every parameter, by name (what AdamW.step and GradAccumulator take). */
export type ParameterGradients = Record<string, FloatArray>;

/** A scoring or value batch: a verl-style Batch or the raw arrays. */
export type SequenceInput = Batch | SequenceBatch;

/** What a forward pass with gradients keeps for its backward pass. */
export interface ForwardTape {
  /** Internal: the runner variant and its tape. */
  readonly variant: string;
  readonly tape: Tape;
}

/** Parameters in checkpoint order; float32 arrays are adopted (shared with `weights`), float64 converts. */
function parametersFromWeights(spec: ModelSpec, weights: WeightStore, head: ModelHead, dtype: ComputeDtype): ParameterStore {
  const params = new ParameterStore();
  const missing: string[] = [];
  for (const t of expectedTensors(spec, head)) {
    const w = weights.get(t.name);
    if (!w) {
      missing.push(t.name);
      continue;
    }
    if (w.shape.join() !== t.shape.join()) throw new InputError(`weight '${t.name}' has shape [${w.shape.join(', ')}], the model needs [${t.shape.join(', ')}]`);
    params.add(t.name, t.shape, dtype === 'float64' ? Float64Array.from(w.data) : w.data);
  }
  if (missing.length) throw new InputError(`the weights lack ${missing.length} tensor(s) the model needs: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
  return params;
}

export abstract class HfModel {
  readonly engine: Engine;
  readonly dtype: ComputeDtype;
  readonly tokenizer: SavableTokenizer | null;
  readonly generationConfig: GenerationConfig | null;
  protected readonly params: ParameterStore;
  protected readonly savePolicy: ModelSavePolicy | undefined;
  private readonly graphs = new Map<string, Promise<CompiledGraph>>();
  /** Whether this model made its engine (then dispose() disposes it). */
  private readonly ownsEngine: boolean;
  private readonly runners = new Map<string, Promise<GradRunner>>();

  protected constructor(
    readonly spec: ModelSpec,
    readonly head: ModelHead,
    weights: WeightStore,
    options: ModelRuntimeOptions & ModelExtras,
  ) {
    this.engine = options.engine ?? new Engine();
    this.ownsEngine = options.engine === undefined;
    this.dtype = options.dtype ?? 'float32';
    this.savePolicy = options.savePolicy;
    this.tokenizer = options.tokenizer ?? null;
    this.generationConfig = options.generationConfig ?? null;
    this.params = parametersFromWeights(spec, weights, head, this.dtype);
  }

  /** The trainable parameters (HF tensor names), updated in place by the optimizer. */
  parameters(): ParameterStore {
    return this.params;
  }

  /** Number of scalar parameters. */
  get parameterCount(): number {
    return this.params.size;
  }

  /** The parameters as a WeightStore (float32: the same arrays, no copy; float64: converted copies). */
  weights(): WeightStore {
    const out: WeightStore = new Map();
    for (const p of this.params.list()) {
      out.set(p.name, { shape: [...p.shape], data: p.data instanceof Float32Array ? p.data : Float32Array.from(p.data) });
    }
    return out;
  }

  /** Copies of the parameters (what a new, independent model starts from). */
  protected copiedWeights(): WeightStore {
    const out: WeightStore = new Map();
    for (const p of this.params.list()) out.set(p.name, { shape: [...p.shape], data: Float32Array.from(p.data) });
    return out;
  }

  /** Write a Hugging Face model directory (atomically); dtype defaults to the checkpoint's own. */
  save(dir: string, options: { dtype?: SaveDtype; maxShardBytes?: number } = {}): Promise<SavedModel> {
    return saveModelDir(dir, {
      config: this.spec,
      weights: this.weights(),
      dtype: options.dtype,
      tokenizer: this.tokenizer,
      // transformers writes generation_config.json for generative models only.
      generationConfig: this.head === 'causal-lm' ? (this.generationConfig ?? undefined) : null,
      maxShardBytes: options.maxShardBytes,
      head: this.head,
    });
  }

  /**
   * Forget this model's compiled graphs; an engine the model created itself is disposed too. A shared engine
   * (options.engine) keeps its cached sessions: dispose it once, when every model using it is done.
   */
  async dispose(): Promise<void> {
    this.graphs.clear();
    this.runners.clear();
    if (this.ownsEngine) await this.engine.dispose();
  }

  /** A forward-only graph, built and compiled once per variant key. */
  protected compiled(key: string, build: () => Graph): Promise<CompiledGraph> {
    let entry = this.graphs.get(key);
    if (!entry) {
      entry = this.engine.compile(build());
      this.graphs.set(key, entry);
      entry.catch(() => this.graphs.delete(key));
    }
    return entry;
  }

  /** Forward + training-forward + backward graphs differentiating `outputs` w.r.t. every parameter. */
  protected runner(key: string, build: () => Graph, outputs: readonly string[]): Promise<GradRunner> {
    let entry = this.runners.get(key);
    if (!entry) {
      const graph = build();
      const policy = this.savePolicy;
      const save: SavePolicy | undefined = policy === 'layer-inputs' ? ((kept) => (t: Tensor) => kept.has(t))(layerInputsOf(graph)) : policy;
      entry = GradRunner.create(this.engine, graph, { outputs, wrt: this.params.names(), save });
      this.runners.set(key, entry);
      entry.catch(() => this.runners.delete(key));
    }
    return entry;
  }

  /** Checked feeds of a scoring/value graph plus its batch and response sizes. */
  protected sequenceFeeds(input: SequenceInput): { feeds: Record<string, Feed>; rows: number; width: number } {
    const sb = input instanceof Batch ? sequenceBatchFromBatch(input) : input;
    checkSequenceBatch(sb, this.spec);
    const feeds = sequenceFeeds(sb, this.spec, this.dtype);
    const pad = paddingIdx(this.spec);
    if (pad !== null) {
      const H = this.spec.hiddenSize;
      const table = this.params.get(EMBED_TOKENS).data;
      feeds[IO.padEmbedding] = { data: table.slice(pad * H, (pad + 1) * H), dims: [H] };
    }
    return { feeds, rows: sb.batchSize, width: sb.responseLength };
  }

  protected floatFeed(values: readonly number[]): FloatArray {
    return this.dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  }

  /** The graph's float output as a [rows, width] data tensor. */
  protected static toDataTensor(value: TensorValue, rows: number, width: number): DataTensor<Float32Array | Float64Array> {
    return new DataTensor(value.data as Float32Array | Float64Array, [rows, width]);
  }

  /** Upstream gradient arrays in the compute dtype, checked against the forward output's size. */
  protected upstreamOf(name: string, grad: FloatArray | DataTensor, expected: number): FloatArray {
    const data = grad instanceof DataTensor ? grad.data : grad;
    if (data instanceof Int32Array) throw new InputError(`backward: the gradient for '${name}' must be a float array`);
    if (data.length !== expected) throw new InputError(`backward: the gradient for '${name}' has ${data.length} values, the forward output has ${expected}`);
    if (this.dtype === 'float64') return data instanceof Float64Array ? data : Float64Array.from(data);
    return data instanceof Float32Array ? data : Float32Array.from(data);
  }

  /** Run a training runner's backward and return the parameter gradients. */
  protected async backwardOf(pass: ForwardTape, upstream: Record<string, FloatArray>): Promise<ParameterGradients> {
    const runner = await this.runners.get(pass.variant);
    if (!runner) throw new InputError(`backward: this pass was not produced by this model's forward()`);
    return runner.backward(pass.tape, upstream);
  }
}
