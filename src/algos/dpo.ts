/**
 * Online DPO with SPIN semantics (verl's former recipe/spin): preferences from rewards, pair formation, and
 * the sigmoid / ipo DPO losses with gradients with respect to the policy's sequence log-probs.
 */
import { ConfigError, InputError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import type { LossResult } from './loss-result.js';
import type { Mat } from './mat.js';
import { assertSameShape } from './mat.js';

function sequenceScores(tokenLevelRewards: Mat, responseMask: Mat): Float64Array {
  const { rows, cols } = tokenLevelRewards;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let t = 0; t < cols; t++) s += tokenLevelRewards.data[i * cols + t] * responseMask.data[i * cols + t];
    out[i] = s;
  }
  return out;
}

/**
 * verl's compute_onlinedpo_pref: rows (2k, 2k+1) are pair k; score = Σ r·m; the winner is the arg-max of the
 * pair and a tie goes to the first row. Returns a mask that is true at each pair's winner.
 */
export function computeOnlineDpoPreference(tokenLevelRewards: Mat, responseMask: Mat): boolean[] {
  assertSameShape(responseMask, tokenLevelRewards, 'response_mask', 'token_level_rewards', 'online DPO preference');
  if (tokenLevelRewards.rows % 2 !== 0) {
    throw new InputError(
      `online DPO preference: the batch must hold interleaved pairs of responses, so its size must be even; got ${tokenLevelRewards.rows} rows`,
    );
  }
  const scores = sequenceScores(tokenLevelRewards, responseMask);
  const chosen = new Array<boolean>(scores.length).fill(false);
  for (let p = 0; p < scores.length / 2; p++) chosen[scores[2 * p + 1] > scores[2 * p] ? 2 * p + 1 : 2 * p] = true;
  return chosen;
}

export interface DpoPair {
  chosen: number;
  rejected: number;
}

/**
 * Pairs for rollout.n responses per prompt (rows i·n … i·n + n − 1 form a group, as the trainer interleaves
 * them). n = 2 reproduces verl exactly: every pair is kept and a tie goes to the first row. For n > 2 (which
 * verl does not support) each group gives one pair: its best response (highest Σ r·m, earliest on ties)
 * against its worst (lowest, earliest on ties); a group whose best and worst scores are equal gives no pair.
 * An empty result means there is nothing to train on this step.
 */
export function formDpoPairs(tokenLevelRewards: Mat, responseMask: Mat, n: number): DpoPair[] {
  assertSameShape(responseMask, tokenLevelRewards, 'response_mask', 'token_level_rewards', 'online DPO pairs');
  if (!Number.isInteger(n) || n < 2) {
    throw new ConfigError(`actor_rollout_ref.rollout.n must be an integer ≥ 2 for online DPO (pairs of responses), got ${n}`);
  }
  if (tokenLevelRewards.rows % n !== 0) {
    throw new InputError(`online DPO pairs: ${tokenLevelRewards.rows} rows is not a whole number of groups of rollout.n = ${n}`);
  }
  const scores = sequenceScores(tokenLevelRewards, responseMask);
  const pairs: DpoPair[] = [];
  for (let g = 0; g < scores.length; g += n) {
    if (n === 2) {
      const firstWins = !(scores[g + 1] > scores[g]);
      pairs.push(firstWins ? { chosen: g, rejected: g + 1 } : { chosen: g + 1, rejected: g });
      continue;
    }
    let best = g;
    let worst = g;
    for (let i = g + 1; i < g + n; i++) {
      if (scores[i] > scores[best]) best = i;
      if (scores[i] < scores[worst]) worst = i;
    }
    if (scores[best] !== scores[worst]) pairs.push({ chosen: best, rejected: worst });
  }
  return pairs;
}

export const DPO_LOSS_TYPES = ['sigmoid', 'ipo'] as const;

export interface DpoLossInput {
  policyChosenLogps: ArrayLike<number>;
  policyRejectedLogps: ArrayLike<number>;
  referenceChosenLogps: ArrayLike<number>;
  referenceRejectedLogps: ArrayLike<number>;
}

export interface DpoLossConfig {
  /** actor.dpo_beta (default 0.1). */
  beta: number;
  /** algorithm.dpo_label_smoothing (default 0; sigmoid only). */
  labelSmoothing?: number;
  /** algorithm.dpo_loss_type: "sigmoid" (default) or "ipo". */
  lossType?: string;
  /** Drop the reference log-ratio (verl: not use_reference_policy). */
  referenceFree?: boolean;
}

