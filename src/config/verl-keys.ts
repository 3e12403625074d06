/**
 * verl's run scripts on verl-ts: what happens to the verl keys and values verl-ts does not model. Keys that
 * only place work on hardware are accepted and ignored with a notice; keys whose values would change results
 * in a way verl-ts cannot honour are rejected with what to do instead; verl's spellings of values verl-ts
 * understands (a logger given as one string, an inference backend's name) are normalised with a notice.
 */
import { parseOverride } from './overrides/parser.js';
import { isSweepOverride, overrideValue } from './overrides/types.js';
import type { PyValue } from './python/value.js';
import type { ConfigIssue } from './schema/validate.js';

/** Why a key is accepted without effect; the notice groups keys by it. */
type IgnoredBecause = 'one process' | 'used only with LoRA' | 'used only by a reward model' | 'Python only';

interface KeyRule {
  /** Dotted key; `{a,b}` is either segment, a trailing `.**` is the key and anything beneath it. */
  pattern: string;
  /** Accepted and ignored for this reason (unless `reject` refuses the value). */
  ignored?: IgnoredBecause;
  /** For a value that would change results: what verl-ts does instead and what the user should do. */
  reject?: (value: PyValue | undefined) => string | undefined;
}

const ROLES = '{actor,ref}';
const truthy = (v: PyValue | undefined) => v !== null && v !== undefined && v !== false && v !== 0 && v !== 0n && v !== '' && v !== 'false' && v !== 'False';
const positive = (v: PyValue | undefined) => (typeof v === 'bigint' || typeof v === 'number') && Number(v) > 0;

const MEGATRON = (v: PyValue | undefined) =>
  v === 'megatron'
    ? 'verl-ts has no Megatron engine (it trains the whole model in one process). Drop strategy=megatron; the megatron.* parallelism keys are accepted and ignored.'
    : undefined;

/** Keys that only say where work runs: devices, nodes, sharding, parallelism, offload, memory, kernels, profiling. */
const PLACEMENT: readonly string[] = [
  // Where work runs: devices, nodes, sharding, parallelism, offload, memory, kernels, profiling.
  ...['trainer.n_gpus_per_node', 'trainer.nnodes', 'trainer.use_legacy_worker_impl', 'trainer.device_mesh.**', 'trainer.esi_redundant_time'],
  ...['ray_init.**', 'ray_kwargs.**', 'global_profiler.**', 'transfer_queue.**'],
  ...['actor_rollout_ref.nccl_timeout', 'actor_rollout_ref.hybrid_engine'],
  ...[`actor_rollout_ref.${ROLES}.fsdp_config.**`, `actor_rollout_ref.${ROLES}.megatron.**`, `actor_rollout_ref.${ROLES}.profiler.**`],
  ...[`actor_rollout_ref.${ROLES}.ulysses_sequence_parallel_size`, `actor_rollout_ref.${ROLES}.use_torch_compile`],
  ...[`actor_rollout_ref.${ROLES}.entropy_from_logits_with_chunking`, `actor_rollout_ref.${ROLES}.entropy_checkpointing`],
  ...['actor_rollout_ref.actor.optim.override_optimizer_config.**'],
  ...['actor_rollout_ref.model.use_remove_padding', 'actor_rollout_ref.model.use_fused_kernels', 'actor_rollout_ref.model.fused_kernel_options.**'],
  ...['actor_rollout_ref.model.use_shm', 'actor_rollout_ref.model.use_liger', 'actor_rollout_ref.model.enable_activation_offload'],
  ...['critic.model.fsdp_config.**', 'critic.megatron.**', 'critic.profiler.**', 'critic.ulysses_sequence_parallel_size'],
  ...['critic.model.use_remove_padding', 'critic.model.enable_activation_offload', 'critic.model.use_shm'],
  ...['actor_rollout_ref.rollout.tensor_model_parallel_size', 'actor_rollout_ref.rollout.data_parallel_size'],
  ...['actor_rollout_ref.rollout.expert_parallel_size', 'actor_rollout_ref.rollout.pipeline_model_parallel_size'],
  ...['actor_rollout_ref.rollout.gpu_memory_utilization', 'actor_rollout_ref.rollout.enable_chunked_prefill'],
  ...['actor_rollout_ref.rollout.enforce_eager', 'actor_rollout_ref.rollout.free_cache_engine', 'actor_rollout_ref.rollout.engine_kwargs.**'],
  ...['actor_rollout_ref.rollout.max_num_batched_tokens', 'actor_rollout_ref.rollout.max_model_len', 'actor_rollout_ref.rollout.mode'],
  ...['actor_rollout_ref.rollout.load_format', 'actor_rollout_ref.rollout.layered_summon', 'actor_rollout_ref.rollout.checkpoint_engine.**'],
  ...['actor_rollout_ref.rollout.multi_stage_wake_up', 'actor_rollout_ref.rollout.disable_log_stats', 'actor_rollout_ref.rollout.dtype'],
  ...['actor_rollout_ref.rollout.update_weights_bucket_megabytes', 'actor_rollout_ref.rollout.agent.num_workers'],
];

