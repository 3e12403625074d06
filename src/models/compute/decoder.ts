/**
 * The decoder trunk of the supported Hugging Face families (Llama, Qwen2, Qwen3, Mistral) as engine graph code:
 * token embedding, pre-norm decoder layers (RMSNorm → self-attention → residual, RMSNorm → SwiGLU MLP →
 * residual) and the final RMSNorm, with the options a ModelSpec carries (GQA, explicit head_dim, q/k/v/o and
 * MLP biases, Qwen3's q_norm/k_norm, tied embeddings). Parameters are graph params named exactly as the HF
 * checkpoint tensors, so a ParameterStore filled from a WeightStore feeds every graph by name.
 *
 * How attention reads keys and values is the caller's choice (`Attend`): full causal attention for scoring and
 * training, or the KV-cache forms of attention.ts for decoding.
 */
import { type Graph, GraphBuildError, nn, type Tensor } from '../../engine/index.js';
import type { ModelSpec } from '../hf/config.js';
import type { Primitives } from './primitives.js';
import { EMBED_TOKENS, FINAL_NORM, SCORE_BIAS, SCORE_WEIGHT, layerPrefix, lmHeadWeightName } from '../hf/tensors.js';

/** Float type of a model's parameters and activations in the graphs. */
export type ComputeDtype = 'float32' | 'float64';

/** A spec plus its declared parameter tensors (by HF name) in one graph, and the primitives to build with. */
export interface DecoderContext {
  readonly spec: ModelSpec;
  readonly params: Readonly<Record<string, Tensor>>;
  readonly ops: Primitives;
}

/** One layer's attention projections [out, in] as HF names them, with the optional biases and Qwen3's q/k norm. */
export interface AttentionWeights {
  readonly q: Tensor;
  readonly k: Tensor;
  readonly v: Tensor;
  readonly o: Tensor;
  readonly qBias?: Tensor | null;
  readonly kBias?: Tensor | null;
  readonly vBias?: Tensor | null;
  readonly oBias?: Tensor | null;
  /** Qwen3: RMSNorm weights [head_dim] applied per head to q and k before RoPE. */
  readonly qNorm?: Tensor | null;
  readonly kNorm?: Tensor | null;
}

/** One layer's gated-MLP projections [out, in], with the optional biases (mlp_bias). */
export interface MlpWeights {
  readonly gate: Tensor;
  readonly up: Tensor;
  readonly down: Tensor;
  readonly gateBias?: Tensor | null;
  readonly upBias?: Tensor | null;
  readonly downBias?: Tensor | null;
}

export interface AttentionShape {
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
}

/** Self-attention of one layer on its normed input x [B, T, hidden]; returns [B, T, hidden]. */
export type Attend = (x: Tensor, weights: AttentionWeights, layer: number) => Tensor;

export function attentionShape(spec: ModelSpec): AttentionShape {
  return { numHeads: spec.numAttentionHeads, numKvHeads: spec.numKeyValueHeads, headDim: spec.headDim };
}

function param(ctx: DecoderContext, name: string): Tensor {
  const t = ctx.params[name];
  if (!t) throw new GraphBuildError(`model graph: no parameter '${name}' for ${ctx.spec.architecture}`);
  return t;
}

function optionalParam(ctx: DecoderContext, name: string, present: boolean): Tensor | null {
  return present ? param(ctx, name) : null;
}

export function attentionWeights(ctx: DecoderContext, layer: number): AttentionWeights {
  const p = `${layerPrefix(layer)}.self_attn`;
  const { biases, qkNorm } = ctx.spec;
  return {
    q: param(ctx, `${p}.q_proj.weight`),
    k: param(ctx, `${p}.k_proj.weight`),
    v: param(ctx, `${p}.v_proj.weight`),
    o: param(ctx, `${p}.o_proj.weight`),
    qBias: optionalParam(ctx, `${p}.q_proj.bias`, biases.qkv),
    kBias: optionalParam(ctx, `${p}.k_proj.bias`, biases.qkv),
    vBias: optionalParam(ctx, `${p}.v_proj.bias`, biases.qkv),
    oBias: optionalParam(ctx, `${p}.o_proj.bias`, biases.o),
    qNorm: optionalParam(ctx, `${p}.q_norm.weight`, qkNorm),
    kNorm: optionalParam(ctx, `${p}.k_norm.weight`, qkNorm),
  };
}

