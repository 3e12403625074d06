/**
 * The rollout role behind a small interface, so another backend (a remote inference server) can stand in without
 * touching the loop. The built-in one decodes with the actor's own CausalLM: the KV decoder's frozen weight
 * snapshot is rebuilt when AdamW bumps the parameter version, so there is no weight copy per step.
 */
import type { Batch } from '../data/batch.js';
import type { CausalLM, RolloutOptions } from '../models/index.js';

export interface RolloutWorker {
  /** verl's generate_sequences: n responses per prompt row, interleaved, with verl's columns. */
  generate(prompts: Batch, options: RolloutOptions): Promise<Batch>;
}

export class LocalRollout implements RolloutWorker {
  constructor(private readonly model: CausalLM) {}

  generate(prompts: Batch, options: RolloutOptions): Promise<Batch> {
    return this.model.generate(prompts, options);
  }
}