/** The other verl keys verl-ts has no setting for: accepted where they cannot change results, else refused. */
const OTHER: readonly KeyRule[] = [
  // fsdp/fsdp2 only place the same computation; Megatron is another engine.
  { pattern: `actor_rollout_ref.${ROLES}.strategy`, ignored: 'one process', reject: MEGATRON },
  { pattern: 'critic.strategy', ignored: 'one process', reject: MEGATRON },
  { pattern: 'actor_rollout_ref.model.trust_remote_code', ignored: 'Python only' },
  { pattern: 'critic.model.trust_remote_code', ignored: 'Python only' },
  { pattern: 'data.trust_remote_code', ignored: 'Python only' },
  {
    pattern: 'actor_rollout_ref.model.lora_rank',
    ignored: 'used only with LoRA',
    reject: (v) => (positive(v) ? 'verl-ts has no LoRA yet: it trains every weight. Remove lora_rank (or set it to 0) for full fine-tuning.' : undefined),
  },
  {
    pattern: 'actor_rollout_ref.model.lora_adapter_path',
    ignored: 'used only with LoRA',
    reject: (v) => (truthy(v) ? 'verl-ts has no LoRA yet and cannot load an adapter. Merge the adapter into the model and point model.path at the result.' : undefined),
  },
  {
    pattern: 'actor_rollout_ref.model.lora.rank',
    ignored: 'used only with LoRA',
    reject: (v) => (positive(v) ? 'verl-ts has no LoRA yet: it trains every weight. Remove lora.rank (or set it to 0) for full fine-tuning.' : undefined),
  },
  { pattern: 'actor_rollout_ref.model.lora.**', ignored: 'used only with LoRA' },
  ...['lora_alpha', 'target_modules', 'exclude_modules'].map((k): KeyRule => ({ pattern: `actor_rollout_ref.model.${k}`, ignored: 'used only with LoRA' })),
  {
    pattern: 'reward_model.enable',
    ignored: 'used only by a reward model',
    reject: (v) => (truthy(v) ? 'verl-ts has no reward-model worker. Score responses with a function instead: custom_reward_function.path=my_reward.ts (see docs).' : undefined),
  },
  ...['model.**', 'rollout.**', 'micro_batch_size_per_gpu', 'micro_batch_size', 'num_workers', 'use_reward_loop', 'use_dynamic_bsz', 'strategy', 'forward_max_token_len_per_gpu'].map(
    (k): KeyRule => ({ pattern: `reward_model.${k}`, ignored: 'used only by a reward model' }),
  ),
  {
    pattern: 'reward_model.sandbox_fusion.**',
    ignored: 'used only by a reward model',
    reject: (v) => (truthy(v) ? 'sandbox fusion runs code on a remote service, which verl-ts does not call. Score with custom_reward_function.path=my_reward.ts.' : undefined),
  },
  {
    pattern: 'data.custom_cls.{path,name}',
    ignored: 'Python only',
    reject: (v) => (truthy(v) ? 'verl-ts cannot load a Python dataset class. Convert the data to parquet or JSONL with the prompt/reward_model columns (`verl-ts data`).' : undefined),
  },
  {
    pattern: 'data.image_key',
    reject: () => 'verl-ts trains text-only causal language models. Remove data.image_key and use a text dataset.',
  },
  {
    pattern: 'data.video_key',
    reject: () => 'verl-ts trains text-only causal language models. Remove data.video_key and use a text dataset.',
  },
  {
    pattern: 'actor_rollout_ref.actor.freeze_vision_tower',
    ignored: 'one process',
    reject: (v) => (truthy(v) ? 'verl-ts trains text-only causal language models, which have no vision tower. Remove the key.' : undefined),
  },
  {
    pattern: 'actor_rollout_ref.rollout.multi_turn.**',
    ignored: 'one process',
    reject: (v) => (v === true ? 'verl-ts rolls out single-turn responses; multi-turn tool use is not available. Remove multi_turn.enable.' : undefined),
  },
  {
    pattern: 'actor_rollout_ref.actor.optim.clip_grad',
    reject: () => 'this is the Megatron optimizer\'s name for gradient clipping. Use actor_rollout_ref.actor.grad_clip instead.',
  },
  {
    pattern: 'actor_rollout_ref.actor.optim.lr_decay_style',
    reject: () => 'this is the Megatron optimizer\'s schedule key. Use actor_rollout_ref.actor.optim.lr_scheduler_type (constant or cosine) instead.',
  },
];

/** Every rule; a test checks that none of them names a key of verl-ts's own config. */
const RULES: readonly KeyRule[] = [...PLACEMENT.map((pattern): KeyRule => ({ pattern, ignored: 'one process' })), ...OTHER];

const escapeRegex = (text: string) => text.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');

