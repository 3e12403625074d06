/**
 * The recipes' loop pieces: DAPO's dynamic sampling (group filter, accumulation, the give-up error), online
 * DPO's reference update and its checkpoint, and the config errors for combinations that make no sense.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Batch } from '../../src/data/batch.js';
import { Tensor } from '../../src/data/tensor.js';
import { ConfigError } from '../../src/util/errors.js';
import { filterMetricValues, keptGroupRows } from '../../src/trainer/sampling.js';
import { Rng } from '../../src/util/rng.js';
import { shuffledRows } from '../../src/workers/update.js';
import { configOf, tempDir, train, withoutTimings } from './run-helpers.js';

const TINY = [
  'data.train_batch_size=4',
  'actor_rollout_ref.actor.ppo_mini_batch_size=2',
  'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=4',
  'critic.ppo_micro_batch_size_per_gpu=4',
  'data.val_max_samples=8',
  'trainer.val_before_train=false',
  'trainer.test_freq=-1',
];
const steps = (run: Awaited<ReturnType<typeof train>>) => run.metrics.filter((m) => m.data['training/global_step'] !== undefined).map((m) => m.data);

describe('DAPO dynamic sampling (algorithm.filter_groups)', () => {
  it('keeps the groups whose values differ, and singletons, in batch order', () => {
    const uids = ['a', 'a', 'b', 'b', 'c', 'd', 'd'];
    expect(keptGroupRows(uids, [1, 0, 1, 1, 0, 0.5, 0.25])).toEqual({ rows: [0, 1, 4, 5, 6], groups: 3 });
    expect(keptGroupRows(uids, [1, 1, 1, 1, 1, 0, 0])).toEqual({ rows: [4], groups: 1 });
  });

  it('reads seq_reward / seq_final_reward from the scores and other metrics from the reward extras', () => {
    const batch = Batch.from({
      tensors: {
        token_level_scores: new Tensor(Float32Array.from([0, 1, 9, 0.5, 0, 0]), [2, 3]),
        response_mask: new Tensor(Int32Array.from([1, 1, 0, 1, 1, 1]), [2, 3]),
      },
    });
    expect(Array.from(filterMetricValues('seq_reward', batch, {}))).toEqual([1, 0.5]);
    expect(Array.from(filterMetricValues('seq_final_reward', batch, {}))).toEqual([1, 0.5]);
    expect(Array.from(filterMetricValues('acc', batch, { acc: [true, false] }))).toEqual([1, 0]);
    const err = (() => {
      try {
        filterMetricValues('scor', batch, { score: [1, 0] });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.message).toContain("algorithm.filter_groups.metric: 'scor' is neither seq_reward nor seq_final_reward nor a value the reward manager reports (it reports: score;");
    expect(err?.message).toContain("Did you mean 'score'?");
  });

  it('accumulates generation batches until train_batch_size prompts vary, trims to train_batch_size·n and reports train/num_gen_batches', async () => {
    const cwd = tempDir();
    const dumps = path.join(cwd, 'dumps');
    const run = await train(['+recipe=dapo', ...TINY, 'actor_rollout_ref.rollout.n=4', 'data.gen_batch_size=2', 'trainer.total_training_steps=1', `trainer.rollout_data_dir=${dumps}`], cwd);
    const [step] = steps(run);
    expect(step['train/num_gen_batches']).toBeGreaterThanOrEqual(2);
    const records = readFileSync(path.join(dumps, readdirSync(dumps)[0]), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { input: string; acc: unknown });
    expect(records).toHaveLength(4 * 4);
    const byPrompt = new Map<string, unknown[]>();
    for (const r of records) byPrompt.set(r.input, [...(byPrompt.get(r.input) ?? []), r.acc]);
    for (const [prompt, accs] of byPrompt) expect(new Set(accs.map(String)).size, prompt).toBeGreaterThan(1);
  }, 60_000);

  it('stops with an error naming max_num_gen_batches when no group varies', async () => {
    const err = await train(['+recipe=dapo', ...TINY, 'actor_rollout_ref.rollout.do_sample=false', 'algorithm.filter_groups.max_num_gen_batches=2', 'trainer.total_training_steps=1']).catch((e: unknown) => e);
    expect(String(err)).toContain("dynamic sampling: 2 generation batches gave 0 of the 4 prompts needed whose responses differ in 'acc' (algorithm.filter_groups.max_num_gen_batches=2). Generated too many");
  }, 60_000);

  it('names the reward extras when the filter metric is not one of them', async () => {
    const err = await train([...TINY, 'algorithm.filter_groups.enable=true', 'algorithm.filter_groups.metric=acc', 'trainer.total_training_steps=1']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String(err)).toContain("'acc' is neither seq_reward nor seq_final_reward nor a value the reward manager reports (it reports: nothing; reward_model.reward_manager=dapo reports acc and score)");
  }, 60_000);
});

describe('online DPO (SPIN-style)', () => {
  const DPO = ['+recipe=online_dpo', ...TINY, 'actor_rollout_ref.rollout.n=2', 'actor_rollout_ref.actor.ppo_mini_batch_size=4', 'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=8'];

  it('shuffles whole (chosen, rejected) pairs when actor.shuffle is on', () => {
    const order = shuffledRows(10, 2, new Rng(3));
    expect([...order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let k = 0; k < order.length; k += 2) {
      expect(order[k] % 2, `position ${k}`).toBe(0);
      expect(order[k + 1]).toBe(order[k] + 1);
    }
    expect(order).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('copies the actor into the reference at the start of every ref_update_freq-th step', async () => {
    // One mini-batch per step: right after a copy the policy equals the reference, so the DPO logits are exactly 0.
    const follow = steps(await train([...DPO, 'trainer.total_training_steps=2', 'trainer.ref_update_freq=1']));
    expect(follow[1]['actor/dpo_logits']).toBe(0);
    expect(follow[1]['actor/rewards_margins']).toBe(0);
    const fixed = steps(await train([...DPO, 'trainer.total_training_steps=2', 'trainer.ref_update_freq=0']));
    expect(fixed[1]['actor/dpo_logits']).not.toBe(0);
    expect(fixed[0]['actor/dpo_pairs']).toBe(4);
  }, 60_000);

  it('says so when a step has no preference pair (every group tied) and makes no update', async () => {
    // Greedy decoding gives the n responses of a prompt the same text, so every group ties.
    const run = await train(['+recipe=online_dpo', ...TINY, 'actor_rollout_ref.rollout.n=4', 'actor_rollout_ref.rollout.do_sample=false', 'actor_rollout_ref.actor.ppo_mini_batch_size=2', 'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=4', 'trainer.total_training_steps=1']);
    const [step] = steps(run);
    expect(step['actor/dpo_pairs']).toBe(0);
    expect(step['actor/pg_loss']).toBeUndefined();
    expect(run.err).toContain("warning: step 1: no preference pair: every prompt's 4 responses tied on reward (actor/dpo_pairs 0); the update was not applied");
  }, 60_000);

  it('checkpoints the updated reference, so a resumed run equals a straight one', async () => {
    const common = [...DPO, 'trainer.ref_update_freq=2', 'trainer.save_freq=1'];
    const straight = await train([...common, 'trainer.total_training_steps=3']);
    const cwd = tempDir();
    const first = await train([...common, 'trainer.total_training_steps=2'], cwd);
    expect(existsSync(path.join(first.summary.checkpoint as string, 'ref', 'model.safetensors'))).toBe(true);
    const second = await train([...common, 'trainer.total_training_steps=3'], cwd);
    expect(second.summary.resumedFrom).toBe(2);
    expect(steps(second).map(withoutTimings)).toEqual(steps(straight).map(withoutTimings));
  }, 90_000);
});

describe('config errors for combinations that make no sense', () => {
  const cases: Array<[string, string[], string]> = [
    ['online DPO with one response per prompt', ['+recipe=online_dpo', 'actor_rollout_ref.rollout.n=1'], "actor_rollout_ref.rollout.n: policy loss 'online_dpo' trains on pairs of responses to the same prompt: set rollout.n >= 2 (SPIN uses 2), got 1."],
    ['online DPO with a critic', ['+recipe=online_dpo', 'critic.enable=true'], "critic.enable: policy loss 'online_dpo' trains no critic, but adv_estimator=grpo (or critic.enable) turns one on"],
    ['online DPO with an odd micro-batch', ['+recipe=online_dpo', 'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=1'], "policy loss 'online_dpo' needs an even micro-batch size (rows come as chosen/rejected pairs), got 1."],
    ['online DPO with token packing', ['+recipe=online_dpo', 'actor_rollout_ref.actor.use_dynamic_bsz=true'], 'actor_rollout_ref.actor.use_dynamic_bsz: policy loss \'online_dpo\' keeps (chosen, rejected) rows together'],
    ['OTB without Σπ² (bypass mode skips the scoring pass)', ['algorithm.adv_estimator=optimal_token_baseline', '+recipe=rollout_correction', 'algorithm.rollout_correction.bypass_mode=true'], 'algorithm.rollout_correction.bypass_mode: adv_estimator=optimal_token_baseline needs Σπ² from the actor\'s old-log-prob pass, which bypass_mode skips'],
    ['dynamic sampling without a metric', ['algorithm.filter_groups.enable=true'], 'algorithm.filter_groups.metric: dynamic sampling (filter_groups.enable=true) needs a metric'],
    ['dynamic sampling on seq_final_reward with KL in the reward', ['+recipe=dapo', 'algorithm.filter_groups.metric=seq_final_reward', 'algorithm.use_kl_in_reward=true'], 'seq_final_reward with use_kl_in_reward=true is not supported'],
  ];
  for (const [what, overrides, message] of cases) {
    it(what, async () => {
      const err = await configOf(overrides, tempDir()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(message);
    });
  }
});
