/**
 * The non-finite guard: an update whose loss or gradient norm is not finite is skipped (the workers never apply
 * it) and counted; three training steps in a row with a skipped update stop the run with a message naming the
 * first quantity that went non-finite and the config keys that usually cause it.
 */
import { UserError } from '../util/errors.js';
import type { UpdateStats } from '../workers/index.js';

export const MAX_SKIPPED_STEPS_IN_A_ROW = 3;

/** Exit code of a run stopped by non-finite updates. */
export const EXIT_NON_FINITE = 4;

export class NonFiniteGuard {
  consecutive = 0;
  first: string | null = null;
  private skippedThisStep = false;

  /** Record one role's update of the current step; returns a description when it skipped something. */
  record(role: 'actor' | 'critic', stats: UpdateStats): string | null {
    if (stats.skipped === 0) return null;
    const what = `${role}/${stats.firstNonFinite ?? 'loss'}`;
    this.first ??= what;
    if (!this.skippedThisStep) this.consecutive++;
    this.skippedThisStep = true;
    return `${stats.skipped} ${role} update(s) skipped: non-finite ${stats.firstNonFinite ?? 'loss'}`;
  }

  /** Called once per step after all updates. */
  endStep(): void {
    if (!this.skippedThisStep) this.consecutive = 0;
    this.skippedThisStep = false;
  }
}

export function throwIfNonFinite(guard: NonFiniteGuard): void {
  guard.endStep();
  if (guard.consecutive < MAX_SKIPPED_STEPS_IN_A_ROW) return;
  throw new UserError(
    `training stopped: ${MAX_SKIPPED_STEPS_IN_A_ROW} steps in a row had their update skipped because a value was not finite ` +
      `(first: ${guard.first}). Usual causes: a learning rate too high (actor_rollout_ref.actor.optim.lr, critic.optim.lr), ` +
      'no gradient clipping (actor_rollout_ref.actor.grad_clip, critic.grad_clip), a reward function returning NaN or Infinity ' +
      '(custom_reward_function.path), or a KL/entropy coefficient too large (actor_rollout_ref.actor.kl_loss_coef, entropy_coeff).',
    { exitCode: EXIT_NON_FINITE },
  );
}
