/**
 * The tokenizer seam: data loading, reward managers and the models talk to this interface only. It lives in
 * data (the first layer to tokenise) so that data and reward need not import models; the implementations
 * (Hugging Face tokenizer.json, a character-level tokenizer for tiny test models) are in src/models/tokenizer.
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
