import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { bufferIO } from '../../src/cli/io.js';
import { algorithmNeeds, registryNames } from '../../src/cli/registry-names.js';
import { loadTrainerConfig } from '../../src/config/validate-config.js';
import type { PpoTrainerConfig } from '../../src/config/schema/ppo-trainer.js';
import { deriveBatchSizes } from '../../src/config/schema/batch-sizes.js';
import { needsCritic, needsReference } from '../../src/config/schema/ppo-checks.js';
import { ConfigValidationError } from '../../src/config/schema/validate.js';
import { selectNode, toPlain } from '../../src/config/index.js';
import { CONFIG_DIR } from '../support/composed-config.js';
import { makeTempDir } from '../support/temp-dir.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const MICRO = [
  'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=8',
  'actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=16',
  'critic.ppo_micro_batch_size_per_gpu=8',
];

/** The example model and data, so that `train`'s start-up path checks pass. */
const LOCAL = [
  `actor_rollout_ref.model.path=${ROOT}examples/digit_completion/model`,
  `data.train_files=${ROOT}examples/digit_completion/data/train.parquet`,
  `data.val_files=${ROOT}examples/digit_completion/data/test.parquet`,
];

/** ppo_trainer's defaults shrunk so that `train` runs one quick step on the example (1 step, 4-token responses). */
const ONE_STEP = [
  'trainer.total_training_steps=1',
  'trainer.val_before_train=false',
  'trainer.test_freq=-1',
  'trainer.logger=[file]',
  'data.max_prompt_length=16',
  'data.max_response_length=4',
];

const load = (overrides: string[]) =>
  loadTrainerConfig({ configDir: CONFIG_DIR, configName: 'ppo_trainer', overrides, env: {}, cwd: ROOT, registryNames, algorithmNeeds });

// Every folder the tests make lives under one temp folder, removed at the end.
const TMP = makeTempDir('verlts-trainer-config-');

async function cli(argv: string[], cwd = mkdtempSync(join(TMP, 'train-'))) {
  const io = bufferIO({ cwd, env: {} });
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err(), cwd };
}

