/** Test helper: compose the quickstart with overrides and train in-process, in a temp folder removed afterwards. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../support/temp-dir.js';
import { algorithmNeeds, registryNames } from '../../src/cli/registry-names.js';
import type { PpoTrainerConfig } from '../../src/config/schema/ppo-trainer.js';
import { loadTrainerConfig } from '../../src/config/validate-config.js';
import { runTraining, type TrainingSummary } from '../../src/trainer/index.js';

export const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A small, fast quickstart: 8 prompts x 4 samples per step, 2 mini-batches, 16 validation prompts. */
export const SMALL = [
  'data.train_batch_size=8',
  'actor_rollout_ref.rollout.n=4',
  'actor_rollout_ref.actor.ppo_mini_batch_size=4',
  'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=16',
  'critic.ppo_micro_batch_size_per_gpu=16',
  'data.val_max_samples=16',
];

export function tempDir(prefix = 'verlts-train-'): string {
  return makeTempDir(prefix);
}

export async function configOf(overrides: string[], cwd: string): Promise<PpoTrainerConfig> {
  const { config } = await loadTrainerConfig({ configDir: CONFIG_DIR, configName: 'quickstart', overrides: [`hydra.run.dir=${cwd}/run`, ...overrides], env: {}, cwd, registryNames, algorithmNeeds });
  return config;
}

export interface TrainedRun {
  summary: TrainingSummary;
  out: string;
  err: string;
  cwd: string;
  runDir: string;
  /** metrics.jsonl records. */
  metrics: { step: number; data: Record<string, number | null> }[];
}

export async function train(overrides: string[], cwd = tempDir()): Promise<TrainedRun> {
  const config = await configOf(overrides, cwd);
  let out = '';
  let err = '';
  const runDir = path.join(cwd, 'run');
  const summary = await runTraining(config, {
    runDir,
    io: { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: {}, cwd },
  });
  const file = path.join(runDir, 'metrics.jsonl');
  const metrics = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as TrainedRun['metrics'][number]);
  return { summary, out, err, cwd, runDir, metrics };
}

/** Step metrics without wall-clock quantities (timings, throughput, memory), for equality across runs. */
export function withoutTimings(data: Record<string, number | null>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(data)) {
    if (k.startsWith('timing_') || k.startsWith('perf/')) continue;
    out[k] = v;
  }
  return out;
}
