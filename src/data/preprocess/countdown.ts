/**
 * Countdown puzzles (TinyZero's task): numbers and a target, solved with + − × ÷ using every number once.
 * verl's script loads the Jiayi-Pan/Countdown-Tasks-3to4 dataset; verl-ts generates puzzles from a seed
 * instead. Unlike TinyZero's gen_dataset (random target, often unsolvable), each target here is the value of
 * a random expression over the numbers (positive integer intermediates, exact division), so every puzzle has
 * a solution. The prompt templates are verl's/TinyZero's (base and qwen-instruct).
 */
import { ConfigError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { listOf, structOf } from '../io/value-type.js';
import { choiceArg, intArg } from './args.js';
import { PROMPT_TYPE, chatPrompt, rewardModelType } from './schema.js';
import type { Preprocessor } from './types.js';

export const COUNTDOWN_DATA_SOURCE = 'countdown';
export type CountdownTemplate = 'base' | 'qwen-instruct';

export interface CountdownSettings {
  numOperands: number;
  minNumber: number;
  maxNumber: number;
  maxTarget: number;
}

function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

/** One solvable puzzle: numbers drawn uniformly from [minNumber, maxNumber], target ∈ [1, maxTarget]. */
export function generateCountdownPuzzle(rng: Rng, s: CountdownSettings): { target: number; numbers: number[] } {
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const numbers = Array.from({ length: s.numOperands }, () => randInt(rng, s.minNumber, s.maxNumber));
    const pool = [...numbers];
    while (pool.length > 1) {
      const i = rng.int(pool.length);
      let j = rng.int(pool.length - 1);
      if (j >= i) j++;
      const [a, b] = pool[i] >= pool[j] ? [pool[i], pool[j]] : [pool[j], pool[i]];
      const options = [a + b, a * b];
      if (a > b) options.push(a - b);
      if (b > 0 && a % b === 0) options.push(a / b);
      const value = options[rng.int(options.length)];
      pool.splice(Math.max(i, j), 1);
      pool.splice(Math.min(i, j), 1, value);
    }
    const target = pool[0];
    if (target >= 1 && target <= s.maxTarget) return { target, numbers };
  }
  throw new ConfigError(
    `countdown: found no puzzle with a target in [1, ${s.maxTarget}] for ${s.numOperands} numbers in [${s.minNumber}, ${s.maxNumber}]; raise --max_target or lower --max_number`,
  );
}

/** Python's repr of a list of ints: "[1, 2, 3]". */
function pyList(xs: readonly number[]): string {
  return `[${xs.join(', ')}]`;
}

export function countdownPrompt(target: number, numbers: readonly number[], template: CountdownTemplate): string {
  const nums = pyList(numbers);
  if (template === 'base') {
    return (
      'A conversation between User and Assistant. The user asks a question, and the Assistant solves it.\n' +
      'The assistant first thinks about the reasoning process in the mind and then provides the user with the answer.\n' +
      `User: Using the numbers ${nums}, create an equation that equals ${target}.\n` +
      'You can use basic arithmetic operations (+, -, *, /) and each number can only be used once.\n' +
      'Show your work in <think> </think> tags.\n' +
      'And return the final answer in <answer> </answer> tags, for example <answer> (1 + 2) / 3 </answer>.\n' +
      'Assistant: Let me solve this step by step.\n' +
      '<think>'
    );
  }
  return (
    '<|im_start|>system\nYou are a helpful assistant. You first thinks about the reasoning process in the mind and then provides the user with the answer.<|im_end|>\n' +
    `<|im_start|>user\n Using the numbers ${nums}, create an equation that equals ${target}.\n` +
    'You can use basic arithmetic operations (+, -, *, /) and each number can only be used once. Show your work in <think> </think> tags.\n' +
    'And return the final answer in <answer> </answer> tags, for example <answer> (1 + 2) / 3 </answer>.<|im_end|>\n<|im_start|>assistant\nLet me solve this step by step.\n<think>'
  );
}

export const countdownPreprocessor: Preprocessor = {
  name: 'countdown',
  describe: 'generate solvable Countdown puzzles (TinyZero task) → verl parquet with data_source countdown',
  dataSource: COUNTDOWN_DATA_SOURCE,
  options: [
    { name: 'train_size', type: 'number', default: 327680, describe: 'training puzzles' },
    { name: 'test_size', type: 'number', default: 1024, describe: 'test puzzles' },
    { name: 'num_operands', type: 'number', default: 4, describe: 'numbers per puzzle' },
    { name: 'max_target', type: 'number', default: 1000, describe: 'largest target' },
    { name: 'min_number', type: 'number', default: 1, describe: 'smallest number' },
    { name: 'max_number', type: 'number', default: 100, describe: 'largest number' },
    { name: 'template_type', type: 'string', default: 'base', describe: 'prompt template: base or qwen-instruct' },
    { name: 'seed', type: 'number', default: 42, describe: 'random seed' },
  ],
  async run(args, ctx) {
    const trainSize = intArg(args, 'train_size', 327680, 0);
    const testSize = intArg(args, 'test_size', 1024, 0);
    const settings: CountdownSettings = {
      numOperands: intArg(args, 'num_operands', 4, 2, 12),
      maxTarget: intArg(args, 'max_target', 1000, 1),
      minNumber: intArg(args, 'min_number', 1, 1),
      maxNumber: intArg(args, 'max_number', 100, 1),
    };
    if (settings.maxNumber < settings.minNumber) throw new ConfigError(`--max_number (${settings.maxNumber}) must be at least --min_number (${settings.minNumber})`);
    const template = choiceArg<CountdownTemplate>(args, 'template_type', 'base', ['base', 'qwen-instruct']);
    const rng = new Rng(intArg(args, 'seed', 42));
    // Puzzles are made while they are written (hundreds of thousands of prompts need not all be in memory);
    // both splits draw from one seeded stream, train first.
    function* make(split: string, count: number) {
      for (let index = 0; index < count; index++) {
        const { target, numbers } = generateCountdownPuzzle(rng, settings);
        yield {
          data_source: COUNTDOWN_DATA_SOURCE,
          prompt: chatPrompt(countdownPrompt(target, numbers, template)),
          ability: 'math',
          reward_model: { style: 'rule', ground_truth: { target, numbers } },
          extra_info: { split, index },
        };
      }
    }
    const splits = [
      { name: 'train', count: trainSize, rows: make('train', trainSize) },
      { name: 'test', count: testSize, rows: make('test', testSize) },
    ];
    ctx.log(`countdown: ${trainSize} train and ${testSize} test puzzles`);
    return {
      splits,
      schema: [
        ['data_source', 'string'],
        ['prompt', PROMPT_TYPE],
        ['ability', 'string'],
        ['reward_model', rewardModelType(structOf({ target: 'int64', numbers: listOf('int64') }))],
        ['extra_info', structOf({ split: 'string', index: 'int64' })],
      ],
    };
  },
};
