/**
 * The model graphs, each symbolic in batch and length so one compiled session serves every shape:
 * - token stats: log p(response token | prefix) at temperature τ, optionally entropy and Σπ² (scoring, training);
 * - values: the critic's per-token values;
 * - decode: new tokens over a key/value cache fed as inputs (the prefill with an empty cache, then one step per
 *   token): last-position logits and the new tokens' keys/values.
 *
 * Conventions (verl's): input_ids [B, T] = left-padded prompt ‖ right-padded response, attention_mask marks real
 * tokens, position_ids = clip(cumsum(mask) − 1, 0). The last R positions are the response; the prediction for
 * token t comes from position t − 1, so hidden states [T−R−1, T−1) are the ones that reach the head (verl's
 * logits[:, -R-1:-1]). The lm head runs on those R positions only: on a long prompt with a large vocabulary
 * the head would otherwise dominate the cost.
 *
 * inv_freq is an input (not a constant) because dynamic RoPE changes it with the sequence length.
 */
import { Graph, type ParameterStore, type Tensor, dimSub, nn } from '../../engine/index.js';
import type { ModelSpec } from '../hf/config.js';
import { cachedAttention, fullAttention, type KvSink } from './attention.js';
import { differentiable, fused, type Primitives, type Rotary } from './primitives.js';
import { addTokenChoice } from './token-choice.js';
import { type ComputeDtype, type DecoderContext, decoderStack, embedTokens, lmHeadLogits, paddingIdx, valueHead } from './decoder.js';

/** Graph input and output names, shared by the graphs and the code that feeds them. */
export const IO = {
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  positionIds: 'position_ids',
  responses: 'responses',
  temperature: 'temperature',
  invFreq: 'inv_freq',
  padEmbedding: 'pad_embedding',
  pastValid: 'past_valid',
  logProbs: 'log_probs',
  entropy: 'entropy',
  sumPiSquared: 'sum_pi_squared',
  values: 'values',
  logits: 'logits',
  pastKey: (layer: number) => `past.${layer}.key`,
  pastValue: (layer: number) => `past.${layer}.value`,
  key: (layer: number) => `kv.${layer}.key`,
  value: (layer: number) => `kv.${layer}.value`,
} as const;

interface SequenceInputs {
  readonly ctx: DecoderContext;
  readonly ids: Tensor;
  readonly rotary: Rotary;
  readonly mask: Tensor;
}

/**
 * A graph with the model's parameters declared. Graphs that are differentiated use the engine's nn blocks;
 * forward-only decoding graphs use fused ORT ops (see primitives.ts).
 */
function declare(name: string, spec: ModelSpec, params: ParameterStore, ops: Primitives): { g: Graph; ctx: DecoderContext } {
  const g = new Graph(`${spec.modelType}.${name}`);
  return { g, ctx: { spec, params: params.declareIn(g), ops } };
}

/** The fused ORT kernels are float32-only; float64 models (gradient checks) decode with the nn blocks. */
function decodePrimitives(dtype: ComputeDtype): Primitives {
  return dtype === 'float32' ? fused : differentiable;
}

function rotaryOf(ctx: DecoderContext, positions: Tensor, dtype: ComputeDtype): Rotary {
  const invFreq = positions.graph.input(IO.invFreq, dtype, [ctx.spec.headDim / 2]);
  return ctx.ops.rotary(positions, invFreq, ctx.spec.rope.attentionScaling);
}

/** input_ids, attention_mask, position_ids [B, T] and inv_freq, with the rotary embedding and the causal mask. */
function sequenceInputs(g: Graph, ctx: DecoderContext, dtype: ComputeDtype): SequenceInputs {
  const ids = g.input(IO.inputIds, 'int64', ['B', 'T']);
  const attentionMask = g.input(IO.attentionMask, 'int64', ['B', 'T']);
  const positions = g.input(IO.positionIds, 'int64', ['B', 'T']);
  return { ctx, ids, rotary: rotaryOf(ctx, positions, dtype), mask: nn.causalMask(attentionMask, 'T') };
}

/**
 * Normed hidden states [B, R, hidden] of the positions that predict the R response tokens. These graphs are
 * differentiated, so the pad token's embedding row comes in as an input (see embedTokens).
 */
