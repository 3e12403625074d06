/**
 * Building the defaults tree and flattening it into the ordered list of configs to merge (Hydra 1.3's
 * defaults_list), with every rule of hydra-semantics.md §2: `_self_` placement, group choices from the
 * command line and from `override` entries (precedence by registration order while children are expanded
 * last-to-first), deletions, optional/missing/null options, option lists, deferred `${..}` choices,
 * duplicate detection and the exact error messages.
 */
import { closestNames } from '../../util/suggest.js';
import { HydraCompactError, PyError } from '../errors.js';
import type { DictNode } from '../node.js';
import { createDict, createList, createValue, dictChildren, dictSet, isMissing, listAppend } from '../node.js';
import { dereference, valueOf } from '../omega/resolve.js';
import { pyStr } from '../python/value.js';
import type { Override } from '../overrides/types.js';
import { isSweepOverride, keyElement, overrideValue } from '../overrides/types.js';
import type { GroupDefault, InputDefault, TreeElement } from './defaults-elements.js';
import {
  cloneDefault,
  configDefault,
  configPath,
  elementName,
  elementPackage,
  finalPackage,
  groupDefault,
  groupPath,
  isInterpolationElement,
  isMissingElement,
  isSelf,
  overrideKey,
  setPackageHeader,
  setParent,
} from './defaults-elements.js';
import type { ConfigRepository } from './repository.js';

interface OverrideMetadata {
  external: boolean;
  containingConfigPath: string | null;
  used: boolean;
}

/** Group choices and deletions requested on the command line or by `override` entries. */
class GroupOverrides {
  readonly choices = new Map<string, string | string[] | null>();
  readonly metadata = new Map<string, OverrideMetadata>();
  readonly appendGroupDefaults: GroupDefault[] = [];
  readonly configOverrides: Override[] = [];
  readonly knownChoices = new Map<string, string | null>();
  readonly knownChoicesPerGroup = new Map<string, Set<string>>();
  readonly deletions = new Map<string, { name: string | null; used: boolean }>();

  constructor(repo: ConfigRepository, overrides: Override[]) {
    for (const override of overrides) {
      if (isSweepOverride(override)) continue;
      const isGroup = repo.groupExists(override.keyOrGroup);
      const value = overrideValue(override);
      const isDict = typeof value === 'object' && value !== null && !Array.isArray(value) && 'entries' in value;
      if (isDict || !isGroup) {
        this.configOverrides.push(override);
      } else if (override.type === 'force_add') {
        throw new HydraCompactError(`force-add of config groups is not supported: '${override.inputLine}'`);
      } else if (override.type === 'delete') {
        const key = keyElement(override).slice(1);
        if (value !== null && typeof value !== 'string') {
          throw new PyError('ValueError', `Config group override deletion value must be a string : ${override.inputLine}`);
        }
        this.deletions.set(key, { name: value, used: false });
      } else if (typeof value !== 'string' && !Array.isArray(value)) {
        const typeName = value === null ? 'NoneType' : typeof value === 'bigint' ? 'int' : typeof value === 'number' ? 'float' : typeof value === 'boolean' ? 'bool' : 'dict';
        throw new PyError('ValueError', `Config group override must be a string or a list. Got ${typeName}`);
      } else if (override.type === 'add') {
        this.appendGroupDefaults.push(
          groupDefault(override.keyOrGroup, Array.isArray(value) ? value.map((v) => pyStr(v)) : value, override.package, { externalAppend: true }),
        );
      } else {
        const key = keyElement(override);
        this.choices.set(key, Array.isArray(value) ? value.map((v) => pyStr(v)) : value);
        this.metadata.set(key, { external: true, containingConfigPath: null, used: false });
      }
    }
  }

  addOverride(parentConfigPath: string, d: GroupDefault): void {
    const key = overrideKey(d);
    if (!this.choices.has(key)) {
      this.choices.set(key, d.value);
      this.metadata.set(key, { external: false, containingConfigPath: parentConfigPath, used: false });
    }
  }

  isOverridden(d: InputDefault): boolean {
    return d.kind === 'group' && this.choices.has(overrideKey(d));
  }

  applyOverride(d: GroupDefault): void {
    const key = overrideKey(d);
    if (this.choices.has(key)) {
      d.value = this.choices.get(key) ?? null;
      const meta = this.metadata.get(key);
      if (meta) meta.used = true;
    }
  }

