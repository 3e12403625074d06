// A run directory shaped like `verl-ts train` writes it, made without training: .hydra/ (with a ${hydra:...}
// interpolation to resolve), metrics.jsonl (a resumed run: steps 4-5 logged twice), rollout and validation
// dumps, and a checkpoint. Values follow simple formulas so tests can check what the report shows.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dumpRecords, type TrajectoryRecord } from '../../src/trainer/dump-file.js';

export interface FakeRunOptions {
  steps?: number;
  planned?: number;
  overrides?: string[];
  lr?: number;
  /** Steps whose actor update was skipped (non-finite grad norm, logged as null). */
  skipped?: number[];
}

const PHASES = ['gen', 'reward', 'old_log_prob', 'adv', 'update_actor', 'testing', 'save_checkpoint'];

export function stepMetrics(step: number, o: Required<FakeRunOptions>): Record<string, number | null> {
  const score = 0.2 + 0.05 * step;
  const skipped = o.skipped.includes(step);
  const m: Record<string, number | null> = {
    'critic/score/mean': score,
    'critic/score/min': 0,
    'critic/score/max': 1,
    'response_length/mean': 10 + step,
    'response_length/max': 20 + step,
    'response_length/clip_ratio': step / 100,
    'actor/pg_loss': -0.01 * step,
    'actor/entropy': 1 / step,
    'actor/ppo_kl': 0.001 * step,
    'actor/grad_norm': skipped ? null : 1 + step / 10,
    'actor/skipped_updates': skipped ? 1 : 0,
    'actor/lr': o.lr,
    'actor/pg_clipfrac': 0.01 * step,
    'critic/vf_loss': 2 / step,
    'critic/vf_explained_var': 1 - 1 / step,
    'perf/throughput': 1000 + step,
    'timing_s/step': 2,
    'training/global_step': step,
  };
  PHASES.forEach((p, i) => (m[`timing_s/${p}`] = (i + 1) / 14));
  return m;
}

/** Validation every 3 steps and before training: val-core score 0.1 + 0.02·step for data source `digits`. */
export function valScore(step: number): number {
  return 0.1 + 0.02 * step;
}

export function rolloutRecords(step: number): TrajectoryRecord[] {
  const out: TrajectoryRecord[] = [];
  for (let i = 0; i < 12; i++) {
    out.push({ input: `prompt ${i % 3} <b>`, output: i % 4 === 0 ? `answer ${i} apple` : `answer ${i}`, gts: `gt ${i % 3}`, score: (i % 5) / 4, step, acc: i % 2 });
  }
  return out;
}

export function writeFakeRun(dir: string, options: FakeRunOptions = {}): string {
  const o: Required<FakeRunOptions> = { steps: 6, planned: 6, overrides: ['trainer.total_training_steps=6'], lr: 1e-4, skipped: [], ...options };
  mkdirSync(path.join(dir, '.hydra'), { recursive: true });
  writeFileSync(
    path.join(dir, '.hydra', 'config.yaml'),
    [
      'data:',
      '  train_files: train.parquet',
      '  val_files: test.parquet',
      '  train_batch_size: 8',
      'actor_rollout_ref:',
      '  model:',
      '    path: models/tiny',
      '  actor:',
      '    ppo_mini_batch_size: 4',
      '    ppo_micro_batch_size_per_gpu: 8',
      '    use_dynamic_bsz: false',
      '    ppo_epochs: 2',
      '    use_kl_loss: true',
      '    kl_loss_type: low_var_kl',
      '    kl_loss_coef: 0.001',
      '    loss_agg_mode: token-mean',
      `    optim: {lr: ${o.lr}}`,
      '    policy_loss:',
      '      loss_mode: vanilla',
      '  rollout:',
      '    n: 3',
      'critic:',
      '  ppo_mini_batch_size: ${actor_rollout_ref.actor.ppo_mini_batch_size}',
      '  ppo_micro_batch_size_per_gpu: 2',
      '  use_dynamic_bsz: false',
      '  ppo_epochs: 1',
      'algorithm:',
      '  adv_estimator: gae',
      '  use_kl_in_reward: false',
      'trainer:',
      '  project_name: proj',
      '  experiment_name: exp',
      `  total_training_steps: ${o.planned}`,
      '  total_epochs: 1',
      '  rollout_data_dir: ${hydra:run.dir}/rollouts',
      '  validation_data_dir: ${hydra:run.dir}/validation',
      '  default_local_dir: ${hydra:run.dir}/checkpoints',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, '.hydra', 'hydra.yaml'), `run:\n  dir: ${dir}\n`);
  writeFileSync(path.join(dir, '.hydra', 'overrides.yaml'), o.overrides.map((x) => `- ${x}\n`).join(''));
  const lines: string[] = [JSON.stringify({ step: 0, data: { 'val-core/digits/reward/mean@1': valScore(0) } })];
  const log = (step: number, bump = 0) => {
    const data = stepMetrics(step, o);
    if (bump) data['critic/score/mean'] = -1; // a line a resume logs again: the later one counts
    if (step % 3 === 0 || step === o.steps) data['val-core/digits/reward/mean@1'] = valScore(step);
    lines.push(JSON.stringify({ step, data }));
  };
  for (let s = 1; s <= Math.min(o.steps, 5); s++) log(s, s >= 4 ? 1 : 0);
  for (let s = 4; s <= o.steps; s++) log(s);
  writeFileSync(path.join(dir, 'metrics.jsonl'), `${lines.join('\n')}\n`);
  for (let s = 1; s <= o.steps; s++) dumpRecords(path.join(dir, 'rollouts'), s, rolloutRecords(s));
  for (const s of [0, 3, 6].filter((x) => x <= o.steps)) {
    dumpRecords(path.join(dir, 'validation'), s, [{ input: 'val prompt', output: 'val out', gts: { target: [1, 2] }, score: valScore(s), step: s }]);
  }
  mkdirSync(path.join(dir, 'checkpoints', `global_step_${o.steps}`), { recursive: true });
  return dir;
}
