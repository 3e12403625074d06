/**
 * The tokenizer seam: data loading, reward managers and rollout talk to this interface only. Implementations
 * live beside it (Hugging Face tokenizer.json, and a character-level tokenizer for tiny test models).
 */
export interface ChatMessage {
  role: string;
  content: string;
  [extra: string]: unknown;
}

export interface EncodeOptions {
  /** Add the tokenizer's special tokens (BOS/EOS) as its post-processor says. Default false. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (pad, eos, chat markers) from the text. Default false. */
  skipSpecialTokens?: boolean;
}

export interface ChatTemplateOptions {
  addGenerationPrompt?: boolean;
  /** Extra template variables, e.g. `enable_thinking` (verl's data.apply_chat_template_kwargs). */
  extra?: Record<string, unknown>;
}

export interface Tokenizer {
  readonly vocabSize: number;
  readonly padTokenId: number | null;
  readonly eosTokenIds: readonly number[];
  readonly bosTokenId: number | null;
  encode(text: string, options?: EncodeOptions): number[];
  decode(ids: ArrayLike<number>, options?: DecodeOptions): string;
  /** Render messages with the model's chat template (text, not ids). */
  applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string;
  tokenToId(token: string): number | null;
}

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