  setKnownChoice(d: TreeElement): void {
    if (d.kind !== 'group') return;
    const key = overrideKey(d);
    const name = elementName(d);
    if (!this.knownChoices.has(key)) this.knownChoices.set(key, name);
    else {
      const previous = this.knownChoices.get(key) ?? null;
      if (name !== previous) {
        throw new HydraCompactError(`Multiple values for ${key}. To override a value use 'override ${key}: ${previous}'`);
      }
    }
    const group = groupPath(d);
    const keys = this.knownChoicesPerGroup.get(group) ?? new Set<string>();
    keys.add(key);
    this.knownChoicesPerGroup.set(group, keys);
  }

  isDeleted(d: TreeElement): boolean {
    if (d.kind !== 'group') return false;
    const deletion = this.deletions.get(overrideKey(d));
    if (!deletion) return false;
    return deletion.name === null || deletion.name === elementName(d);
  }

  delete(d: GroupDefault): void {
    d.deleted = true;
    const deletion = this.deletions.get(overrideKey(d));
    if (deletion) deletion.used = true;
  }

  ensureOverridesUsed(): void {
    for (const [key, meta] of this.metadata) {
      if (meta.used) continue;
      const group = key.split('@')[0];
      const choices = [...(this.knownChoicesPerGroup.get(group) ?? [])].sort();
      let msg: string;
      if (choices.length > 1) msg = `Could not override '${key}'.\nDid you mean to override one of ${choices.join(', ')}?`;
      else if (choices.length === 1) msg = `Could not override '${key}'.\nDid you mean to override ${choices[0]}?`;
      else msg = `Could not override '${key}'. No match in the defaults list.`;
      if (meta.containingConfigPath !== null) msg = `In '${meta.containingConfigPath}': ${msg}`;
      if (meta.external) {
        const value = this.choices.get(key) ?? null;
        msg += `\nTo append to your default list use +${key}=${Array.isArray(value) ? `[${value.map((v) => `'${v}'`).join(', ')}]` : pyStr(value)}`;
      }
      throw new HydraCompactError(msg);
    }
  }

  ensureDeletionsUsed(): void {
    for (const [key, deletion] of this.deletions) {
      if (!deletion.used) {
        const desc = deletion.name !== null ? `${key}=${deletion.name}` : key;
        throw new HydraCompactError(`Could not delete '${desc}'. No match in the defaults list`);
      }
    }
  }
}

interface TreeNode {
  element: TreeElement;
  children: Array<InputDefault | TreeNode> | null;
  parent: TreeNode | null;
}

function isTreeNode(x: InputDefault | TreeNode): x is TreeNode {
  return 'element' in x;
}

/** A config to merge, in order: where to load it from and under which package. */
export interface ResultDefault {
  configPath: string;
  parent: string | null;
  package: string;
  isSelf: boolean;
  primary: boolean;
  overrideKey: string | null;
}

export interface DefaultsList {
  defaults: ResultDefault[];
  configOverrides: Override[];
  /** Group choices as Hydra records them in hydra.runtime.choices (override key → option). */
  knownChoices: Map<string, string | null>;
  /** Groups chosen as a list of options, e.g. `toppings: [a, b]`. */
  listChoices: Map<string, string[]>;
  warnings: string[];
}

const SELF_WARNING_URL = 'https://hydra.cc/docs/1.2/upgrades/1.0_to_1.1/default_composition_order';

class TreeBuilder {
  readonly warnings: string[] = [];
  /** Groups whose value is a list of options (Hydra does not record these in runtime.choices). */
  readonly listChoices = new Map<string, string[]>();

  constructor(
    private readonly repo: ConfigRepository,
    private readonly overrides: GroupOverrides,
    private readonly skipMissing: boolean,
  ) {}

  private elementConfigPath(e: TreeElement): string {
    return e.kind === 'virtual' ? '<root>' : configPath(e);
  }

