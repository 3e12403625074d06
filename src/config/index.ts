/**
 * verl-ts config: a Hydra 1.3 / OmegaConf 2.2 compatible composer. Compose a config directory with
 * command-line overrides exactly as Hydra does, then print, resolve, flatten or read it.
 */
import './resolvers/builtin.js';

export type { ComposeOptions, ComposeResult } from './compose.js';
export { compose, HYDRA_VERSION } from './compose.js';
export { parseStoreDir } from './hydra/parse-store.js';
export { ConfigComposeError } from './errors.js';
export type {
  ConfigNode,
  ContainerNode,
  DictKey,
  DictNode,
  ListNode,
  NodeFlags,
  RootContext,
  Scalar,
  Source,
  ValueNode,
} from './node.js';
export {
  dictChildren,
  dictGet,
  dictKeys,
  getChild,
  isContainer,
  isInterpolation,
  isMissing,
  isStruct,
  MISSING,
} from './node.js';
export type { FlatEntry, PlainOptions, PlainValue } from './views.js';
export { flatten, formatSource, plainToYaml, resolveAll, selectNode, toPlain, toYaml } from './views.js';
export type { CfgView, RenderOptions } from './print.js';
export { cfgView, renderConfig } from './print.js';
export type { ExpandSweepsOptions } from './overrides/sweep.js';
export { expandSweeps } from './overrides/sweep.js';
export type { ResolverContext, ResolverFn, ResolverOptions, ResolverResult } from './resolvers/registry.js';
export { hasResolver, registerResolver } from './resolvers/registry.js';
export { EMULATED_PYTHON_VERSION } from './resolvers/builtin.js';
export type { PyValue } from './python/value.js';
export { PyDict } from './python/value.js';
export type { ResultDefault } from './hydra/defaults-tree.js';
export type { OverrideProblem } from './hydra/apply-overrides.js';
