/**
 * verl's e2e switches, CI-sized: every examples/<name>/run.sh (standard algorithms and recipes) runs two steps
 * on the tiny model with exactly the overrides its run.sh passes, plus tiny batch sizes. Metrics present and
 * finite, the family's own metrics present, a checkpoint written whose actor loads back.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CausalLM } from '../../src/models/index.js';
import { ROOT, train } from './run-helpers.js';

/** The overrides a run.sh passes to `verl-ts train` (its continuation lines, without the trailing "$@"). */
export function runShOverrides(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trimStart().startsWith('verl-ts train'));
  if (start < 0) throw new Error('no `verl-ts train` line');
  const words: string[] = [];
  for (let i = start; i < lines.length; i++) {
    const line = lines[i].trim();
    words.push(...line.replace(/\\$/, '').trim().split(/\s+/).filter(Boolean));
    if (!line.endsWith('\\')) break;
  }
  return words.slice(2).filter((w) => w !== '"$@"');
}

const EXAMPLES_DIR = path.join(ROOT, 'examples');
const examples = readdirSync(EXAMPLES_DIR).filter((name) => existsSync(path.join(EXAMPLES_DIR, name, 'run.sh'))).sort();

/** Tiny batches after the example's own overrides: 4 prompts x 4 samples, 2 mini-batches, micro-batches of 4 rows. */
const TINY = [
  'data.train_batch_size=4',
  'data.gen_batch_size=4',
  'actor_rollout_ref.rollout.n=4',
  'actor_rollout_ref.actor.ppo_mini_batch_size=2',
  'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=4',
  'critic.ppo_micro_batch_size_per_gpu=4',
  'data.val_max_samples=8',
  'trainer.total_training_steps=2',
  'trainer.val_before_train=false',
  'trainer.test_freq=2',
  'trainer.save_freq=2',
];

/**
 * Per-family additions to TINY. Online DPO trains only on prompts whose responses differ in reward; with 4 samples
 * per prompt the warm start often answers a prompt the same way every time, which left step 2 with no pair and so no
 * update to check. It keeps its example's 8 samples (best vs worst of 8).
 */
const TINY_EXTRA: Record<string, string[]> = {
  online_dpo: ['actor_rollout_ref.rollout.n=8'],
};

/** Metrics each family must log besides the common ones (verl's names; prefixes end with '/'). */
const FAMILY_METRICS: Record<string, string[]> = {
  ppo: ['critic/vf_loss', 'critic/values/mean', 'critic/vf_explained_var'],
  remax: ['timing_s/gen_max'],
  otb: ['variance_proxy/'],
  tir_otb: ['variance_proxy/'],
  gspo: ['actor/pg_clipfrac'],
  gmpo: ['actor/pg_clipfrac'],
  cispo: ['actor/pg_clipfrac'],
  clip_cov: ['actor/pg_clipfrac'],
  kl_cov: ['actor/ppo_kl'],
  kl_loss: ['actor/kl_loss', 'actor/kl_coef', 'timing_s/ref'],
  kl_in_reward: ['actor/reward_kl_penalty', 'actor/reward_kl_penalty_coeff', 'timing_s/ref'],
  entropy_bonus: ['actor/entropy'],
  dapo: ['train/num_gen_batches'],
  online_dpo: ['actor/dpo_loss', 'actor/dpo_logits', 'actor/rewards_chosen', 'actor/rewards_rejected', 'actor/rewards_margins', 'actor/rewards_accuracies', 'actor/policy_chosen_logps', 'actor/reference_chosen_logps', 'timing_s/ref'],
  sppo: ['actor/log_ratio_mean', 'actor/preference_mean'],
  rollout_correction: ['rollout_corr/', 'training/rollout_probs_diff_mean'],
};

const COMMON = ['actor/pg_loss', 'actor/grad_norm', 'critic/score/mean', 'response_length/mean', 'training/global_step', 'val-core/digit_completion/'];

describe('examples/*/run.sh: every algorithm family through the one loop', () => {
  it('finds every example and a family entry for each one named in the table', () => {
    expect(examples.length).toBeGreaterThanOrEqual(24);
    for (const name of Object.keys(FAMILY_METRICS)) expect(examples, name).toContain(name);
  });

  it('reads the overrides of a run.sh line', () => {
    expect(runShOverrides('x\nverl-ts train \\\n  a=1 \\\n  +b=c \\\n  "$@"\necho done\n')).toEqual(['a=1', '+b=c']);
  });

  it.each(examples)('%s: trains two steps with metrics, family metrics and a loadable checkpoint', async (name) => {
    const overrides = runShOverrides(readFileSync(path.join(EXAMPLES_DIR, name, 'run.sh'), 'utf8'));
    const run = await train([...overrides, ...TINY, ...(TINY_EXTRA[name] ?? [])]);
    const steps = run.metrics.filter((m) => m.data['training/global_step'] !== undefined);
    expect(steps.map((m) => m.step)).toEqual([1, 2]);
    const last = steps[1].data;
    const notFinite = Object.entries(last).filter(([, v]) => typeof v !== 'number' || !Number.isFinite(v)).map(([k]) => k);
    expect(notFinite).toEqual([]);
    const keys = Object.keys(last);
    for (const k of [...COMMON, ...(FAMILY_METRICS[name] ?? [])]) {
      expect(k.endsWith('/') ? keys.some((key) => key.startsWith(k)) : keys.includes(k), `${name}: ${k}`).toBe(true);
    }
    const ckpt = run.summary.checkpoint as string;
    expect(ckpt).toMatch(/global_step_2$/);
    const actor = CausalLM.fromDir(path.join(ckpt, 'actor'));
    expect(actor.parameterCount).toBeGreaterThan(0);
    await actor.dispose();
    expect(existsSync(path.join(ckpt, 'critic', 'model.safetensors')), 'critic').toBe(keys.includes('critic/vf_loss'));
  }, 60_000);
});
