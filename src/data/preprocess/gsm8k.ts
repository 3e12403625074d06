/**
 * GSM8K → verl schema, as verl's examples/data_preprocess/gsm8k.py: the question plus an instruction as the
 * user message, the number after "####" (commas removed) as the rule-based ground truth.
 */
import { localQaPreprocessor } from './local-qa.js';
import type { Preprocessor } from './types.js';

export const GSM8K_DATA_SOURCE = 'openai/gsm8k';
export const GSM8K_INSTRUCTION = 'Let\'s think step by step and output the final answer after "####".';

/** The gold answer's final number: the first "#### <number>", commas removed. */
export function gsm8kGroundTruth(answer: string): string | null {
  const m = /#### (-?[0-9.,]+)/.exec(answer);
  return m ? m[1].replaceAll(',', '') : null;
}

export const gsm8kPreprocessor: Preprocessor = localQaPreprocessor({
  name: 'gsm8k',
  describe: 'GSM8K (question/answer jsonl or parquet) → verl parquet with data_source openai/gsm8k',
  dataSource: GSM8K_DATA_SOURCE,
  datasetLabel: 'GSM8K',
  questionKey: 'question',
  answerKey: 'answer',
  instruction: GSM8K_INSTRUCTION,
  groundTruth: gsm8kGroundTruth,
  missingGroundTruth: "'#### <number>' final answer",
  rawInExtraInfo: true,
});
