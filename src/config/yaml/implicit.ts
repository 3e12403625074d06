/**
 * YAML 1.1 implicit typing of plain scalars, as PyYAML's resolver does it (first-character dispatch, rules
 * tried in registration order, first match wins).
 *
 * Two flavours exist because OmegaConf loads with a modified SafeLoader (timestamps removed, an extra float
 * rule appended that accepts `1e-6`) but dumps with PyYAML's stock resolver, which decides whether a string
 * can be written plain or must be quoted.
 */

export type ImplicitTag = 'bool' | 'float' | 'int' | 'merge' | 'null' | 'timestamp' | 'value' | 'yaml' | 'str';

interface ImplicitRule {
  tag: ImplicitTag;
  pattern: RegExp;
  firstChars: string[];
}

const BOOL: ImplicitRule = {
  tag: 'bool',
  pattern: /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  firstChars: [...'yYnNtTfFoO'],
};

const FLOAT: ImplicitRule = {
  tag: 'float',
  pattern:
    /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  firstChars: [...'-+0123456789.'],
};

const INT: ImplicitRule = {
  tag: 'int',
  pattern: /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  firstChars: [...'-+0123456789'],
};

const MERGE: ImplicitRule = { tag: 'merge', pattern: /^(?:<<)$/, firstChars: ['<'] };

const NULL: ImplicitRule = { tag: 'null', pattern: /^(?:~|null|Null|NULL|)$/, firstChars: ['~', 'n', 'N', ''] };

const TIMESTAMP: ImplicitRule = {
  tag: 'timestamp',
  pattern:
    /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  firstChars: [...'0123456789'],
};

const VALUE: ImplicitRule = { tag: 'value', pattern: /^(?:=)$/, firstChars: ['='] };

const YAML_INDICATOR: ImplicitRule = { tag: 'yaml', pattern: /^(?:!|&|\*)$/, firstChars: [...'!&*'] };

// OmegaConf's extra float rule: exponent without a dot (`1e-6`), optional exponent sign.
const OMEGACONF_FLOAT: ImplicitRule = {
  tag: 'float',
  pattern:
    /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  firstChars: [...'-+0123456789.'],
};

function dispatchTable(rules: ImplicitRule[]): Map<string, ImplicitRule[]> {
  const table = new Map<string, ImplicitRule[]>();
  for (const rule of rules) {
    for (const ch of rule.firstChars) {
      const list = table.get(ch) ?? [];
      list.push(rule);
      table.set(ch, list);
    }
  }
  return table;
}

const LOAD_TABLE = dispatchTable([BOOL, FLOAT, INT, MERGE, NULL, VALUE, YAML_INDICATOR, OMEGACONF_FLOAT]);
const DUMP_TABLE = dispatchTable([BOOL, FLOAT, INT, MERGE, NULL, TIMESTAMP, VALUE, YAML_INDICATOR]);

function resolveWith(table: Map<string, ImplicitRule[]>, text: string): ImplicitTag {
  const rules = table.get(text === '' ? '' : text[0]) ?? [];
  for (const rule of rules) if (rule.pattern.test(text)) return rule.tag;
  return 'str';
}

/** The tag OmegaConf's loader gives a plain scalar. */
export function resolvePlainForLoad(text: string): ImplicitTag {
  return resolveWith(LOAD_TABLE, text);
}

/** The tag PyYAML's dumper would read back from `text` written plain (decides if a string needs quotes). */
export function resolvePlainForDump(text: string): ImplicitTag {
  return resolveWith(DUMP_TABLE, text);
}