  private notFound(tree: TreeNode): never {
    const element = tree.element as InputDefault;
    let options: string[] | null = null;
    let group: string | null = null;
    if (element.kind === 'group') {
      group = groupPath(element);
      options = this.repo.groupOptions(group, 'config');
    }
    let msg: string;
    let suggestion: string | undefined;
    if (element.primary) {
      msg = `Cannot find primary config '${configPath(element)}'. Check that it's in your config search path.\n`;
      // Files starting with '_' (such as generated references) are not meant as primaries.
      const primaries = this.repo.groupOptions('', 'config').filter((name) => !name.startsWith('_'));
      const close = closestNames(configPath(element), primaries);
      suggestion = close.length > 0 ? `Did you mean '${close[0]}'? Primary configs here: ${primaries.join(', ')}` : `Primary configs here: ${primaries.join(', ') || '(none)'}`;
    } else {
      if (element.kind === 'group') {
        msg = `Could not find '${configPath(element)}'\n`;
        if (options && options.length > 0) msg = `${msg}\nAvailable options in '${group}':\n${options.map((o) => `\t${o}`).join('\n')}`;
      } else {
        msg = `Could not load '${configPath(element)}'.\n`;
      }
      if (tree.parent) msg = `In '${this.elementConfigPath(tree.parent.element)}': ${msg}`;
    }
    msg += `\n${this.repo.searchPathText()}`;
    throw new HydraCompactError(msg, { type: 'MissingConfigException', ...(suggestion === undefined ? {} : { suggestion }) });
  }

  build(root: TreeNode, isRootConfig: boolean, interpolatedSubtree: boolean): TreeNode {
    const parent = root.element;
    if (parent.kind === 'virtual') return isRootConfig ? this.expandVirtualRoot(root) : root;
    if (isRootConfig) {
      setParent(parent, '', '');
      if (!this.repo.configExists(configPath(parent))) this.notFound(root);
    }
    if (!isMissingElement(parent)) {
      const loadedHeader = this.repo.load(configPath(parent));
      if (loadedHeader) setPackageHeader(parent, loadedHeader.packageHeader);
    }
    if (this.overrides.isDeleted(parent)) {
      this.overrides.delete(parent as GroupDefault);
      return root;
    }
    this.overrides.setKnownChoice(parent);
    if (elementName(parent) === null) return root;
    if (this.checkMissing(parent)) return root;

    const path = configPath(parent);
    const loaded = this.repo.load(path);
    if (!loaded) {
      if (parent.optional) {
        parent.deleted = true;
        return root;
      }
      this.notFound(root);
    }
    const defaults = loaded.defaults.map(cloneDefault);
    let selfAdded = false;
    if (defaults.length > 0 || (isRootConfig && this.overrides.appendGroupDefaults.length > 0)) {
      selfAdded = this.validateSelf(parent, defaults, loaded.config.kind === 'dict' && hasConfigContent(loaded.config));
    }
    if (isRootConfig) defaults.push(...this.overrides.appendGroupDefaults);
    this.registerOverrides(defaults, parent, interpolatedSubtree);

    const children: Array<InputDefault | TreeNode> = [];
    const addChild = (node: TreeNode) => {
      const subtree = this.build(node, false, interpolatedSubtree);
      children.push(subtree.children === null ? (node.element as InputDefault) : subtree);
    };
    for (const d of [...defaults].reverse()) {
      if (isSelf(d)) {
        setParent(d, parent.parentBaseDir ?? '', elementPackage(parent) ?? '');
        children.push(d);
        continue;
      }
      if (d.kind === 'group' && d.override) continue;
      setParent(d, groupPath(parent), finalPackage(parent));
      if (this.overrides.isOverridden(d)) this.overrides.applyOverride(d as GroupDefault);
      if (d.kind === 'group' && Array.isArray(d.value)) {
        this.listChoices.set(overrideKey(d), [...d.value]);
        for (const item of [...d.value].reverse()) {
          if (item.includes('${')) throw new HydraCompactError(`In '${path}': Defaults List interpolation is not supported in options list items`);
          const node = configDefault(`${d.group}/${item}`, d.package, { optional: d.optional });
          setParent(node, groupPath(parent), finalPackage(parent));
          addChild({ element: node, children: null, parent: root });
        }
      } else if (isInterpolationElement(d)) {
        children.push(d);
      } else {
        addChild({ element: d, children: null, parent: root });
      }
    }

    // Choices written as `${...}` are resolved once every sibling's choice is known.
    const known = this.interpolationMap(defaults, selfAdded);
    children.forEach((child, idx) => {
      if (isTreeNode(child) || !isInterpolationElement(child)) return;
      this.resolveInterpolation(child, known);
      setParent(child, groupPath(parent), finalPackage(parent));
      const node: TreeNode = { element: child, children: null, parent: root };
      const subtree = this.build(node, false, true);
      if (subtree.children !== null) children[idx] = subtree;
    });
    if (children.length > 0) root.children = children.reverse();
    return root;
  }

