/**
 * The files a training run reads (data, model, tokenizer, reward function), checked at start-up, before the run
 * directory is created: a mistyped path is reported with its key, not found minutes into the run.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { needsCritic, type AlgorithmNeedsLookup } from './ppo-checks.js';
import type { PpoTrainerConfig } from './ppo-trainer.js';
import type { ConfigIssue } from './validate.js';

type Kind = 'file' | 'folder' | 'any';

/** `~` and `~/…` mean the home folder, as they do for verl's paths. */
function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

function pathIssue(key: string, raw: string, kind: Kind, cwd: string): ConfigIssue | null {
  const abs = isAbsolute(expandHome(raw)) ? expandHome(raw) : resolve(cwd, raw);
  if (!existsSync(abs)) return { key, message: `not found: '${abs}'` };
  const isDir = statSync(abs).isDirectory();
  if (kind === 'file' && isDir) return { key, message: `'${abs}' is a folder; give the path of a file` };
  if (kind === 'folder' && !isDir) return { key, message: `'${abs}' is a file; give the path of a model folder` };
  return null;
}

/** Every missing or wrong-kind path of the run, keyed by its config key (list entries as key.N). */
export function trainerPathIssues(cfg: PpoTrainerConfig, needs: AlgorithmNeedsLookup, cwd: string): ConfigIssue[] {
  const wanted: Array<[string, string | null | undefined, Kind]> = [];
  const files = (key: string, v: string | readonly string[] | null) => {
    if (typeof v === 'string') wanted.push([key, v, 'file']);
    else v?.forEach((p, i) => wanted.push([`${key}.${i}`, p, 'file']));
  };
  files('data.train_files', cfg.data.train_files);
  files('data.val_files', cfg.data.val_files);
  const model = cfg.actor_rollout_ref.model;
  // A tokenizer path may be a model folder or a tokenizer file.
  wanted.push(['actor_rollout_ref.model.path', model.path, 'folder'], ['actor_rollout_ref.model.tokenizer_path', model.tokenizer_path, 'any']);
  if (needsCritic(cfg, needs)) {
    const critic = cfg.critic.model;
    // The critic follows the actor's model by default; a path already reported under the actor is not repeated.
    if (critic.path !== model.path) wanted.push(['critic.model.path', critic.path, 'folder']);
    if (critic.tokenizer_path !== model.tokenizer_path) wanted.push(['critic.model.tokenizer_path', critic.tokenizer_path, 'any']);
  }
  wanted.push(['custom_reward_function.path', cfg.custom_reward_function.path, 'file']);
  const issues: ConfigIssue[] = [];
  for (const [key, raw, kind] of wanted) {
    if (typeof raw !== 'string' || raw === '') continue;
    const issue = pathIssue(key, raw, kind, cwd);
    if (issue) issues.push(issue);
  }
  return issues;
}
