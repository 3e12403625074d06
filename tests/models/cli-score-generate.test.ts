// `verl-ts score` and `verl-ts generate` through runCli, on a tiny random model with a character tokenizer.
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { readTable } from '../../src/data/io/read-rows.js';
import { writeParquet } from '../../src/data/io/parquet-write.js';
import { CausalLM, initModel } from '../../src/models/index.js';
import { FIX, engine, maxAbsDiff, wholeSequences } from './compute-helpers.js';
import { makeTempDir } from '../support/temp-dir.js';

let work: string;
let modelDir: string;

beforeAll(async () => {
  work = makeTempDir('cli-models-');
  modelDir = join(work, 'model');
  await initModel({
    outputDir: modelDir, modelType: 'llama', tokenizer: { kind: 'char', chars: 'abcdefgh ' }, seed: 2,
    overrides: { num_hidden_layers: 1, hidden_size: 32, intermediate_size: 48, initializer_range: 0.2 },
  });
});

async function cli(args: string[]) {
  const io = bufferIO({ cwd: work });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

function file(name: string, text: string): string {
  writeFileSync(join(work, name), text);
  return name;
}

describe('verl-ts score', () => {
  it('writes one {"logprobs": [...]} line per non-blank input line, equal to scoring the ids directly', async () => {
    const input = file('seqs.jsonl', '{"input_ids": [4, 5, 6, 7, 8]}\n\n{"text": "abc d"}\n{"input_ids": [9]}\n{"input_ids": [10, 11]}\n');
    const { code, out, err } = await cli(['score', '--model', 'model', '--input', input, '--output', 'lp.jsonl', '--batch-size', '2']);
    expect({ code, out }).toEqual({ code: 0, out: '' });
    expect(err).toMatch(new RegExp(`^scored 9 tokens of 4 sequences in \\d+s; wrote ${join(work, 'lp.jsonl')}\n$`));
    const lines = readFileSync(join(work, 'lp.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { logprobs: number[] });
    expect(lines.map((l) => l.logprobs.length)).toEqual([4, 4, 0, 1]);
    // "abc d" with the character tokenizer: a=4 b=5 c=6 ' '=12 d=7 (no special tokens to add)
    const lm = CausalLM.fromDir(modelDir, { engine });
    const direct = await lm.scoreTokens(wholeSequences([[4, 5, 6, 7, 8], [4, 5, 6, 12, 7], [10, 11]]));
    const T = 4;
    expect(maxAbsDiff([...lines[0].logprobs, ...lines[1].logprobs, ...lines[3].logprobs], [...direct.logProbs.data.subarray(0, 4), ...direct.logProbs.data.subarray(T, 2 * T), direct.logProbs.data[2 * T]])).toBeLessThan(1e-6);
    // Standard output and another batch size give the same numbers.
    const again = await cli(['score', '--model', 'model', '--input', input, '--batch-size', '1']);
    // Standard output carries only the data; the summary goes to stderr.
    expect(again.err).toMatch(/^scored 9 tokens of 4 sequences in \d+s\n$/);
    const stdoutLines = again.out.trimEnd().split('\n').map((l) => JSON.parse(l) as { logprobs: number[] });
    expect(maxAbsDiff(stdoutLines.flatMap((l) => l.logprobs), lines.flatMap((l) => l.logprobs))).toBeLessThan(1e-6);
  });

  it('--temperature divides the logits', async () => {
    const input = file('one.jsonl', '{"input_ids": [4, 5, 6]}\n');
    const hot = JSON.parse((await cli(['score', '--model', 'model', '--input', input, '--temperature', '2'])).out) as { logprobs: number[] };
    const lm = CausalLM.fromDir(modelDir, { engine });
    const direct = await lm.scoreTokens(wholeSequences([[4, 5, 6]]), { temperature: 2 });
    expect(maxAbsDiff(hot.logprobs, direct.logProbs.data)).toBeLessThan(1e-6);
  });

  it('names the file and line of a bad input line, and scores nothing', async () => {
    const cases: Array<[string, string]> = [
      ['{"input_ids": [4]}\n{"input_ids": [4, 5,\n', 'bad.jsonl:2: not valid JSON'],
      ['[1, 2]\n', 'bad.jsonl:1: expected a JSON object {"input_ids": [...]} or {"text": "..."}'],
      ['{"input_ids": [4], "text": "a"}\n', 'bad.jsonl:1: give either "input_ids" or "text", not both'],
      ['{"ids": [4]}\n', 'bad.jsonl:1: expected "input_ids" or "text", got keys "ids"'],
      ['{"input_ids": [4, 99]}\n', 'bad.jsonl:1: input_ids[1] = 99 is outside the vocabulary [0, 13)'],
      ['{"input_ids": [4, 1.5]}\n', 'bad.jsonl:1: input_ids[1] = 1.5 is not an integer token id'],
      ['{"input_ids": "45"}\n', 'bad.jsonl:1: "input_ids" must be a list of token ids'],
      ['\n\n{"input_ids": []}\n', 'bad.jsonl:3: the sequence is empty (nothing to score)'],
      ['{"text": 5}\n', 'bad.jsonl:1: "text" must be a string'],
    ];
    for (const [text, message] of cases) {
      const r = await cli(['score', '--model', 'model', '--input', file('bad.jsonl', text), '--output', 'never.jsonl']);
      expect(r.code, message).toBe(1);
      expect(r.err, message).toContain(message);
      expect(existsSync(join(work, 'never.jsonl'))).toBe(false);
    }
    const noTok = await cli(['score', '--model', join(FIX, 'hf-tiny/qwen3-f32'), '--input', file('t.jsonl', '{"text": "a"}\n')]);
    expect(noTok.err).toContain('t.jsonl:1: "text" needs a tokenizer, but the model directory has none; give "input_ids" instead');
    expect((await cli(['score', '--model', 'model', '--input', 'missing.jsonl'])).err).toBe(`--input: file not found: '${join(work, 'missing.jsonl')}'.\n`);
    expect((await cli(['score', '--model', 'model', '--input', 'model'])).err).toBe(`--input: '${join(work, 'model')}' is a folder; give the path of a file.\n`);
    expect((await cli(['score', '--model', 'model', '--input', 'one.jsonl', '--output', 'model'])).err).toBe(`--output: '${join(work, 'model')}' is a folder; give the path of a file to write.\n`);
    const underFile = await cli(['score', '--model', 'model', '--input', 'one.jsonl', '--output', 'one.jsonl/lp.jsonl']);
    expect(underFile).toMatchObject({ code: 1, err: `--output: cannot create '${join(work, 'one.jsonl/lp.jsonl')}': '${join(work, 'one.jsonl')}' is a file, not a folder; choose a path whose parent folders are folders.\n` });
    // A character vocabulary has no token for other characters: say which, instead of scoring them as unk.
    const oov = await cli(['score', '--model', 'model', '--input', file('oov.jsonl', '{"text": "abc"}\n{"text": "abXzX"}\n')]);
    expect(oov).toMatchObject({ code: 1, out: '' });
    expect(oov.err).toBe(`${join(work, 'oov.jsonl')}:2: "text" has characters outside the model's character vocabulary: "X", "z" (the vocabulary: "abcdefgh ")\n`);
    const badFlag = await cli(['score', '--model', 'model', '--input', 'one.jsonl', '--batch-size', '0']);
    expect(badFlag).toMatchObject({ code: 2, err: expect.stringContaining('--batch-size must be a positive integer, got 0') as unknown });
    expect((await cli(['score', '--model', 'nowhere', '--input', 'one.jsonl'])).err).toContain('nowhere: no config.json in the model directory');
  });
});

describe('verl-ts generate', () => {
  const prompts = [
    { prompt: [{ role: 'user', content: 'abc' }], id: 1 },
    { prompt: [{ role: 'user', content: 'de' }], id: 2 },
    { prompt: [{ role: 'user', content: 'hhh ggg' }], id: 3 },
  ];
  const base = (out: string) => ['generate', 'model.path=model', 'data.path=prompts.parquet', `data.output_path=${out}`, 'rollout.response_length=6', 'data.n_samples=3'];

  beforeAll(async () => {
    await writeParquet(join(work, 'prompts.parquet'), prompts);
  });

  it('writes the input rows plus a responses column of n_samples strings, in input order (parquet and jsonl)', async () => {
    const r = await cli([...base('out/gen.parquet'), 'data.batch_size=2']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Wrote 3 rows with 3 response\(s\) each to .*gen\.parquet in \d+s\n/);
    // Progress goes to stderr (not a terminal here: the final summary line only).
    expect(r.err).toMatch(/^generate: 9\/9 samples \(100%\), [\d.,]+ samples\/s, ETA 0s, tokens\/s [\d.,]+\n$/);
    const table = await readTable(join(work, 'out/gen.parquet'));
    expect(table.columns).toEqual(['prompt', 'id', 'responses']);
    expect(table.rows.map((row) => row.id)).toEqual([1, 2, 3]);
    expect(table.rows.map((row) => row.prompt)).toEqual(prompts.map((p) => p.prompt));
    for (const row of table.rows) {
      const responses = row.responses as string[];
      expect(responses).toHaveLength(3);
      for (const text of responses) expect(text).toMatch(/^[a-h ]{0,6}$/); // special tokens skipped
    }
    // The same seed gives the same responses, whatever data.batch_size is; jsonl carries the same rows.
    const j = await cli([...base('out/gen.jsonl'), 'data.batch_size=3']);
    expect(j.code, j.err).toBe(0);
    const lines = readFileSync(join(work, 'out/gen.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.responses)).toEqual(table.rows.map((row) => row.responses));
    const other = await cli([...base('out/seed.jsonl'), 'rollout.seed=5']);
    expect(readFileSync(join(work, 'out/seed.jsonl'), 'utf8')).not.toEqual(readFileSync(join(work, 'out/gen.jsonl'), 'utf8'));
    expect(other.code).toBe(0);
  });

  it('refuses bad settings and data with messages naming them', async () => {
    const key = await cli([...base('x.jsonl'), 'data.prompt_key=promt']);
    expect(key.code).toBe(1);
    expect(key.err).toContain("'prompts.parquet' has no column 'promt' (data.prompt_key). Columns: prompt, id. Did you mean 'prompt'?");
    const long = await cli([...base('x.jsonl'), 'rollout.prompt_length=4']);
    expect(long.err).toContain("row 2 of 'prompts.parquet': the prompt has 8 tokens, more than rollout.prompt_length=4; raise rollout.prompt_length or set data.truncation to left, right or middle");
    const cut = await cli([...base('out/cut.jsonl'), 'rollout.prompt_length=4', 'data.truncation=left']);
    expect(cut.code, cut.err).toBe(0);
    const greedyN = await cli([...base('x.jsonl'), 'rollout.temperature=0', 'rollout.do_sample=false']);
    expect(greedyN).toMatchObject({ code: 2, err: expect.stringContaining('When temperature=0, n_samples must be 1') as unknown });
    const ext = await cli([...base('x.csv')]);
    expect(ext.err).toContain("data.output_path 'x.csv' must end in .parquet, .jsonl, .json");
    const unknown = await cli([...base('x.jsonl'), 'rollout.top_q=0.5']);
    expect(unknown.code).toBe(2);
    // Output locations and lengths are checked before anything is generated.
    mkdirSync(join(work, 'dir.jsonl'));
    const outDir = await cli([...base('dir.jsonl')]);
    expect(outDir.err).toBe(`data.output_path: '${join(work, 'dir.jsonl')}' is a folder; give the path of a file to write.\n`);
    const parentFile = await cli([...base('prompts.parquet/gen.jsonl')]);
    expect(parentFile.err).toContain(`data.output_path: cannot create '${join(work, 'prompts.parquet/gen.jsonl')}': '${join(work, 'prompts.parquet')}' is a file, not a folder`);
    const noModel = await cli([...base('x.jsonl'), 'model.path=nomodel']);
    expect(noModel.err).toBe(`model.path: not found: '${join(work, 'nomodel')}'.\n`);
    const tooLong = await cli([...base('x.jsonl'), 'rollout.response_length=3000']);
    expect(tooLong).toMatchObject({ code: 1, err: "the longest prompt (8 tokens) plus rollout.response_length (3000) is 3008 tokens, beyond the model's max_position_embeddings (2048)\n" });
    expect(existsSync(join(work, 'x.jsonl'))).toBe(false);
    const hot = await cli([...base('x.jsonl'), 'rollout.temperature=0', 'data.n_samples=1']);
    expect(hot.err).toContain('temperature (=0) has to be a strictly positive number when do_sample is true');
  });
});