function responseHidden(g: Graph, s: SequenceInputs, dtype: ComputeDtype): { hidden: Tensor; responses: Tensor } {
  const responses = g.input(IO.responses, 'int64', ['B', 'R']);
  const padRow = paddingIdx(s.ctx.spec) === null ? null : g.input(IO.padEmbedding, dtype, [s.ctx.spec.hiddenSize]);
  const h = decoderStack(s.ctx, embedTokens(s.ctx, s.ids, padRow), fullAttention(s.ctx, s.rotary, s.mask));
  const start = dimSub(dimSub('T', 'R'), 1);
  return { hidden: g.slice(h, [start], [dimSub('T', 1)], [1]), responses };
}

export interface TokenStatsGraphOptions {
  readonly entropy: boolean;
  readonly sumPiSquared: boolean;
}

/**
 * Inputs: input_ids, attention_mask, position_ids [B, T]; responses [B, R] (the last R tokens of input_ids);
 * temperature [1]; inv_freq. Outputs: log_probs [B, R], and entropy / sum_pi_squared [B, R] when asked for,
 * all of softmax(logits / temperature).
 */
export function buildTokenStatsGraph(spec: ModelSpec, params: ParameterStore, dtype: ComputeDtype, o: TokenStatsGraphOptions): Graph {
  const { g, ctx } = declare(`token_stats${o.entropy ? '.entropy' : ''}${o.sumPiSquared ? '.sum_pi_squared' : ''}`, spec, params, differentiable);
  const s = sequenceInputs(g, ctx, dtype);
  const { hidden, responses } = responseHidden(g, s, dtype);
  const temperature = g.input(IO.temperature, dtype, [1]);
  const logits = g.div(lmHeadLogits(ctx, hidden), temperature);
  const stats = nn.tokenStats(logits, responses, { entropy: o.entropy, sumPiSquared: o.sumPiSquared });
  g.output(IO.logProbs, stats.logProbs);
  if (stats.entropy) g.output(IO.entropy, stats.entropy);
  if (stats.sumPiSquared) g.output(IO.sumPiSquared, stats.sumPiSquared);
  return g;
}

/**
 * The critic: inputs as the token-stats graph without temperature (responses only fixes R); output values [B, R],
 * the value head at the positions [T−R−1, T−1) as verl slices them (values[:, -R-1:-1]).
 */
export function buildValueGraph(spec: ModelSpec, params: ParameterStore, dtype: ComputeDtype): Graph {
  const { g, ctx } = declare('values', spec, params, differentiable);
  const s = sequenceInputs(g, ctx, dtype);
  const { hidden } = responseHidden(g, s, dtype);
  g.output(IO.values, valueHead(ctx, hidden));
  return g;
}

/**
 * The decoding graph, for the prefill (an empty cache, S = 0, and the left-padded prompt as the new tokens) and for
 * every step (T = 1). Inputs: input_ids, attention_mask (which new tokens are real), position_ids [B, T];
 * past_valid bool [B, S]; past.<i>.key/value [B, KV, S, D]; inv_freq. Outputs: logits [B, V] of the last new
 * token and the new tokens' kv.<i>.key/value [B, KV, T, D], plus the next token chosen in the graph (greedy or
 * sampled, token-choice.ts; inputs sample_temperature [1], sample_uniform [B]). One graph, so a frozen snapshot
 * holds the weights once; a run fetches only the outputs it needs.
 */
export function buildDecodeGraph(spec: ModelSpec, params: ParameterStore, dtype: ComputeDtype): Graph {
  const { g, ctx } = declare('decode', spec, params, decodePrimitives(dtype));
  const s = sequenceInputs(g, ctx, dtype);
  const valid = g.input(IO.pastValid, 'bool', ['B', 'S']);
  const kvShape = ['B', spec.numKeyValueHeads, 'S', spec.headDim];
  const keys: Tensor[] = [];
  const values: Tensor[] = [];
  for (let i = 0; i < spec.numHiddenLayers; i++) {
    keys.push(g.input(IO.pastKey(i), dtype, kvShape));
    values.push(g.input(IO.pastValue(i), dtype, kvShape));
  }
  const sink: KvSink = { keys: [], values: [] };
  const h = decoderStack(ctx, embedTokens(ctx, s.ids), cachedAttention(ctx, s.rotary, { keys, values, valid }, s.mask, sink));
  const last = g.slice(h, [-1], [Infinity], [1]); // [B, 1, hidden]
  const logits = g.output(IO.logits, g.squeeze(lmHeadLogits(ctx, last), [1]));
  addTokenChoice(logits, dtype);
  outputKv(g, sink, spec.numHiddenLayers);
  return g;
}

function outputKv(g: Graph, sink: KvSink, layers: number): void {
  for (let i = 0; i < layers; i++) {
    g.output(IO.key(i), sink.keys[i]);
    g.output(IO.value(i), sink.values[i]);
  }
}
