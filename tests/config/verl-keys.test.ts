// verl's example scripts on verl-ts: their override keys (fixture generated from verl's published
// examples by scripts/gen-verl-example-keys.mjs) are accepted, ignored with a notice, or refused with advice.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { bufferIO } from '../../src/cli/io.js';
import { algorithmNeeds, registryNames } from '../../src/cli/registry-names.js';
import { compose, flatten } from '../../src/config/index.js';
import { parseOverride } from '../../src/config/overrides/parser.js';
import { ConfigValidationError } from '../../src/config/schema/validate.js';
import { loadTrainerConfig } from '../../src/config/validate-config.js';
import { normalizeVerlValues, triageVerlOverrides, verlKeyPatterns } from '../../src/config/verl-keys.js';
import { CONFIG_DIR } from '../support/composed-config.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const MODEL = join(ROOT, 'examples/digit_completion/model');
const TRAIN = join(ROOT, 'examples/digit_completion/data/train.parquet');
const TEST = join(ROOT, 'examples/digit_completion/data/test.parquet');
const REWARD = join(ROOT, 'examples/custom-reward/reward.ts');

interface ExampleScript {
  script: string;
  configName: string;
  overrides: string[];
}
const fixture = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/config/verl-example-keys.json'), 'utf8')) as {
  scripts: ExampleScript[];
  keys: Record<string, number>;
};

