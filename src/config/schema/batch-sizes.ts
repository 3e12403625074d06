/**
 * The batch sizes a PPO config implies, spelled out — the most common confusion of verl users is which
 * sizes count prompts and which count trajectories.
 */
import type { PpoTrainerConfig } from './ppo-trainer.js';
import { activeLossMode, needsCritic, type AlgorithmNeedsLookup } from './ppo-checks.js';

export interface RoleBatchSizes {
  /** Trajectories per mini-batch (one optimizer step). */
  trajectoriesPerMiniBatch: number;
  /** Mini-batches (optimizer steps) per pass over a training batch. */
  miniBatchesPerEpoch: number;
  /** Size of the last mini-batch when the batch does not split evenly (else equal to the others). */
  lastMiniBatchTrajectories: number;
  /** Micro-batches (forward/backward passes) per mini-batch; null when packed by tokens. */
  microBatchesPerMiniBatch: number | null;
  /** Trajectories per micro-batch; null when packed by tokens. */
  trajectoriesPerMicroBatch: number | null;
  /** Optimizer steps per training step (mini-batches times ppo_epochs). */
  optimizerStepsPerTrainingStep: number;
}

export interface DerivedBatchSizes {
  promptsPerStep: number;
  responsesPerStep: number;
  actor: RoleBatchSizes;
  critic: RoleBatchSizes | null;
}

/** One role's sizes from verl's keys: prompts per step, rollout.n, ppo_mini_batch_size, micro-batch size, use_dynamic_bsz, ppo_epochs. */
export function roleBatchSizes(prompts: number, n: number, mini: number, micro: number | null, dynamic: boolean, epochs: number): RoleBatchSizes {
  const perMini = mini * n;
  const total = prompts * n;
  const count = Math.ceil(total / perMini);
  const last = total - (count - 1) * perMini;
  return {
    trajectoriesPerMiniBatch: perMini,
    miniBatchesPerEpoch: count,
    lastMiniBatchTrajectories: last,
    microBatchesPerMiniBatch: dynamic || micro === null ? null : Math.ceil(perMini / micro),
    trajectoriesPerMicroBatch: dynamic ? null : micro,
    optimizerStepsPerTrainingStep: count * epochs,
  };
}

export function deriveBatchSizes(cfg: PpoTrainerConfig, needs: AlgorithmNeedsLookup): DerivedBatchSizes {
  const n = cfg.actor_rollout_ref.rollout.n;
  const prompts = cfg.data.train_batch_size;
  const a = cfg.actor_rollout_ref.actor;
  const c = cfg.critic;
  return {
    promptsPerStep: prompts,
    responsesPerStep: prompts * n,
    // A pair loss trains on one (chosen, rejected) pair per prompt.
    actor: roleBatchSizes(prompts, needs.policyLoss(activeLossMode(cfg)).preferencePairs ? 2 : n, a.ppo_mini_batch_size, a.ppo_micro_batch_size_per_gpu ?? a.ppo_micro_batch_size, a.use_dynamic_bsz, a.ppo_epochs),
    critic: needsCritic(cfg, needs)
      ? roleBatchSizes(prompts, n, c.ppo_mini_batch_size, c.ppo_micro_batch_size_per_gpu ?? c.ppo_micro_batch_size, c.use_dynamic_bsz, c.ppo_epochs)
      : null,
  };
}

function describeRole(name: string, r: RoleBatchSizes, epochs: number): string[] {
  const lines = [
    `  ${name}: ${r.miniBatchesPerEpoch} mini-batch(es) of ${r.trajectoriesPerMiniBatch} trajectories per epoch` +
      (r.lastMiniBatchTrajectories !== r.trajectoriesPerMiniBatch ? ` (the last holds ${r.lastMiniBatchTrajectories})` : '') +
      ` x ${epochs} epoch(s) = ${r.optimizerStepsPerTrainingStep} optimizer step(s) per training step`,
  ];
  lines.push(
    r.microBatchesPerMiniBatch === null
      ? `  ${name}: micro-batches packed by token budget (use_dynamic_bsz)`
      : `  ${name}: ${r.microBatchesPerMiniBatch} micro-batch(es) of ${r.trajectoriesPerMicroBatch} trajectories per mini-batch (gradient accumulation)`,
  );
  return lines;
}

/** Human-readable summary printed by `verl-ts train`. */
export function formatBatchSizes(cfg: PpoTrainerConfig, sizes: DerivedBatchSizes): string {
  const n = cfg.actor_rollout_ref.rollout.n;
  const lines = [
    'Batch sizes:',
    `  per training step: ${sizes.promptsPerStep} prompts (data.train_batch_size) x ${n} samples (rollout.n) = ${sizes.responsesPerStep} responses`,
    ...describeRole('actor', sizes.actor, cfg.actor_rollout_ref.actor.ppo_epochs),
  ];
  if (sizes.critic) lines.push(...describeRole('critic', sizes.critic, cfg.critic.ppo_epochs));
  return `${lines.join('\n')}\n`;
}