  private expandVirtualRoot(root: TreeNode): TreeNode {
    const children: Array<InputDefault | TreeNode> = [];
    for (const d of [...(root.children ?? [])].reverse()) {
      const element = d as InputDefault;
      const node: TreeNode = { element, children: null, parent: root };
      setParent(element, '', '');
      const subtree = this.build(node, element.primary, false);
      children.push(subtree.children === null ? element : subtree);
    }
    if (children.length > 0) root.children = children.reverse();
    return root;
  }

  private checkMissing(d: InputDefault): boolean {
    if (!configPath(d).endsWith('???')) return false;
    if (this.skipMissing) return true;
    if (d.kind === 'group') {
      const key = overrideKey(d);
      const options = this.repo.groupOptions(groupPath(d), 'config');
      throw new HydraCompactError(
        `You must specify '${key}', e.g, ${key}=<OPTION>\nAvailable options:\n${options.map((o) => `\t${o}`).join('\n')}`,
      );
    }
    throw new PyError('ValueError', `Missing ConfigDefault is not supported : ${configPath(d)}`);
  }

  private validateSelf(containing: InputDefault, defaults: InputDefault[], hasContent: boolean): boolean {
    let hasSelf = false;
    let hasNonOverride = false;
    for (const d of defaults) {
      if (!(d.kind === 'group' && d.override)) hasNonOverride = true;
      if (isSelf(d)) {
        if (hasSelf) throw new HydraCompactError(`Duplicate _self_ defined in ${configPath(containing)}`);
        hasSelf = true;
      }
    }
    if ((!hasSelf && hasNonOverride) || defaults.length === 0) {
      if (containing.primary && hasContent && hasNonOverride) {
        this.warnings.push(
          `In '${configPath(containing)}': Defaults list is missing \`_self_\`. See ${SELF_WARNING_URL} for more information`,
        );
      }
      defaults.push(configDefault('_self_', null));
    }
    return !hasSelf;
  }

  /** Register `override` entries (first registration wins) and check they come after all plain entries. */
  private registerOverrides(defaults: InputDefault[], parent: InputDefault, interpolatedSubtree: boolean): void {
    let lastOverride: GroupDefault | null = null;
    for (const d of defaults) {
      if (isSelf(d)) continue;
      setParent(d, groupPath(parent), finalPackage(parent));
      const isOverride = d.kind === 'group' && d.override;
      if (lastOverride && !isOverride && !(d.kind === 'group' && d.externalAppend)) {
        throw new HydraCompactError(
          `In ${configPath(parent)}: Override '${overrideKey(lastOverride)} : ${elementName(lastOverride)}' is defined before '${overrideKey(d)}: ${elementName(d)}'.\nOverrides must be at the end of the defaults list`,
        );
      }
      if (d.kind === 'group' && d.override) {
        lastOverride = d;
        if (interpolatedSubtree) {
          throw new HydraCompactError(
            `${configPath(parent)}: Default List Overrides are not allowed in the subtree\nof an in interpolated config group (override ${overrideKey(d)}=${elementName(d)}).\n`,
          );
        }
        this.overrides.addOverride(configPath(parent), d);
      }
    }
  }

  private interpolationMap(defaults: InputDefault[], selfAdded: boolean): DictNode {
    const root = createDict();
    for (const [key, value] of this.overrides.knownChoices) dictSet(root, key, createValue(value));
    const list = createList();
    for (const d of defaults) {
      if (selfAdded && isSelf(d)) continue;
      if (d.kind === 'config') listAppend(list, createValue(configPath(d)));
      else {
        const entry = createDict();
        const value = Array.isArray(d.value) ? createList() : createValue(d.value);
        if (Array.isArray(d.value) && value.kind === 'list') for (const v of d.value) listAppend(value, createValue(v));
        dictSet(entry, overrideKey(d), value);
        listAppend(list, entry);
      }
    }
    dictSet(root, 'defaults', list);
    return root;
  }