const tmp = mkdtempSync(join(tmpdir(), 'verlts-verlkeys-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Hardware placement, by its name alone (independent of the rule table): devices, sharding, parallelism, offload, memory, kernels, profiling. */
const PLACEMENT =
  /(^trainer\.(n_gpus_per_node|nnodes|use_legacy_worker_impl)$)|fsdp_config|\.megatron\.|parallel_size$|gpu_memory_utilization|offload|use_remove_padding|use_fused_kernels|fused_kernel_options|use_torch_compile|profiler|enable_chunked_prefill|enforce_eager|free_cache_engine|engine_kwargs|max_num_batched_tokens|nccl_timeout|use_shm|layered_summon|checkpoint_engine|multi_stage_wake_up|load_format|rollout\.mode$|with_chunking$|hybrid_engine$/;

/** The keys whose values change results in ways verl-ts cannot honour. */
const REFUSABLE = /\.lora_rank$|\.lora\.rank$|lora_adapter_path$|\.strategy$|^data\.image_key$|^reward_model\.enable$|sandbox_fusion|custom_cls|freeze_vision_tower|optim\.clip_grad$|optim\.lr_decay_style$/;

function parses(override: string): boolean {
  try {
    parseOverride(override);
    return true;
  } catch {
    return false;
  }
}

/** Our own tree's keys and every prefix of them. */
function ownKeys(): Set<string> {
  const keys = new Set<string>();
  for (const { key } of flatten(compose({ configDir: CONFIG_DIR, configName: 'ppo_trainer', overrides: [] }).config)) {
    const parts = key.split('.');
    for (let i = 1; i <= parts.length; i++) keys.add(parts.slice(0, i).join('.'));
  }
  return keys;
}

/** An example's overrides with model and data paths pointed at the embedded example, shell leftovers made plain. */
function localised(overrides: string[]): string[] {
  return overrides.map((o) => {
    const eq = o.indexOf('=');
    const key = o.slice(0, eq).replace(/^[+~]+/, '');
    if (key === 'actor_rollout_ref.model.path' || key === 'critic.model.path') return `${key}=${MODEL}`;
    if (key === 'data.train_files') return `${key}=${TRAIN}`;
    if (key === 'data.val_files') return `${key}=${TEST}`;
    if (key === 'trainer.default_local_dir') return `${key}=${join(tmp, 'ckpt')}`;
    if (key === 'custom_reward_function.path') return `${key}=${REWARD}`;
    // A variable the script takes from its environment ($HOME, ${MODEL_PATH:-...}) is text for a path or a name here.
    return o.includes('$') ? `${o.slice(0, eq)}=x` : o;
  });
}

describe("verl's keys that verl-ts does not model", () => {
  it('no rule names a key of verl-ts\'s own config (those are honoured, never ignored)', () => {
    const own = ownKeys();
    const clashes = verlKeyPatterns().flatMap((p) => [...own].filter((k) => p.matches(k)).map((k) => `${p.pattern} ~ ${k}`));
    expect(clashes).toEqual([]);
  });

  it("accepts every hardware-placement key of verl's example scripts, with one notice", () => {
    const placement = Object.keys(fixture.keys).filter((k) => PLACEMENT.test(k));
    expect(placement.length).toBeGreaterThan(60);
    const own = ownKeys();
    for (const key of placement) {
      const triage = triageVerlOverrides([`${key}=1`]);
      expect({ key, issues: triage.issues }).toEqual({ key, issues: [] });
      // either verl-ts honours it (its own key) or it is ignored with a notice (one process; a reward model's own placement)
      const why = key.startsWith('reward_model.') ? 'used only by a reward model' : 'one process';
      if (!own.has(key)) expect({ key, ignored: [...triage.ignored.keys()] }).toEqual({ key, ignored: [why] });
    }
  });

  it('every key of the examples is verl-ts\'s own, ignored, or refused: none falls through to "unknown key"', () => {
    const own = ownKeys();
    const unknown = Object.keys(fixture.keys).filter((key) => {
      if (own.has(key) || [...own].some((k) => key.startsWith(`${k}.`) && /(_kwargs|override_config)$/.test(k))) return false;
      const triage = triageVerlOverrides([`${key}=1`]);
      return triage.kept.length > 0;
    });
    expect(unknown).toEqual([]);
  });

  it('refuses result-changing values with what to do instead, and lets their harmless values pass', () => {
    const refused = triageVerlOverrides([
      'actor_rollout_ref.model.lora_rank=64',
      'actor_rollout_ref.actor.strategy=megatron',
      'reward_model.enable=True',
      'actor_rollout_ref.actor.optim.clip_grad=1.0',
    ]).issues;
    expect(refused.map((i) => i.key)).toEqual([
      'actor_rollout_ref.model.lora_rank',
      'actor_rollout_ref.actor.strategy',
      'reward_model.enable',
      'actor_rollout_ref.actor.optim.clip_grad',
    ]);
    expect(refused[0].message).toMatch(/no LoRA.*Remove lora_rank/);
    expect(refused[0].source).toBe("override 'actor_rollout_ref.model.lora_rank=64'");
    expect(refused[3].message).toContain('actor_rollout_ref.actor.grad_clip');
    const harmless = triageVerlOverrides(['actor_rollout_ref.model.lora_rank=0', 'actor_rollout_ref.actor.strategy=fsdp2', 'reward_model.enable=False']);
    expect(harmless.issues).toEqual([]);
    expect(harmless.kept).toEqual([]);
  });

  it("normalises verl's values: a logger string, online loggers, an inference backend", () => {
    const config = { trainer: { logger: 'console' }, actor_rollout_ref: { rollout: { name: 'vllm' } } };
    expect(normalizeVerlValues(config)).toEqual([
      'actor_rollout_ref.rollout.name=vllm: verl-ts generates with its own engine (ort); sampling settings apply as in verl',
    ]);
    expect(config).toEqual({ trainer: { logger: ['console'] }, actor_rollout_ref: { rollout: { name: 'ort' } } });
    const online = { trainer: { logger: ['console', 'wandb', 'mlflow'] } };
    expect(normalizeVerlValues(online)[0]).toBe(
      'ignored by verl-ts (not available offline): trainer.logger wandb, mlflow; metrics go to console (add tensorboard or file to keep them)',
    );
    expect(online.trainer.logger).toEqual(['console']);
  });
});

describe("verl's example scripts pass the start-up checks with local paths", () => {
  // A script that names no model is cut short in bash itself (a comment after a line continuation), so verl
  // runs it without most of its overrides too; it is left out.
  const outcomes = fixture.scripts
    .filter((s) => s.overrides.some((o) => o.startsWith('actor_rollout_ref.model.path=')))
    .map((s) => ({ ...s, overrides: localised(s.overrides) }));

  it.each(outcomes)('$script', async ({ configName, overrides }) => {
    const refusable = overrides.filter((o) => REFUSABLE.test(o.split('=')[0]));
    const result = await loadTrainerConfig({
      configDir: CONFIG_DIR,
      configName: configName === 'ppo_megatron_trainer' ? 'ppo_trainer' : configName,
      overrides: configName === 'ppo_megatron_trainer' ? ['actor_rollout_ref.actor.strategy=megatron', ...overrides] : overrides,
      env: {},
      cwd: tmp,
      registryNames,
      algorithmNeeds,
      checkPaths: true,
    }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    if (overrides.some((o) => !parses(o))) {
      // verl's script itself has an override Hydra's grammar refuses; verl fails on it the same way.
      expect(result instanceof Error ? result.message : '').toMatch(/^Error parsing override/);
      return;
    }
    if (!(result instanceof Error)) {
      expect(result.config.trainer.logger.every((l) => ['console', 'file', 'tensorboard'].includes(l))).toBe(true);
      expect(result.config.actor_rollout_ref.rollout.name).toBe('ort');
      return;
    }
    // A script may fail only because it uses a result-changing key, and then every problem is such a refusal.
    expect(result).toBeInstanceOf(ConfigValidationError);
    const issues = (result as ConfigValidationError).issues;
    expect(configName === 'ppo_megatron_trainer' || refusable.length > 0, result.message).toBe(true);
    for (const issue of issues) expect(issue.source ?? '', result.message).toMatch(/^override '/);
  });

  it('most of them pass (the rest use Megatron, LoRA, a reward model, images or a Python dataset)', async () => {
    let passed = 0;
    for (const { configName, overrides } of outcomes) {
      if (configName !== 'ppo_trainer') continue;
      const ok = await loadTrainerConfig({ configDir: CONFIG_DIR, configName, overrides, env: {}, cwd: tmp, registryNames, algorithmNeeds, checkPaths: true }).then(
        () => true,
        () => false,
      );
      if (ok) passed++;
    }
    expect(passed).toBeGreaterThanOrEqual(25);
  });
});

describe('verl-ts train --dry-run', () => {
  const qwen = fixture.scripts.find((s) => s.script === 'examples/grpo_trainer/run_qwen2-7b.sh');

  it("runs verl's run_qwen2-7b.sh overrides up to the first step: notices, batch sizes, exit 0, nothing created", async () => {
    const cwd = mkdtempSync(join(tmp, 'dry-'));
    const io = bufferIO({ cwd, env: {} });
    const code = await runCli(['train', '--dry-run', ...localised(qwen?.overrides ?? [])], io);
    expect(io.err()).toContain(
      'notice: ignored by verl-ts (one process): actor_rollout_ref.model.use_remove_padding=True, actor_rollout_ref.actor.fsdp_config.param_offload=False, actor_rollout_ref.actor.fsdp_config.optimizer_offload=False, actor_rollout_ref.rollout.tensor_model_parallel_size=2, actor_rollout_ref.rollout.gpu_memory_utilization=0.6, actor_rollout_ref.ref.fsdp_config.param_offload=True, trainer.n_gpus_per_node=8, trainer.nnodes=1\n',
    );
    expect(io.err()).toContain('notice: ignored by verl-ts (not available offline): trainer.logger wandb;');
    expect(io.err()).toContain('notice: actor_rollout_ref.rollout.name=vllm: verl-ts generates with its own engine (ort)');
    expect(io.out()).toContain('  per training step: 1024 prompts (data.train_batch_size) x 5 samples (rollout.n) = 5120 responses\n');
    expect(io.out()).toMatch(/Dry run: the config is valid and its files exist\. Nothing was created \(the run directory would be .*outputs/);
    expect(code).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('reports every problem of a command line at once, missing paths included, and creates nothing', async () => {
    const cwd = mkdtempSync(join(tmp, 'bad-'));
    const io = bufferIO({ cwd, env: {} });
    const code = await runCli(
      ['train', '--dry-run', 'trainer.total_epoch=1', 'actor_rollout_ref.model.lora_rank=8', 'data.train_batch_size=0', 'actor_rollout_ref.model.path=no/such/model', `data.train_files=${TRAIN}`, `data.val_files=${TEST}`],
      io,
    );
    expect(code).toBe(2);
    expect(io.err()).toBe(
      [
        'Invalid config (4 problems):',
        "  actor_rollout_ref.model.lora_rank: verl-ts has no LoRA yet: it trains every weight. Remove lora_rank (or set it to 0) for full fine-tuning.  [from override 'actor_rollout_ref.model.lora_rank=8']",
        "  trainer.total_epoch: unknown key. Did you mean 'trainer.total_epochs'?  [from override 'trainer.total_epoch=1']",
        "  data.train_batch_size: expected an integer >= 1, got 0  [from override 'data.train_batch_size=0']",
        "  actor_rollout_ref.model.path: folder not found: no/such/model (verl-ts reads a local Hugging Face model folder; download the model first)  [from override 'actor_rollout_ref.model.path=no/such/model']",
        '',
      ].join('\n'),
    );
    expect(existsSync(join(cwd, 'outputs'))).toBe(false);
  });

  it('accepts trainer.logger=console (a string, as verl does) and refuses an unknown logger with a suggestion', async () => {
    const base = [`actor_rollout_ref.model.path=${MODEL}`, `data.train_files=${TRAIN}`, `data.val_files=${TEST}`, 'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=8', 'actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=8', 'critic.ppo_micro_batch_size_per_gpu=8'];
    const ok = bufferIO({ cwd: tmp, env: {} });
    expect(await runCli(['train', '--dry-run', ...base, 'trainer.logger=console'], ok)).toBe(0);
    const bad = bufferIO({ cwd: tmp, env: {} });
    expect(await runCli(['train', '--dry-run', ...base, 'trainer.logger=consol'], bad)).toBe(2);
    expect(bad.err()).toContain("trainer.logger.0: 'consol' is not allowed; expected one of: console, file, tensorboard. Did you mean 'console'?");
  });
});
