/**
 * verl's DAPO reward manager: like naive, but a trailing EOS string is stripped from the decoded response, a
 * scalar result is also recorded as "acc", and with reward_model.overlong_buffer.enable the soft overlong
 * penalty min(−(L − (max_resp_len − len)) / len · penalty_factor, 0) is added to the score.
 */
import { ConfigError } from '../../util/errors.js';
import { scorePerSample } from './per-sample.js';
import type { RewardManager, RewardManagerOptions } from './types.js';

export function overlongPenalty(validResponseLength: number, maxResponseLength: number, bufferLen: number, penaltyFactor: number): number {
  const expected = maxResponseLength - bufferLen;
  const exceed = validResponseLength - expected;
  return Math.min((-exceed / bufferLen) * penaltyFactor, 0);
}

export function createDapoRewardManager(options: RewardManagerOptions): RewardManager {
  const overlong = options.overlongBuffer ?? null;
  const maxLen = options.maxResponseLength;
  if (overlong?.enable) {
    if (maxLen === undefined) {
      throw new ConfigError('reward_model.overlong_buffer.enable needs data.max_response_length (max_resp_len) for the dapo reward manager');
    }
    if (!(overlong.len > 0)) throw new ConfigError(`reward_model.overlong_buffer.len must be a positive number of tokens, got ${overlong.len}`);
    if (maxLen < overlong.len) {
      throw new ConfigError(`data.max_response_length (${maxLen}) must be at least reward_model.overlong_buffer.len (${overlong.len})`);
    }
  }
  const eosIds = options.tokenizer.eosTokenIds;
  const eosToken = eosIds.length ? options.tokenizer.decode([eosIds[0]], { skipSpecialTokens: false }) : '';
  return {
    name: 'dapo',
    compute: (batch) =>
      scorePerSample(batch, options, {
        prepareResponse: (text) => (eosToken && text.endsWith(eosToken) ? text.slice(0, -eosToken.length) : text),
        after: (row, outcome, out) => {
          if (outcome.ok && (outcome.score.kind !== 'scalar' || !outcome.score.extras)) out.addExtras(row.index, { acc: outcome.score.score });
          if (!overlong?.enable) return 0;
          const penalty = overlongPenalty(row.validResponseLength, maxLen as number, overlong.len, overlong.penaltyFactor);
          if (overlong.log) out.addExtras(row.index, { overlong_reward: penalty, overlong: penalty < 0 });
          return penalty;
        },
      }),
  };
}
