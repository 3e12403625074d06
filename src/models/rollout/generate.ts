/**
 * The rollout (verl's generate_sequences): n samples per left-padded prompt, decoded with a KV cache, returned
 * as a Batch with verl's columns.
 *
 * Per group of at most max_num_seqs output rows: the group's distinct prompts are prefilled once (columns that
 * are padding in every row are cut first) and their caches copied to the n sample rows; then one step per token.
 * Each output row draws from its own seeded stream (rowGenerators), and rows that have finished draw nothing,
 * so a row's samples depend only on the seed, its index and its logits. Once a quarter of the cached rows have
 * finished, they are dropped from the cache so later steps compute only for live rows. Greedy decoding and plain
 * sampling choose the token inside the decode graph after the first step (token-choice.ts); top-k / top-p sample
 * in JS from the logits.
 *
 * Output columns (B·n rows, P = prompt width, R = response_length):
 * prompts [B·n, P], responses [B·n, R] (right-padded with the pad id), input_ids = prompts ‖ responses,
 * attention_mask = prompt mask ‖ response mask, position_ids = prompt positions ‖ last prompt position + 1…R,
 * response_mask [B·n, R] (1 for generated tokens, the EOS included) — all int32 — and rollout_log_probs
 * [B·n, R] float32: log-prob of each sampled token under the distribution it was drawn from (temperature,
 * top-k, top-p applied; the raw softmax when greedy), −1 after the response ends as verl pads it.
 */
import { Batch, BatchError } from '../../data/batch.js';
import { Tensor as DataTensor } from '../../data/tensor.js';
import { InputError } from '../../util/errors.js';
import type { Rng } from '../../util/rng.js';
import type { CausalLM } from '../compute/causal-lm.js';
import type { KvCache } from '../compute/kv-cache.js';
import type { PromptRows, StepOutput, TokenChoice } from '../compute/kv-decoder.js';
import { batchPositionIds, checkTokenIds } from '../compute/sequence-batch.js';
import { checkSequenceLength } from '../hf/config.js';
import { DecodeState } from '../sampling/decode-state.js';
import { rowGenerators, sampleTokens } from '../sampling/sample.js';
import { checkRolloutOptions, samplingParamsOf, type RolloutOptions } from './options.js';

/** verl pads rollout_log_probs with −1 past the end of a response. */
export const ROLLOUT_LOG_PROB_PAD = -1;

/** Drop finished rows from the cache once at least this fraction of its rows has finished. */
const COMPACT_FRACTION = 0.25;

interface PromptBatch extends PromptRows {
  readonly inputIds: Int32Array;
  readonly attentionMask: Int32Array;
  readonly positionIds: Int32Array;
  /** Position id of each row's last prompt token. */
  readonly lastPositions: Int32Array;
}

/** The stop ids and the pad id a rollout uses. */
export function stopTokens(lm: CausalLM, o: RolloutOptions): { eos: number[]; pad: number } {
  const eos = new Set<number>(o.eosTokenIds ?? []);
  if (!o.eosTokenIds) {
    for (const id of lm.generationConfig?.eosTokenIds ?? lm.spec.eosTokenIds) eos.add(id);
    for (const id of lm.tokenizer?.eosTokenIds ?? []) eos.add(id);
  }
  if (eos.size === 0 && !o.ignoreEos) {
    throw new InputError(
      `${lm.spec.architecture}: no EOS token id is known (generation_config.json, config.json and the tokenizer name none), ` +
        `so responses could not stop; set ignore_eos=true or pass eosTokenIds`,
    );
  }
  const list = [...eos];
  const pad = o.padTokenId ?? lm.tokenizer?.padTokenId ?? lm.generationConfig?.padTokenId ?? lm.spec.padTokenId ?? list[0] ?? 0;
  return { eos: list, pad };
}

