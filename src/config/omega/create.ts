/**
 * Building config nodes from Python-like values (OmegaConf.create), with OmegaConf's strict check that any
 * string containing `${` is a syntactically valid interpolation.
 */
import { PyError } from '../errors.js';
import { parseConfigValue } from '../interpolation/grammar.js';
import type { ConfigNode, Scalar, Source } from '../node.js';
import { createDict, createList, createValue, deepCopy, dictSet, isInterpolationString, listAppend } from '../node.js';
import type { PyValue } from '../python/value.js';
import { isContainerValue, PyDict, pyTypeName } from '../python/value.js';

/** Reject malformed interpolations the way ValueNode._set_value does (GrammarParseError). */
export function checkInterpolationSyntax(value: Scalar): void {
  if (isInterpolationString(value)) parseConfigValue(value);
}

/** The value an AnyNode accepts: a primitive, with interpolation syntax checked; containers are rejected. */
export function validateLeafValue(value: PyValue): Scalar {
  if (value !== null && typeof value === 'object') {
    throw new PyError('UnsupportedValueType', `Value '${pyTypeName(value)}' is not a supported primitive type`);
  }
  checkInterpolationSyntax(value);
  return value;
}

/** OmegaConf.create(value): wrap a Python value (or copy a config container) into a node tree. */
export function nodeFromPy(value: PyValue, source?: Source): ConfigNode {
  if (isContainerValue(value)) {
    const copy = deepCopy(value);
    copy.parent = null;
    copy.key = null;
    return copy;
  }
  if (Array.isArray(value)) {
    const list = createList(source);
    for (const item of value) listAppend(list, nodeFromPy(item, source));
    return list;
  }
  if (value instanceof PyDict) {
    const dict = createDict(source);
    for (const [key, item] of value.entries) dictSet(dict, key, nodeFromPy(item, source));
    return dict;
  }
  checkInterpolationSyntax(value);
  return createValue(value, source);
}
