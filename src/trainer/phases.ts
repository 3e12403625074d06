/**
 * The phases of one training step, in verl's fit() order. Each takes the step's Batch and returns it with new
 * columns (verl's names) plus metrics. What runs is decided by what the estimator and the loss declared in their
 * registries (TrainingContext.needs), never by their names.
 */
import {
  aggLoss,
  applyKlPenalty,
  formDpoPairs,
  computeAdvantage,
  computeRolloutCorrection,
  type AdvantageInput,
} from '../algos/index.js';
import type { Batch } from '../data/batch.js';
import { Tensor } from '../data/tensor.js';
import { rolloutOptionsFromConfig, type RolloutOptions } from '../models/index.js';
import { policyObjective, valueObjective } from './objectives.js';
import { advantageConfigOf, actorPlan, criticForwardBatching, criticPlan, isOnPolicy, oldLogProbBatching, policyLossConfigOf, policyLossName, refLogProbBatching, rolloutCorrectionOf } from './options.js';
import { matOf, matOfTensor, tensorOfMat } from './columns.js';
import type { TrainingContext } from './context.js';
import { maskedRowSums, reduceMetrics } from '../algos/index.js';
import type { UpdateStats } from '../workers/index.js';

export type Metrics = Record<string, number>;

/**
 * Sampling settings of a training step: the rollout section, with a seed that moves with the step (and, for
 * DAPO's extra generation batches within a step, with the batch: far apart so no two draws share a seed).
 */
export function trainRolloutOptions(ctx: TrainingContext, step: number, genBatch = 0): RolloutOptions {
  const o = rolloutOptionsFromConfig(ctx.config.actor_rollout_ref.rollout, 'train');
  return { ...o, seed: o.seed + step + genBatch * 1_000_003 };
}

/**
 * uid per prompt (deterministic, so a run is reproducible: `<step>-<row>`, `<step>.<genBatch>-<row>` for DAPO's
 * extra generation batches), then n responses per prompt joined with the prompt rows repeated n times.
 */
export async function generate(ctx: TrainingContext, prompts: Batch, step: number, genBatch = 0): Promise<Batch> {
  const tag = genBatch === 0 ? `${step}` : `${step}.${genBatch}`;
  const withUid = prompts.withColumn('uid', Array.from({ length: prompts.size }, (_, i) => `${tag}-${i}`));
  const options = trainRolloutOptions(ctx, step, genBatch);
  const gen = await ctx.rollout.generate(withUid, options);
  return joinGenerations(gen, withUid, options.n);
}

/** The generated columns plus every per-prompt column of `prompts`, repeated n times interleaved (verl's union). */
export function joinGenerations(gen: Batch, prompts: Batch, n: number): Batch {
  const perRow = prompts.drop(prompts.tensorNames()).repeat(n, { interleave: true });
  return gen.union(perRow);
}

/** ReMax: a greedy response per prompt; its summed reward becomes every sample's `reward_baselines`. */
export async function baselineRollout(ctx: TrainingContext, prompts: Batch, batch: Batch, step: number, genBatch = 0): Promise<Batch> {
  const greedy: RolloutOptions = { ...trainRolloutOptions(ctx, step, genBatch), doSample: false, n: 1 };
  const gen = await ctx.rollout.generate(prompts, greedy);
  const scored = await ctx.rewardFn.compute(joinGenerations(gen, prompts, 1));
  const n = batch.size / prompts.size;
  const baselines = new Float32Array(batch.size);
  for (let i = 0; i < batch.size; i++) baselines[i] = scored.sequenceScores[Math.floor(i / n)];
  return batch.withTensor('reward_baselines', new Tensor(baselines, [batch.size]));
}

/**
 * verl's balance_batch for one data-parallel rank: one partition holding every row, ordered by workload
 * (24576·L + L², L = Σ attention_mask) with the even positions first and the odd ones reversed, so short rows sit
 * at both ends. It changes which rows share a mini-batch, exactly as in verl.
 */
export function balanceBatch(batch: Batch): { batch: Batch; order: number[]; metrics: Metrics } {
  const mask = batch.tensor('attention_mask');
  const width = mask.shape[1];
  const lengths = Array.from({ length: batch.size }, (_, i) => {
    let n = 0;
    for (let t = 0; t < width; t++) n += mask.data[i * width + t];
    return n;
  });
  const workload = lengths.map((l) => 24576 * l + l * l);
  const sorted = lengths.map((_, i) => i).sort((a, b) => workload[a] - workload[b] || a - b);
  const even = sorted.filter((_, k) => k % 2 === 0);
  const odd = sorted.filter((_, k) => k % 2 === 1).reverse();
  const total = lengths.reduce((a, b) => a + b, 0);
  const metrics: Metrics = {
    'global_seqlen/min': total,
    'global_seqlen/max': total,
    'global_seqlen/minmax_diff': 0,
    'global_seqlen/balanced_min': total,
    'global_seqlen/balanced_max': total,
    'global_seqlen/mean': total,
  };
  const order = [...even, ...odd];
  return { batch: batch.take(order), order, metrics };
}