function promptBatch(prompts: Batch, vocabSize: number): PromptBatch {
  const ids = prompts.ints('input_ids');
  if (ids.shape.length !== 2) throw new BatchError(`prompt column 'input_ids' must be [B, P], got [${ids.shape.join(', ')}]`);
  const [rows, width] = ids.shape;
  const mask = prompts.tensor('attention_mask');
  if (mask.shape.join() !== ids.shape.join()) throw new BatchError(`prompt column 'attention_mask' has shape [${mask.shape.join(', ')}], input_ids has [${ids.shape.join(', ')}]`);
  if (rows === 0 || width === 0) throw new BatchError(`the prompt batch is empty ([${rows}, ${width}])`);
  checkTokenIds(ids.data, vocabSize, width);
  for (let b = 0; b < rows; b++) {
    if (!mask.data[b * width + width - 1]) {
      throw new InputError(`prompt row ${b} ends with padding: prompts must be left-padded (real tokens last), as verl pads them`);
    }
  }
  const positions = prompts.hasTensor('position_ids') ? prompts.ints('position_ids').data : batchPositionIds(mask.data, rows, width);
  if (positions.length !== rows * width) throw new BatchError(`prompt column 'position_ids' must be [${rows}, ${width}]`);
  const lastPositions = new Int32Array(rows);
  for (let b = 0; b < rows; b++) lastPositions[b] = positions[b * width + width - 1];
  return { rows, width, inputIds: ids.data, attentionMask: Int32Array.from(mask.data), positionIds: positions, lastPositions };
}

/** Prompts [first, end) of `p`, without the leading columns that are padding in all of them. */
function promptSlice(p: PromptBatch, first: number, end: number): PromptRows {
  let cut = p.width;
  for (let b = first; b < end; b++) {
    let lead = 0;
    while (lead < p.width && !p.attentionMask[b * p.width + lead]) lead++;
    cut = Math.min(cut, lead);
  }
  const width = p.width - cut;
  const rows = end - first;
  const take = (src: ArrayLike<number>) => {
    const out = new Int32Array(rows * width);
    for (let r = 0; r < rows; r++) for (let t = 0; t < width; t++) out[r * width + t] = src[(first + r) * p.width + cut + t];
    return out;
  };
  return { rows, width, inputIds: take(p.inputIds), attentionMask: take(p.attentionMask), positionIds: take(p.positionIds) };
}

interface GroupResult {
  responses: Int32Array;
  mask: Float32Array;
  logProbs: Float32Array;
  lengths: Int32Array;
}

/**
 * Where the next token is chosen: in the decode graph for greedy decoding and for plain sampling (no top-k, no
 * top-p), so a step returns B ids instead of [B, V] logits; in JS (the models-io sampler) otherwise.
 */
export function tokenChoiceMode(o: RolloutOptions, vocabSize: number): 'greedy' | 'sample' | 'logits' {
  if (!o.doSample) return 'greedy';
  return (o.topK <= 0 || o.topK >= vocabSize) && o.topP >= 1 ? 'sample' : 'logits';
}

/** Decode output rows [start, end) (row r samples prompt ⌊r/n⌋) with the KV cache. */
async function decodeGroup(lm: CausalLM, p: PromptBatch, o: RolloutOptions, stop: { eos: number[]; pad: number }, rngs: readonly Rng[], start: number, end: number): Promise<GroupResult> {
  const decoder = lm.kvDecoder();
  const rows = end - start;
  const V = lm.spec.vocabSize;
  const firstPrompt = Math.floor(start / o.n);
  const lastPrompt = Math.floor((end - 1) / o.n);
  const prompt = promptSlice(p, firstPrompt, lastPrompt + 1);
  const source = Array.from({ length: rows }, (_, r) => Math.floor((start + r) / o.n) - firstPrompt);
  const state = new DecodeState({ batchSize: rows, maxResponseLength: o.responseLength, eosTokenIds: stop.eos, padTokenId: stop.pad, ignoreEos: o.ignoreEos });
  const params = samplingParamsOf(o);
  const mode = tokenChoiceMode(o, V);
  const first = await decoder.prefill(prompt, source, prompt.width + Math.min(o.responseLength, decoder.block));
  const cache: KvCache = first.cache;
  let out: StepOutput = { kind: 'logits', logits: first.logits };
  /** Group rows held by the cache, in cache order. */
  let live = Array.from({ length: rows }, (_, r) => r);
  const tokens = new Int32Array(rows);
  const logps = new Float32Array(rows);
  // The cache's buffers go back to the decoder's pool for the next rollout.
  try {
    for (;;) {
      if (out.kind === 'logits') {
        const sampled = sampleTokens(
          out.logits instanceof Float32Array ? out.logits : Float32Array.from(out.logits),
          live.length,
          V,
          params,
          live.map((r) => rngs[start + r]),
          { active: live.map((r) => !state.isFinished(r)) },
        );
        live.forEach((r, i) => {
          tokens[r] = sampled.tokenIds[i];
          logps[r] = sampled.logProbs[i];
        });
      } else {
        const chosen = out;
        live.forEach((r, i) => {
          tokens[r] = chosen.tokens[i];
          logps[r] = chosen.logProbs[i];
        });
      }
      state.append(tokens, logps);
      if (state.done) break;
      const stillLive = live.filter((r) => !state.isFinished(r));
      if (live.length - stillLive.length >= Math.max(1, COMPACT_FRACTION * live.length)) {
        const index = new Map(live.map((r, i) => [r, i]));
        cache.keepRows(stillLive.map((r) => index.get(r) as number));
        live = stillLive;
      }
      const last = state.lastTokens();
      const step = state.step;
      // Rows that have finished (still cached until dropped) draw nothing, as in the JS sampler.
      const choice: TokenChoice =
        mode === 'sample'
          ? { kind: 'sample', temperature: o.temperature, uniforms: live.map((r) => (state.isFinished(r) ? 0 : rngs[start + r].next())) }
          : { kind: mode };
      out = await decoder.step(
        cache,
        live.map((r) => last[r]),
        live.map((r) => p.lastPositions[Math.floor((start + r) / o.n)] + step),
        choice,
      );
    }
  } finally {
    cache.release();
  }
  const res = state.result();
  return { responses: res.responses, mask: res.responseMask, logProbs: res.logProbs, lengths: res.lengths };
}