/** log σ(y), stable for large |y|. */
function logSigmoid(y: number): number {
  return Math.min(y, 0) - Math.log1p(Math.exp(-Math.abs(y)));
}

function sigmoid(y: number): number {
  return y >= 0 ? 1 / (1 + Math.exp(-y)) : Math.exp(y) / (1 + Math.exp(y));
}

function meanOf(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/**
 * x = (πc − πr) − (refc − refr) (reference term 0 when referenceFree);
 * sigmoid: −logσ(βx)(1 − ls) − logσ(−βx)·ls; ipo: (x − 1/(2β))². The loss is the mean over pairs.
 * Metrics are this call's means, with verl's names. With no pairs the loss is 0 with no gradient entries.
 */
export function computeOnlineDpoLoss(
  input: DpoLossInput,
  config: DpoLossConfig,
): LossResult<'policyChosenLogps' | 'policyRejectedLogps'> {
  const lossType = config.lossType ?? 'sigmoid';
  if (!(DPO_LOSS_TYPES as readonly string[]).includes(lossType)) {
    throw new ConfigError(
      `algorithm.dpo_loss_type: Unsupported loss_type: '${lossType}'. Choose 'sigmoid' or 'ipo'.` + didYouMean(lossType, DPO_LOSS_TYPES),
    );
  }
  const P = input.policyChosenLogps.length;
  for (const [name, xs] of Object.entries(input) as Array<[string, ArrayLike<number>]>) {
    if (xs.length !== P) throw new InputError(`online DPO loss: ${name} has ${xs.length} entries, expected ${P} (one per pair)`);
  }
  const { beta } = config;
  const ls = config.labelSmoothing ?? 0;
  const dChosen = new Float64Array(P);
  const dRejected = new Float64Array(P);
  if (P === 0) return { loss: 0, metrics: {}, grad: { policyChosenLogps: dChosen, policyRejectedLogps: dRejected } };
  const logits = new Float64Array(P);
  let total = 0;
  for (let p = 0; p < P; p++) {
    const piRatio = input.policyChosenLogps[p] - input.policyRejectedLogps[p];
    const refRatio = config.referenceFree ? 0 : input.referenceChosenLogps[p] - input.referenceRejectedLogps[p];
    const x = piRatio - refRatio;
    logits[p] = x;
    let dx: number;
    if (lossType === 'sigmoid') {
      total += -logSigmoid(beta * x) * (1 - ls) - logSigmoid(-beta * x) * ls;
      dx = -(1 - ls) * beta * sigmoid(-beta * x) + ls * beta * sigmoid(beta * x);
    } else {
      const e = x - 1 / (2 * beta);
      total += e * e;
      dx = 2 * e;
    }
    dChosen[p] = dx / P;
    dRejected[p] = -dx / P;
  }
  return {
    loss: total / P,
    metrics: {
      'actor/dpo_logits': meanOf(logits),
      'actor/policy_chosen_logps': meanOf(input.policyChosenLogps),
      'actor/policy_rejected_logps': meanOf(input.policyRejectedLogps),
      'actor/reference_chosen_logps': meanOf(input.referenceChosenLogps),
      'actor/reference_rejected_logps': meanOf(input.referenceRejectedLogps),
    },
    grad: { policyChosenLogps: dChosen, policyRejectedLogps: dRejected },
  };
}

/**
 * The step-level reward metrics SPIN derives from the averaged micro-batch means: rewards_chosen/rejected =
 * β·(policy − reference) means, margins = their difference, accuracies = 1 if the mean logit > 0.
 */
export function dpoRewardMetrics(means: Record<string, number>, beta: number): Record<string, number> {
  const chosen = beta * (means['actor/policy_chosen_logps'] - means['actor/reference_chosen_logps']);
  const rejected = beta * (means['actor/policy_rejected_logps'] - means['actor/reference_rejected_logps']);
  return {
    'actor/rewards_chosen': chosen,
    'actor/rewards_rejected': rejected,
    'actor/rewards_accuracies': means['actor/dpo_logits'] > 0 ? 1.0 : 0.0,
    'actor/rewards_margins': chosen - rejected,
  };
}
