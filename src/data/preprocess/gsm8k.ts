/**
 * GSM8K → verl schema, as verl's examples/data_preprocess/gsm8k.py: the question plus an instruction as the
 * user message, the number after "####" (commas removed) as the rule-based ground truth.
 */
import { InputError } from '../../util/errors.js';
import { structOf } from '../io/value-type.js';
import { findSplitInputs, readSplitRows, requireString } from './inputs.js';
import { PROMPT_TYPE, chatPrompt, rewardModelType, schemaWithPassthrough } from './schema.js';
import type { Preprocessor } from './types.js';

export const GSM8K_DATA_SOURCE = 'openai/gsm8k';
export const GSM8K_INSTRUCTION = 'Let\'s think step by step and output the final answer after "####".';

/** The gold answer's final number: the first "#### <number>", commas removed. */
export function gsm8kGroundTruth(answer: string): string | null {
  const m = /#### (-?[0-9.,]+)/.exec(answer);
  return m ? m[1].replaceAll(',', '') : null;
}

export const gsm8kPreprocessor: Preprocessor = {
  name: 'gsm8k',
  describe: 'GSM8K (question/answer jsonl or parquet) → verl parquet with data_source openai/gsm8k',
  dataSource: GSM8K_DATA_SOURCE,
  options: [
    {
      name: 'local_dataset_path',
      aliases: ['input'],
      type: 'string',
      describe: 'the raw GSM8K data: a directory holding train*/test* .parquet/.jsonl/.json files, or one such file',
    },
  ],
  async run(args, ctx) {
    const input = args.local_dataset_path;
    if (typeof input !== 'string' || input === '') {
      throw new InputError('gsm8k: --local_dataset_path (or --input) must name the raw GSM8K data (verl-ts does not download datasets)');
    }
    const splits = [];
    for (const si of findSplitInputs(input, ['train', 'test'], ctx.cwd)) {
      const raw = await readSplitRows(si);
      const rows = raw.map(({ row, where }, idx) => {
        const question = requireString(row, 'question', where);
        const answer = requireString(row, 'answer', where);
        const gt = gsm8kGroundTruth(answer);
        if (gt === null) throw new InputError(`${where}: the answer has no '#### <number>' final answer: ${JSON.stringify(answer.slice(-80))}`);
        const rest = Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'question' && k !== 'answer'));
        return {
          ...rest,
          data_source: GSM8K_DATA_SOURCE,
          prompt: chatPrompt(`${question} ${GSM8K_INSTRUCTION}`),
          ability: 'math',
          reward_model: { style: 'rule', ground_truth: gt },
          extra_info: { split: si.split, index: idx, answer, question },
        };
      });
      ctx.log(`gsm8k ${si.split}: ${rows.length} rows from ${si.files.join(', ')}`);
      splits.push({ name: si.split, rows });
    }
    return {
      splits,
      schema: schemaWithPassthrough(
        splits.flatMap((s) => s.rows),
        [
          ['data_source', 'string'],
          ['prompt', PROMPT_TYPE],
          ['ability', 'string'],
          ['reward_model', rewardModelType('string')],
          ['extra_info', structOf({ split: 'string', index: 'int64', answer: 'string', question: 'string' })],
        ],
      ),
    };
  },
};
