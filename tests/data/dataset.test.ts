import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RLDataset } from '../../src/data/dataset.js';
import type { DatasetOptions } from '../../src/data/dataset.js';
import { collatePrompts } from '../../src/data/collate.js';
import { StatefulDataLoader } from '../../src/data/dataloader.js';
import { DATA_CONFIG_DEFAULTS, dataConfigFromSection } from '../../src/data/config.js';
import { dataSection } from '../support/composed-config.js';
import { createRLDataLoaders } from '../../src/data/loaders.js';
import { writeParquet } from '../../src/data/io/parquet-write.js';
import { assignUids, uuid4 } from '../../src/data/uid.js';
import { Rng } from '../../src/util/rng.js';
import { ASCII, CharTokenizer } from './char-tokenizer.js';
import { sharedFixture } from '../support/shared.js';
import { makeTempDir } from '../support/temp-dir.js';

const tok = new CharTokenizer(ASCII);
const opts = (o: Partial<DatasetOptions> = {}): DatasetOptions => ({
  promptKey: 'prompt',
  maxPromptLength: 8,
  truncation: 'error',
  filterOverlongPrompts: false,
  returnRawChat: true,
  returnFullPrompt: false,
  applyChatTemplateKwargs: {},
  shuffle: false,
  seed: null,
  maxSamples: -1,
  ...o,
});
const row = (content: string, extra: Record<string, unknown> | null = { index: 7 }) => ({
  data_source: 'd',
  prompt: [{ role: 'user', content }],
  reward_model: { style: 'rule', ground_truth: '1' },
  extra_info: extra,
});