/** token_level_scores from the reward manager, and its per-sample extras (for the rollout dumps). */
export async function reward(ctx: TrainingContext, batch: Batch): Promise<{ batch: Batch; metrics: Metrics; extras: Record<string, unknown[]> }> {
  const out = await ctx.rewardFn.compute(batch);
  const extras: Record<string, unknown[]> = {};
  for (const [k, v] of Object.entries(out.rewardExtraInfo)) {
    if (v.length === batch.size) extras[k] = v;
  }
  return { batch: batch.withTensor('token_level_scores', out.rewardTensor), metrics: { ...out.metrics }, extras };
}

/** Old log-probs (+ entropy, Σπ² when declared) from the actor, or the rollout's own in bypass mode. */
export async function oldLogProbs(ctx: TrainingContext, batch: Batch): Promise<{ batch: Batch; metrics: Metrics }> {
  const metrics: Metrics = {};
  if (ctx.needs.bypass) {
    return { batch: batch.withTensor('old_log_probs', batch.tensor('rollout_log_probs')), metrics };
  }
  if (!ctx.needs.oldLogProbPass) return { batch, metrics };
  const scores = await ctx.actor.computeLogProbs(batch, { withEntropy: true, withSumPiSquared: ctx.needs.sumPiSquared }, oldLogProbBatching(ctx.config));
  let next = batch.withTensor('old_log_probs', scores.logProbs);
  const mask = matOf(batch, 'response_mask');
  if (scores.entropy) {
    next = next.withTensor('entropys', scores.entropy);
    const a = ctx.config.actor_rollout_ref.actor;
    metrics['actor/entropy'] = aggLoss(matOfTensor(scores.entropy), mask, a.loss_agg_mode).loss;
  }
  if (scores.sumPiSquared) next = next.withTensor('sum_pi_squared', scores.sumPiSquared);
  if (batch.hasTensor('rollout_log_probs')) Object.assign(metrics, rolloutProbsDiff(matOf(batch, 'rollout_log_probs'), matOfTensor(scores.logProbs), mask));
  return { batch: next, metrics };
}

/** verl's debug metrics comparing the rollout's token probabilities with the actor's. */
function rolloutProbsDiff(rollout: ReturnType<typeof matOf>, actor: ReturnType<typeof matOf>, mask: ReturnType<typeof matOf>): Metrics {
  const diffs: number[] = [];
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < mask.data.length; k++) {
    if (mask.data[k] === 0) continue;
    const p = Math.exp(rollout.data[k]);
    const q = Math.exp(actor.data[k]);
    diffs.push(Math.abs(p - q));
    xs.push(p);
    ys.push(q);
  }
  if (diffs.length === 0) return {};
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  const md = mean(diffs);
  const sd = Math.sqrt(diffs.reduce((s, x) => s + (x - md) ** 2, 0) / Math.max(1, diffs.length - 1));
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return {
    'training/rollout_probs_diff_valid': 1,
    'training/rollout_probs_diff_max': Math.max(...diffs),
    'training/rollout_probs_diff_mean': md,
    'training/rollout_probs_diff_std': sd,
    'training/rollout_actor_probs_pearson_corr': sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 1,
  };
}

export async function refLogProbs(ctx: TrainingContext, batch: Batch): Promise<Batch> {
  if (!ctx.ref) return batch;
  const scores = await ctx.ref.computeLogProbs(batch, refLogProbBatching(ctx.config));
  return batch.withTensor('ref_log_prob', scores.logProbs);
}

export async function values(ctx: TrainingContext, batch: Batch): Promise<Batch> {
  if (!ctx.critic) return batch;
  return batch.withTensor('values', await ctx.critic.computeValues(batch, criticForwardBatching(ctx.config)));
}

/**
 * token_level_rewards (KL in the reward when on), rollout correction (IS weights, rejection mask) when configured
 * and the rollout's log-probs exist, then the registered estimator with the inputs it declared it needs.
 */
