/** `verl-ts score`: per-token log-probs of a JSONL file of sequences (argument mapping onto trainer/jobs/score-file.ts). */
import { resolve } from 'node:path';
import type { CliCommand } from './command.js';
import { ConfigError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { checkInputFile, checkOutputFile } from '../util/fs-check.js';
import { createProgress, formatDuration, type Progress } from '../util/progress.js';
import { progressStream } from './io.js';
import { CausalLM } from '../models/compute/causal-lm.js';
import { scoreFile } from '../trainer/jobs/score-file.js';

function positiveNumber(value: unknown, flag: string, integer: boolean): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new ConfigError(`--${flag} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`);
  }
  return n;
}

export const scoreCommand: CliCommand = {
  name: 'score',
  usage: 'score',
  describe: 'Per-token log-probs of sequences: JSONL lines {"input_ids": [...]} or {"text": "..."} → {"logprobs": [...]}',
  examples: [
    ['$0 score --model models/tiny --input seqs.jsonl', 'print one {"logprobs": [...]} line per input line'],
    ['$0 score --model models/tiny --input seqs.jsonl --output logprobs.jsonl --temperature 0.7', 'write a file; logits divided by 0.7'],
  ],
  build: (y) =>
    y
      .option('model', { type: 'string', demandOption: true, describe: 'Hugging Face model directory' })
      .option('input', { type: 'string', demandOption: true, describe: 'JSONL file: one {"input_ids": [...]} or {"text": "..."} per line (blank lines are skipped)' })
      .option('output', { type: 'string', describe: 'JSONL file to write (atomically); default: standard output' })
      .option('temperature', { type: 'string', default: '1', describe: 'Divide the logits by this before the log-softmax' })
      .option('batch-size', { type: 'string', default: '8', describe: 'Sequences scored together' })
      .option('add-special-tokens', { type: 'boolean', default: true, describe: 'Add the tokenizer\'s special tokens (e.g. BOS) to "text" lines, as tokenizer(text) does' }),
  run: async (args, io) => {
    const temperature = positiveNumber(args.temperature, 'temperature', false);
    const batchSize = positiveNumber(args['batch-size'], 'batch-size', true);
    const input = resolve(io.cwd, String(args.input));
    const output = typeof args.output === 'string' ? resolve(io.cwd, args.output) : null;
    checkInputFile(input, '--input');
    if (output) checkOutputFile(output, '--output');
    const lm = CausalLM.fromDir(resolve(io.cwd, String(args.model)));
    const lines: string[] = [];
    const started = Date.now();
    let progress: Progress | undefined;
    try {
      const { sequences, tokens } = await scoreFile(lm, input, (line) => (output ? lines.push(line) : io.stdout(`${line}\n`)), {
        temperature,
        batchSize,
        addSpecialTokens: args['add-special-tokens'] !== false,
        onProgress: (done, total) => {
          progress ??= createProgress({ label: 'score', total, unit: 'sequences', stream: progressStream(io) });
          progress.update(done);
        },
      });
      progress?.stop('');
      const took = formatDuration((Date.now() - started) / 1000);
      if (output) await writeFileAtomic(output, lines.length ? `${lines.join('\n')}\n` : '');
      io.stderr(`scored ${tokens} tokens of ${sequences} sequences in ${took}${output ? `; wrote ${output}` : ''}\n`);
    } finally {
      progress?.stop('');
      await lm.dispose();
    }
    return 0;
  },
};
