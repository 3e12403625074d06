// The training loop's speed (run: npx tsx bench/loop.ts [--steps 12] [--model DIR] [--trl PYTHON] [--threads N]).
//
// Runs a fixed number of GRPO steps of the quickstart job with the settings of the TRL peer
// (../shared/peers/trl-grpo: 32 prompts x 4 samples, 2 mini-batches of 64, lr 1e-4, temperature 1, no KL, no
// validation) and prints, all measured in this run:
// - seconds per phase (median over steps 3..N: gen, reward, old_log_prob, adv, update_actor, save_checkpoint, step)
//   and CPU seconds per step (all threads; steadier than wall time on a loaded machine);
// - the share of a step spent outside ONNX Runtime runs (the goal is <= 5%);
// - generation tokens/s and update time of the loop against the same model measured here without the loop
//   (CausalLM.generate on the same prompts and options; forward + backward of full-width 64-row mini-batches):
//   the loop should lose <= 10%;
// - peak RSS;
// - with --trl PYTHON: the peer on the same initial model, run back to back (verl-ts, TRL, verl-ts again), and
//   the step-time ratio. The peer gets OMP_WAIT_POLICY=PASSIVE unless the variable is set: like verl-ts's ORT
//   threads, its OpenMP threads then sleep instead of spinning between parallel regions.
// Numbers are printed, never asserted; the machine is shared, so compare within one run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { algorithmNeeds, registryNames } from '../src/cli/registry-names.js';
import { loadTrainerConfig } from '../src/config/validate-config.js';
import { createRLDataLoaders, dataConfigFromSection } from '../src/data/index.js';
import { CausalLM, rolloutOptionsFromConfig } from '../src/models/index.js';
import { runTraining } from '../src/trainer/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name: string, fallback?: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const STEPS = Number(arg('steps', '12'));
const TRL = arg('trl');
const MODEL = arg('model');
const THREADS = arg('threads');

/** The TRL peer's settings (its README): what both sides run. */
const PEER = [
  'data.train_batch_size=32',
  'actor_rollout_ref.rollout.n=4',
  'actor_rollout_ref.actor.ppo_mini_batch_size=16',
  'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=64',
  'actor_rollout_ref.actor.optim.lr=1e-4',
  'actor_rollout_ref.rollout.temperature=1.0',
  'algorithm.adv_estimator=grpo',
  'trainer.val_before_train=false',
  'trainer.test_freq=-1',
  'trainer.logger=[file]',
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : Number.NaN;
};

async function config(cwd: string) {
  const overrides = [...PEER, `trainer.total_training_steps=${STEPS}`, `trainer.save_freq=${STEPS}`, `hydra.run.dir=${cwd}/run`];
  if (MODEL) overrides.push(`actor_rollout_ref.model.path=${path.resolve(MODEL)}`);
  if (THREADS) overrides.push(`trainer.intra_op_num_threads=${THREADS}`);
  const { config } = await loadTrainerConfig({ configDir: path.join(ROOT, 'config'), configName: 'quickstart', overrides, env: {}, cwd, registryNames, algorithmNeeds });
  return config;
}

interface LoopFigures {
  phases: Record<string, number>;
  /** Median CPU seconds per step (all threads): steadier than wall time when other tenants load the machine. */
  cpuPerStep: number;
  engineShare: number;
  genTokensPerS: number;
  modelPath: string;
}

async function runLoop(): Promise<LoopFigures> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'verlts-bench-loop-'));
  try {
    const cfg = await config(cwd);
    await runTraining(cfg, { runDir: path.join(cwd, 'run'), io: { stdout: () => undefined, stderr: () => undefined, env: {}, cwd } });
    const records = readFileSync(path.join(cwd, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; data: Record<string, number> });
    const steady = records.filter((r) => r.step >= 3 && r.data['timing_s/step'] !== undefined);
    const pick = (k: string) => median(steady.map((r) => r.data[k]).filter((x) => x !== undefined));
    const phases: Record<string, number> = {};
    for (const k of ['gen', 'reward', 'old_log_prob', 'adv', 'update_actor', 'save_checkpoint', 'step']) phases[k] = pick(`timing_s/${k}`);
    const responseTokens = (r: (typeof steady)[number]) => r.data['response_length/mean'] * 128;
    return {
      phases,
      cpuPerStep: pick('perf/cpu_s'),
      engineShare: median(steady.map((r) => r.data['perf/engine_s'] / r.data['timing_s/step'])),
      genTokensPerS: median(steady.map((r) => responseTokens(r) / r.data['timing_s/gen'])),
      modelPath: cfg.actor_rollout_ref.model.path,
    };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/**
 * The same model without the loop: generate 32 prompts x 4 with the same options and weights fed to every decode
 * run, as the trainer does (the weights change every step); forward + backward of one 64-row mini-batch at the
 * full width 16 + 24 (the loop cuts padding, so it may beat this).
 */
async function modelAlone(): Promise<{ genTokensPerS: number; miniBatchSeconds: number }> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'verlts-bench-model-'));
  try {
    const cfg = await config(cwd);
    const lm = CausalLM.fromDir(cfg.actor_rollout_ref.model.path, { freezeDecodeWeights: false });
    const loaders = await createRLDataLoaders(dataConfigFromSection(cfg.data), lm.tokenizer as NonNullable<typeof lm.tokenizer>, { cwd });
    const options = rolloutOptionsFromConfig(cfg.actor_rollout_ref.rollout, 'train');
    const gen: number[] = [];
    for (let i = 0; i < 6; i++) {
      const prompts = loaders.train.next() ?? (loaders.train.next() as NonNullable<ReturnType<typeof loaders.train.next>>);
      const t0 = performance.now();
      const out = await lm.generate(prompts, { ...options, seed: i });
      const s = (performance.now() - t0) / 1000;
      const mask = out.tensor('response_mask').data;
      let tokens = 0;
      for (const x of mask) tokens += x;
      if (i >= 2) gen.push(tokens / s);
    }
    const B = 64;
    const T = 40;
    const ids = new Int32Array(B * T).map((_, k) => 3 + ((k * 7) % 12));
    const batch = { batchSize: B, length: T, inputIds: ids, attentionMask: new Int32Array(B * T).fill(1), responseLength: 24 };
    const upstream = new Float32Array(B * 24).fill(1 / (B * 24));
    const upd: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      const pass = await lm.forward(batch, {});
      await lm.backward(pass, { logProbs: upstream });
      if (i >= 2) upd.push((performance.now() - t0) / 1000);
    }
    await lm.dispose();
    return { genTokensPerS: median(gen), miniBatchSeconds: median(upd) };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