function patternRegex(pattern: string): RegExp {
  const deep = pattern.endsWith('.**');
  const segments = (deep ? pattern.slice(0, -3) : pattern).split('.').map((seg) => {
    const alternatives = /^\{(.+)\}$/.exec(seg);
    return alternatives ? `(?:${alternatives[1].split(',').map(escapeRegex).join('|')})` : escapeRegex(seg);
  });
  return new RegExp(`^${segments.join('\\.')}${deep ? '(?:\\..+)?' : ''}$`);
}

const COMPILED = RULES.map((rule) => ({ rule, regex: patternRegex(rule.pattern) }));

/** The rule for a dotted key, if verl-ts treats it as one of verl's keys it does not model. */
function ruleFor(key: string): KeyRule | undefined {
  return COMPILED.find((c) => c.regex.test(key))?.rule;
}

/** Every rule's pattern, for the test that none names a key of verl-ts's own config. */
export function verlKeyPatterns(): Array<{ pattern: string; matches: (key: string) => boolean }> {
  return COMPILED.map((c) => ({ pattern: c.rule.pattern, matches: (key) => c.regex.test(key) }));
}

export interface VerlOverrideTriage {
  /** Overrides verl-ts applies (everything not covered by a rule, including lines it cannot parse). */
  kept: string[];
  /** Overrides accepted without effect, by reason. */
  ignored: Map<IgnoredBecause, string[]>;
  /** Overrides refused, each with what to do instead. */
  issues: ConfigIssue[];
}

/** Sort the command line's overrides into applied, ignored with a notice, and refused. */
export function triageVerlOverrides(overrides: readonly string[]): VerlOverrideTriage {
  const triage: VerlOverrideTriage = { kept: [], ignored: new Map(), issues: [] };
  for (const line of overrides) {
    let parsed;
    try {
      parsed = parseOverride(line);
    } catch {
      triage.kept.push(line); // composition reports the syntax error in Hydra's words
      continue;
    }
    const rule = parsed.package === null ? ruleFor(parsed.keyOrGroup) : undefined;
    if (!rule) {
      triage.kept.push(line);
      continue;
    }
    // A deletion sets nothing, so it is never refused; a sweep is judged job by job after expansion.
    const value = parsed.type === 'delete' || isSweepOverride(parsed) ? undefined : (overrideValue(parsed) as PyValue);
    const advice = value === undefined ? undefined : rule.reject?.(value);
    if (advice !== undefined || rule.ignored === undefined) {
      triage.issues.push({ key: parsed.keyOrGroup, message: advice ?? 'not supported by verl-ts; remove it.', source: `override '${line}'` });
      continue;
    }
    const list = triage.ignored.get(rule.ignored) ?? [];
    list.push(line.replace(/^[+~]+/, ''));
    triage.ignored.set(rule.ignored, list);
  }
  return triage;
}

/** One notice line per reason: "ignored by verl-ts (one process): a=1, b=2". */
export function ignoredNotices(ignored: ReadonlyMap<IgnoredBecause, readonly string[]>): string[] {
  return [...ignored].map(([why, lines]) => `ignored by verl-ts (${why}): ${lines.join(', ')}`);
}

/** verl's logger backends that report to an online service; verl-ts runs offline and drops them. */
const ONLINE_LOGGERS = new Set(['wandb', 'swanlab', 'mlflow', 'vemlp_wandb', 'clearml', 'trackio']);

/** verl's inference backends: a choice of engine, not of the computation; verl-ts always uses its own. */
const VERL_ROLLOUT_BACKENDS = new Set(['vllm', 'sglang', 'hf', 'trtllm']);

type PlainDict = Record<string, unknown>;
const isDict = (v: unknown): v is PlainDict => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Rewrite verl's spellings in a resolved trainer config, in place, and say what changed: `trainer.logger`
 * given as one string becomes a list, online loggers are dropped, a verl inference backend becomes `ort`.
 */
export function normalizeVerlValues(config: unknown): string[] {
  const notices: string[] = [];
  if (!isDict(config)) return notices;
  const trainer = config.trainer;
  if (isDict(trainer)) {
    if (typeof trainer.logger === 'string') trainer.logger = [trainer.logger];
    if (Array.isArray(trainer.logger)) {
      const online = trainer.logger.filter((l): l is string => typeof l === 'string' && ONLINE_LOGGERS.has(l));
      if (online.length > 0) {
        trainer.logger = trainer.logger.filter((l) => !online.includes(l as string));
        notices.push(
          `ignored by verl-ts (not available offline): trainer.logger ${online.join(', ')}; metrics go to ${(trainer.logger as unknown[]).join(', ') || 'nowhere'} (add tensorboard or file to keep them)`,
        );
      }
    }
  }
  const aar = config.actor_rollout_ref;
  const rollout = isDict(aar) ? aar.rollout : undefined;
  if (isDict(rollout) && typeof rollout.name === 'string' && VERL_ROLLOUT_BACKENDS.has(rollout.name)) {
    notices.push(`actor_rollout_ref.rollout.name=${rollout.name}: verl-ts generates with its own engine (ort); sampling settings apply as in verl`);
    rollout.name = 'ort';
  }
  return notices;
}
