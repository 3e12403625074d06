/**
 * What an advantage estimator or a policy loss needs from the training loop, declared when it registers. The
 * start-up checks and the loop read these declarations; nothing outside the registries decides by name.
 */

export interface EstimatorNeeds {
  /** Critic values per token: the loop runs a critic (unless critic.enable says otherwise). */
  values: boolean;
  /** uid groups (`index`): the samples of one prompt are compared with each other. */
  groups: boolean;
  /** Fewest samples per prompt the estimator accepts (rollout.n below it is a config error). */
  minSamplesPerPrompt: number;
  /** Σ_v π(v)² per position from the old-log-prob pass (optimal-token-baseline estimators). */
  sumPiSquared: boolean;
  /** Log-probs of the sampled tokens under the policy that generated them (`oldLogProbs`). */
  oldLogProbs: boolean;
  /** A greedy rollout per prompt whose summed reward becomes `rewardBaselines` (ReMax). */
  baselineRollout: boolean;
}

export interface PolicyLossNeeds {
  /** The rollout's own log-probs (rollout.calculate_log_probs), e.g. to stand in for old log-probs. */
  rolloutLogProbs: boolean;
  /** The reference policy's log-probs (`refLogProb`): the loop runs the reference even without a KL term. */
  referenceLogProbs: boolean;
  /**
   * The loss compares two responses to the same prompt: the loop hands it rows (2k, 2k + 1) = (chosen, rejected),
   * pairs formed from the summed rewards of each prompt's samples (online DPO), and keeps pairs together in
   * mini-batches, micro-batches and shuffles.
   */
  preferencePairs: boolean;
}

/** A declaration that asks for nothing beyond token-level rewards and the response mask. */
export const NO_ESTIMATOR_NEEDS: EstimatorNeeds = Object.freeze({
  values: false,
  groups: false,
  minSamplesPerPrompt: 1,
  sumPiSquared: false,
  oldLogProbs: false,
  baselineRollout: false,
});

export const NO_POLICY_LOSS_NEEDS: PolicyLossNeeds = Object.freeze({ rolloutLogProbs: false, referenceLogProbs: false, preferencePairs: false });
