/**
 * An example custom reward function for verl-ts (custom_reward_function.path=examples/custom-reward/reward.ts,
 * custom_reward_function.name=compute_score). It reuses the GSM8K rule and adds a brevity bonus; every key of
 * the returned object besides `score` becomes a reward_extra_info column and a metric.
 *
 * In your own project import the types from 'verl-ts' instead of the relative path.
 */
import type { ExtraInfo, ScoreDict } from '../../src/reward/types.js';

function lastNumber(text: string): string | null {
  const m = text.match(/-?[0-9][0-9,]*(\.[0-9]+)?/g);
  return m ? m[m.length - 1].replaceAll(',', '') : null;
}

export function compute_score(
  dataSource: string,
  solutionStr: string,
  groundTruth: unknown,
  extraInfo: ExtraInfo | null,
  kwargs: Record<string, unknown>,
): ScoreDict {
  const brevityWeight = typeof kwargs.brevity_weight === 'number' ? kwargs.brevity_weight : 0;
  const answer = lastNumber(solutionStr);
  const correct = answer !== null && answer === String(groundTruth);
  const brevity = brevityWeight * Math.max(0, 1 - solutionStr.length / 1000);
  return { score: (correct ? 1 : 0) + brevity, acc: correct, pred: answer ?? '', data_source_seen: dataSource, index: extraInfo?.index ?? null };
}

/** The same rule for the batch reward manager (reward_model.reward_manager=batch, custom_reward_function.name=compute_score_batch). */
export async function compute_score_batch(
  dataSources: string[],
  solutionStrs: string[],
  groundTruths: unknown[],
  extraInfos: ExtraInfo[],
  kwargs: Record<string, unknown>,
): Promise<ScoreDict[]> {
  return solutionStrs.map((s, i) => compute_score(dataSources[i], s, groundTruths[i], extraInfos[i], kwargs));
}
