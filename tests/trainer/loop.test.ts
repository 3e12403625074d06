/**
 * The training loop end to end on the embedded task (tiny Llama, digit completion), CI-sized: determinism,
 * resume equivalence, every registered estimator, verl's metric keys per family, the non-finite guard.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { advantageEstimatorNames, advantageEstimatorNeeds } from '../../src/algos/index.js';
import { CausalLM } from '../../src/models/index.js';
import { SMALL, tempDir, train, withoutTimings } from './run-helpers.js';

const TWO_STEPS = [...SMALL, 'trainer.total_training_steps=2', 'trainer.val_before_train=false', 'trainer.test_freq=2'];

/** Records of training steps (validation-only records carry no training/global_step). */
const stepRecords = (metrics: { step: number; data: Record<string, number | null> }[]) => metrics.filter((m) => m.data['training/global_step'] !== undefined);

describe('verl-ts train: the PPO-family loop', () => {
  it('gives bit-identical metrics for the same config and seed', async () => {
    const a = await train(TWO_STEPS);
    const b = await train(TWO_STEPS);
    const sa = stepRecords(a.metrics).map((m) => withoutTimings(m.data));
    const sb = stepRecords(b.metrics).map((m) => withoutTimings(m.data));
    expect(sa).toHaveLength(2);
    expect(sb).toEqual(sa);
    // and a different rollout seed gives different samples
    const c = await train([...TWO_STEPS, 'actor_rollout_ref.rollout.seed=7']);
    expect(stepRecords(c.metrics).map((m) => withoutTimings(m.data))).not.toEqual(sa);
  }, 120_000);

  it('N steps straight equal N/2 steps, a resume, and N/2 more (metrics and checkpoint)', async () => {
    const common = [...SMALL, 'trainer.val_before_train=false', 'trainer.test_freq=2', 'trainer.save_freq=2', 'actor_rollout_ref.actor.ppo_epochs=2'];
    const straight = await train([...common, 'trainer.total_training_steps=4']);
    const cwd = tempDir();
    const first = await train([...common, 'trainer.total_training_steps=2'], cwd);
    expect(first.summary.checkpoint).toMatch(/global_step_2$/);
    const second = await train([...common, 'trainer.total_training_steps=4'], cwd);
    expect(second.summary.resumedFrom).toBe(2);
    expect(second.out).toContain('Resumed from');
    const resumed = stepRecords(second.metrics).map((m) => withoutTimings(m.data));
    expect(resumed.map((m) => m['training/global_step'])).toEqual([1, 2, 3, 4]);
    expect(resumed).toEqual(stepRecords(straight.metrics).map((m) => withoutTimings(m.data)));
    const tracker = readFileSync(path.join(cwd, 'run', 'checkpoints', 'latest_checkpointed_iteration.txt'), 'utf8').trim();
    expect(tracker).toBe('4');
  }, 180_000);

  it('runs every registered estimator through the same loop, with a critic exactly when one is declared', async () => {
    for (const name of advantageEstimatorNames().slice(0, 13)) {
      const run = await train([...TWO_STEPS, `algorithm.adv_estimator=${name}`, 'trainer.save_freq=2']);
      const last = stepRecords(run.metrics).at(-1)?.data ?? {};
      const finite = Object.entries(last).filter(([, v]) => typeof v === 'number' && !Number.isFinite(v)).map(([k]) => k);
      expect(finite, name).toEqual([]);
      expect(last['actor/pg_loss'], name).toBeTypeOf('number');
      expect(last['critic/vf_loss'] !== undefined, name).toBe(advantageEstimatorNeeds(name).values);
      expect(last['timing_s/gen_max'] !== undefined, name).toBe(advantageEstimatorNeeds(name).baselineRollout);
      expect(last['val-core/digit_completion/reward/mean@1'], name).toBeTypeOf('number');
      const ckpt = run.summary.checkpoint as string;
      expect(existsSync(path.join(ckpt, 'actor', 'model.safetensors')), name).toBe(true);
      expect(existsSync(path.join(ckpt, 'critic', 'model.safetensors')), name).toBe(advantageEstimatorNeeds(name).values);
    }
  }, 400_000);

  it("logs verl's metric keys for each family (GRPO without a critic, PPO with GAE and a critic)", async () => {
    const grpo = stepRecords((await train(TWO_STEPS)).metrics)[1].data;
    const common = [
      'actor/pg_loss', 'actor/pg_clipfrac', 'actor/ppo_kl', 'actor/pg_clipfrac_lower', 'actor/grad_norm', 'actor/lr', 'actor/entropy', 'actor/kl_loss',
      'critic/score/mean', 'critic/score/max', 'critic/score/min', 'critic/rewards/mean', 'critic/advantages/mean', 'critic/returns/mean',
      'response_length/mean', 'response_length/max', 'response_length/min', 'response_length/clip_ratio', 'response/aborted_ratio',
      'prompt_length/mean', 'prompt_length/clip_ratio', 'timing_s/gen', 'timing_s/reward', 'timing_s/old_log_prob', 'timing_s/adv',
      'timing_s/update_actor', 'timing_s/step', 'timing_per_token_ms/gen', 'timing_per_token_ms/update_actor', 'perf/total_num_tokens',
      'perf/time_per_step', 'perf/throughput', 'perf/cpu_memory_used_gb', 'training/global_step', 'training/epoch', 'global_seqlen/mean',
      'val-core/digit_completion/reward/mean@1',
    ];
    for (const k of common) expect(grpo, k).toHaveProperty([k]);
    // verl-ts's own: time inside ORT runs (part of the step) and the CPU seconds the process used in the step.
    expect(grpo['perf/engine_s']).toBeGreaterThan(0);
    expect(grpo['perf/engine_s']).toBeLessThanOrEqual(grpo['timing_s/step'] as number);
    expect(grpo['perf/cpu_s']).toBeGreaterThan(0);
    for (const k of ['critic/vf_loss', 'critic/values/mean', 'critic/vf_explained_var', 'timing_s/values']) expect(grpo, k).not.toHaveProperty([k]);
    const gae = stepRecords((await train([...TWO_STEPS, 'algorithm.adv_estimator=gae'])).metrics)[1].data;
    for (const k of [...common, 'critic/vf_loss', 'critic/vf_clipfrac', 'critic/vpred_mean', 'critic/grad_norm', 'critic/lr', 'critic/values/mean', 'critic/vf_explained_var', 'timing_s/values', 'timing_s/update_critic']) {
      expect(gae, k).toHaveProperty([k]);
    }
  }, 120_000);

  it('writes a checkpoint whose actor is a Hugging Face folder that loads back with identical log-probs', async () => {
    const run = await train([...TWO_STEPS, 'trainer.save_freq=1']);
    const actorDir = path.join(run.summary.checkpoint as string, 'actor');
    for (const f of ['config.json', 'model.safetensors', 'tokenizer_config.json', 'generation_config.json', 'optimizer.safetensors', 'lr_scheduler.json']) expect(existsSync(path.join(actorDir, f)), f).toBe(true);
    const a = CausalLM.fromDir(actorDir);
    const again = tempDir();
    await a.save(again, { dtype: 'float32' });
    const b = CausalLM.fromDir(again);
    const ids = Int32Array.from([3, 4, 5, 6, 7, 8, 9, 3, 4, 5]);
    const batch = { batchSize: 1, length: ids.length, inputIds: ids, attentionMask: new Int32Array(ids.length).fill(1), responseLength: 5 };
    const la = await a.scoreTokens(batch);
    const lb = await b.scoreTokens(batch);
    expect(Array.from(lb.logProbs.data)).toEqual(Array.from(la.logProbs.data));
    await a.dispose();
    await b.dispose();
  }, 60_000);

  it('skips updates whose loss is not finite and stops after three such steps in a row, naming the cause', async () => {
    const plugin = `plugins=[${path.resolve('tests/fixtures/plugins/nan-loss.ts')}]`;
    const err = await train([...SMALL, plugin, 'actor_rollout_ref.actor.policy_loss.loss_mode=test_nan_loss', 'trainer.total_training_steps=5', 'trainer.val_before_train=false', 'trainer.test_freq=-1']).catch((e: unknown) => e);
    expect(String(err)).toContain('3 steps in a row had their update skipped because a value was not finite (first: actor/loss)');
    expect(String(err)).toContain('actor_rollout_ref.actor.optim.lr');
  }, 60_000);
});
