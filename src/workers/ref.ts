/** The reference policy: a frozen copy of the initial actor that only scores (KL in the loss or in the reward). */
import type { Batch } from '../data/batch.js';
import type { CausalLM } from '../models/index.js';
import type { MicroBatching } from './micro-batches.js';
import { scoreBatch, type BatchTokenScores } from './scoring.js';

export class RefWorker {
  constructor(
    readonly model: CausalLM,
    private readonly temperature: number,
  ) {}

  computeLogProbs(batch: Batch, how: MicroBatching): Promise<BatchTokenScores> {
    return scoreBatch(this.model, batch, { temperature: this.temperature }, how, 'actor_rollout_ref.ref.log_prob_max_token_len_per_gpu');
  }
}