describe('the verl-ts trainer config tree', () => {
  it('composes and validates into the typed config once micro-batch sizes are set', async () => {
    const { config } = await load(MICRO);
    expectTypeOf(config).toEqualTypeOf<PpoTrainerConfig>();
    expectTypeOf(config.algorithm.gamma).toEqualTypeOf<number>();
    expectTypeOf(config.actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu).toEqualTypeOf<number | null>();
    expect(config.actor_rollout_ref.actor.optim.lr).toBe(1e-6);
    expect(config.critic.optim.lr).toBe(1e-5);
    // interpolations resolved: the critic follows the actor and the rollout follows data
    expect(config.critic.ppo_mini_batch_size).toBe(256);
    expect(config.actor_rollout_ref.rollout.prompt_length).toBe(512);
    expect(config.actor_rollout_ref.ref.log_prob_max_token_len_per_gpu).toBe(16384);
    expect(config.trainer.default_local_dir).toBe('checkpoints/verl_examples/gsm8k');
    expect(needsCritic(config, algorithmNeeds)).toBe(true);
    expect(needsReference(config, algorithmNeeds)).toBe(false);
  });

  it("refuses verl's defaults without micro-batch sizes, as verl does, naming each key and its file", async () => {
    const err = await load([]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigValidationError);
    expect((err as Error).message).toBe(
      [
        'Invalid config (3 problems):',
        '  actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu: not set: give the number of trajectories per forward pass (or set actor_rollout_ref.actor.use_dynamic_bsz=true to pack by tokens).  [from actor/actor.yaml:24]',
        '  actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu: not set: give the number of trajectories per forward pass (or set actor_rollout_ref.actor.use_dynamic_bsz=true to pack by tokens).  [from rollout/rollout.yaml:44]',
        '  critic.ppo_micro_batch_size_per_gpu: not set: give the number of trajectories per forward pass (or set critic.use_dynamic_bsz=true to pack by tokens).  [from critic/critic.yaml:46]',
      ].join('\n'),
    );
  });

  it("applies verl's cross-field start-up checks", async () => {
    const messageOf = async (o: string[]) => ((await load([...MICRO, ...o]).catch((e: unknown) => e)) as Error).message;
    expect(await messageOf(['data.train_batch_size=8', 'actor_rollout_ref.actor.ppo_mini_batch_size=16', 'critic.ppo_mini_batch_size=8'])).toBe(
      "Invalid config:\n  actor_rollout_ref.actor.ppo_mini_batch_size: data.train_batch_size (8) must be >= actor_rollout_ref.actor.ppo_mini_batch_size (16); both count prompts.  [from override 'actor_rollout_ref.actor.ppo_mini_batch_size=16']",
    );
    expect(await messageOf(['actor_rollout_ref.actor.ppo_micro_batch_size=4'])).toContain(
      'actor_rollout_ref.actor.ppo_micro_batch_size: both actor_rollout_ref.actor.ppo_micro_batch_size (deprecated) and actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu are set; keep only actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu (set actor_rollout_ref.actor.ppo_micro_batch_size=null).',
    );
    expect(await messageOf(['actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=7'])).toContain(
      'actor_rollout_ref.actor.ppo_mini_batch_size (256) * rollout.n (1) = 256 trajectories per mini-batch is not divisible by the micro-batch size 7.',
    );
    expect(await messageOf(['algorithm.adv_estimator=grpo_passk'])).toContain('grpo_passk needs at least 2 samples per prompt (rollout.n >= 2).');
    expect(await messageOf(['algorithm.rollout_correction.bypass_mode=true'])).toContain('set actor_rollout_ref.rollout.calculate_log_probs=true');
    expect(await messageOf(['actor_rollout_ref.rollout.val_kwargs.do_sample=true'])).toContain('needs val_kwargs.temperature > 0');
    expect(await messageOf(['trainer.resume_mode=resume_path'])).toContain('needs a checkpoint folder named like .../global_step_N, got null');
  });

  it('takes the enums of estimators and losses from the live registries, plugins included', async () => {
    const err = (await load([...MICRO, 'algorithm.adv_estimator=grpo_clipped']).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain("algorithm.adv_estimator: 'grpo_clipped' is not allowed; expected one of: gae, grpo,");
    const { config } = await load([
      ...MICRO,
      'plugins=[examples/custom-estimator/my-algorithms.ts]',
      'algorithm.adv_estimator=grpo_clipped',
      'actor_rollout_ref.actor.policy_loss.loss_mode=ppo_k3',
    ]);
    expect(config.algorithm.adv_estimator).toBe('grpo_clipped');
    await expect(load([...MICRO, 'plugins=[nope/missing.ts]'])).rejects.toThrow("plugins: file not found: 'nope/missing.ts'");
  });

  it('reads what a plugin estimator declared (critic, samples per prompt), not its name', async () => {
    const plugin = 'plugins=[tests/fixtures/plugins/value-estimator.ts]';
    const actorOnly = MICRO.slice(0, 2);
    const err = await load([...actorOnly, plugin, 'algorithm.adv_estimator=test_value_baseline', 'actor_rollout_ref.rollout.n=2']).catch((e: unknown) => e);
    expect(String(err)).toContain('critic.ppo_micro_batch_size_per_gpu: not set');
    expect(String(err)).toContain('actor_rollout_ref.rollout.n: test_value_baseline needs at least 3 samples per prompt (rollout.n >= 3).');
    const { config } = await load([...MICRO, plugin, 'algorithm.adv_estimator=test_value_baseline', 'actor_rollout_ref.rollout.n=3']);
    expect(needsCritic(config, algorithmNeeds)).toBe(true);
    const off = await load([...actorOnly, plugin, 'algorithm.adv_estimator=test_value_baseline', 'actor_rollout_ref.rollout.n=3', 'critic.enable=false']);
    expect(needsCritic(off.config, algorithmNeeds)).toBe(false);
  });

  it('derives the batch sizes verl users ask about', async () => {
    const { config } = await load([...MICRO, 'data.train_batch_size=64', 'actor_rollout_ref.rollout.n=4', 'actor_rollout_ref.actor.ppo_mini_batch_size=16', 'actor_rollout_ref.actor.ppo_epochs=2']);
    const sizes = deriveBatchSizes(config, algorithmNeeds);
    expect(sizes.responsesPerStep).toBe(256);
    expect(sizes.actor).toEqual({
      trajectoriesPerMiniBatch: 64,
      miniBatchesPerEpoch: 4,
      lastMiniBatchTrajectories: 64,
      microBatchesPerMiniBatch: 8,
      trajectoriesPerMicroBatch: 8,
      optimizerStepsPerTrainingStep: 8,
    });
  });
});

describe('the record of a run', () => {
  it('keeps every override as given, verl keys verl-ts ignores included, in command-line order (Hydra overrides.task)', async () => {
    const given = ['trainer.nnodes=2', ...MICRO, '+ray_init.num_cpus=4', 'hydra.job.name=x', 'data.seed=7'];
    const { composed, config } = await load(given);
    const task = given.filter((o) => !o.startsWith('hydra.'));
    expect(composed.taskOverrides).toEqual(task);
    const plain = (key: string) => {
      const node = selectNode(composed.hydra, key);
      return node === undefined ? undefined : toPlain(node);
    };
    expect(plain('overrides.task')).toEqual(task);
    expect(plain('overrides.hydra')).toEqual(['hydra.job.name=x']);
    expect(plain('job.override_dirname')).toBe([...task].sort().join(','));
    // recorded, not applied: the config has no such keys
    expect(JSON.stringify(config)).not.toContain('num_cpus');
  });
});

describe('verl-ts train', () => {
  it('creates the Hydra run directory, prints the batch sizes, trains, and says where everything is', async () => {
    // verl keys that verl-ts ignores are recorded with the others, in command-line order, as Hydra records them.
    const given = [
      'trainer.n_gpus_per_node=8',
      ...LOCAL,
      ...MICRO,
      'actor_rollout_ref.rollout.gpu_memory_utilization=0.5',
      'data.train_batch_size=32',
      'actor_rollout_ref.actor.ppo_mini_batch_size=16',
      ...ONE_STEP,
    ];
    const r = await cli(['train', ...given.slice(0, 1), 'hydra.run.dir=runs/one', ...given.slice(1)]);
    expect(r.err).not.toContain('Error');
    expect(r.code).toBe(0);
    const runDir = join(r.cwd, 'runs/one');
    expect(r.out).toContain(`Run directory: ${runDir}\n`);
    expect(r.out).toContain('  per training step: 32 prompts (data.train_batch_size) x 1 samples (rollout.n) = 32 responses\n');
    expect(r.out).toContain('  actor: 2 mini-batch(es) of 16 trajectories per epoch x 1 epoch(s) = 2 optimizer step(s) per training step\n');
    expect(r.out).toContain('Training finished: 1 of 1 steps.\n');
    expect(r.out).toContain(`  file metrics: ${join(runDir, 'metrics.jsonl')}\n`);
    expect(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')).toMatch(/^\{"step":1,"data":\{/);
    expect(r.err).toContain('notice: ignored by verl-ts (one process): trainer.n_gpus_per_node=8, actor_rollout_ref.rollout.gpu_memory_utilization=0.5\n');
    expect(readFileSync(join(runDir, '.hydra/overrides.yaml'), 'utf8')).toBe(given.map((o) => `- ${o}\n`).join(''));
    const saved = readFileSync(join(runDir, '.hydra/config.yaml'), 'utf8');
    expect(saved).toContain('    ppo_micro_batch_size_per_gpu: 8\n');
    expect(saved).toContain('    rollout_n: ${oc.select:actor_rollout_ref.rollout.n,1}\n');
    expect(saved).not.toContain('hydra:');
    expect(readFileSync(join(runDir, '.hydra/hydra.yaml'), 'utf8')).toContain('  dir: runs/one\n');
  });

  it('defaults the run directory to outputs/<date>/<time>', async () => {
    const r = await cli(['train', ...LOCAL, ...MICRO, 'data.train_batch_size=16', 'actor_rollout_ref.actor.ppo_mini_batch_size=16', ...ONE_STEP]);
    const days = readdirSync(join(r.cwd, 'outputs'));
    expect(days).toHaveLength(1);
    expect(days[0]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(readdirSync(join(r.cwd, 'outputs', days[0]))[0]).toMatch(/^\d{2}-\d{2}-\d{2}$/);
  });

  it('runs a sweep job by job in numbered folders and summarises it', async () => {
    const r = await cli(['train', '-m', ...LOCAL, ...MICRO, ...ONE_STEP, 'actor_rollout_ref.actor.ppo_mini_batch_size=8', 'hydra.sweep.dir=sweep', 'data.train_batch_size=8,16', 'actor_rollout_ref.actor.ppo_epochs=range(1,3)']);
    expect(r.out).toContain(`Launching 4 job(s) in ${join(r.cwd, 'sweep')}\n`);
    for (const n of [0, 1, 2, 3]) expect(existsSync(join(r.cwd, 'sweep', String(n), '.hydra/config.yaml'))).toBe(true);
    expect(readFileSync(join(r.cwd, 'sweep/3/.hydra/overrides.yaml'), 'utf8')).toContain('- data.train_batch_size=16\n- actor_rollout_ref.actor.ppo_epochs=2\n');
    expect(r.out).toContain('\nSweep summary (');
    expect(r.out).toMatch(/ {2}#1 .*data\.train_batch_size=8 actor_rollout_ref\.actor\.ppo_epochs=2: ok\n/);
    for (const n of [0, 1, 2, 3]) expect(existsSync(join(r.cwd, 'sweep', String(n), 'metrics.jsonl'))).toBe(true);
    expect(existsSync(join(r.cwd, 'sweep/multirun.yaml'))).toBe(true);
    expect(r.code).toBe(0);
  });

  it('keeps sweeping past a job with a bad config and reports it', async () => {
    const r = await cli(['train', '-m', ...LOCAL, ...MICRO, ...ONE_STEP, 'data.train_batch_size=8', 'actor_rollout_ref.actor.ppo_mini_batch_size=8', 'hydra.sweep.dir=sweep', 'actor_rollout_ref.rollout.n=1,0']);
    expect(r.out).toMatch(/#0 .*actor_rollout_ref\.rollout\.n=1: ok\n/);
    expect(r.out).toMatch(/#1 .*actor_rollout_ref\.rollout\.n=0: failed \(exit 2\): Invalid config/);
    expect(r.code).toBe(2);
  });

  it('rejects a sweep without --multirun with Hydra\'s message', async () => {
    const r = await cli(['train', ...LOCAL, ...MICRO, 'data.seed=1,2']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("Ambiguous value for argument 'data.seed=1,2'");
  });
});

describe('config errors through the CLI: exact messages, exit code 2, no stack trace', () => {
  it('malformed YAML names the file and line', async () => {
    const dir = mkdtempSync(join(TMP, 'bad-'));
    mkdirSync(join(dir, 'grp'));
    writeFileSync(join(dir, 'config.yaml'), 'defaults:\n  - grp: a\n  - _self_\nx: 1\n');
    writeFileSync(join(dir, 'grp/a.yaml'), 'y: [1, 2\nz: 3\n');
    const r = await cli(['print-config', '--config-path', dir, '--config-name', 'config']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `yaml.parser.ParserError: Flow sequence in block collection must be sufficiently indented and end with a ]\n  in "${join(dir, 'grp/a.yaml')}", line 2, column 1\n`,
    );
  });

  it('an unknown key gets a suggestion, from an override and from a YAML file', async () => {
    const r = await cli(['train', ...LOCAL, ...MICRO, 'trainer.total_epoch=3']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("Invalid config:\n  trainer.total_epoch: unknown key. Did you mean 'trainer.total_epochs'?  [from override 'trainer.total_epoch=3']\n");
    const added = await cli(['train', ...LOCAL, ...MICRO, '+trainer.total_epoch=3']);
    expect(added.code).toBe(2);
    expect(added.err).toBe("Invalid config:\n  trainer.total_epoch: unknown key. Did you mean 'trainer.total_epochs'?  [from override '+trainer.total_epoch=3']\n");
  });

  it('a wrong type names the key, the expected type, the value and where it was set', async () => {
    const r = await cli(['train', ...LOCAL, ...MICRO, 'trainer.total_epochs=many']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("Invalid config:\n  trainer.total_epochs: expected an integer >= 1, got 'many'  [from override 'trainer.total_epochs=many']\n");
  });

  it('bad override syntax gives the grammar error', async () => {
    const r = await cli(['train', 'trainer.total_epochs=[1,']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "no viable alternative at input '[1,'\nSee https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details\n\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.\n",
    );
  });

  it('an unknown group option lists the options', async () => {
    const r = await cli(['train', 'data=gsm8k']);
    expect(r.code).toBe(2);
    expect(r.err.split('\nConfig search path:')[0]).toBe("In 'ppo_trainer': Could not find 'data/gsm8k'\n\nAvailable options in 'data':\n\trl_data");
  });

  it('a missing config file is named, with the primaries that exist', async () => {
    const r = await cli(['train', '--config-name', 'ppo_traner']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe("Cannot find primary config 'ppo_traner'. Check that it's in your config search path.");
    expect(r.err.endsWith("Did you mean 'ppo_trainer'? Primary configs here: digit_completion_sft, evaluation, generation, ppo_trainer, quickstart, sft_trainer\n")).toBe(true);
  });
});

describe('verl-ts gen-reference', () => {
  it("regression guard: the committed _generated_*.yaml (the project's own snapshots) are up to date", () => {
    // A fresh process, as a user runs it: registries hold the built-in names only (other tests load plugins).
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/verl-ts'), 'gen-reference', '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('10 reference file(s) up to date\n');
    expect(r.status).toBe(0);
  });

  it('names stale files and leaves them alone with --check, then writes them', async () => {
    const dir = mkdtempSync(join(TMP, 'ref-'));
    writeFileSync(join(dir, 'app.yaml'), '# the app\nx: 1e-6\n');
    const stale = await cli(['gen-reference', '--check', '--config-path', dir], dir);
    expect(stale.code).toBe(1);
    expect(stale.err).toContain('stale: _generated_app.yaml (run `verl-ts gen-reference` to regenerate it)\n');
    expect(existsSync(join(dir, '_generated_app.yaml'))).toBe(false);
    expect((await cli(['gen-reference', '--config-path', dir], dir)).code).toBe(0);
    expect(readFileSync(join(dir, '_generated_app.yaml'), 'utf8')).toMatch(/^# Generated by `verl-ts gen-reference` from config\/app\.yaml.*\n.*\n\nx: 1\.0e-06\n$/);
    expect((await cli(['gen-reference', '--check', '--config-path', dir], dir)).code).toBe(0);
  });
});
