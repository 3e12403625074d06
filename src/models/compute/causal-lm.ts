/**
 * CausalLM: a Hugging Face causal LM (Llama, Qwen2, Qwen3, Mistral) on the engine — the policy and reference
 * model of the trainer. It scores response tokens (log-probs, entropy, Σπ² at a temperature), runs a forward
 * pass that keeps a tape and a backward pass that turns dLoss/dlog_prob (and dLoss/dentropy) into parameter
 * gradients, decodes with a KV cache (`generate`, see rollout/generate.ts) and saves back to an HF directory.
 * Micro-batching is the caller's job; graphs are compiled once per variant and are symbolic in batch size and
 * length.
 */
import type { CompiledGraph, FloatArray, Graph } from '../../engine/index.js';
import type { Batch } from '../../data/batch.js';
import type { Tensor as DataTensor } from '../../data/tensor.js';
import { InputError } from '../../util/errors.js';
import { loadModelDir, type LoadModelOptions } from '../checkpoint/load.js';
import type { ModelSpec } from '../hf/config.js';
import type { WeightStore } from '../hf/weights.js';
import { generateSequences } from '../rollout/generate.js';
import type { RolloutOptions } from '../rollout/options.js';
import { IO, buildDecodeGraph, buildTokenStatsGraph } from './graphs.js';
import { type ForwardTape, HfModel, type ModelExtras, type ModelRuntimeOptions, type ParameterGradients, type SequenceInput } from './hf-model.js';
import { KvDecoder } from './kv-decoder.js';

export interface ScoreOptions {
  /** Logits are divided by this first (verl: the rollout temperature); default 1. */
  temperature?: number;
  /** Also return the entropy of softmax(logits/τ) per position. */
  withEntropy?: boolean;
  /** Also return Σπ² per position (the optimal-token-baseline estimators need it). */
  withSumPiSquared?: boolean;
}

/** Per-response-token statistics, each [B, R] (float32, or float64 for a float64 model). */
export interface TokenScores {
  logProbs: DataTensor<Float32Array | Float64Array>;
  entropy?: DataTensor<Float32Array | Float64Array>;
  sumPiSquared?: DataTensor<Float32Array | Float64Array>;
}

/** A forward pass with gradients: the outputs, and the tape `backward` needs. */
export interface ScoringPass extends ForwardTape {
  readonly logProbs: DataTensor<Float32Array | Float64Array>;
  readonly entropy?: DataTensor<Float32Array | Float64Array>;
}

/** dLoss/d(output) for a ScoringPass, [B, R] each; entropy only when the pass computed it. */
export interface ScoringUpstream {
  logProbs: FloatArray | DataTensor;
  entropy?: FloatArray | DataTensor;
}

export interface DecodingOptions {
  /** KV-cache capacity grows in blocks of this many slots (default 64). */
  kvCacheBlock?: number;
  /**
   * Decode with the weights frozen into the decode session (default true): ORT then prepacks the weight
   * matrices once per snapshot instead of on every step (see docs/models.md for the measurement). A snapshot is
   * rebuilt when parameters().version changes (AdamW.step bumps it; call parameters().markChanged() after writing
   * weights yourself). false: the weights are fed on every run, as the scoring graphs do.
   */
  freezeDecodeWeights?: boolean;
}

export type CausalLMOptions = ModelRuntimeOptions & ModelExtras & DecodingOptions;

export interface LoadCausalLMOptions extends ModelRuntimeOptions, DecodingOptions {
  /** 'auto' (default): load the directory's tokenizer if it has one; 'required': error without one; 'none'. */
  tokenizer?: LoadModelOptions['tokenizer'];
  /** Pad with EOS when the tokenizer has no pad token (verl's hf_tokenizer; default true). */
  padWithEos?: boolean;
}

function checkTemperature(t: number): number {
  if (!(typeof t === 'number' && Number.isFinite(t) && t > 0)) throw new InputError(`temperature must be a positive number, got ${t}`);
  return t;
}

export class CausalLM extends HfModel {
  private kv: { version: number; decoder: KvDecoder; release: () => Promise<void> } | null = null;
  private readonly kvCacheBlock: number | undefined;
  private readonly freezeDecodeWeights: boolean;

  private constructor(spec: ModelSpec, weights: WeightStore, options: CausalLMOptions) {
    super(spec, 'causal-lm', weights, options);
    this.kvCacheBlock = options.kvCacheBlock;
    this.freezeDecodeWeights = options.freezeDecodeWeights ?? true;
  }

  /** Load an HF model directory (config, safetensors, tokenizer, generation config). */
  static fromDir(dir: string, options: LoadCausalLMOptions = {}): CausalLM {
    const { tokenizer, padWithEos, ...runtime } = options;
    const loaded = loadModelDir(dir, { tokenizer, padWithEos });
    return new CausalLM(loaded.spec, loaded.weights, { ...runtime, tokenizer: loaded.tokenizer, generationConfig: loaded.generationConfig });
  }

  /** A model from in-memory weights (float32 arrays are adopted, not copied). */
  static fromWeights(spec: ModelSpec, weights: WeightStore, options: CausalLMOptions = {}): CausalLM {
    return new CausalLM(spec, weights, options);
  }

