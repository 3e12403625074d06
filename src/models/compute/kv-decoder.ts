/**
 * Incremental decoding with a KV cache: a prefill run over a left-padded prompt batch, then one step run per
 * generated token, both with the one decode graph (graphs.ts: buildDecodeGraph). Forward only.
 */
import type { CompiledGraph, Feed, FloatArray, ParameterStore } from '../../engine/index.js';
import type { ModelSpec } from '../hf/config.js';
import type { ComputeDtype } from './decoder.js';
import { IO } from './graphs.js';
import { CHOICE_IO } from './token-choice.js';
import { KvBufferPool, KvCache } from './kv-cache.js';
import { invFreqFeed, toInt64Array } from './sequence-batch.js';

/** A left-padded prompt batch, row-major [rows, width]. */
export interface PromptRows {
  readonly rows: number;
  readonly width: number;
  readonly inputIds: ArrayLike<number>;
  readonly attentionMask: ArrayLike<number>;
  readonly positionIds: ArrayLike<number>;
}

export interface KvDecoderGraphs {
  readonly spec: ModelSpec;
  readonly params: ParameterStore;
  readonly dtype: ComputeDtype;
  /** The compiled decode graph (built on first use by the model). */
  readonly decode: () => Promise<CompiledGraph>;
}

/** What a step hands back: the logits (JS samples them), or a token chosen inside the graph. */
export type TokenChoice =
  | { readonly kind: 'logits' }
  | { readonly kind: 'greedy' }
  /** Inverse-CDF sampling from softmax(logits / temperature); uniforms[r] in [0, 1) for cache row r. */
  | { readonly kind: 'sample'; readonly temperature: number; readonly uniforms: ArrayLike<number> };

export type StepOutput =
  | { readonly kind: 'logits'; readonly logits: FloatArray }
  | { readonly kind: 'tokens'; readonly tokens: Int32Array; readonly logProbs: Float32Array };

function maxOf(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  return m;
}

export class KvDecoder {
  /** Cache capacity grows in blocks of this many slots (see docs/models.md for the measurement). */
  readonly block: number;
  /** Buffers of the caches this decoder built and that were released, for the next prefill. */
  private readonly pool = new KvBufferPool();

  constructor(
    private readonly m: KvDecoderGraphs,
    options: { block?: number } = {},
  ) {
    this.block = options.block ?? 64;
    if (!Number.isInteger(this.block) || this.block < 1) throw new Error(`KvDecoder: block must be a positive integer, got ${this.block}`);
  }

  /**
   * Run the prompt batch once and build a cache of `source.length` rows, row r continuing prompt `source[r]`
   * (n samples per prompt share one prefill). Returns each cache row's next-token logits [rows, V]: the first
   * token is chosen in JS, since the n rows of a prompt need different draws from one prefill row. Release the
   * cache (KvCache.release) when done with it, so the next prefill reuses its buffers.
   */
  async prefill(prompt: PromptRows, source: readonly number[], reserveSlots: number): Promise<{ logits: FloatArray; cache: KvCache }> {
    const { spec, dtype } = this.m;
    const dims = [prompt.rows, prompt.width];
    const empty = new KvCache({ layers: spec.numHiddenLayers, kvHeads: spec.numKeyValueHeads, headDim: spec.headDim }, dtype, prompt.rows, 0);
    const feeds: Record<string, Feed> = {
      ...empty.feeds(),
      [IO.inputIds]: { data: toInt64Array(prompt.inputIds), dims },
      [IO.attentionMask]: { data: toInt64Array(prompt.attentionMask), dims },
      [IO.positionIds]: { data: toInt64Array(prompt.positionIds), dims },
      [IO.invFreq]: { data: invFreqFeed(spec, maxOf(prompt.positionIds), dtype), dims: [spec.headDim / 2] },
      ...this.choiceFeeds(prompt.rows, { kind: 'logits' }),
    };
    const graph = await this.m.decode();
    const kvNames = Array.from({ length: spec.numHiddenLayers }, (_, l) => [IO.key(l), IO.value(l)]).flat();
    const out = await graph.run(feeds, { params: this.m.params, outputs: [IO.logits, ...kvNames] });
    const layers = spec.numHiddenLayers;
    const keys = Array.from({ length: layers }, (_, l) => out[IO.key(l)].data as FloatArray);
    const values = Array.from({ length: layers }, (_, l) => out[IO.value(l)].data as FloatArray);
    const capacity = Math.ceil(Math.max(reserveSlots, prompt.width) / this.block) * this.block;
    const cache = new KvCache({ layers, kvHeads: spec.numKeyValueHeads, headDim: spec.headDim }, dtype, source.length, capacity, this.pool);
    cache.fillFromPrefill(keys, values, prompt.attentionMask, prompt.width, source);
    const V = spec.vocabSize;
    const first = out[IO.logits].data as FloatArray;
    const logits = dtype === 'float64' ? new Float64Array(source.length * V) : new Float32Array(source.length * V);
    source.forEach((s, r) => logits.set(first.subarray(s * V, (s + 1) * V), r * V));
    return { logits, cache };
  }

