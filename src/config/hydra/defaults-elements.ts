/**
 * Entries of a defaults list and the package/path arithmetic around them (Hydra 1.3, version_base >= 1.2):
 * group paths relative to the containing config, `/abs` and `../` groups, `@pkg` packages (`_here_`,
 * `_group_`, `_global_`), absolute `# @package` headers, and the override key that names an entry.
 */

interface ElementBase {
  /** Explicit package from `@pkg` (`_here_` already turned into ''), or null. */
  package: string | null;
  parentBaseDir: string | null;
  parentPackage: string | null;
  /** The `# @package` header of the loaded file, made absolute (`_global_...`), or null. */
  packageHeader: string | null;
  primary: boolean;
  optional: boolean;
  deleted: boolean;
}

/** `- path` or `- path@pkg`: a config file (not a group choice); `_self_` is one of these. */
export interface ConfigDefault extends ElementBase {
  kind: 'config';
  path: string;
}

/** `- [optional] [override] group[@pkg]: value` where value is an option, null, ???, a list or `${..}`. */
export interface GroupDefault extends ElementBase {
  kind: 'group';
  group: string;
  value: string | string[] | null;
  override: boolean;
  /** Added from the command line with `+group=opt`. */
  externalAppend: boolean;
}

/** The synthetic root holding Hydra's config and the primary config. */
export interface VirtualRoot {
  kind: 'virtual';
}

export type InputDefault = ConfigDefault | GroupDefault;
export type TreeElement = InputDefault | VirtualRoot;

function base(pkg: string | null, optional: boolean, primary = false): ElementBase {
  return {
    package: pkg === '_here_' ? '' : pkg,
    parentBaseDir: null,
    parentPackage: null,
    packageHeader: null,
    primary,
    optional,
    deleted: false,
  };
}

export function configDefault(path: string, pkg: string | null, options: { primary?: boolean; optional?: boolean } = {}): ConfigDefault {
  return { kind: 'config', path, ...base(pkg, options.optional ?? false, options.primary) };
}

export function groupDefault(
  group: string,
  value: string | string[] | null,
  pkg: string | null,
  options: { optional?: boolean; override?: boolean; externalAppend?: boolean } = {},
): GroupDefault {
  return {
    kind: 'group',
    group,
    value,
    override: options.override ?? false,
    externalAppend: options.externalAppend ?? false,
    ...base(pkg, options.optional ?? false),
  };
}

export function cloneDefault(d: InputDefault): InputDefault {
  if (d.kind === 'group') return { ...d, value: Array.isArray(d.value) ? [...d.value] : d.value };
  return { ...d };
}

export function isSelf(d: InputDefault): boolean {
  return d.kind === 'config' ? d.path === '_self_' : d.value === '_self_';
}

function stripSlash(p: string): [string, boolean] {
  return p.startsWith('/') ? [p.slice(1), true] : [p, false];
}

/** The group a config lives in: `pipeline/ingest.yaml` → `pipeline`. */
export function groupPath(d: InputDefault): string {
  if (d.parentBaseDir === null) throw new Error('defaults element used before its parent was set');
  if (d.kind === 'group') {
    const [group, absolute] = stripSlash(d.group);
    return d.parentBaseDir === '' || absolute ? group : `${d.parentBaseDir}/${group}`;
  }
  const [path, absolute] = stripSlash(d.path);
  const idx = path.lastIndexOf('/');
  const group = idx === -1 ? '' : path.slice(0, idx);
  if (absolute) return group;
  if (d.parentBaseDir === '') return group;
  return group === '' ? d.parentBaseDir : `${d.parentBaseDir}/${group}`;
}

/** The chosen option name (group) or file name (config); null for a disabled group. */
export function elementName(d: InputDefault): string | null {
  if (d.kind === 'group') {
    if (Array.isArray(d.value)) throw new Error('a list of options has no single name');
    return d.value;
  }
  const idx = d.path.lastIndexOf('/');
  return idx === -1 ? d.path : d.path.slice(idx + 1);
}

/** Path of the config file without `.yaml`, as the repository is asked for it. */
export function configPath(d: InputDefault): string {
  if (d.kind === 'group') return `${groupPath(d)}/${elementName(d) ?? 'None'}`;
  if (d.parentBaseDir === null) throw new Error('defaults element used before its parent was set');
  const [path, absolute] = stripSlash(d.path);
  if (absolute || d.parentBaseDir === '') return path;
  return `${d.parentBaseDir}/${path}`;
}

export function defaultPackage(d: InputDefault): string {
  return groupPath(d).replace(/\//g, '.');
}

function relativeGroupPath(d: InputDefault): string {
  if (d.kind === 'group') return stripSlash(d.group)[0];
  const [path] = stripSlash(d.path);
  const idx = path.lastIndexOf('/');
  return idx === -1 ? '' : path.slice(0, idx);
}

/** The package as written (`@pkg`), else (optionally) the header. */
export function elementPackage(d: InputDefault, useHeader = true): string | null {
  if (d.package === null && useHeader) return d.packageHeader;
  return d.package;
}

/**
 * Where the content lands: the package (or relative group path) joined to the parent's package, then cut
 * after the last `_global_`.
 */
export function finalPackage(d: InputDefault, useHeader = true): string {
  if (d.parentPackage === null) throw new Error('defaults element used before its parent was set');
  let pkg = elementPackage(d, useHeader);
  if (pkg === null) pkg = relativeGroupPath(d).replace(/\//g, '.');
  let joined: string;
  if (d.parentPackage === '') joined = pkg;
  else joined = pkg === '' ? d.parentPackage : `${d.parentPackage}.${pkg}`;
  const lastGlobal = joined.lastIndexOf('_global_');
  if (lastGlobal === -1) return joined;
  return joined.slice(lastGlobal + '_global_'.length + 1);
}

/** Record where the element sits; a `_group_` in an explicit package resolves to the group (absolute). */
export function setParent(d: InputDefault, parentBaseDir: string, parentPackage: string): void {
  d.parentBaseDir = parentBaseDir;
  d.parentPackage = parentPackage;
  if (d.package !== null && d.package.includes('_group_')) {
    d.package = `_global_.${d.package.replace(/_group_/g, defaultPackage(d))}`;
  }
}

/** A `# @package X` header is absolute: X → `_global_.X`. */
export function setPackageHeader(d: InputDefault, header: string | null): void {
  if (header === null) return;
  d.packageHeader = header === '_global_' || header.startsWith('_global_.') ? header : header === '' ? '_global_' : `_global_.${header}`;
}

/** The key overrides address an entry by: `group`, or `group@final.package` when not at its default package. */
export function overrideKey(d: InputDefault): string {
  const defaultPkg = defaultPackage(d);
  let finalPkg = finalPackage(d, false);
  let key = groupPath(d);
  if (defaultPkg !== finalPkg) {
    if (finalPkg === '') finalPkg = '_global_';
    key = `${key}@${finalPkg}`;
  }
  return key;
}

/** `group` or `group@pkg` as written in its own defaults list (for messages). */
export function relativeOverrideKey(d: GroupDefault): string {
  return d.package !== null && defaultPackage(d) !== elementPackage(d) ? `${d.group}@${d.package}` : d.group;
}

export function isInterpolationElement(d: InputDefault): boolean {
  if (d.kind === 'group') return typeof d.value === 'string' && d.value.includes('${');
  return configPath(d).includes('${');
}

export function isMissingElement(d: InputDefault): boolean {
  if (d.kind === 'group') return d.value === '???';
  return elementName(d) === '???';
}