export function advantages(ctx: TrainingContext, batch: Batch): { batch: Batch; metrics: Metrics } {
  const metrics: Metrics = {};
  const cfg = ctx.config;
  let mask = matOf(batch, 'response_mask');
  const scores = matOf(batch, 'token_level_scores');
  let rewards = scores;
  if (ctx.klController !== null) {
    const r = applyKlPenalty(
      { tokenLevelScores: scores, oldLogProbs: matOf(batch, 'old_log_probs'), refLogProb: matOf(batch, 'ref_log_prob'), responseMask: mask },
      ctx.klController,
      cfg.algorithm.kl_penalty,
    );
    rewards = r.tokenLevelRewards;
    Object.assign(metrics, r.metrics);
  }
  let next = batch.withTensor('token_level_rewards', tensorOfMat(rewards));
  const rc = rolloutCorrectionOf(cfg);
  let isWeights: ReturnType<typeof matOf> | null = null;
  if (rc !== null && !ctx.needs.bypass && batch.hasTensor('rollout_log_probs')) {
    const corr = computeRolloutCorrection(matOf(batch, 'old_log_probs'), matOf(batch, 'rollout_log_probs'), mask, rc);
    Object.assign(metrics, corr.metrics);
    mask = corr.responseMask;
    next = next.withTensor('response_mask', new Tensor(Int32Array.from(mask.data), [mask.rows, mask.cols]));
    if (corr.isWeights) {
      isWeights = corr.isWeights;
      next = next.withTensor('rollout_is_weights', tensorOfMat(corr.isWeights));
    }
  }
  const need = ctx.needs.estimator;
  const input: AdvantageInput = { tokenLevelRewards: rewards, responseMask: mask };
  if (need.groups) input.index = batch.column('uid') as string[];
  if (need.values || ctx.critic) input.values = batch.hasTensor('values') ? matOf(batch, 'values') : undefined;
  if (need.baselineRollout) input.rewardBaselines = batch.tensor('reward_baselines').data;
  if (need.oldLogProbs) input.oldLogProbs = matOf(batch, 'old_log_probs');
  if (need.sumPiSquared) input.sumPiSquared = matOf(batch, 'sum_pi_squared');
  input.rolloutIsWeights = isWeights;
  const out = computeAdvantage(cfg.algorithm.adv_estimator, input, advantageConfigOf(cfg));
  next = next.withTensor('advantages', new Tensor(out.advantages.data, [out.advantages.rows, out.advantages.cols]));
  next = next.withTensor('returns', new Tensor(out.returns.data, [out.returns.rows, out.returns.cols]));
  return { batch: next, metrics };
}

/** The update's metrics as verl logs them: summed losses, reduced per-micro-batch lists, grad_norm, lr, skips. */
export function updateMetrics(prefix: 'actor' | 'critic', stats: UpdateStats): Metrics {
  const lists: Record<string, number[]> = { ...stats.microMetrics };
  if (stats.gradNorms.length) lists[`${prefix}/grad_norm`] = stats.gradNorms;
  const metrics: Metrics = { ...reduceMetrics(lists), ...stats.sums, [`${prefix}/lr`]: stats.lr, [`${prefix}/skipped_updates`]: stats.skipped };
  return metrics;
}

export async function updateCritic(ctx: TrainingContext, batch: Batch): Promise<{ metrics: Metrics; stats: UpdateStats | null }> {
  if (!ctx.critic) return { metrics: {}, stats: null };
  const c = ctx.config.critic;
  const stats = await ctx.critic.update(batch, valueObjective({ cliprangeValue: c.cliprange_value, lossAggMode: c.loss_agg_mode }), criticPlan(ctx.config));
  return { metrics: updateMetrics('critic', stats), stats };
}

export async function updateActor(ctx: TrainingContext, batch: Batch): Promise<{ metrics: Metrics; stats: UpdateStats }> {
  const a = ctx.config.actor_rollout_ref.actor;
  const objective = policyObjective({
    lossName: policyLossName(ctx.config),
    lossConfig: policyLossConfigOf(ctx.config),
    entropyCoeff: a.entropy_coeff,
    klLoss: a.use_kl_loss ? { coef: a.kl_loss_coef, type: a.kl_loss_type } : null,
    onPolicy: isOnPolicy(ctx.config) && !ctx.needs.bypass,
    rng: ctx.lossRng,
  });
  const stats = await ctx.actor.update(batch, objective, actorPlan(ctx.config, ctx.needs));
  const metrics = updateMetrics('actor', stats);
  if (!a.use_kl_loss) metrics['actor/kl_loss'] = 0;
  return { metrics, stats };
}

/**
 * Online DPO's pairs: each prompt's responses (rows sharing a uid, in batch order) give (chosen, rejected) by
 * their summed token_level_rewards (formDpoPairs: verl's rule for n = 2, best against worst for n > 2), laid
 * out as rows (2k, 2k + 1) for the pair loss. Prompts whose responses all tie give no pair when n > 2.
 */
export function preferencePairs(ctx: TrainingContext, batch: Batch): { batch: Batch; metrics: Metrics } {
  const n = ctx.config.actor_rollout_ref.rollout.n;
  const groups = new Map<unknown, number[]>();
  batch.column('uid').forEach((uid, i) => {
    const g = groups.get(uid);
    if (g) g.push(i);
    else groups.set(uid, [i]);
  });
  const grouped = batch.take([...groups.values()].flat());
  const pairs = formDpoPairs(matOf(grouped, 'token_level_rewards'), matOf(grouped, 'response_mask'), n);
  return {
    batch: grouped.take(pairs.flatMap((p) => [p.chosen, p.rejected])),
    metrics: { 'actor/dpo_pairs': pairs.length },
  };
}

/** SPIN's reference update: at the start of every ref_update_freq-th step the reference takes the actor's weights. */
export function refreshReference(ctx: TrainingContext, step: number): boolean {
  const freq = ctx.config.trainer.ref_update_freq;
  if (ctx.ref === null || freq <= 0 || step % freq !== 0) return false;
  ctx.ref.loadWeightsFrom(ctx.actor.model);
  return true;
}

/** Σ token_level_scores per row (the score a dump records). */
export function sequenceScores(batch: Batch): Float64Array {
  return maskedRowSums(matOf(batch, 'token_level_scores'), matOf(batch, 'response_mask'));
}