function runTrl(python: string, model: string): { secondsPerStep: number; parts: Record<string, number> } | null {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'verlts-bench-trl-')), 'trl.json');
  const peer = path.resolve(ROOT, '../shared/peers/trl-grpo/run_trl_grpo.py');
  const cli = [peer, '--steps', String(STEPS), '--val-every', '100000', '--out', out, '--verl-ts', ROOT, '--drop-train-log'];
  cli.push('--model', model);
  // PyTorch's OpenMP threads spin-wait by default, as ORT's did before verl-ts turned that off; on a loaded machine
  // that made TRL 30x slower (39.8 s per step in one run), so both sides run without spinning unless you say otherwise.
  const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
  const r = spawnSync(python, cli, { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) {
    process.stdout.write(`TRL peer failed (exit ${r.status}): ${r.stderr.split('\n').slice(-5).join('\n')}\n`);
    return null;
  }
  const j = (JSON.parse(readFileSync(out, 'utf8')) as { summary: Record<string, number> }).summary;
  return {
    secondsPerStep: j.median_s_per_step_3_to_N,
    parts: { gen: j.median_gen_s_3_to_N, old_logprob_etc: j.median_old_logprob_etc_s_3_to_N, update: j.median_update_s_3_to_N },
  };
}

const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const a = await runLoop();
const alone = await modelAlone();
process.stdout.write(`verl-ts loop, ${STEPS} GRPO steps of the quickstart job with the TRL peer's settings (medians of steps 3..${STEPS})\n`);
process.stdout.write(`  seconds per phase: ${Object.entries(a.phases).map(([k, v]) => `${k} ${f(v)}`).join(', ')}\n`);
process.stdout.write(`  CPU seconds per step (all threads): ${f(a.cpuPerStep)}; machine load average at the end ${f(loadavg()[0], 1)} on ${availableParallelism()} cores\n`);
process.stdout.write(`  share of a step outside ONNX Runtime runs: ${f(100 * (1 - a.engineShare), 1)}% (goal <= 5%)\n`);
process.stdout.write(`  generation: ${f(a.genTokensPerS, 0)} tokens/s in the loop vs ${f(alone.genTokensPerS, 0)} alone (ratio ${f(a.genTokensPerS / alone.genTokensPerS, 2)})\n`);
process.stdout.write(`  update: ${f(a.phases.update_actor)} s in the loop vs ${f(2 * alone.miniBatchSeconds)} s for 2 full-width mini-batches alone (loop speed ratio ${f((2 * alone.miniBatchSeconds) / a.phases.update_actor, 2)})\n`);
process.stdout.write(`  peak RSS: ${f(process.resourceUsage().maxRSS / 1024, 0)} MB\n`);
if (TRL) {
  const trl = runTrl(TRL, a.modelPath);
  const b = await runLoop();
  if (trl) {
    process.stdout.write(`TRL GRPOTrainer (PyTorch CPU, OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY ?? 'PASSIVE'}), same job, run between two verl-ts runs:\n`);
    process.stdout.write(`  seconds per step: TRL ${f(trl.secondsPerStep)} (${Object.entries(trl.parts).map(([k, v]) => `${k} ${f(v)}`).join(', ')})\n`);
    process.stdout.write(`  seconds per step: verl-ts ${f(a.phases.step)} before, ${f(b.phases.step)} after (CPU seconds ${f(a.cpuPerStep)}, ${f(b.cpuPerStep)})\n`);
    process.stdout.write(`  step throughput, verl-ts / TRL: ${f(trl.secondsPerStep / a.phases.step, 2)}x before, ${f(trl.secondsPerStep / b.phases.step, 2)}x after (goal >= 2x)\n`);
  }
}
