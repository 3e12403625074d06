/**
 * Digit completion (verl's former CPU end-to-end task, see the verl-arith fixture): every prompt "a,b:M,N" for
 * a ∈ [0, max_number], difference d ∈ [0, max_diff] (b = (a + d) mod M, M = max_number) and
 * N ∈ [0, max_num_in_response], split into train and test by a seeded shuffle (verl used torch's random_split
 * with fractions 0.8/0.2). The ground truth is the expected completion. With `--format sft` the same split is
 * written as SFT data instead (sft_train/sft_test: the prompt text and its correct answer as `response`).
 */
import { ConfigError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { digitCompletionAnswer } from '../../tasks/digit-completion.js';
import { structOf } from '../io/value-type.js';
import { choiceArg, intArg, numberArg } from './args.js';
import { PROMPT_TYPE, chatPrompt, rewardModelType } from './schema.js';
import type { Preprocessor } from './types.js';

export const DIGIT_COMPLETION_DATA_SOURCE = 'digit_completion';

export function allDigitPrompts(maxNumber: number, maxDiff: number, maxNumInResponse: number): string[] {
  const out: string[] = [];
  for (let first = 0; first <= maxNumber; first++) {
    for (let diff = 0; diff <= maxDiff; diff++) {
      const second = (first + diff) % maxNumber;
      for (let n = 0; n <= maxNumInResponse; n++) out.push(`${first},${second}:${maxNumber},${n}`);
    }
  }
  return out;
}

/** torch.utils.data.random_split's lengths for fractions [r, 1 − r]. */
export function splitLengths(total: number, trainRatio: number): [number, number] {
  // The epsilon undoes binary rounding of 1 − r (1 − 0.8 = 0.19999999999999996; torch sees the literal 0.2).
  const lengths = [Math.floor(total * trainRatio + 1e-9), Math.floor(total * (1 - trainRatio) + 1e-9)];
  const remainder = total - lengths[0] - lengths[1];
  for (let i = 0; i < remainder; i++) lengths[i % 2] += 1;
  return [lengths[0], lengths[1]];
}

export const digitCompletionPreprocessor: Preprocessor = {
  name: 'digit_completion',
  describe: "verl's arithmetic-sequence task (all prompts, seeded train/test split) → verl parquet with data_source digit_completion",
  dataSource: DIGIT_COMPLETION_DATA_SOURCE,
  options: [
    { name: 'max_number', type: 'number', default: 9, describe: 'modulus M; first numbers range over 0..M' },
    { name: 'max_diff', type: 'number', default: 9, describe: 'largest common difference' },
    { name: 'max_num_in_response', type: 'number', default: 9, describe: 'largest N (numbers to complete, < 10)' },
    { name: 'train_ratio', type: 'number', default: 0.8, describe: 'fraction of prompts in the train split' },
    { name: 'seed', type: 'number', default: 0, describe: 'seed of the split' },
    { name: 'format', type: 'string', default: 'rl', describe: 'rl: train/test RL rows; sft: sft_train/sft_test rows with prompt and response strings' },
  ],
  async run(args, ctx) {
    const maxNumber = intArg(args, 'max_number', 9, 1);
    const maxDiff = intArg(args, 'max_diff', 9, 1);
    const maxNum = intArg(args, 'max_num_in_response', 9, 0, 9);
    const ratio = numberArg(args, 'train_ratio', 0.8, 0, 1);
    const prompts = allDigitPrompts(maxNumber, maxDiff, maxNum);
    const [nTrain] = splitLengths(prompts.length, ratio);
    if (nTrain === 0 || nTrain === prompts.length) {
      throw new ConfigError(`--train_ratio ${ratio} leaves the ${nTrain === 0 ? 'train' : 'test'} split empty (${prompts.length} prompts)`);
    }
    const format = choiceArg(args, 'format', 'rl', ['rl', 'sft'] as const);
    const order = new Rng(intArg(args, 'seed', 0)).permutation(prompts.length);
    const trainPrompts = order.slice(0, nTrain).map((i) => prompts[i]);
    const testPrompts = order.slice(nTrain).map((i) => prompts[i]);
    if (format === 'sft') {
      const sftRow = (split: string) => (p: string, index: number) => ({
        data_source: DIGIT_COMPLETION_DATA_SOURCE,
        prompt: p,
        response: digitCompletionAnswer(p),
        extra_info: { split, index },
      });
      ctx.log(`digit_completion (sft): ${prompts.length} prompts → ${trainPrompts.length} sft_train, ${testPrompts.length} sft_test`);
      return {
        splits: [
          { name: 'sft_train', rows: trainPrompts.map(sftRow('train')) },
          { name: 'sft_test', rows: testPrompts.map(sftRow('test')) },
        ],
        schema: [
          ['data_source', 'string'],
          ['prompt', 'string'],
          ['response', 'string'],
          ['extra_info', structOf({ split: 'string', index: 'int64' })],
        ],
      };
    }
    const row = (split: string) => (p: string, index: number) => ({
      data_source: DIGIT_COMPLETION_DATA_SOURCE,
      prompt: chatPrompt(p),
      ability: 'arithmetic',
      reward_model: { style: 'rule', ground_truth: digitCompletionAnswer(p) },
      extra_info: { split, index },
    });
    const splits = [
      { name: 'train', rows: trainPrompts.map(row('train')) },
      { name: 'test', rows: testPrompts.map(row('test')) },
    ];
    ctx.log(`digit_completion: ${prompts.length} prompts → ${splits[0].rows.length} train, ${splits[1].rows.length} test`);
    return {
      splits,
      schema: [
        ['data_source', 'string'],
        ['prompt', PROMPT_TYPE],
        ['ability', 'string'],
        ['reward_model', rewardModelType('string')],
        ['extra_info', structOf({ split: 'string', index: 'int64' })],
      ],
    };
  },
};
