/**
 * A test double for the Tokenizer interface: verl's digit-completion character tokenizer (S=0 sep, E=1 eos,
 * P=2 pad, U=3 unk, then one id per character from 4) with its chat template (user contents concatenated,
 * then S as the generation prompt; a system message is refused, as the real template raises).
 */
import type { ChatMessage, ChatTemplateOptions, DecodeOptions, EncodeOptions, Tokenizer } from '../../src/data/tokenizer.js';

export class CharTokenizer implements Tokenizer {
  readonly padTokenId: number | null = 2;
  readonly eosTokenIds: readonly number[] = [1];
  readonly bosTokenId: number | null = null;
  private readonly toId = new Map<string, number>([['S', 0], ['E', 1], ['P', 2], ['U', 3]]);
  private readonly toChar: string[] = ['S', 'E', 'P', 'U'];

  constructor(characters: string = '0123456789,:') {
    for (const ch of characters) {
      if (this.toId.has(ch)) continue;
      this.toId.set(ch, this.toChar.length);
      this.toChar.push(ch);
    }
  }

  get vocabSize(): number {
    return this.toChar.length;
  }

  encode(text: string, _options?: EncodeOptions): number[] {
    return Array.from(text, (ch) => this.toId.get(ch) ?? 3);
  }

  decode(ids: ArrayLike<number>, options?: DecodeOptions): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (options?.skipSpecialTokens && id < 4) continue;
      out += this.toChar[id] ?? 'U';
    }
    return out;
  }

  applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string {
    if (messages[0]?.role === 'system') throw new Error('System role not supported');
    return messages.map((m) => m.content).join('') + (options?.addGenerationPrompt ? 'S' : '');
  }

  tokenToId(token: string): number | null {
    return this.toId.get(token) ?? null;
  }
}

/** Every printable ASCII character, for tests with ordinary text. */
export const ASCII = Array.from({ length: 95 }, (_x, i) => String.fromCharCode(32 + i)).join('').replace(/[SEPU]/g, '');
