/**
 * verl's batch reward manager: ONE call of the scoring function for the whole batch,
 * fn(data_sources, solution_strs, ground_truths, extra_infos, kwargs) with reward_model.reward_kwargs (and the
 * function's own reward_kwargs) as kwargs; it returns one result per sample.
 */
import { ConfigError } from '../../util/errors.js';
import { scoreBatchCall } from '../invoke.js';
import { DEFAULT_SCORE_POLICY } from '../types.js';
import { Examiner, RewardCollector, decode, fromRmScores, readResponseBatch } from './rows.js';
import type { RewardManager, RewardManagerOptions } from './types.js';

export function createBatchRewardManager(options: RewardManagerOptions): RewardManager {
  const sf = options.computeScore;
  if (!sf || sf.builtIn) {
    throw new ConfigError(
      "reward_model.reward_manager=batch calls one function for the whole batch: set custom_reward_function.path (and .name) to a function taking (data_sources, solution_strs, ground_truths, extra_infos, kwargs)",
    );
  }
  const policy = options.policy ?? DEFAULT_SCORE_POLICY;
  return {
    name: 'batch',
    async compute(batch) {
      const existing = fromRmScores(batch);
      if (existing) return existing;
      const { rows, responseWidth } = readResponseBatch(batch, options.rewardFnKey ?? 'data_source');
      const responses = rows.map((r) => decode(options.tokenizer, r.validResponseIds));
      const outcomes = await scoreBatchCall(
        sf,
        rows.map((r, i) => ({ index: r.index, dataSource: r.dataSource, solutionStr: responses[i], groundTruth: r.groundTruth, extraInfo: r.extraInfo })),
        policy,
        options.rewardKwargs ?? {},
      );
      const out = new RewardCollector(rows.length, responseWidth);
      const examiner = new Examiner(options.numExamine, options.log ?? (() => {}));
      const prompts = batch.ints('prompts');
      rows.forEach((row, i) => {
        const o = outcomes[i];
        if (o.ok) out.put(row.index, row.validResponseLength, o.score);
        else out.fail(row.index);
        examiner.print(row.dataSource, [
          ['prompt', decode(options.tokenizer, prompts.row(i))],
          ['response', responses[i]],
          ['ground_truth', row.groundTruth],
          ['score', o.ok ? (o.score.kind === 'scalar' && o.score.extras ? o.score.extras : o.score.score) : `0 (${o.reason})`],
        ]);
      });
      return out.finish();
    },
  };
}
