// SftDataset against hand-laid rows: chat-templated prompt, response + EOS, right padding, the response loss mask,
// truncation, verl's dict-key lookups, and the errors for bad rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeParquet } from '../../src/data/io/parquet-write.js';
import { collateSft, lossTokenCount, scoringInput } from '../../src/trainer/sft/batch.js';
import { SftDataset, layoutSample } from '../../src/trainer/sft/dataset.js';
import type { SftDatasetOptions } from '../../src/trainer/sft/dataset.js';
import { CharTokenizer } from '../data/char-tokenizer.js';

const tok = new CharTokenizer();
// Character ids: S=0 (the generation prompt), E=1 (EOS), P=2 (pad), digits 4..13, ',' 14, ':' 15.
const d = (ch: string) => (ch === ',' ? 14 : ch === ':' ? 15 : 4 + Number(ch));
const options = (o: Partial<SftDatasetOptions> = {}): SftDatasetOptions => ({
  promptKey: 'prompt',
  responseKey: 'response',
  promptDictKeys: [],
  responseDictKeys: [],
  maxLength: 10,
  truncation: 'error',
  applyChatTemplateKwargs: {},
  maxSamples: -1,
  ...o,
});

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('SftDataset', () => {
  it('lays out prompt + S ‖ response + EOS, right-padded, with the loss on the response tokens and EOS', () => {
    const ds = SftDataset.fromRows([{ prompt: '1,2:9', response: '3,4' }], tok, options({ maxLength: 11 }));
    const s = ds.get(0);
    const prompt = [...'1,2:9'].map(d).concat(0);
    const response = [...'3,4'].map(d).concat(1);
    expect([...s.inputIds]).toEqual([...prompt, ...response, 2]);
    expect([...s.attentionMask]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect([...s.positionIds]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9]);
    expect([...s.lossMask]).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0]);
  });

  it('truncates right (keeps the first max_length tokens) and left (the mask follows the surviving response)', () => {
    const row = [{ prompt: '1,2:9', response: '3,4,5' }]; // 6 prompt tokens + 6 response tokens
    const right = SftDataset.fromRows(row, tok, options({ maxLength: 8, truncation: 'right' })).get(0);
    expect([...right.inputIds]).toEqual([...[...'1,2:9'].map(d), 0, d('3'), d(',')]);
    expect([...right.lossMask]).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
    const left = SftDataset.fromRows(row, tok, options({ maxLength: 8, truncation: 'left' })).get(0);
    expect([...left.inputIds]).toEqual([d('9'), 0, ...[...'3,4,5'].map(d), 1]);
    expect([...left.lossMask]).toEqual([0, 0, 1, 1, 1, 1, 1, 1]);
    expect(() => SftDataset.fromRows(row, tok, options({ maxLength: 8 }))).toThrow(
      "row 0 of '<memory>': prompt (6 tokens) + response (6 tokens, EOS included) = 12 tokens, more than data.max_length=8; raise data.max_length or set data.truncation to left or right",
    );
  });

  it('the first token is never a target, even when left truncation cuts the whole prompt', () => {
    const s = layoutSample({ prompt: Int32Array.from([5, 6]), response: Int32Array.from([7, 8, 1]) }, 3, 'left', 2);
    expect([...s.inputIds]).toEqual([7, 8, 1]);
    expect([...s.lossMask]).toEqual([0, 1, 1]);
  });

  it("looks up prompt_dict_keys / response_dict_keys like verl (one-element lists unwrapped), and chat-message prompts", () => {
    const rows = [{ prompt: [{ role: 'user', content: '1,2:9' }], reward_model: { ground_truth: '3' } }];
    const viaKeys = SftDataset.fromRows(rows, tok, options({ promptDictKeys: ['content'], responseKey: 'reward_model', responseDictKeys: ['ground_truth'] })).get(0);
    const viaMessages = SftDataset.fromRows(rows, tok, options({ responseKey: 'reward_model', responseDictKeys: ['ground_truth'] })).get(0);
    const plain = SftDataset.fromRows([{ prompt: '1,2:9', response: '3' }], tok, options()).get(0);
    expect(viaKeys).toEqual(plain);
    expect(viaMessages).toEqual(plain);
    expect(() => SftDataset.fromRows(rows, tok, options({ responseKey: 'reward_model', responseDictKeys: ['ground_truht'] }))).toThrow(
      "row 0 of '<memory>': reward_model has no key 'ground_truht' (it has ground_truth). Did you mean 'ground_truth'?",
    );
    expect(() => SftDataset.fromRows([{ prompt: 'x', response: 3 }], tok, options())).toThrow("row 0 of '<memory>': the response (data.response_key 'response') must be a string, got a number");
    expect(() => SftDataset.fromRows([{ prompt: 7, response: '3' }], tok, options())).toThrow('must be a string or a list of chat messages, got a number');
  });

  it('reads files, keeps the first max_samples rows, and names a missing column with a suggestion', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sft-ds-'));
    dirs.push(dir);
    const file = join(dir, 'sft.parquet');
    await writeParquet(file, [{ prompt: '1,2:9', response: '3' }, { prompt: '2,3:9', response: '4' }, { prompt: '3,4:9', response: '5' }]);
    const ds = await SftDataset.load([file], tok, options({ maxSamples: 2 }));
    expect(ds.length).toBe(2);
    await expect(SftDataset.load([file], tok, options({ responseKey: 'respnse' }))).rejects.toThrow(
      `'${file}' has no column 'respnse' (data.response_key). Columns: prompt, response. Did you mean 'response'?`,
    );
  });

  it('collates into [B, max_length] columns and scores every token after the first', () => {
    const ds = SftDataset.fromRows([{ prompt: '1,2:9', response: '3' }, { prompt: '1,2:9', response: '3,4' }], tok, options());
    const batch = collateSft([ds.get(0), ds.get(1)]);
    expect(batch.ints('loss_mask').shape).toEqual([2, 10]);
    expect(lossTokenCount(batch)).toBe(2 + 4);
    expect(scoringInput(batch)).toMatchObject({ batchSize: 2, length: 10, responseLength: 9 });
  });
});