/** Sample `options.n` responses for every prompt of `prompts` (input_ids, attention_mask [, position_ids] [B, P], left-padded). */
export async function generateSequences(lm: CausalLM, prompts: Batch, options: RolloutOptions): Promise<Batch> {
  checkRolloutOptions(options);
  const p = promptBatch(prompts, lm.spec.vocabSize);
  checkSequenceLength(lm.spec, p.width + options.responseLength);
  const stop = stopTokens(lm, options);
  const n = options.n;
  const R = options.responseLength;
  const total = p.rows * n;
  const offset = options.streamOffset ?? 0;
  const rngs = rowGenerators(options.seed, offset + total).slice(offset);
  const responses = new Int32Array(total * R);
  const responseMask = new Int32Array(total * R);
  const logProbs = new Float32Array(total * R).fill(ROLLOUT_LOG_PROB_PAD);
  for (let start = 0; start < total; start += options.maxNumSeqs) {
    const end = Math.min(total, start + options.maxNumSeqs);
    const g = await decodeGroup(lm, p, options, stop, rngs, start, end);
    responses.set(g.responses, start * R);
    for (let r = 0; r < end - start; r++) {
      const len = g.lengths[r];
      responseMask.fill(1, (start + r) * R, (start + r) * R + len);
      logProbs.set(g.logProbs.subarray(r * R, r * R + len), (start + r) * R);
    }
  }
  return rolloutBatch(p, n, R, responses, responseMask, logProbs);
}

function rolloutBatch(p: PromptBatch, n: number, R: number, responses: Int32Array, responseMask: Int32Array, logProbs: Float32Array): Batch {
  const P = p.width;
  const T = P + R;
  const total = p.rows * n;
  const prompts = new Int32Array(total * P);
  const inputIds = new Int32Array(total * T);
  const attention = new Int32Array(total * T);
  const positions = new Int32Array(total * T);
  for (let row = 0; row < total; row++) {
    const b = Math.floor(row / n);
    const src = b * P;
    const promptIds = p.inputIds.subarray(src, src + P);
    prompts.set(promptIds, row * P);
    inputIds.set(promptIds, row * T);
    inputIds.set(responses.subarray(row * R, (row + 1) * R), row * T + P);
    for (let t = 0; t < P; t++) {
      attention[row * T + t] = p.attentionMask[src + t];
      positions[row * T + t] = p.positionIds[src + t];
    }
    attention.set(responseMask.subarray(row * R, (row + 1) * R), row * T + P);
    for (let t = 0; t < R; t++) positions[row * T + P + t] = p.lastPositions[b] + 1 + t;
  }
  return Batch.from({
    tensors: {
      prompts: new DataTensor(prompts, [total, P]),
      responses: new DataTensor(responses, [total, R]),
      input_ids: new DataTensor(inputIds, [total, T]),
      attention_mask: new DataTensor(attention, [total, T]),
      position_ids: new DataTensor(positions, [total, T]),
      response_mask: new DataTensor(responseMask, [total, R]),
      rollout_log_probs: new DataTensor(logProbs, [total, R]),
    },
  });
}
