/**
 * `verl-ts score`: per-token log-probs of the sequences of a JSONL file. Each non-blank input line is
 * {"input_ids": [...]} or {"text": "..."}; each output line, in the same order, is {"logprobs": [...]} with
 * log p(token_t | tokens_<t) for t = 1..T−1 (T − 1 numbers; [] for a one-token sequence).
 *
 * Lines are scored in batches, right-padded to a multiple of LENGTH_BUCKET tokens so that consecutive batches
 * reuse a few shapes (ORT plans memory per input shape; docs/engine.md, "Warm-up and shapes"). Right padding
 * cannot change a causal model's log-probs of the real tokens.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { InputError, errorMessage } from '../../util/errors.js';
import type { CausalLM } from '../../models/compute/causal-lm.js';
import { checkPositionLimit, checkSequenceLength } from '../../models/hf/config.js';
import { CharTokenizer } from '../../models/tokenizer/char-tokenizer.js';

/** Batches are padded to a multiple of this many tokens. */
export const LENGTH_BUCKET = 16;

export interface ScoreFileOptions {
  /** Logits are divided by this before the log-softmax (default 1). */
  temperature?: number;
  /** Sequences scored together (default 8). */
  batchSize?: number;
  /** For "text" lines: add the tokenizer's special tokens (e.g. BOS), as transformers' tokenizer(text) does (default true). */
  addSpecialTokens?: boolean;
  /** Called after each batch with the sequences scored so far and the total (for progress). */
  onProgress?: (done: number, total: number) => void;
}


/** The token ids of one input line, or an InputError naming the line. */
export function parseScoreLine(line: string, where: string, lm: CausalLM, addSpecialTokens: boolean): number[] {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new InputError(`${where}: not valid JSON (${errorMessage(err)})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputError(`${where}: expected a JSON object {"input_ids": [...]} or {"text": "..."}`);
  const obj = value as Record<string, unknown>;
  const hasIds = 'input_ids' in obj;
  const hasText = 'text' in obj;
  if (hasIds && hasText) throw new InputError(`${where}: give either "input_ids" or "text", not both`);
  let ids: number[];
  if (hasIds) {
    const raw = obj.input_ids;
    if (!Array.isArray(raw)) throw new InputError(`${where}: "input_ids" must be a list of token ids`);
    raw.forEach((id, i) => {
      if (typeof id !== 'number' || !Number.isInteger(id)) throw new InputError(`${where}: input_ids[${i}] = ${JSON.stringify(id)} is not an integer token id`);
      if (id < 0 || id >= lm.spec.vocabSize) throw new InputError(`${where}: input_ids[${i}] = ${id} is outside the vocabulary [0, ${lm.spec.vocabSize})`);
    });
    ids = raw as number[];
  } else if (hasText) {
    if (typeof obj.text !== 'string') throw new InputError(`${where}: "text" must be a string`);
    if (!lm.tokenizer) throw new InputError(`${where}: "text" needs a tokenizer, but the model directory has none; give "input_ids" instead`);
    if (lm.tokenizer instanceof CharTokenizer) {
      const unknown = lm.tokenizer.unknownCharacters(obj.text);
      if (unknown.length > 0) {
        throw new InputError(
          `${where}: "text" has characters outside the model's character vocabulary: ${unknown.map((c) => JSON.stringify(c)).join(', ')} ` +
            `(the vocabulary: ${JSON.stringify(lm.tokenizer.characters.join(''))})`,
        );
      }
    }
    ids = lm.tokenizer.encode(obj.text, { addSpecialTokens });
  } else {
    const keys = Object.keys(obj);
    throw new InputError(`${where}: expected "input_ids" or "text"${keys.length ? `, got keys ${keys.map((k) => `"${k}"`).join(', ')}` : ''}`);
  }
  if (ids.length === 0) throw new InputError(`${where}: the sequence is empty (nothing to score)`);
  try {
    checkSequenceLength(lm.spec, ids.length);
    checkPositionLimit(lm.spec, ids.length, 'the sequence');
  } catch (err) {
    throw new InputError(`${where}: ${errorMessage(err)}`);
  }
  return ids;
}

async function scoreBatch(lm: CausalLM, batch: readonly number[][], temperature: number): Promise<number[][]> {
  const longest = Math.max(...batch.map((p) => p.length));
  if (longest < 2) return batch.map(() => []);
  const T = Math.ceil(longest / LENGTH_BUCKET) * LENGTH_BUCKET;
  const B = batch.length;
  const ids = new Int32Array(B * T);
  const mask = new Int32Array(B * T);
  batch.forEach((p, b) => {
    ids.set(p, b * T);
    mask.fill(1, b * T, b * T + p.length);
  });
  const { logProbs } = await lm.scoreTokens({ batchSize: B, length: T, inputIds: ids, attentionMask: mask, responseLength: T - 1 }, { temperature });
  return batch.map((p, b) => Array.from(logProbs.data.subarray(b * (T - 1), b * (T - 1) + p.length - 1)));
}

/** Token ids of every non-blank line, all checked before anything is scored (a bad line costs no compute). */
export async function readScoreInput(lm: CausalLM, inputPath: string, addSpecialTokens = true): Promise<number[][]> {
  const stream = createReadStream(inputPath, { encoding: 'utf8' });
  const opened = new Promise<void>((resolveOpen, rejectOpen) => {
    stream.once('open', () => resolveOpen());
    stream.once('error', (err) => rejectOpen(new InputError(`cannot read '${inputPath}': ${errorMessage(err)}`)));
  });
  await opened;
  const sequences: number[][] = [];
  let lineNo = 0;
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    lineNo++;
    if (line.trim() !== '') sequences.push(parseScoreLine(line, `${inputPath}:${lineNo}`, lm, addSpecialTokens));
  }
  return sequences;
}

/**
 * Score every line of `inputPath`; `emit` receives each output line (without newline) in input order.
 * Returns the number of sequences and of scored tokens.
 */
export async function scoreFile(lm: CausalLM, inputPath: string, emit: (line: string) => void, options: ScoreFileOptions = {}): Promise<{ sequences: number; tokens: number }> {
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError(`batch size must be a positive integer, got ${batchSize}`);
  const temperature = options.temperature ?? 1;
  const sequences = await readScoreInput(lm, inputPath, options.addSpecialTokens ?? true);
  let tokens = 0;
  for (let start = 0; start < sequences.length; start += batchSize) {
    for (const lp of await scoreBatch(lm, sequences.slice(start, start + batchSize), temperature)) {
      emit(JSON.stringify({ logprobs: lp }));
      tokens += lp.length;
    }
    options.onProgress?.(Math.min(sequences.length, start + batchSize), sequences.length);
  }
  return { sequences: sequences.length, tokens };
}
