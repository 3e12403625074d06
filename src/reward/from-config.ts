/**
 * From a composed verl config (reward_model, custom_reward_function, data sections) to a ready reward manager,
 * as verl's load_reward_manager: the custom function (if custom_reward_function.path is set) or the built-in
 * scorers, the manager named by reward_model.reward_manager, reward_model.reward_kwargs, and DAPO's overlong
 * buffer (reward_model.overlong_buffer, or reward_model.reward_kwargs.overlong_buffer_cfg as verl passes it).
 *
 * verl-ts additions: custom_reward_function.on_error (raise | zero) and custom_reward_function.timeout_s.
 */
import type { CustomRewardFunctionSection, DataSection, RewardModelSection } from '../config/schema/sections.js';
import type { Tokenizer } from '../data/tokenizer.js';
import { ConfigError } from '../util/errors.js';
import { createRewardManager } from './managers/registry.js';
import type { OverlongBufferConfig, RewardManager } from './managers/types.js';
import { loadCustomRewardFunction } from './scoring-function.js';
import type { CustomRewardFunctionConfig } from './scoring-function.js';
import type { ScorePolicy } from './types.js';

type Raw = Record<string, unknown>;

export interface RewardConfig {
  /** reward_model.reward_manager (default "naive") */
  rewardManager: string;
  /** reward_model.reward_kwargs minus the DAPO keys below (the batch manager passes them to its function) */
  rewardKwargs: Record<string, unknown>;
  /** reward_model.overlong_buffer (DAPO) */
  overlongBuffer: OverlongBufferConfig | null;
  customRewardFunction: CustomRewardFunctionConfig;
  policy: ScorePolicy;
  /** data.reward_fn_key (default "data_source") */
  rewardFnKey: string;
  /** data.max_response_length (DAPO's max_resp_len) */
  maxResponseLength: number;
  /** reward_model.reward_kwargs.max_concurrency (prime manager; default 64) */
  maxConcurrency: number | undefined;
}

function mapping(v: unknown, key: string): Raw {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${key}: expected a mapping, got ${JSON.stringify(v)}`);
  return v as Raw;
}

/** verl's DAPO scripts pass the overlong buffer inside reward_kwargs as overlong_buffer_cfg (free-form). */
function overlongFromKwargs(v: Raw, key: string): OverlongBufferConfig {
  const bool = (k: string) => {
    const x = v[k] ?? false;
    if (typeof x !== 'boolean') throw new ConfigError(`${key}.${k}: expected true or false, got ${JSON.stringify(x)}`);
    return x;
  };
  const num = (k: string) => {
    const x = v[k] ?? 0;
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new ConfigError(`${key}.${k}: expected a number, got ${JSON.stringify(x)}`);
    return x;
  };
  return { enable: bool('enable'), len: num('len'), penaltyFactor: num('penalty_factor'), log: bool('log') };
}

export interface RewardSections {
  reward_model: RewardModelSection;
  custom_reward_function: CustomRewardFunctionSection;
  data: Pick<DataSection, 'reward_fn_key' | 'max_response_length'>;
}

/**
 * Map the validated reward_model, custom_reward_function and data sections onto RewardConfig. reward_kwargs is
 * free-form, so the verl keys read out of it (overlong_buffer_cfg, max_resp_len, max_concurrency) are checked here.
 */
export function rewardConfigFromSections(cfg: RewardSections): RewardConfig {
  const rm = cfg.reward_model;
  const crf = cfg.custom_reward_function;
  const kwargs: Raw = { ...rm.reward_kwargs };
  const ob = rm.overlong_buffer;
  let overlong: OverlongBufferConfig | null = ob.enable
    ? { enable: ob.enable, len: ob.len, penaltyFactor: ob.penalty_factor, log: ob.log }
    : null;
  if (kwargs.overlong_buffer_cfg !== undefined) {
    const key = 'reward_model.reward_kwargs.overlong_buffer_cfg';
    overlong = overlongFromKwargs(mapping(kwargs.overlong_buffer_cfg, key), key);
    delete kwargs.overlong_buffer_cfg;
  }
  let maxResponseLength = cfg.data.max_response_length;
  if (kwargs.max_resp_len !== undefined) {
    const m = kwargs.max_resp_len;
    if (typeof m !== 'number' || !Number.isInteger(m) || m <= 0) {
      throw new ConfigError(`reward_model.reward_kwargs.max_resp_len: expected a positive integer, got ${JSON.stringify(m)}`);
    }
    maxResponseLength = m;
    delete kwargs.max_resp_len;
  }
  let maxConcurrency: number | undefined;
  if (kwargs.max_concurrency !== undefined) {
    const c = kwargs.max_concurrency;
    if (typeof c !== 'number' || !Number.isInteger(c) || c <= 0) throw new ConfigError(`reward_model.reward_kwargs.max_concurrency: expected a positive integer, got ${JSON.stringify(c)}`);
    maxConcurrency = c;
    delete kwargs.max_concurrency;
  }
  return {
    rewardManager: rm.reward_manager,
    rewardKwargs: kwargs,
    overlongBuffer: overlong,
    customRewardFunction: { path: crf.path, name: crf.name, rewardKwargs: { ...crf.reward_kwargs } },
    policy: { onError: crf.on_error, timeoutS: crf.timeout_s },
    rewardFnKey: cfg.data.reward_fn_key,
    maxResponseLength,
    maxConcurrency,
  };
}

/** Build the configured reward manager (verl: num_examine 0 for training, 1 for validation). */
export async function loadRewardManager(
  cfg: RewardConfig,
  tokenizer: Tokenizer,
  options: { numExamine: number; log?: (line: string) => void; cwd?: string },
): Promise<RewardManager> {
  const unused = Object.keys(cfg.rewardKwargs);
  if (unused.length > 0 && ['naive', 'dapo', 'prime'].includes(cfg.rewardManager)) {
    // verl would fail on them as unexpected constructor arguments; say so instead of ignoring them.
    throw new ConfigError(
      `reward_model.reward_kwargs.${unused[0]}: the ${cfg.rewardManager} reward manager takes no such argument ` +
        '(reward_kwargs go to the batch manager\'s function; dapo takes overlong_buffer_cfg and max_resp_len, prime max_concurrency)',
    );
  }
  const computeScore = await loadCustomRewardFunction(cfg.customRewardFunction, { cwd: options.cwd });
  return createRewardManager(cfg.rewardManager, {
    tokenizer,
    numExamine: options.numExamine,
    computeScore,
    rewardFnKey: cfg.rewardFnKey,
    log: options.log,
    policy: cfg.policy,
    rewardKwargs: cfg.rewardKwargs,
    maxResponseLength: cfg.maxResponseLength,
    overlongBuffer: cfg.overlongBuffer,
    maxConcurrency: cfg.maxConcurrency,
  });
}