  /**
   * Feed one token per cache row at the given positions; the new keys/values go into the cache's next slot.
   * Returns the next-token logits [rows, V], or the next token of every row chosen in the graph.
   */
  async step(cache: KvCache, tokens: ArrayLike<number>, positions: ArrayLike<number>, choice: TokenChoice = { kind: 'logits' }): Promise<StepOutput> {
    const { spec, dtype } = this.m;
    const rows = cache.rows;
    if (tokens.length !== rows || positions.length !== rows) throw new Error(`KvDecoder.step: ${tokens.length} tokens / ${positions.length} positions for ${rows} cache rows`);
    cache.reserve(cache.length + 1, this.block);
    const feeds: Record<string, Feed> = {
      ...cache.feeds(),
      [IO.inputIds]: { data: toInt64Array(tokens), dims: [rows, 1] },
      [IO.attentionMask]: { data: new BigInt64Array(rows).fill(1n), dims: [rows, 1] },
      [IO.positionIds]: { data: toInt64Array(positions), dims: [rows, 1] },
      [IO.invFreq]: { data: invFreqFeed(spec, maxOf(positions), dtype), dims: [spec.headDim / 2] },
      ...this.choiceFeeds(rows, choice),
    };
    const layers = spec.numHiddenLayers;
    const kvNames = Array.from({ length: layers }, (_, l) => [IO.key(l), IO.value(l)]).flat();
    const wanted =
      choice.kind === 'logits' ? [IO.logits] : choice.kind === 'greedy' ? [CHOICE_IO.greedyToken, CHOICE_IO.greedyLogProb] : [CHOICE_IO.sampledToken, CHOICE_IO.sampledLogProb];
    const graph = await this.m.decode();
    const out = await graph.run(feeds, { params: this.m.params, outputs: [...wanted, ...kvNames] });
    cache.appendSlot(
      Array.from({ length: layers }, (_, l) => out[IO.key(l)].data as FloatArray),
      Array.from({ length: layers }, (_, l) => out[IO.value(l)].data as FloatArray),
    );
    if (choice.kind === 'logits') return { kind: 'logits', logits: out[IO.logits].data as FloatArray };
    const ids = out[wanted[0]].data as BigInt64Array;
    return { kind: 'tokens', tokens: Int32Array.from(ids, Number), logProbs: Float32Array.from(out[wanted[1]].data as FloatArray) };
  }

  /** sample_temperature and sample_uniform (the graph needs them even when they are not used). */
  private choiceFeeds(rows: number, choice: TokenChoice): Record<string, Feed> {
    const float = (values: ArrayLike<number>) => (this.m.dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values));
    const sample = choice.kind === 'sample';
    if (sample && choice.uniforms.length !== rows) throw new Error(`KvDecoder.step: ${choice.uniforms.length} uniforms for ${rows} cache rows`);
    return {
      [CHOICE_IO.temperature]: { data: float([sample ? choice.temperature : 1]), dims: [1] },
      [CHOICE_IO.uniform]: { data: sample ? float(choice.uniforms) : float(new Array<number>(rows).fill(0)), dims: [rows] },
    };
  }
}
