/**
 * The shape shared by the question/answer preprocessors that read a local copy of a public dataset
 * (gsm8k, math): each raw row's question plus an instruction becomes the user message, a ground truth is
 * extracted from its worked answer, and every other column is kept. One mechanism, parameterised per task.
 */
import { InputError } from '../../util/errors.js';
import type { ValueType } from '../io/value-type.js';
import { structOf } from '../io/value-type.js';
import { findSplitInputs, readSplitRows, requireString } from './inputs.js';
import { PROMPT_TYPE, chatPrompt, rewardModelType, schemaWithPassthrough } from './schema.js';
import type { Preprocessor } from './types.js';

export interface LocalQaTask {
  name: string;
  describe: string;
  dataSource: string;
  /** Words for the raw data in messages, e.g. "GSM8K". */
  datasetLabel: string;
  questionKey: string;
  answerKey: string;
  instruction: string;
  groundTruth: (answer: string) => string | null;
  /** What a worked answer lacks when groundTruth returns null, e.g. "a '#### <number>' final answer". */
  missingGroundTruth: string;
  /** Keep the raw question and answer in extra_info (verl's gsm8k does, its math does not). */
  rawInExtraInfo: boolean;
}

export function localQaPreprocessor(task: LocalQaTask): Preprocessor {
  const { questionKey, answerKey } = task;
  const extraInfoType: Record<string, ValueType> = task.rawInExtraInfo
    ? { split: 'string', index: 'int64', [answerKey]: 'string', [questionKey]: 'string' }
    : { split: 'string', index: 'int64' };
  return {
    name: task.name,
    describe: task.describe,
    dataSource: task.dataSource,
    options: [
      {
        name: 'local_dataset_path',
        aliases: ['input'],
        type: 'string',
        describe: `the raw ${task.datasetLabel} data: a directory holding train*/test* .parquet/.jsonl/.json files, or one such file`,
      },
    ],
    async run(args, ctx) {
      const input = args.local_dataset_path;
      if (typeof input !== 'string' || input === '') {
        throw new InputError(`${task.name}: --local_dataset_path (or --input) must name the raw ${task.datasetLabel} data (verl-ts does not download datasets)`);
      }
      const splits = [];
      for (const si of findSplitInputs(input, ['train', 'test'], ctx.cwd)) {
        const raw = await readSplitRows(si);
        const rows = raw.map(({ row, where }, idx) => {
          const question = requireString(row, questionKey, where);
          const answer = requireString(row, answerKey, where);
          const gt = task.groundTruth(answer);
          if (gt === null) throw new InputError(`${where}: the ${answerKey} has no ${task.missingGroundTruth}: ${JSON.stringify(answer.slice(-80))}`);
          const rest = Object.fromEntries(Object.entries(row).filter(([k]) => k !== questionKey && k !== answerKey));
          return {
            ...rest,
            data_source: task.dataSource,
            prompt: chatPrompt(`${question} ${task.instruction}`),
            ability: 'math',
            reward_model: { style: 'rule', ground_truth: gt },
            extra_info: task.rawInExtraInfo ? { split: si.split, index: idx, [answerKey]: answer, [questionKey]: question } : { split: si.split, index: idx },
          };
        });
        ctx.log(`${task.name} ${si.split}: ${rows.length} rows from ${si.files.join(', ')}`);
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
            ['extra_info', structOf(extraInfoType)],
          ],
        ),
      };
    },
  };
}
