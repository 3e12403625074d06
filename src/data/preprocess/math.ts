/**
 * Hendrycks MATH (lighteval layout: problem, level, type, solution) → verl schema, as verl's
 * examples/data_preprocess/math_dataset.py: the problem plus an instruction as the user message, the last
 * \boxed{…} of the solution as the ground truth; level and type are kept.
 */
import { InputError } from '../../util/errors.js';
import { lastBoxedOnlyString, removeBoxed } from '../../reward/scorers/math.js';
import { structOf } from '../io/value-type.js';
import { findSplitInputs, readSplitRows, requireString } from './inputs.js';
import { PROMPT_TYPE, chatPrompt, rewardModelType, schemaWithPassthrough } from './schema.js';
import type { Preprocessor } from './types.js';

export const MATH_DATA_SOURCE = 'DigitalLearningGmbH/MATH-lighteval';
export const MATH_INSTRUCTION = "Let's think step by step and output the final answer within \\boxed{}.";

export function mathGroundTruth(solution: string): string | null {
  const boxed = lastBoxedOnlyString(solution);
  if (boxed === null) return null;
  try {
    return removeBoxed(boxed);
  } catch {
    return null;
  }
}

export const mathPreprocessor: Preprocessor = {
  name: 'math',
  describe: 'MATH-lighteval (problem/solution jsonl or parquet) → verl parquet with data_source DigitalLearningGmbH/MATH-lighteval',
  dataSource: MATH_DATA_SOURCE,
  options: [
    {
      name: 'local_dataset_path',
      aliases: ['input'],
      type: 'string',
      describe: 'the raw MATH data: a directory holding train*/test* .parquet/.jsonl/.json files, or one such file',
    },
  ],
  async run(args, ctx) {
    const input = args.local_dataset_path;
    if (typeof input !== 'string' || input === '') {
      throw new InputError('math: --local_dataset_path (or --input) must name the raw MATH data (verl-ts does not download datasets)');
    }
    const splits = [];
    for (const si of findSplitInputs(input, ['train', 'test'], ctx.cwd)) {
      const raw = await readSplitRows(si);
      const rows = raw.map(({ row, where }, idx) => {
        const problem = requireString(row, 'problem', where);
        const solution = requireString(row, 'solution', where);
        const gt = mathGroundTruth(solution);
        if (gt === null) throw new InputError(`${where}: the solution has no \\boxed{…} answer: ${JSON.stringify(solution.slice(-80))}`);
        const rest = Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'problem' && k !== 'solution'));
        return {
          ...rest,
          data_source: MATH_DATA_SOURCE,
          prompt: chatPrompt(`${problem} ${MATH_INSTRUCTION}`),
          ability: 'math',
          reward_model: { style: 'rule', ground_truth: gt },
          extra_info: { split: si.split, index: idx },
        };
      });
      ctx.log(`math ${si.split}: ${rows.length} rows from ${si.files.join(', ')}`);
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
          ['extra_info', structOf({ split: 'string', index: 'int64' })],
        ],
      ),
    };
  },
};