  /** An independent model with copied parameters (e.g. the reference policy), sharing this model's engine. */
  copy(): CausalLM {
    return new CausalLM(this.spec, this.copiedWeights(), {
      engine: this.engine,
      dtype: this.dtype,
      savePolicy: this.savePolicy,
      kvCacheBlock: this.kvCacheBlock,
      freezeDecodeWeights: this.freezeDecodeWeights,
      tokenizer: this.tokenizer,
      generationConfig: this.generationConfig,
    });
  }

  /** log p(response token | prefix) at temperature τ (and entropy, Σπ²) for the last R tokens of every row. No gradients. */
  async scoreTokens(input: SequenceInput, options: ScoreOptions = {}): Promise<TokenScores> {
    const temperature = checkTemperature(options.temperature ?? 1);
    const o = { entropy: options.withEntropy === true, sumPiSquared: options.withSumPiSquared === true };
    const graph = await this.compiled(`stats:${+o.entropy}${+o.sumPiSquared}`, () => buildTokenStatsGraph(this.spec, this.params, this.dtype, o));
    const { feeds, rows, width } = this.sequenceFeeds(input);
    feeds[IO.temperature] = { data: this.floatFeed([temperature]), dims: [1] };
    const out = await graph.run(feeds, { params: this.params });
    const t = (name: string) => HfModel.toDataTensor(out[name], rows, width);
    return { logProbs: t(IO.logProbs), entropy: o.entropy ? t(IO.entropy) : undefined, sumPiSquared: o.sumPiSquared ? t(IO.sumPiSquared) : undefined };
  }

  /** The training forward pass: log-probs (and entropy) plus the tape for `backward`. */
  async forward(input: SequenceInput, options: Omit<ScoreOptions, 'withSumPiSquared'> = {}): Promise<ScoringPass> {
    const temperature = checkTemperature(options.temperature ?? 1);
    const entropy = options.withEntropy === true;
    const variant = `train:${+entropy}`;
    const outputs = entropy ? [IO.logProbs, IO.entropy] : [IO.logProbs];
    const runner = await this.runner(variant, () => buildTokenStatsGraph(this.spec, this.params, this.dtype, { entropy, sumPiSquared: false }), outputs);
    const { feeds, rows, width } = this.sequenceFeeds(input);
    feeds[IO.temperature] = { data: this.floatFeed([temperature]), dims: [1] };
    const { outputs: out, tape } = await runner.forward(feeds, { params: this.params });
    return {
      variant,
      tape,
      logProbs: HfModel.toDataTensor(out[IO.logProbs], rows, width),
      entropy: entropy ? HfModel.toDataTensor(out[IO.entropy], rows, width) : undefined,
    };
  }

  /**
   * Parameter gradients of Σ upstream.logProbs·logProbs + Σ upstream.entropy·entropy (the loss's vector–Jacobian
   * product), keyed by parameter name. The returned arrays are fresh (GradAccumulator may adopt them).
   */
  async backward(pass: ScoringPass, upstream: ScoringUpstream): Promise<ParameterGradients> {
    const n = pass.logProbs.data.length;
    const grads: Record<string, FloatArray> = { [IO.logProbs]: this.upstreamOf('logProbs', upstream.logProbs, n) };
    if (pass.entropy) {
      grads[IO.entropy] = upstream.entropy === undefined ? this.zeros(n) : this.upstreamOf('entropy', upstream.entropy, n);
    } else if (upstream.entropy !== undefined) {
      throw new InputError('backward: an entropy gradient was given, but the forward pass did not compute entropy (withEntropy: true)');
    }
    return this.backwardOf(pass, grads);
  }

  /** Sample responses for a prompt batch (verl's generate_sequences); see rollout/generate.ts. */
  generate(prompts: Batch, options: RolloutOptions): Promise<Batch> {
    return generateSequences(this, prompts, options);
  }

  /**
   * The KV-cache decoder for the current weights (one decode graph for prefill and steps). With frozen weights (the
   * default) its sessions hold a snapshot of the parameters taken now; a later call after the parameters changed
   * (parameters().version) builds a new snapshot and releases the old one.
   */
  kvDecoder(): KvDecoder {
    const version = this.freezeDecodeWeights ? this.params.version : -1;
    if (this.kv && this.kv.version === version) return this.kv.decoder;
    const stale = this.kv;
    const session = this.decodeSession(() => buildDecodeGraph(this.spec, this.params, this.dtype));
    const decoder = new KvDecoder({ spec: this.spec, params: this.params, dtype: this.dtype, decode: session.get }, { block: this.kvCacheBlock });
    this.kv = { version, decoder, release: session.release };
    if (stale) void stale.release();
    return decoder;
  }

  /** The decode graph's session, compiled on first use: frozen (a snapshot of the weights) or shared and cached. */
  private decodeSession(graph: () => Graph): { get: () => Promise<CompiledGraph>; release: () => Promise<void> } {
    if (!this.freezeDecodeWeights) return { get: () => this.compiled('decode', graph), release: async () => undefined };
    let session: Promise<CompiledGraph> | null = null;
    return {
      get: () => (session ??= this.engine.compileFrozen(graph(), this.params)),
      release: async () => {
        if (session) await (await session).release();
      },
    };
  }

  override async dispose(): Promise<void> {
    await this.kv?.release();
    this.kv = null;
    await super.dispose();
  }

  private zeros(n: number): FloatArray {
    return this.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  }
}