  private resolveInterpolation(d: InputDefault, known: DictNode): void {
    const val = d.kind === 'group' ? (d.value as string) : configPath(d);
    if (d.kind === 'group' && /^\$\{defaults\.\d\./.test(val)) {
      throw new HydraCompactError(
        `\nDefaults list element '${overrideKey(d)}=${val}' is using a deprecated interpolation form.\nSee http://hydra.cc/docs/1.1/upgrades/1.0_to_1.1/defaults_list_interpolation for migration information.`,
      );
    }
    const holder = createDict();
    holder.parent = known;
    dictSet(holder, '_dummy_', createValue(val));
    let resolved: string;
    try {
      const node = dereference(dictChildren(holder)[0][1], true);
      resolved = valueOf(node ?? null) as string;
    } catch (err) {
      if (err instanceof PyError && err.isA('InterpolationResolutionError')) {
        const options = dictChildren(known)
          .map(([k]) => k)
          .filter((k): k is string => typeof k === 'string' && k !== 'defaults');
        throw new HydraCompactError(
          options.length > 0
            ? `Error resolving interpolation '${val}', possible interpolation keys: ${options.join(', ')}`
            : `Error resolving interpolation '${val}'`,
        );
      }
      throw err;
    }
    if (d.kind === 'group') d.value = resolved;
    else d.path = resolved;
  }
}

function hasConfigContent(cfg: DictNode): boolean {
  return dictChildren(cfg).some(([key, node]) => !isMissing(node) && key !== 'defaults');
}

function resultDefault(tree: TreeNode | null, node: InputDefault): ResultDefault | null {
  if (elementName(node) === null && node.kind === 'group') return null;
  let result: ResultDefault;
  if (isSelf(node)) {
    const owner = tree?.element as InputDefault;
    result = {
      configPath: configPath(owner),
      parent: tree?.parent && tree.parent.element.kind !== 'virtual' ? configPath(tree.parent.element) : null,
      package: finalPackage(owner),
      isSelf: true,
      primary: owner.primary,
      overrideKey: null,
    };
  } else {
    result = {
      configPath: configPath(node),
      parent: tree && tree.element.kind !== 'virtual' ? configPath(tree.element) : null,
      package: finalPackage(node),
      isSelf: false,
      primary: node.primary,
      overrideKey: node.kind === 'group' ? overrideKey(node) : null,
    };
  }
  return result.configPath === '_dummy_empty_config_' ? null : result;
}

function flatten(tree: TreeNode): ResultDefault[] {
  const out: ResultDefault[] = [];
  const visit = (parent: TreeNode | null, node: TreeElement) => {
    if (node.kind === 'virtual' || node.deleted || isMissingElement(node)) return;
    const rd = resultDefault(parent, node);
    if (rd) out.push(rd);
  };
  const walk = (t: TreeNode) => {
    if (t.children === null || t.children.length === 0) visit(t.parent, t.element);
    else {
      for (const child of t.children) {
        if (isTreeNode(child)) walk(child);
        else visit(t, child);
      }
    }
  };
  walk(tree);
  return out;
}

/**
 * Build Hydra's defaults list for `configName` (with Hydra's own `hydra/config` merged first) and split the
 * overrides into group choices (consumed here) and config overrides (returned).
 */
export function buildDefaultsList(
  repo: ConfigRepository,
  configName: string,
  overrides: Override[],
  options: { skipMissing?: boolean } = {},
): DefaultsList {
  const groupOverrides = new GroupOverrides(repo, overrides);
  const primary = configDefault(configName, null, { primary: true });
  const hydraConfig = configDefault('hydra/config', null);
  const root: TreeNode = { element: { kind: 'virtual' }, children: [hydraConfig, primary], parent: null };
  const builder = new TreeBuilder(repo, groupOverrides, options.skipMissing ?? false);
  const tree = builder.build(root, true, false);
  const defaults = flatten(tree);
  const seen = new Set<string>();
  for (const d of defaults) {
    if (d.isSelf || d.overrideKey === null) continue;
    if (seen.has(d.overrideKey)) throw new HydraCompactError(`${d.overrideKey} appears more than once in the final defaults list`);
    seen.add(d.overrideKey);
  }
  groupOverrides.ensureOverridesUsed();
  groupOverrides.ensureDeletionsUsed();
  return {
    defaults,
    configOverrides: groupOverrides.configOverrides,
    knownChoices: groupOverrides.knownChoices,
    listChoices: builder.listChoices,
    warnings: builder.warnings,
  };
}
