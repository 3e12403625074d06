/**
 * The checkpoint tensors a ModelSpec implies: HF names (equal to the module paths of modeling_llama.py and
 * friends), shapes in PyTorch's [out_features, in_features] order, and each tensor's role, which decides how
 * a random model initialises it.
 */
import type { ModelSpec } from './config.js';

export type TensorRole = 'embedding' | 'linear' | 'norm' | 'bias';

export interface ExpectedTensor {
  name: string;
  shape: number[];
  role: TensorRole;
}

export const EMBED_TOKENS = 'model.embed_tokens.weight';
export const LM_HEAD = 'lm_head.weight';
export const FINAL_NORM = 'model.norm.weight';
/** The value head of a token-classification model (verl's critic: AutoModelForTokenClassification, num_labels=1). */
export const SCORE_WEIGHT = 'score.weight';
export const SCORE_BIAS = 'score.bias';

/**
 * What sits on top of the decoder: the language-model head (XForCausalLM) or a one-label token-classification
 * head (XForTokenClassification: `score` Linear(hidden, 1) with a bias, no lm_head), which is verl's critic.
 */
export type ModelHead = 'causal-lm' | 'token-classification';

/** transformers' class name for `spec`'s family with the given head, e.g. 'Qwen2ForTokenClassification'. */
export function architectureWithHead(spec: ModelSpec, head: ModelHead): string {
  return head === 'causal-lm' ? spec.architecture : spec.architecture.replace(/ForCausalLM$/, 'ForTokenClassification');
}

/** Tensor-name prefix of decoder layer `i`. */
export function layerPrefix(i: number): string {
  return `model.layers.${i}`;
}

/** Name of the output projection's weight: lm_head.weight, or the embedding matrix when tied. */
export function lmHeadWeightName(spec: ModelSpec): string {
  return spec.tieWordEmbeddings ? EMBED_TOKENS : LM_HEAD;
}

/** Every tensor a checkpoint for `spec` (with the given head) must hold, in model order. */
export function expectedTensors(spec: ModelSpec, head: ModelHead = 'causal-lm'): ExpectedTensor[] {
  const h = spec.hiddenSize;
  const qDim = spec.numAttentionHeads * spec.headDim;
  const kvDim = spec.numKeyValueHeads * spec.headDim;
  const inter = spec.intermediateSize;
  const out: ExpectedTensor[] = [{ name: EMBED_TOKENS, shape: [spec.vocabSize, h], role: 'embedding' }];
  const linear = (name: string, outDim: number, inDim: number, bias: boolean): void => {
    out.push({ name: `${name}.weight`, shape: [outDim, inDim], role: 'linear' });
    if (bias) out.push({ name: `${name}.bias`, shape: [outDim], role: 'bias' });
  };
  for (let i = 0; i < spec.numHiddenLayers; i++) {
    const p = layerPrefix(i);
    out.push({ name: `${p}.input_layernorm.weight`, shape: [h], role: 'norm' });
    linear(`${p}.self_attn.q_proj`, qDim, h, spec.biases.qkv);
    linear(`${p}.self_attn.k_proj`, kvDim, h, spec.biases.qkv);
    linear(`${p}.self_attn.v_proj`, kvDim, h, spec.biases.qkv);
    linear(`${p}.self_attn.o_proj`, h, qDim, spec.biases.o);
    if (spec.qkNorm) {
      out.push({ name: `${p}.self_attn.q_norm.weight`, shape: [spec.headDim], role: 'norm' });
      out.push({ name: `${p}.self_attn.k_norm.weight`, shape: [spec.headDim], role: 'norm' });
    }
    out.push({ name: `${p}.post_attention_layernorm.weight`, shape: [h], role: 'norm' });
    linear(`${p}.mlp.gate_proj`, inter, h, spec.biases.mlp);
    linear(`${p}.mlp.up_proj`, inter, h, spec.biases.mlp);
    linear(`${p}.mlp.down_proj`, h, inter, spec.biases.mlp);
  }
  out.push({ name: FINAL_NORM, shape: [h], role: 'norm' });
  if (head === 'token-classification') linear('score', 1, h, true);
  else if (!spec.tieWordEmbeddings) out.push({ name: LM_HEAD, shape: [spec.vocabSize, h], role: 'linear' });
  return out;
}

/** Total number of parameters (tied embeddings counted once). */
export function parameterCount(spec: ModelSpec, head: ModelHead = 'causal-lm'): number {
  return expectedTensors(spec, head).reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Checkpoint tensors transformers itself ignores when loading these architectures: rotary buffers that old
 * Llama checkpoints saved.
 */
export function isIgnoredCheckpointTensor(name: string): boolean {
  return /^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/.test(name);
}