describe('RLDataset', () => {
  it('left-pads the chat-templated prompt and computes verl position ids', () => {
    const ds = RLDataset.fromRows([row('abc')], tok, opts());
    const s = ds.get(0);
    const ids = tok.encode('abcS');
    expect(Array.from(s.inputIds)).toEqual([2, 2, 2, 2, ...ids]);
    expect(Array.from(s.attentionMask)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(s.positionIds)).toEqual([0, 0, 0, 0, 0, 1, 2, 3]);
    expect(s.fields.raw_prompt_ids).toEqual(ids);
    expect(s.fields.raw_prompt).toEqual([{ role: 'user', content: 'abc' }]);
    expect(s.fields.index).toBe(7);
    expect(s.fields.data_source).toBe('d');
  });

  it('truncates left, right and middle (first ⌊max/2⌋ and last max − ⌊max/2⌋)', () => {
    const text = 'abcdefghij'; // + S = 11 tokens
    const all = tok.encode(text + 'S');
    const get = (truncation: 'left' | 'right' | 'middle') => RLDataset.fromRows([row(text)], tok, opts({ maxPromptLength: 5, truncation })).get(0);
    expect(Array.from(get('left').inputIds)).toEqual(all.slice(-5));
    expect(Array.from(get('right').inputIds)).toEqual(all.slice(0, 5));
    expect(Array.from(get('middle').inputIds)).toEqual([...all.slice(0, 2), ...all.slice(-3)]);
    expect(Array.from(get('middle').attentionMask)).toEqual([1, 1, 1, 1, 1]);
  });

  it('refuses an overlong prompt with truncation=error, naming the row and the limit', () => {
    expect(() => RLDataset.fromRows([row('ab'), row('abcdefghij')], tok, opts())).toThrow(
      "row 1 of '<memory>' (data_source 'd'): prompt is 11 tokens, longer than data.max_prompt_length=8 with data.truncation=error " +
        '(set data.truncation to left, right or middle, or data.filter_overlong_prompts=true to drop such prompts)',
    );
  });

  it('lets the caller name its own limit in the overlong-prompt message', () => {
    const describeOverlong = (where: string, tokens: number) => `${where}: ${tokens} tokens is more than rollout.prompt_length`;
    expect(() => RLDataset.fromRows([row('abcdefghij')], tok, opts(), { describeOverlong })).toThrow("row 0 of '<memory>': 11 tokens is more than rollout.prompt_length");
  });

  it('refuses a prompt the chat template renders as no tokens', () => {
    class NoGenerationPrompt extends CharTokenizer {
      override applyChatTemplate(messages: readonly { content: string }[]): string {
        return messages.map((m) => m.content).join('');
      }
    }
    expect(() => RLDataset.fromRows([row('a'), row('')], new NoGenerationPrompt(ASCII), opts())).toThrow("row 1 of '<memory>': the chat template gave an empty prompt");
  });

  it('filters overlong prompts and prompts the template cannot render', () => {
    const lines: string[] = [];
    const sys = { ...row('x'), prompt: [{ role: 'system', content: 'x' }] };
    const ds = RLDataset.fromRows([row('ab'), row('abcdefghij'), sys, row('c')], tok, opts({ filterOverlongPrompts: true }), { log: (l) => lines.push(l) });
    expect(ds.length).toBe(2);
    expect(ds.get(1).fields.raw_prompt).toEqual([{ role: 'user', content: 'c' }]);
    expect(lines.at(-1)).toBe('filter dataset len: 2 (dropped 2 prompts longer than 8 tokens)');
  });

  it("keeps the first max_samples rows, or a seeded random choice when shuffling (regression guard: the choice is the project's own Rng permutation)", () => {
    const rows = Array.from({ length: 10 }, (_x, i) => row(String(i)));
    const first = RLDataset.fromRows(rows, tok, opts({ maxSamples: 3 }));
    expect([0, 1, 2].map((i) => first.get(i).fields.raw_prompt)).toEqual([0, 1, 2].map((i) => [{ role: 'user', content: String(i) }]));
    const pick = (seed: number) => {
      const d = RLDataset.fromRows(rows, tok, opts({ maxSamples: 3, shuffle: true, seed }));
      return [0, 1, 2].map((i) => (d.get(i).fields.prompt as Array<{ content: string }>)[0].content);
    };
    const expected = new Rng(5).permutation(10).slice(0, 3).map(String);
    expect(pick(5)).toEqual(expected);
    expect(pick(5)).toEqual(pick(5));
  });

  it('reports prompts of the wrong type', () => {
    expect(() => RLDataset.fromRows([{ prompt: 'hello' }], tok, opts())).toThrow(
      "row 0 of '<memory>': column 'prompt' must be a list of chat messages {role, content}; got a string",
    );
    expect(() => RLDataset.fromRows([{ prompt: [{ role: 'user' }] }], tok, opts())).toThrow(
      "row 0 of '<memory>': column 'prompt' must be a list of chat messages {role, content}; message 0 has no 'content'",
    );
  });

  it('passes data.apply_chat_template_kwargs to the chat template and can return the full prompt', () => {
    const seen: unknown[] = [];
    const spy = new CharTokenizer(ASCII);
    const render = spy.applyChatTemplate.bind(spy);
    spy.applyChatTemplate = (messages, options) => (seen.push(options), render(messages, options));
    const s = RLDataset.fromRows([row('ab')], spy, opts({ applyChatTemplateKwargs: { enable_thinking: false }, returnFullPrompt: true })).get(0);
    expect(seen).toEqual([{ addGenerationPrompt: true, extra: { enable_thinking: false } }]);
    expect(s.fields.full_prompts).toBe('abS');
  });

  it('turns a null extra_info into {} with index 0', () => {
    const s = RLDataset.fromRows([row('a', null)], tok, opts()).get(0);
    expect(s.fields.extra_info).toEqual({});
    expect(s.fields.index).toBe(0);
  });

  it('reads files, names a missing prompt column and suggests the closest name', async () => {
    const dir = makeTempDir('verl-ts-ds-');
    const f = join(dir, 'train.parquet');
    await writeParquet(f, [row('ab'), row('cd')]);
    const ds = await RLDataset.load([f, f], tok, opts(), { what: 'data.train_files' });
    expect(ds.length).toBe(4);
    expect(ds.source(3)).toEqual({ file: f, row: 1 });
    await expect(RLDataset.load([f], tok, opts({ promptKey: 'prompts' }))).rejects.toThrow(
      `'${f}' has no column 'prompts' (data.prompt_key). Columns: data_source, prompt, reward_model, extra_info. Did you mean 'prompt'?`,
    );
    await expect(RLDataset.load([], tok, opts(), { what: 'data.val_files' })).rejects.toThrow(
      'data.val_files: no files given; name at least one .parquet, .jsonl or .json file',
    );
  });

  const arith = sharedFixture('verl-arith/data/train.parquet');
  it.skipIf(arith === null)('loads verl-arith train.parquet with its character tokenizer', async () => {
    const ds = await RLDataset.load([arith as string], new CharTokenizer(), opts({ maxPromptLength: 16 }));
    expect(ds.length).toBe(800);
    const s = ds.get(0); // "8,3:9,4" + S
    expect(Array.from(s.inputIds)).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 12, 14, 7, 15, 13, 14, 8, 0]);
  });
});

