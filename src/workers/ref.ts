/**
 * The reference policy: a frozen copy of the initial actor that only scores (KL terms, online DPO). With
 * trainer.ref_update_freq it is refreshed from the actor's current weights (SPIN's reference update).
 */
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

  /** Overwrite the reference weights with a copy of `source`'s (same architecture). */
  loadWeightsFrom(source: CausalLM): void {
    const own = this.model.parameters();
    const from = source.parameters();
    for (const p of own.list()) p.data.set(from.get(p.name).data);
    own.markChanged();
  }
}
