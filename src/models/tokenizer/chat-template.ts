/**
 * Chat templates (Jinja, as in tokenizer_config.json or chat_template.jinja) rendered with
 * @huggingface/jinja, given the same variables transformers' `apply_chat_template` passes: `messages`,
 * `add_generation_prompt`, the tokenizer's special tokens (`bos_token`, `eos_token`, ...), and any extra
 * keyword arguments (e.g. `enable_thinking`, `tools`).
 */
import { Template } from '@huggingface/jinja';
import { InputError, errorMessage } from '../../util/errors.js';
import type { ChatMessage, ChatTemplateOptions } from './types.js';

export class ChatTemplate {
  readonly source: string;
  /** Where the template came from, for error messages (e.g. '<dir>/tokenizer_config.json'). */
  readonly origin: string;
  private readonly template: Template;

  constructor(source: string, origin: string) {
    this.source = source;
    this.origin = origin;
    try {
      this.template = new Template(source);
    } catch (err) {
      throw new InputError(`chat template in ${origin} does not parse: ${errorMessage(err)}`, { cause: err });
    }
  }

  render(messages: readonly ChatMessage[], options: ChatTemplateOptions & { specialTokens?: Record<string, unknown> } = {}): string {
    checkMessages(messages);
    const variables: Record<string, unknown> = {
      ...(options.specialTokens ?? {}),
      ...(options.extra ?? {}),
      messages: messages.map((m) => ({ ...m })),
      add_generation_prompt: options.addGenerationPrompt ?? false,
    };
    try {
      return this.template.render(variables);
    } catch (err) {
      throw new InputError(`chat template in ${this.origin} failed: ${errorMessage(err)}`, { cause: err });
    }
  }
}

function checkMessages(messages: readonly ChatMessage[]): void {
  if (!Array.isArray(messages)) throw new InputError(`chat messages must be a list of {role, content} objects, got ${typeof messages}`);
  messages.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new InputError(`chat message ${i} must be an object with 'role' and 'content', got ${JSON.stringify(m)}`);
    if (typeof m.role !== 'string') throw new InputError(`chat message ${i} needs a string 'role', got ${JSON.stringify(m.role)}`);
  });
}

/**
 * Pick the template from tokenizer_config.json's `chat_template`, which is either a string or (newer
 * transformers) a list of `{name, template}` where the one named 'default' is used.
 */
export function selectChatTemplate(value: unknown, origin: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value.filter((v): v is { name: string; template: string } => v !== null && typeof v === 'object' && typeof v.name === 'string' && typeof v.template === 'string');
    const dflt = named.find((t) => t.name === 'default');
    if (dflt) return dflt.template;
    throw new InputError(`${origin}: 'chat_template' lists named templates (${named.map((t) => t.name).join(', ') || 'none valid'}) but none is called 'default'`);
  }
  throw new InputError(`${origin}: 'chat_template' must be a string or a list of {name, template}, got ${typeof value}`);
}
