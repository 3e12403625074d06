/**
 * What `print-config` prints: Hydra's `--cfg job [--resolve] [--package P]` output, or a flat
 * `key: value` listing with optional provenance.
 */
import { ConfigError } from '../util/errors.js';
import { publicErrors } from './errors.js';
import type { ComposeResult } from './compose.js';
import type { ConfigNode, DictNode } from './node.js';
import { createDict, deepCopy, dictChildren, dictDelete, dictSet } from './node.js';
import { omegaSelect } from './omega/resolve.js';
import { pyStr } from './python/value.js';
import { flatten, resolveAll, toYaml } from './views.js';

export interface RenderOptions {
  /** Resolve interpolations first (OmegaConf.resolve), as `--cfg job --resolve`. */
  resolve?: boolean;
  /** Print only this node (`_global_` = everything), as Hydra's `--package`. */
  package?: string;
  /** One `dotted.key: value` line per leaf instead of YAML. */
  flatten?: boolean;
  /** With flatten: append `  # <source>` to each line (file:line or the override). */
  provenance?: boolean;
}

/** The selected node or printable value for `--package`; null when the package does not exist. */
function selectPackage(config: DictNode, pkg: string | undefined): ConfigNode | string | null {
  if (pkg === undefined || pkg === '_global_') return config;
  const value = omegaSelect(config, pkg);
  if (value === null) return null;
  if (typeof value === 'object' && !Array.isArray(value) && 'kind' in value) return value;
  return `${pyStr(value)}\n`;
}

function flatLines(node: ConfigNode, prefix: string, options: RenderOptions): string {
  const lines = flatten(node, { resolve: options.resolve }).map((e) => {
    const key = prefix === '' ? e.key : e.key === '' ? prefix : `${prefix}.${e.key}`;
    const comment = options.provenance && e.source !== '' ? `  # ${e.source}` : '';
    return `${key}: ${e.value}${comment}`;
  });
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * Render a composed job config. Throws ConfigComposeError for resolution failures, ConfigError for a
 * missing `--package` (Hydra's `package 'x' not found in config`).
 */
export function renderConfig(config: DictNode, options: RenderOptions = {}): string {
  return publicErrors(() => {
    const selected = selectPackage(config, options.package);
    if (selected === null) {
      throw new ConfigError(`package '${options.package}' not found in config`);
    }
    if (typeof selected === 'string') return selected;
    const header = options.package !== undefined && options.package !== '_global_' ? `# @package ${options.package}\n` : '';
    const prefix = header === '' ? '' : (options.package as string);
    if (options.flatten || options.provenance) return flatLines(selected, prefix, options);
    const subject = options.resolve ? resolveAll(selected) : selected;
    return header + toYaml(subject);
  });
}

/** What Hydra's `--cfg` prints: the job config, Hydra's own node, or both. */
export type CfgView = 'job' | 'hydra' | 'all';

/**
 * The config Hydra's `--cfg VIEW` prints, as one dict: `job` is the job config; `hydra` is `{hydra: ...}`
 * without the help texts (Hydra's sanitized hydra config); `all` is the hydra node followed by the job config.
 */
export function cfgView(composed: ComposeResult, view: CfgView): DictNode {
  if (view === 'job') return composed.config;
  const root = createDict();
  if (composed.config.context) root.context = composed.config.context;
  const hydra = deepCopy(composed.hydra, root);
  if (view === 'hydra') {
    dictDelete(hydra, 'help');
    dictDelete(hydra, 'hydra_help');
  }
  dictSet(root, 'hydra', hydra);
  if (view === 'all') for (const [key, child] of dictChildren(composed.config)) dictSet(root, key, deepCopy(child, root));
  return root;
}
