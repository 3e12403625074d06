/**
 * The scoring function a reward manager calls: the built-in default_compute_score, or the user's
 * custom_reward_function (path + name, .js or .ts) with custom_reward_function.reward_kwargs merged into every
 * call. As in verl, those kwargs take precedence over the call's own arguments, including the four standard
 * ones (data_source, solution_str, ground_truth, extra_info).
 */
import { loadUserModule, userFunction } from '../util/load-user-module.js';
import { ConfigError } from '../util/errors.js';
import { defaultComputeScore } from './default-score.js';
import type { ExtraInfo } from './types.js';

export interface CustomRewardFunctionConfig {
  /** custom_reward_function.path (null: use the built-in scorers) */
  path: string | null;
  /** custom_reward_function.name (default "compute_score") */
  name: string;
  /** custom_reward_function.reward_kwargs (default {}) */
  rewardKwargs: Record<string, unknown>;
}

export interface ScoringFunction {
  /** For messages: "compute_score from './my_reward.ts'" or "default_compute_score". */
  label: string;
  /** The user's function, called as fn(a, b, c, d, kwargs). */
  fn: (...args: unknown[]) => unknown;
  rewardKwargs: Record<string, unknown>;
  builtIn: boolean;
}

export const DEFAULT_SCORING_FUNCTION: ScoringFunction = {
  label: 'default_compute_score',
  fn: (dataSource, solutionStr, groundTruth, extraInfo) =>
    defaultComputeScore(dataSource as string, solutionStr as string, groundTruth, (extraInfo as ExtraInfo | null) ?? null),
  rewardKwargs: {},
  builtIn: true,
};

/** Load custom_reward_function, or null when no path is set. */
export async function loadCustomRewardFunction(cfg: CustomRewardFunctionConfig, options: { cwd?: string } = {}): Promise<ScoringFunction | null> {
  if (!cfg.path) return null;
  if (!cfg.name) throw new ConfigError('custom_reward_function.name must name the function to call (default compute_score)');
  const mod = await loadUserModule(cfg.path, { cwd: options.cwd, what: 'custom_reward_function.path' });
  const fn = userFunction<(...args: unknown[]) => unknown>(mod, cfg.name, { path: cfg.path, what: 'custom_reward_function' });
  return { label: `${cfg.name} from '${cfg.path}'`, fn, rewardKwargs: { ...cfg.rewardKwargs }, builtIn: false };
}

/**
 * Call `sf` with named arguments `names` (in positional order) and `values`; `extraKwargs` (e.g. a manager's
 * own kwargs) come next and the function's reward_kwargs last, each overriding what came before.
 */
export function invokeScoringFunction(
  sf: ScoringFunction,
  names: readonly string[],
  values: readonly unknown[],
  extraKwargs: Record<string, unknown> = {},
): unknown {
  const merged: Record<string, unknown> = {};
  names.forEach((n, i) => (merged[n] = values[i]));
  Object.assign(merged, extraKwargs, sf.rewardKwargs);
  const kwargs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(merged)) if (!names.includes(k)) kwargs[k] = v;
  return sf.fn(...names.map((n) => merged[n]), kwargs);
}

export const SAMPLE_ARGS = ['data_source', 'solution_str', 'ground_truth', 'extra_info'] as const;
export const BATCH_ARGS = ['data_sources', 'solution_strs', 'ground_truths', 'extra_infos'] as const;
