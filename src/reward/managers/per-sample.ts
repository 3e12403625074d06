/**
 * The loop shared by the per-sample managers (naive, dapo, prime): decode each valid response, score it
 * (one call at a time, or up to `concurrency` async calls at once), place the result, print examined samples.
 */
import type { Batch } from '../../data/batch.js';
import { mapLimit, scoreSample } from '../invoke.js';
import type { ScoreOutcome } from '../invoke.js';
import { DEFAULT_SCORING_FUNCTION } from '../scoring-function.js';
import { DEFAULT_SCORE_POLICY } from '../types.js';
import type { ScorePolicy } from '../types.js';
import { Examiner, RewardCollector, decode, fromRmScores, readResponseBatch } from './rows.js';
import type { ResponseRow } from './rows.js';
import type { RewardManagerOptions, RewardOutput } from './types.js';

export interface PerSampleHooks {
  /** Adjust the decoded response before scoring (dapo strips a trailing EOS string). */
  prepareResponse?: (text: string) => string;
  /** After scoring: add extras and return a bonus added to the score (dapo's overlong penalty). */
  after?: (row: ResponseRow, outcome: ScoreOutcome, out: RewardCollector) => number;
  /** Calls in flight at once (1: strictly one after another). */
  concurrency?: number;
  policy?: ScorePolicy;
}

function scoreLines(outcome: ScoreOutcome): Array<[string, unknown]> {
  if (!outcome.ok) return [['score', `0 (${outcome.reason})`]];
  if (outcome.score.kind === 'scalar' && outcome.score.extras) return Object.entries(outcome.score.extras);
  return [['score', outcome.score.kind === 'dense' ? outcome.score.values : outcome.score.score]];
}

export async function scorePerSample(batch: Batch, options: RewardManagerOptions, hooks: PerSampleHooks = {}): Promise<RewardOutput> {
  const existing = fromRmScores(batch);
  if (existing) return existing;
  const sf = options.computeScore ?? DEFAULT_SCORING_FUNCTION;
  const policy = hooks.policy ?? options.policy ?? DEFAULT_SCORE_POLICY;
  const { rows, responseWidth } = readResponseBatch(batch, options.rewardFnKey ?? 'data_source');
  const responses = rows.map((row) => {
    const text = decode(options.tokenizer, row.validResponseIds);
    return hooks.prepareResponse ? hooks.prepareResponse(text) : text;
  });
  const outcomes = await mapLimit(rows, hooks.concurrency ?? 1, (row, i) =>
    scoreSample(sf, { index: row.index, dataSource: row.dataSource, solutionStr: responses[i], groundTruth: row.groundTruth, extraInfo: row.extraInfo }, policy),
  );
  const out = new RewardCollector(rows.length, responseWidth);
  const examiner = new Examiner(options.numExamine, options.log ?? (() => {}));
  rows.forEach((row, i) => {
    const outcome = outcomes[i];
    const bonus = hooks.after ? hooks.after(row, outcome, out) : 0;
    if (outcome.ok) out.put(row.index, row.validResponseLength, outcome.score, bonus);
    else out.fail(row.index);
    if (examiner.wants(row.dataSource)) {
      examiner.print(row.dataSource, [
        ['prompt', decode(options.tokenizer, row.validPromptIds)],
        ['response', responses[i]],
        ['ground_truth', row.groundTruth],
        ...scoreLines(outcome),
      ]);
    }
  });
  return out.finish();
}
