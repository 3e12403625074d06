/**
 * Prompt tokenisation as verl's RLHFDataset did it (before the rollout took it over): chat template with the
 * generation prompt, encode without special tokens, truncate per data.truncation, left-pad to
 * max_prompt_length; position ids are verl's clip(cumsum(mask) − 1, 0).
 */
import type { ChatMessage, Tokenizer } from './tokenizer.js';
import type { Truncation } from './config.js';

export interface PromptTokens {
  /** The chat-templated prompt text. */
  text: string;
  /** Token ids of `text`, before truncation. */
  ids: number[];
}

export interface PaddedPrompt {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  positionIds: Int32Array;
  /** The (truncated) unpadded ids, verl's raw_prompt_ids. */
  rawPromptIds: number[];
}

export function renderPrompt(tokenizer: Tokenizer, messages: readonly ChatMessage[], templateKwargs: Record<string, unknown>): PromptTokens {
  const text = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true, extra: templateKwargs });
  return { text, ids: tokenizer.encode(text, { addSpecialTokens: false }) };
}

/** Cut `ids` to `max` tokens the way `truncation` says ('error' is the caller's business). */
export function truncateIds(ids: readonly number[], max: number, truncation: Exclude<Truncation, 'error'>): number[] {
  if (ids.length <= max) return [...ids];
  switch (truncation) {
    case 'left':
      return ids.slice(ids.length - max);
    case 'right':
      return ids.slice(0, max);
    case 'middle': {
      const left = Math.floor(max / 2);
      const right = max - left;
      return [...ids.slice(0, left), ...ids.slice(ids.length - right)];
    }
  }
}

/** verl's compute_position_id_with_mask for one row: clip(cumsum(mask) − 1, min 0). */
export function positionIdsFromMask(mask: ArrayLike<number>): Int32Array {
  const out = new Int32Array(mask.length);
  let sum = 0;
  for (let i = 0; i < mask.length; i++) {
    sum += mask[i];
    out[i] = Math.max(sum - 1, 0);
  }
  return out;
}

/** Left-pad already-truncated ids to `length` with `padId`. */
export function leftPad(ids: readonly number[], length: number, padId: number): PaddedPrompt {
  if (ids.length > length) throw new RangeError(`leftPad: ${ids.length} ids do not fit in ${length}`);
  const inputIds = new Int32Array(length).fill(padId);
  const attentionMask = new Int32Array(length);
  const offset = length - ids.length;
  for (let i = 0; i < ids.length; i++) {
    inputIds[offset + i] = ids[i];
    attentionMask[offset + i] = 1;
  }
  return { inputIds, attentionMask, positionIds: positionIdsFromMask(attentionMask), rawPromptIds: [...ids] };
}

/** The id used for padding: the tokenizer's pad token, else its (first) EOS token, as verl's hf_tokenizer sets. */
export function padTokenId(tokenizer: Tokenizer): number | null {
  return tokenizer.padTokenId ?? tokenizer.eosTokenIds[0] ?? null;
}
