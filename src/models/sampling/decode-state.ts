/**
 * Bookkeeping for batched autoregressive decoding, driven by a decode loop that feeds it one token per row
 * per step. It tracks which rows have finished (an EOS id was emitted, unless ignore_eos, or the response
 * reached max length), writes pad ids and zero masks after a row finishes, and hands back verl-shaped
 * results: responses right-padded to the response length, the response mask (1 for generated tokens, the
 * EOS token included, as in verl) and the sampling policy's log-probs.
 *
 * Typical loop:
 *   const state = new DecodeState({ batchSize, maxResponseLength, eosTokenIds, padTokenId });
 *   while (!state.done) {
 *     const logits = engine.step(state.lastTokens());            // [batch, vocab]
 *     const { tokenIds, logProbs } = sampleTokens(logits, batch, vocab, params, rngs, { active: state.activeMask() });
 *     state.append(tokenIds, logProbs);
 *   }
 *   const { responses, responseMask, logProbs } = state.result();
 */
export type FinishReason = 'stop' | 'length';

export interface DecodeStateOptions {
  batchSize: number;
  /** Tokens to generate at most per row (verl's response_length). */
  maxResponseLength: number;
  /** A row stops after emitting any of these (unless ignoreEos). */
  eosTokenIds: readonly number[];
  /** Written after a row finishes. */
  padTokenId: number;
  /** Keep generating through EOS until maxResponseLength (vLLM's ignore_eos). */
  ignoreEos?: boolean;
}

export interface DecodeResult {
  batchSize: number;
  /** Width of every [batch, width] array: maxResponseLength, or the longest response when trimmed. */
  width: number;
  /** Token ids, right-padded with padTokenId. */
  responses: Int32Array;
  /** 1 for generated tokens (EOS included), 0 for padding. */
  responseMask: Float32Array;
  /** log-prob of each generated token under the sampling distribution; 0 at padding. */
  logProbs: Float32Array;
  /** Generated tokens per row (EOS included). */
  lengths: Int32Array;
  /** Why each row stopped; null while it is still generating. */
  finishReasons: Array<FinishReason | null>;
}

export class DecodeState {
  readonly batchSize: number;
  readonly maxResponseLength: number;
  readonly padTokenId: number;
  readonly ignoreEos: boolean;
  private readonly eos: ReadonlySet<number>;
  private readonly tokens: Int32Array;
  private readonly logps: Float32Array;
  private readonly lens: Int32Array;
  private readonly finished: Uint8Array;
  private readonly reasons: Array<FinishReason | null>;
  private steps = 0;
  private unfinished: number;

  constructor(options: DecodeStateOptions) {
    const { batchSize, maxResponseLength, padTokenId } = options;
    if (!Number.isInteger(batchSize) || batchSize < 0) throw new Error(`DecodeState: batchSize must be a non-negative integer, got ${batchSize}`);
    if (!Number.isInteger(maxResponseLength) || maxResponseLength < 1) throw new Error(`DecodeState: maxResponseLength must be a positive integer, got ${maxResponseLength}`);
    if (!Number.isInteger(padTokenId) || padTokenId < 0) throw new Error(`DecodeState: padTokenId must be a token id, got ${padTokenId}`);
    this.batchSize = batchSize;
    this.maxResponseLength = maxResponseLength;
    this.padTokenId = padTokenId;
    this.ignoreEos = options.ignoreEos ?? false;
    this.eos = new Set(options.eosTokenIds);
    if (!this.ignoreEos && this.eos.size === 0) throw new Error('DecodeState: no EOS ids given; pass ignoreEos: true to always generate maxResponseLength tokens');
    this.tokens = new Int32Array(batchSize * maxResponseLength).fill(padTokenId);
    this.logps = new Float32Array(batchSize * maxResponseLength);
    this.lens = new Int32Array(batchSize);
    this.finished = new Uint8Array(batchSize);
    this.reasons = new Array<FinishReason | null>(batchSize).fill(null);
    this.unfinished = batchSize;
  }

  /** Decoding steps taken so far (= length of the longest response). */
  get step(): number {
    return this.steps;
  }

  /** True once every row has finished. */
  get done(): boolean {
    return this.unfinished === 0;
  }

  isFinished(row: number): boolean {
    return this.finished[row] === 1;
  }

  /** 1 for rows still generating. */
  activeMask(): Uint8Array {
    return this.finished.map((f) => 1 - f);
  }

  activeRows(): number[] {
    const rows: number[] = [];
    for (let b = 0; b < this.batchSize; b++) if (!this.finished[b]) rows.push(b);
    return rows;
  }

  /** The token each row feeds to the next step: its last generated token, pad for finished rows. */
  lastTokens(): Int32Array {
    const out = new Int32Array(this.batchSize).fill(this.padTokenId);
    if (this.steps === 0) return out;
    for (let b = 0; b < this.batchSize; b++) if (!this.finished[b]) out[b] = this.tokens[b * this.maxResponseLength + this.steps - 1];
    return out;
  }

  /** Record one step: a token and its log-prob for every row (values of finished rows are ignored). */
  append(tokenIds: ArrayLike<number>, logProbs: ArrayLike<number>): void {
    if (this.done) throw new Error('DecodeState.append: every row has already finished');
    if (tokenIds.length !== this.batchSize || logProbs.length !== this.batchSize) {
      throw new Error(`DecodeState.append: expected ${this.batchSize} tokens and log-probs, got ${tokenIds.length} and ${logProbs.length}`);
    }
    const t = this.steps;
    for (let b = 0; b < this.batchSize; b++) {
      if (this.finished[b]) continue;
      const id = tokenIds[b];
      if (!Number.isInteger(id) || id < 0) throw new Error(`DecodeState.append: row ${b} got token id ${id}`);
      this.tokens[b * this.maxResponseLength + t] = id;
      this.logps[b * this.maxResponseLength + t] = logProbs[b];
      this.lens[b] = t + 1;
      if (!this.ignoreEos && this.eos.has(id)) this.finish(b, 'stop');
      else if (t + 1 === this.maxResponseLength) this.finish(b, 'length');
    }
    this.steps = t + 1;
  }

  private finish(row: number, reason: FinishReason): void {
    this.finished[row] = 1;
    this.reasons[row] = reason;
    this.unfinished--;
  }

  /**
   * The responses so far. By default arrays are maxResponseLength wide (verl pads responses to
   * response_length); `trim: true` cuts them to the longest response.
   */
  result(options: { trim?: boolean } = {}): DecodeResult {
    const width = options.trim ? Math.max(1, this.steps) : this.maxResponseLength;
    const n = this.batchSize * width;
    const responses = new Int32Array(n).fill(this.padTokenId);
    const responseMask = new Float32Array(n);
    const logProbs = new Float32Array(n);
    for (let b = 0; b < this.batchSize; b++) {
      const len = this.lens[b];
      const src = b * this.maxResponseLength;
      responses.set(this.tokens.subarray(src, src + len), b * width);
      logProbs.set(this.logps.subarray(src, src + len), b * width);
      responseMask.fill(1, b * width, b * width + len);
    }
    return {
      batchSize: this.batchSize,
      width,
      responses,
      responseMask,
      logProbs,
      lengths: this.lens.slice(),
      finishReasons: [...this.reasons],
    };
  }
}
