/**
 * Tokenizers in models: the Tokenizer interface (defined in src/data/tokenizer.ts, re-exported here) and the
 * savable kind the implementations beside this file provide.
 */
import type { Tokenizer } from '../../data/tokenizer.js';

export type { ChatMessage, ChatTemplateOptions, DecodeOptions, EncodeOptions, Tokenizer } from '../../data/tokenizer.js';

/**
 * A tokenizer that can write itself into a model directory (what `saveModelDir` stores beside the weights).
 * Implemented by both of verl-ts's tokenizers; `files()` returns file name → contents.
 */
export interface SavableTokenizer extends Tokenizer {
  /** 'hf' = tokenizer.json via @huggingface/tokenizers; 'char' = character-level (verl's digit tokenizer). */
  readonly kind: 'hf' | 'char';
  /** The chat template source, or null when the tokenizer has none. */
  readonly chatTemplate: string | null;
  files(): Map<string, string | Uint8Array>;
}