/** The SwiGLU MLP of the Llama family: down(silu(gate(x)) · up(x)). */
export function swigluMlp(ops: Primitives, x: Tensor, w: MlpWeights): Tensor {
  const g = x.graph;
  const gated = g.silu(ops.linear(x, w.gate, w.gateBias ?? null));
  return ops.linear(g.mul(gated, ops.linear(x, w.up, w.upBias ?? null)), w.down, w.downBias ?? null);
}

function mlpWeights(ctx: DecoderContext, layer: number): MlpWeights {
  const p = `${layerPrefix(layer)}.mlp`;
  const bias = ctx.spec.biases.mlp;
  const weight = (name: string) => param(ctx, `${p}.${name}.weight`);
  const biasOf = (name: string) => optionalParam(ctx, `${p}.${name}.bias`, bias);
  return {
    gate: weight('gate_proj'),
    up: weight('up_proj'),
    down: weight('down_proj'),
    gateBias: biasOf('gate_proj'),
    upBias: biasOf('up_proj'),
    downBias: biasOf('down_proj'),
  };
}

/** The embedding row of config.json's pad_token_id, which transformers' nn.Embedding(padding_idx=...) never trains. */
export function paddingIdx(spec: ModelSpec): number | null {
  return spec.padTokenId !== null && spec.padTokenId < spec.vocabSize ? spec.padTokenId : null;
}

/**
 * Embedding rows of int64 ids [B, T] → [B, T, hidden]. For graphs that are differentiated, pass `padRow`: an
 * input [hidden] holding the current embedding row of paddingIdx(spec). Positions holding that id then read it
 * from the input instead of the table, so the lookup sends no gradient to that row — transformers builds the
 * embedding with padding_idx = pad_token_id, whose row gets a zero gradient (a tied lm head still reaches it).
 */
export function embedTokens(ctx: DecoderContext, ids: Tensor, padRow: Tensor | null = null): Tensor {
  const looked = nn.embedding(param(ctx, EMBED_TOKENS), ids);
  const pad = paddingIdx(ctx.spec);
  if (padRow === null || pad === null) return looked;
  const g = ids.graph;
  return g.where(g.unsqueeze(g.equal(ids, g.scalar(pad, 'int64')), [-1]), padRow, looked);
}

const layerInputs = new WeakMap<Graph, Set<Tensor>>();

/** The residual-stream tensors entering each decoder layer of a graph (what layer-wise checkpointing stores). */
export function layerInputsOf(graph: Graph): ReadonlySet<Tensor> {
  return layerInputs.get(graph) ?? new Set();
}

/** Every decoder layer, then the final norm: h [B, T, hidden] → normed hidden states [B, T, hidden]. */
export function decoderStack(ctx: DecoderContext, h: Tensor, attend: Attend): Tensor {
  const g = h.graph;
  const eps = ctx.spec.rmsNormEps;
  const inputs = layerInputs.get(g) ?? new Set<Tensor>();
  layerInputs.set(g, inputs);
  for (let i = 0; i < ctx.spec.numHiddenLayers; i++) {
    const p = layerPrefix(i);
    inputs.add(h);
    h = g.withScope(`layers.${i}`, () => {
      const attended = attend(ctx.ops.rmsNorm(h, param(ctx, `${p}.input_layernorm.weight`), eps), attentionWeights(ctx, i), i);
      const mid = g.add(h, attended);
      return g.add(mid, swigluMlp(ctx.ops, ctx.ops.rmsNorm(mid, param(ctx, `${p}.post_attention_layernorm.weight`), eps), mlpWeights(ctx, i)));
    });
  }
  return ctx.ops.rmsNorm(h, param(ctx, FINAL_NORM), eps);
}

/** Vocabulary logits of hidden states [..., hidden] (the embedding matrix when embeddings are tied). */
export function lmHeadLogits(ctx: DecoderContext, hidden: Tensor): Tensor {
  return ctx.ops.linear(hidden, param(ctx, lmHeadWeightName(ctx.spec)), null);
}

/** The critic's value head: score(hidden) [..., 1] squeezed to [...]. */
export function valueHead(ctx: DecoderContext, hidden: Tensor): Tensor {
  const g = hidden.graph;
  return g.squeeze(ctx.ops.linear(hidden, param(ctx, SCORE_WEIGHT), param(ctx, SCORE_BIAS)), [-1]);
}