describe('collation and uids', () => {
  it('stacks tensors and keeps every other field per row', () => {
    const ds = RLDataset.fromRows([row('a'), row('bc')], tok, opts({ maxPromptLength: 4 }));
    const b = collatePrompts([ds.get(0), ds.get(1)]);
    expect(b.tensor('input_ids').shape).toEqual([2, 4]);
    expect(b.tensor('attention_mask').toNested()).toEqual([
      [0, 0, 1, 1],
      [0, 1, 1, 1],
    ]);
    expect(b.column('reward_model')).toEqual([{ style: 'rule', ground_truth: '1' }, { style: 'rule', ground_truth: '1' }]);
    const u = assignUids(b, { rng: new Rng(1) });
    expect(u.column<string>('uid')[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(u.column('uid')).size).toBe(2);
    expect(u.repeat(2).column('uid')).toEqual([u.column('uid')[0], u.column('uid')[0], u.column('uid')[1], u.column('uid')[1]]);
    expect(uuid4(new Rng(3))).toBe(uuid4(new Rng(3)));
  });
});

describe('StatefulDataLoader', () => {
  const ds = { length: 10, get: (i: number) => i };
  const ids = (o: { batchSize: number; shuffle: boolean; dropLast: boolean }, seed = 7) =>
    new StatefulDataLoader<number>(ds, { ...o, seed, collate: (xs) => ({ xs }) as never });

  function take(loader: StatefulDataLoader<number>): number[][] {
    const out: number[][] = [];
    for (const b of loader.epochBatches()) out.push((b as unknown as { xs: number[] }).xs);
    return out;
  }

  it('drops the last incomplete batch only when asked', () => {
    expect(take(ids({ batchSize: 4, shuffle: false, dropLast: true }))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(take(ids({ batchSize: 4, shuffle: false, dropLast: false })).at(-1)).toEqual([8, 9]);
  });

  it("draws a new order every epoch (regression guard: the order is the project's own Rng permutation)", () => {
    const l = ids({ batchSize: 5, shuffle: true, dropLast: true });
    const e0 = take(l).flat();
    const e1 = take(l).flat();
    expect(l.epoch).toBe(2);
    expect([...e0].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(e1).not.toEqual(e0);
    expect(e0).toEqual(new Rng(7).permutation(10));
  });

  it('resumes from a saved state with exactly the remaining batches', () => {
    const a = ids({ batchSize: 3, shuffle: true, dropLast: true });
    take(a); // epoch 0
    a.next(); // one batch into epoch 1
    const state = JSON.parse(JSON.stringify(a.state()));
    const rest = [...take(a), ...take(a)];
    const b = ids({ batchSize: 3, shuffle: true, dropLast: true }, 999);
    b.loadState(state);
    expect(b.epoch).toBe(1);
    expect(b.position).toBe(1);
    expect([...take(b), ...take(b)]).toEqual(rest);
  });

  it('refuses a state saved for another dataset or batch size', () => {
    const a = ids({ batchSize: 3, shuffle: true, dropLast: true });
    const state = a.state();
    const other = new StatefulDataLoader<number>({ length: 11, get: (i) => i }, { batchSize: 4, shuffle: true, dropLast: true, seed: 1, collate: () => ({}) as never, name: 'train dataloader' });
    expect(() => other.loadState(state)).toThrow('train dataloader: the saved data loader state does not fit this run: dataset size 10 → 11, batch size 3 → 4');
  });

  it('is an error when the dataset makes no batch', () => {
    expect(() => new StatefulDataLoader<number>({ length: 3, get: (i) => i }, { batchSize: 4, shuffle: false, dropLast: true, seed: 1, collate: () => ({}) as never, name: 'train dataloader' })).toThrow(
      'train dataloader is empty: 3 rows make no full batch of 4 (the last incomplete batch is dropped)',
    );
  });
});

describe('data config', () => {
  it("maps verl's data section with its defaults", () => {
    const c = dataConfigFromSection(dataSection(['train_files=a.parquet', 'val_files=[b.parquet,c.jsonl]', 'max_prompt_length=64', 'truncation=left', 'seed=3']));
    expect(c).toEqual({ ...DATA_CONFIG_DEFAULTS, trainFiles: ['a.parquet'], valFiles: ['b.parquet', 'c.jsonl'], maxPromptLength: 64, truncation: 'left', seed: 3 });
  });

  it('names the key of a bad value', () => {
    // The schema validates the section; keys are relative to it here (the trainer reports them under data.).
    expect(() => dataSection(['truncation=both'])).toThrow("truncation: 'both' is not allowed; expected one of: error, left, right, middle.");
    expect(() => dataSection(["max_prompt_length='512'"])).toThrow("max_prompt_length: expected an integer >= 1, got '512'");
    expect(() => dataSection(['train_files=[1]'])).toThrow('train_files: expected a non-empty string, or a list of non-empty strings, got [1]');
  });

  it('builds train and validation loaders as verl does', async () => {
    const dir = makeTempDir('verl-ts-dl-');
    const f = join(dir, 'd.parquet');
    await writeParquet(f, Array.from({ length: 7 }, (_x, i) => row(String(i))));
    const cfg = { ...DATA_CONFIG_DEFAULTS, trainFiles: [f], valFiles: [f], trainBatchSize: 3, maxPromptLength: 4 };
    const { train, val } = await createRLDataLoaders(cfg, tok);
    expect(train.batchesPerEpoch).toBe(2);
    expect(val.batchesPerEpoch).toBe(1);
    const v = val.next();
    expect(v?.size).toBe(7);
    expect(v?.column('index')).toEqual([7, 7, 7, 7, 7, 7, 7]);
  });
});
