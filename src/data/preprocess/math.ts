/**
 * Hendrycks MATH (lighteval layout: problem, level, type, solution) → verl schema, as verl's
 * examples/data_preprocess/math_dataset.py: the problem plus an instruction as the user message, the last
 * \boxed{…} of the solution as the ground truth; level and type are kept.
 */
import { lastBoxedOnlyString, removeBoxed } from '../../tasks/boxed-answer.js';
import { localQaPreprocessor } from './local-qa.js';
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

export const mathPreprocessor: Preprocessor = localQaPreprocessor({
  name: 'math',
  describe: 'MATH-lighteval (problem/solution jsonl or parquet) → verl parquet with data_source DigitalLearningGmbH/MATH-lighteval',
  dataSource: MATH_DATA_SOURCE,
  datasetLabel: 'MATH',
  questionKey: 'problem',
  answerKey: 'solution',
  instruction: MATH_INSTRUCTION,
  groundTruth: mathGroundTruth,
  missingGroundTruth: '\\boxed{…} answer',
  rawInExtraInfo: false,
});
