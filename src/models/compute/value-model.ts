/**
 * ValueModel: verl's critic — the decoder trunk with transformers' token-classification head
 * (XForTokenClassification, num_labels = 1: `score` = Linear(hidden, 1) with a bias, applied to the final
 * normed hidden states; verl sets the classifier dropout to 0). Values are read at the positions that predict
 * the response tokens, values[:, -R-1:-1], as verl's critic slices them; verl's compute_values then multiplies
 * them by the response mask, which is left to the caller.
 *
 * Starting from a causal-LM checkpoint, the head is new: weight ~ normal(0, initializer_range), bias 0 (what
 * transformers' _init_weights does for a Linear; the numbers come from verl-ts's seeded generator). A saved
 * critic (a directory with `score.weight`) loads with its head.
 */
import type { FloatArray } from '../../engine/index.js';
import type { Tensor as DataTensor } from '../../data/tensor.js';
import { Rng } from '../../util/rng.js';
import { checkpointHead, loadModelDir, type LoadModelOptions } from '../checkpoint/load.js';
import type { ModelSpec } from '../hf/config.js';
import { LM_HEAD, SCORE_BIAS, SCORE_WEIGHT } from '../hf/tensors.js';
import type { WeightStore } from '../hf/weights.js';
import { IO, buildValueGraph } from './graphs.js';
import { type ForwardTape, HfModel, type ModelExtras, type ModelRuntimeOptions, type ParameterGradients, type SequenceInput } from './hf-model.js';

export interface LoadValueModelOptions extends ModelRuntimeOptions {
  /** Seed of the new value head when the directory is a causal LM (default 0). */
  seed?: number;
  /** Load the directory's tokenizer (saved back with the critic): 'auto' (default), 'required' or 'none'. */
  tokenizer?: LoadModelOptions['tokenizer'];
}

/** A forward pass with gradients of the value model. */
export interface ValuePass extends ForwardTape {
  readonly values: DataTensor<Float32Array | Float64Array>;
}

/** A causal LM's weights with the lm head replaced by a freshly initialised value head. */
export function withValueHead(spec: ModelSpec, weights: WeightStore, seed: number): WeightStore {
  const rng = new Rng(seed);
  const out: WeightStore = new Map([...weights].filter(([name]) => name !== LM_HEAD));
  const std = spec.initializerRange;
  out.set(SCORE_WEIGHT, { shape: [1, spec.hiddenSize], data: Float32Array.from({ length: spec.hiddenSize }, () => rng.normal() * std) });
  out.set(SCORE_BIAS, { shape: [1], data: new Float32Array(1) });
  return out;
}

export class ValueModel extends HfModel {
  private constructor(spec: ModelSpec, weights: WeightStore, options: ModelRuntimeOptions & ModelExtras) {
    super(spec, 'token-classification', weights, options);
  }

  /** A saved critic (with its head) or a causal LM (new head, like verl's critic initialisation). */
  static fromDir(dir: string, options: LoadValueModelOptions = {}): ValueModel {
    const { seed, tokenizer, ...runtime } = options;
    const head = checkpointHead(dir);
    const loaded = loadModelDir(dir, { head, tokenizer });
    const weights = head === 'token-classification' ? loaded.weights : withValueHead(loaded.spec, loaded.weights, seed ?? 0);
    return new ValueModel(loaded.spec, weights, { ...runtime, tokenizer: loaded.tokenizer, generationConfig: loaded.generationConfig });
  }

  /** From in-memory weights: trunk + score.weight/score.bias (see withValueHead). Float32 arrays are adopted. */
  static fromWeights(spec: ModelSpec, weights: WeightStore, options: ModelRuntimeOptions & ModelExtras = {}): ValueModel {
    return new ValueModel(spec, weights, options);
  }

  /** Values [B, R] at the positions predicting the last R tokens (no gradients). */
  async values(input: SequenceInput): Promise<DataTensor<Float32Array | Float64Array>> {
    const graph = await this.compiled('values', () => buildValueGraph(this.spec, this.params, this.dtype));
    const { feeds, rows, width } = this.sequenceFeeds(input);
    const out = await graph.run(feeds, { params: this.params });
    return HfModel.toDataTensor(out[IO.values], rows, width);
  }

  /** Values plus the tape for `backward`. */
  async forward(input: SequenceInput): Promise<ValuePass> {
    const variant = 'train:values';
    const runner = await this.runner(variant, () => buildValueGraph(this.spec, this.params, this.dtype), [IO.values]);
    const { feeds, rows, width } = this.sequenceFeeds(input);
    const { outputs, tape } = await runner.forward(feeds, { params: this.params });
    return { variant, tape, values: HfModel.toDataTensor(outputs[IO.values], rows, width) };
  }

  /** Parameter gradients of Σ upstream·values. */
  async backward(pass: ValuePass, upstream: { values: FloatArray | DataTensor }): Promise<ParameterGradients> {
    return this.backwardOf(pass, { [IO.values]: this.upstreamOf('values', upstream.values, pass.values.data.length) });
  }
}
