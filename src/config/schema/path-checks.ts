/**
 * Start-up checks that the files and folders a trainer config names exist, so that a typo in a path fails
 * before the run directory is made and before any work, with the key and the path in the message.
 */
import { statSync } from 'node:fs';
import type { AlgorithmNeedsLookup } from './ppo-checks.js';
import type { ConfigIssue } from './validate.js';
import { userPath } from '../../util/paths.js';

type Kind = 'file' | 'folder' | 'file or folder';

function kindOf(p: string): 'file' | 'folder' | undefined {
  try {
    return statSync(p).isDirectory() ? 'folder' : 'file';
  } catch {
    return undefined;
  }
}

/** Read a dotted key of a plain config defensively (it may not have passed the schema yet). */
function get(config: unknown, key: string): unknown {
  let node = config;
  for (const seg of key.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

function check(issues: ConfigIssue[], key: string, value: unknown, want: Kind, cwd: string, hint: string): void {
  const values = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  for (const p of values) {
    const found = kindOf(userPath(p, cwd));
    if (found === undefined) issues.push({ key, message: `${want} not found: ${p}${hint}` });
    else if (want !== 'file or folder' && found !== want) issues.push({ key, message: `expected a ${want}, but ${p} is a ${found}` });
  }
}

const MODEL_HINT = ' (verl-ts reads a local Hugging Face model folder; download the model first)';

/** Whether the config would run a critic, read from the plain config; unknown estimator names count as no. */
function criticOn(config: unknown, needs: AlgorithmNeedsLookup): boolean {
  const enable = get(config, 'critic.enable');
  if (typeof enable === 'boolean') return enable;
  const estimator = get(config, 'algorithm.adv_estimator');
  try {
    return typeof estimator === 'string' && needs.estimator(estimator).values;
  } catch {
    return false;
  }
}

/** Every missing path named by a (resolved) trainer config; relative paths are taken from `cwd`. */
export function trainerPathIssues(config: unknown, cwd: string, needs: AlgorithmNeedsLookup): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  check(issues, 'actor_rollout_ref.model.path', get(config, 'actor_rollout_ref.model.path'), 'folder', cwd, MODEL_HINT);
  check(issues, 'actor_rollout_ref.model.tokenizer_path', get(config, 'actor_rollout_ref.model.tokenizer_path'), 'file or folder', cwd, '');
  // The critic usually shares the actor's checkpoint; one message per missing path is enough.
  const criticPath = get(config, 'critic.model.path');
  if (criticOn(config, needs) && criticPath !== get(config, 'actor_rollout_ref.model.path')) {
    check(issues, 'critic.model.path', criticPath, 'folder', cwd, MODEL_HINT);
  }
  check(issues, 'data.tokenizer', get(config, 'data.tokenizer'), 'file or folder', cwd, '');
  check(issues, 'data.train_files', get(config, 'data.train_files'), 'file', cwd, '');
  check(issues, 'data.val_files', get(config, 'data.val_files'), 'file', cwd, '');
  const reward = get(config, 'custom_reward_function.path');
  if (typeof reward === 'string' && reward.endsWith('.py')) {
    issues.push({ key: 'custom_reward_function.path', message: `verl-ts runs reward functions written in JavaScript or TypeScript, not Python (${reward}): port it to a .ts file (see examples/custom-reward)` });
  } else {
    check(issues, 'custom_reward_function.path', reward, 'file', cwd, '');
  }
  return issues;
}
