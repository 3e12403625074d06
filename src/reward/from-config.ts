/**
 * From a composed verl config (reward_model, custom_reward_function, data sections) to a ready reward manager,
 * as verl's load_reward_manager: the custom function (if custom_reward_function.path is set) or the built-in
 * scorers, the manager named by reward_model.reward_manager, reward_model.reward_kwargs, and DAPO's overlong
 * buffer (reward_model.overlong_buffer, or reward_model.reward_kwargs.overlong_buffer_cfg as verl passes it).
 *
 * verl-ts additions: custom_reward_function.on_error (raise | zero) and custom_reward_function.timeout_s.
 */
import type { Tokenizer } from '../models/tokenizer/types.js';
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
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${key}: expected a mapping, got ${JSON.stringify(v)}`);
  return v as Raw;
}

function overlongFrom(v: Raw, key: string): OverlongBufferConfig | null {
  if (Object.keys(v).length === 0) return null;
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

export function rewardConfigFromVerl(root: { reward_model?: unknown; custom_reward_function?: unknown; data?: unknown }): RewardConfig {
  const rm = mapping(root.reward_model, 'reward_model');
  const crf = mapping(root.custom_reward_function, 'custom_reward_function');
  const data = mapping(root.data, 'data');
  const kwargs = { ...mapping(rm.reward_kwargs, 'reward_model.reward_kwargs') };
  let overlong = overlongFrom(mapping(rm.overlong_buffer, 'reward_model.overlong_buffer'), 'reward_model.overlong_buffer');
  if (kwargs.overlong_buffer_cfg !== undefined) {
    overlong = overlongFrom(mapping(kwargs.overlong_buffer_cfg, 'reward_model.reward_kwargs.overlong_buffer_cfg'), 'reward_model.reward_kwargs.overlong_buffer_cfg');
    delete kwargs.overlong_buffer_cfg;
  }
  let maxResponseLength: unknown = data.max_response_length ?? 512;
  if (kwargs.max_resp_len !== undefined) {
    maxResponseLength = kwargs.max_resp_len;
    delete kwargs.max_resp_len;
  }
  if (typeof maxResponseLength !== 'number' || !Number.isInteger(maxResponseLength)) {
    throw new ConfigError(`data.max_response_length: expected an integer, got ${JSON.stringify(maxResponseLength)}`);
  }
  let maxConcurrency: number | undefined;
  if (kwargs.max_concurrency !== undefined) {
    const c = kwargs.max_concurrency;
    if (typeof c !== 'number' || !Number.isInteger(c) || c <= 0) throw new ConfigError(`reward_model.reward_kwargs.max_concurrency: expected a positive integer, got ${JSON.stringify(c)}`);
    maxConcurrency = c;
    delete kwargs.max_concurrency;
  }
  const manager = rm.reward_manager ?? 'naive';
  if (typeof manager !== 'string') throw new ConfigError(`reward_model.reward_manager: expected a name, got ${JSON.stringify(manager)}`);
  const onError = crf.on_error ?? 'raise';
  if (onError !== 'raise' && onError !== 'zero') throw new ConfigError(`custom_reward_function.on_error: expected raise or zero, got ${JSON.stringify(onError)}`);
  const timeout = crf.timeout_s ?? null;
  if (timeout !== null && (typeof timeout !== 'number' || !(timeout > 0))) {
    throw new ConfigError(`custom_reward_function.timeout_s: expected a positive number of seconds or null, got ${JSON.stringify(timeout)}`);
  }
  const path = crf.path ?? null;
  if (path !== null && typeof path !== 'string') throw new ConfigError(`custom_reward_function.path: expected a file path or null, got ${JSON.stringify(path)}`);
  const name = crf.name ?? 'compute_score';
  if (typeof name !== 'string') throw new ConfigError(`custom_reward_function.name: expected a function name, got ${JSON.stringify(name)}`);
  const rewardFnKey = data.reward_fn_key ?? 'data_source';
  if (typeof rewardFnKey !== 'string') throw new ConfigError(`data.reward_fn_key: expected a column name, got ${JSON.stringify(rewardFnKey)}`);
  return {
    rewardManager: manager,
    rewardKwargs: kwargs,
    overlongBuffer: overlong,
    customRewardFunction: { path: path || null, name, rewardKwargs: { ...mapping(crf.reward_kwargs, 'custom_reward_function.reward_kwargs') } },
    policy: { onError, timeoutS: timeout as number | null },
    rewardFnKey,
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
