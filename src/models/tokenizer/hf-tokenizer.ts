/**
 * A Hugging Face tokenizer: `tokenizer.json` run by @huggingface/tokenizers, special tokens and the chat
 * template from `tokenizer_config.json` (or `chat_template.jinja`), stop ids merged with generation_config.json.
 */
import { readJsonObject } from '../../util/json-file.js';
import { Tokenizer as HfTokenizerJs } from '@huggingface/tokenizers';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, errorMessage } from '../../util/errors.js';
import { ChatTemplate, selectChatTemplate } from './chat-template.js';
import type { ChatMessage, ChatTemplateOptions, DecodeOptions, EncodeOptions, SavableTokenizer } from './types.js';

/** Files that make up an HF tokenizer; those present are copied when a checkpoint is saved. */
export const HF_TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
  'added_tokens.json',
  'vocab.json',
  'merges.txt',
  'tokenizer.model',
] as const;

const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;

export interface HfTokenizerOptions {
  /** Extra stop ids (generation_config.json's eos_token_id), added after the tokenizer's own eos. */
  extraEosTokenIds?: readonly number[];
  /** verl's hf_tokenizer(): use eos as pad when the tokenizer has no pad token (default true). */
  padWithEos?: boolean;
}

/** A special-token entry is a string or an AddedToken dict `{content: ...}`. */
function tokenContent(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return null;
}

export class HfTokenizer implements SavableTokenizer {
  readonly kind = 'hf' as const;
  readonly dir: string;
  readonly vocabSize: number;
  readonly padTokenId: number | null;
  readonly eosTokenIds: readonly number[];
  readonly bosTokenId: number | null;
  readonly chatTemplate: string | null;
  /** Special token strings the chat template sees (bos_token, eos_token, ...). */
  readonly specialTokens: Readonly<Record<string, unknown>>;
  private readonly tok: HfTokenizerJs;
  private readonly template: ChatTemplate | null;

  private constructor(dir: string, tokenizerJson: Record<string, unknown>, config: Record<string, unknown>, template: { source: string; origin: string } | null, options: HfTokenizerOptions) {
    this.dir = dir;
    try {
      this.tok = new HfTokenizerJs(tokenizerJson, config);
    } catch (err) {
      throw new InputError(`${join(dir, 'tokenizer.json')}: @huggingface/tokenizers cannot build it: ${errorMessage(err)}`, { cause: err });
    }
    this.vocabSize = this.tok.get_vocab(true).size;
    const special: Record<string, unknown> = {};
    for (const key of SPECIAL_TOKEN_KEYS) {
      const content = tokenContent(config[key]);
      if (content !== null) special[key] = content;
    }
    const additional = config.additional_special_tokens;
    if (Array.isArray(additional)) special.additional_special_tokens = additional.map(tokenContent).filter((t): t is string => t !== null);
    this.specialTokens = special;
    const idOf = (key: string): number | null => {
      const content = special[key];
      if (typeof content !== 'string') return null;
      const id = this.tok.token_to_id(content);
      if (id === undefined) throw new InputError(`${join(dir, 'tokenizer_config.json')}: ${key} '${content}' is not in the vocabulary of tokenizer.json`);
      return id;
    };
    this.bosTokenId = idOf('bos_token');
    const eos = idOf('eos_token');
    const eosIds: number[] = [];
    for (const id of [...(options.extraEosTokenIds ?? []), ...(eos === null ? [] : [eos])]) if (!eosIds.includes(id)) eosIds.push(id);
    this.eosTokenIds = eosIds;
    const pad = idOf('pad_token');
    this.padTokenId = pad ?? ((options.padWithEos ?? true) && eos !== null ? eos : null);
    this.chatTemplate = template?.source ?? null;
    this.template = template ? new ChatTemplate(template.source, template.origin) : null;
  }

  /** Load `<dir>/tokenizer.json` (+ tokenizer_config.json, chat_template.jinja when present). */
  static fromDir(dir: string, options: HfTokenizerOptions = {}): HfTokenizer {
    const jsonPath = join(dir, 'tokenizer.json');
    if (!existsSync(jsonPath)) throw new InputError(`${dir}: no tokenizer.json`);
    const configPath = join(dir, 'tokenizer_config.json');
    const config = existsSync(configPath) ? readJsonObject(configPath) : {};
    const jinjaPath = join(dir, 'chat_template.jinja');
    let template: { source: string; origin: string } | null = null;
    if (existsSync(jinjaPath)) template = { source: readFileSync(jinjaPath, 'utf8'), origin: jinjaPath };
    else {
      const source = selectChatTemplate(config.chat_template, configPath);
      if (source !== null) template = { source, origin: configPath };
    }
    return new HfTokenizer(dir, readJsonObject(jsonPath), config, template, options);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.tok.encode(text, { add_special_tokens: options.addSpecialTokens ?? false }).ids;
  }

  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    // @huggingface/tokenizers refuses an empty list; transformers returns ''.
    if (ids.length === 0) return '';
    return this.tok.decode(Array.from(ids), { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    if (!this.template) {
      throw new InputError(`tokenizer in ${this.dir} has no chat template (no 'chat_template' in tokenizer_config.json and no chat_template.jinja)`);
    }
    return this.template.render(messages, { ...options, specialTokens: { ...this.specialTokens } });
  }

  tokenToId(token: string): number | null {
    return this.tok.token_to_id(token) ?? null;
  }

  idToToken(id: number): string | null {
    return this.tok.id_to_token(id) ?? null;
  }

  /** The tokenizer files of the source directory, byte for byte. */
  files(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const name of HF_TOKENIZER_FILES) {
      const path = join(this.dir, name);
      if (existsSync(path)) out.set(name, readFileSync(path));
    }
    return out;
  }
}
