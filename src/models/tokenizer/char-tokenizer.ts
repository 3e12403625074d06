/**
 * The character-level tokenizer of verl's digit-completion test (tests/e2e/envs/digit_completion), as a
 * proper Tokenizer so tiny test models work like real ones. Vocabulary: 'S' (sep) = 0, 'E' (eos) = 1,
 * 'P' (pad) = 2, 'U' (unk) = 3, then the characters of `char_ords` in order from id 4. Any other character
 * encodes as 'U'. It is stored as a tokenizer_config.json holding `char_ords`, `model_max_length` and
 * `chat_template`, exactly the file verl's tokenizer saves.
 */
import { InputError } from '../../util/errors.js';
import { ChatTemplate } from './chat-template.js';
import type { ChatMessage, ChatTemplateOptions, DecodeOptions, EncodeOptions, SavableTokenizer } from './types.js';

export const CHAR_SPECIAL_TOKENS = { sep_token: 'S', eos_token: 'E', pad_token: 'P', unk_token: 'U' } as const;
const SPECIALS = ['S', 'E', 'P', 'U'] as const;
const UNK_ID = 3;

/**
 * The chat template verl-ts gives new character tokenizers: user turns concatenated, roles must alternate
 * starting with the user, no system role, and the sep token as the generation prompt (the behaviour of the
 * digit-completion tokenizer's template).
 */
export const DEFAULT_CHAR_CHAT_TEMPLATE =
  "{%- for message in messages -%}" +
  "{%- if message['role'] == 'system' -%}{{ raise_exception('System role not supported') }}{%- endif -%}" +
  "{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}" +
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{%- endif -%}" +
  "{{- message['content'] -}}" +
  "{%- endfor -%}" +
  "{%- if add_generation_prompt -%}{{- sep_token -}}{%- endif -%}";

export interface CharTokenizerConfig {
  char_ords: number[];
  model_max_length?: number;
  chat_template?: string | null;
}

export class CharTokenizer implements SavableTokenizer {
  readonly kind = 'char' as const;
  readonly characters: readonly string[];
  readonly modelMaxLength: number;
  readonly chatTemplate: string | null;
  readonly vocabSize: number;
  readonly padTokenId = 2;
  readonly eosTokenIds: readonly number[] = [1];
  readonly bosTokenId = null;
  private readonly toId: Map<string, number>;
  private readonly template: ChatTemplate | null;
  private readonly origin: string;

  constructor(characters: readonly string[], options: { modelMaxLength?: number; chatTemplate?: string | null; origin?: string } = {}) {
    this.origin = options.origin ?? 'character tokenizer';
    this.toId = new Map(SPECIALS.map((s, i) => [s, i]));
    characters.forEach((ch, i) => {
      if ([...ch].length !== 1) throw new InputError(`${this.origin}: character ${i} must be a single character, got ${JSON.stringify(ch)}`);
      if (this.toId.has(ch)) {
        const what = (SPECIALS as readonly string[]).includes(ch) ? `reserved for a special token (S sep, E eos, P pad, U unk)` : 'listed twice';
        throw new InputError(`${this.origin}: character ${JSON.stringify(ch)} (code ${ch.codePointAt(0)}) is ${what}`);
      }
      this.toId.set(ch, i + SPECIALS.length);
    });
    this.characters = [...characters];
    this.vocabSize = SPECIALS.length + characters.length;
    this.modelMaxLength = options.modelMaxLength ?? 2048;
    this.chatTemplate = options.chatTemplate ?? null;
    this.template = this.chatTemplate === null ? null : new ChatTemplate(this.chatTemplate, this.origin);
  }

  /** From verl's tokenizer_config.json (`char_ords` = Unicode code points of the characters). */
  static fromConfig(config: Record<string, unknown>, origin = 'tokenizer_config.json'): CharTokenizer {
    const ords = config.char_ords;
    if (!Array.isArray(ords) || !ords.every((o) => Number.isSafeInteger(o) && (o as number) >= 0 && (o as number) <= 0x10ffff)) {
      throw new InputError(`${origin}: 'char_ords' must be a list of Unicode code points, got ${JSON.stringify(ords)}`);
    }
    const maxLen = config.model_max_length;
    if (maxLen !== undefined && (typeof maxLen !== 'number' || !(maxLen > 0))) throw new InputError(`${origin}: 'model_max_length' must be a positive number`);
    const template = config.chat_template;
    if (template !== undefined && template !== null && typeof template !== 'string') throw new InputError(`${origin}: 'chat_template' must be a string`);
    return new CharTokenizer(
      (ords as number[]).map((o) => String.fromCodePoint(o)),
      { modelMaxLength: maxLen as number | undefined, chatTemplate: (template as string | null | undefined) ?? null, origin },
    );
  }

  /** A tokenizer over the characters of `chars` (in order, duplicates not allowed). */
  static fromCharacters(chars: string, options: { modelMaxLength?: number; chatTemplate?: string | null } = {}): CharTokenizer {
    return new CharTokenizer([...chars], { chatTemplate: DEFAULT_CHAR_CHAT_TEMPLATE, ...options });
  }

  /** One id per character; special tokens are never added (the tokenizer defines no BOS). */
  encode(text: string, _options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    for (const ch of text) ids.push(this.toId.get(ch) ?? UNK_ID);
    return ids;
  }

  /** The distinct characters of `text` outside the vocabulary (those `encode` maps to the unk token). */
  unknownCharacters(text: string): string[] {
    return [...new Set([...text].filter((ch) => !this.toId.has(ch)))];
  }

  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new InputError(`${this.origin}: token id ${id} is outside the vocabulary (0..${this.vocabSize - 1})`);
      }
      if (id < SPECIALS.length) {
        if (!options.skipSpecialTokens) out += SPECIALS[id];
      } else out += this.characters[id - SPECIALS.length];
    }
    return out;
  }

  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    if (!this.template) throw new InputError(`${this.origin}: this tokenizer has no chat template`);
    return this.template.render(messages, { ...options, specialTokens: { ...CHAR_SPECIAL_TOKENS } });
  }

  tokenToId(token: string): number | null {
    return this.toId.get(token) ?? null;
  }

  /** verl's tokenizer_config.json (json.dump with indent 4). */
  files(): Map<string, string> {
    const config: CharTokenizerConfig = {
      char_ords: this.characters.map((c) => c.codePointAt(0) as number),
      model_max_length: this.modelMaxLength,
      chat_template: this.chatTemplate,
    };
    return new Map([['tokenizer_config.json', `${JSON.stringify(config, null, 4)}\n`]]);
  }
}
