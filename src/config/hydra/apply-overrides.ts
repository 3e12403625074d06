/**
 * Applying config overrides (`k=v`, `+k=v`, `++k=v`, `~k`, `~k=v`) to the composed, struct-mode config,
 * with Hydra's checks and messages (ConfigLoaderImpl._apply_overrides_to_config).
 */
import { HydraCompactError, PyError } from '../errors.js';
import type { ConfigNode, DictNode, Source } from '../node.js';
import { dictDelete, dictGet, dictHas, dictKeys, isStruct, withStruct } from '../node.js';
import { closestNames } from '../../util/suggest.js';
import { pyEquals } from '../omega/equality.js';
import { formatAndRaise } from '../omega/format.js';
import { isContainerLike, omegaUpdate } from '../omega/merge.js';
import { omegaSelect } from '../omega/resolve.js';
import type { PyValue } from '../python/value.js';
import { isContainerValue, pyStr } from '../python/value.js';
import type { Override } from '../overrides/types.js';
import { overrideValue } from '../overrides/types.js';

/** DictConfig.__delitem__ / ListConfig.__delitem__ with a string key. */
function deleteKey(node: PyValue, key: string): void {
  if (isContainerValue(node) && node.kind === 'dict') {
    if (isStruct(node)) {
      formatAndRaise(node, key, new PyError('ConfigTypeError', 'DictConfig in struct mode does not support deletion'));
    }
    if (!dictHas(node, key)) formatAndRaise(node, key, new PyError('ConfigKeyError', `Key not found: '${key}'`));
    dictDelete(node, key);
    return;
  }
  if (isContainerValue(node)) throw new PyError('TypeError', 'list indices must be integers or slices, not str');
  throw new PyError('TypeError', `'${node === null ? 'NoneType' : typeof node}' object does not support item deletion`);
}

/**
 * For a dotted key that does not exist: the same key with its first missing segment replaced by the closest
 * existing sibling, as "Did you mean 'a.b'?" — or undefined when nothing is close.
 */
function suggestKey(cfg: DictNode, dotted: string): string | undefined {
  const segments = dotted.split('.');
  let node: ConfigNode = cfg;
  for (let i = 0; i < segments.length; i++) {
    if (node.kind !== 'dict') return undefined;
    const child = dictGet(node, segments[i]);
    if (child) {
      node = child;
      continue;
    }
    const names = dictKeys(node).filter((k): k is string => typeof k === 'string');
    const [best] = closestNames(segments[i], names, 1);
    if (best === undefined) return undefined;
    return `Did you mean '${[...segments.slice(0, i), best, ...segments.slice(i + 1)].join('.')}'?`;
  }
  return undefined;
}

function applyOne(cfg: DictNode, override: Override): void {
  const key = override.keyOrGroup;
  const line = override.inputLine;
  const value = overrideValue(override) as PyValue;
  const source: Source = { override: line };
  if (override.type === 'delete') {
    const current = omegaSelect(cfg, key, { throwOnMissing: false });
    if (current === null) {
      throw new HydraCompactError(`Could not delete from config. '${key}' does not exist.`, { suggestion: suggestKey(cfg, key) });
    }
    if (value !== null && !pyEquals(value, current)) {
      throw new HydraCompactError(`Could not delete from config. The value of '${key}' is ${pyStr(current)} and not ${pyStr(value)}.`);
    }
    const lastDot = key.lastIndexOf('.');
    withStruct(cfg, false, () => {
      if (lastDot === -1) deleteKey(cfg, key);
      else deleteKey(omegaSelect(cfg, key.slice(0, lastDot)), key.slice(lastDot + 1));
    });
  } else if (override.type === 'add') {
    if (omegaSelect(cfg, key, { throwOnMissing: false }) === null || isContainerLike(value)) {
      omegaUpdate(cfg, key, value, { merge: true, forceAdd: true, source });
    } else {
      throw new HydraCompactError(
        `Could not append to config. An item is already at '${key}'.\nEither remove + prefix: '${line.slice(1)}'\nOr add a second + to add or override '${key}': '+${line}'\n`,
      );
    }
  } else if (override.type === 'force_add') {
    omegaUpdate(cfg, key, value, { merge: true, forceAdd: true, source });
  } else {
    try {
      omegaUpdate(cfg, key, value, { merge: true, source });
    } catch (err) {
      if (err instanceof PyError && (err.isA('ConfigAttributeError') || err.isA('ConfigKeyError'))) {
        throw new HydraCompactError(`Could not override '${key}'.\nTo append to your config use +${line}`, {
          cause: err,
          suggestion: suggestKey(cfg, key),
        });
      }
      throw err;
    }
  }
}

/** One override that could not be applied: the key, what went wrong, and whether the key does not exist. */
export interface OverrideProblem {
  override: Override;
  error: HydraCompactError;
  unknownKey: boolean;
}

function applyChecked(cfg: DictNode, override: Override): void {
  if (override.package !== null) {
    throw new HydraCompactError(
      `Override ${override.inputLine} looks like a config group override, but config group '${override.keyOrGroup}' does not exist.`,
    );
  }
  try {
    applyOne(cfg, override);
  } catch (err) {
    if (err instanceof PyError && err.isA('OmegaConfBaseException')) {
      throw new HydraCompactError(`Error merging override ${override.inputLine}`, { cause: err });
    }
    throw err;
  }
}

/**
 * Apply config overrides in command-line order; OmegaConf failures become "Error merging override ...".
 * Hydra stops at the first failure; with `onProblem`, a failing override is reported and skipped instead,
 * so that a command line's problems can be listed together.
 */
export function applyConfigOverrides(cfg: DictNode, overrides: Override[], onProblem?: (problem: OverrideProblem) => void): void {
  for (const override of overrides) {
    try {
      applyChecked(cfg, override);
    } catch (err) {
      if (!onProblem || !(err instanceof HydraCompactError)) throw err;
      const unknownKey = override.type === 'change' && err.message.startsWith('Could not override');
      onProblem({ override, error: err, unknownKey });
    }
  }
}

