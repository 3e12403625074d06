/**
 * Validate a composed, resolved config against a schema (ajv), and turn ajv's findings into messages a
 * person can act on: the dotted key, the bad value, where the value came from, what is allowed, and a
 * did-you-mean for unknown keys and names.
 */
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { JsonSchema, Schema, SchemaContext } from './dsl.js';
import { ConfigError } from '../../util/errors.js';
import { closestNames } from '../../util/suggest.js';

export interface ConfigIssue {
  /** Dotted key, e.g. `actor_rollout_ref.actor.ppo_mini_batch_size` ('' for the root). */
  key: string;
  message: string;
  /** Where the problem came from, when the key has no value to look up (e.g. an override that was refused). */
  source?: string;
}

/** Where a key's value came from, e.g. `ppo_trainer.yaml:42` or `override 'a.b=1'`. */
export type SourceLookup = (dottedKey: string) => string | undefined;

export class ConfigValidationError extends ConfigError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], sourceOf?: SourceLookup) {
    super(formatIssues(issues, sourceOf));
    this.issues = issues;
  }
}

export function formatIssues(issues: readonly ConfigIssue[], sourceOf?: SourceLookup): string {
  const lines = issues.map((i) => {
    const src = i.source ?? (i.key && sourceOf ? sourceOf(i.key) : undefined);
    return `  ${i.key || '(root)'}: ${i.message}${src ? `  [from ${src}]` : ''}`;
  });
  const head = issues.length === 1 ? 'Invalid config:' : `Invalid config (${issues.length} problems):`;
  return [head, ...lines].join('\n');
}

// Compiling a schema costs milliseconds; the same schema (same registry names) is compiled once.
const compiled = new Map<string, ValidateFunction>();
let ajv: Ajv | undefined;

function compile(json: JsonSchema): ValidateFunction {
  const id = JSON.stringify(json);
  let fn = compiled.get(id);
  if (!fn) {
    ajv ??= new Ajv({ allErrors: true, verbose: true, strict: false });
    fn = ajv.compile(json);
    compiled.set(id, fn);
  }
  return fn;
}

/** Validate `value`; returns it typed, or throws ConfigValidationError listing every problem. */
export function validateConfig<T>(value: unknown, schema: Schema<T>, ctx: SchemaContext, sourceOf?: SourceLookup): T {
  const issues = schemaIssues(value, schema, ctx);
  if (issues.length > 0) throw new ConfigValidationError(issues, sourceOf);
  return value as T;
}

export function schemaIssues<T>(value: unknown, schema: Schema<T>, ctx: SchemaContext): ConfigIssue[] {
  const json = schema.toJson(ctx);
  const validate = compile(json);
  const issues = validate(value) ? [] : describeErrors(validate.errors ?? [], value);
  return [...issues, ...nonFiniteIntegers(json, value, '')];
}

function allowsType(node: JsonSchema, type: string): boolean {
  if (Array.isArray(node.anyOf)) return (node.anyOf as JsonSchema[]).some((n) => allowsType(n, type));
  return node.type === type;
}

/**
 * JSON Schema (and ajv) count inf as an integer (inf % 1 is not a remainder); verl's integer fields cannot hold
 * it, so `data.train_batch_size=inf` or `=1e400` is reported here, with every other problem.
 */
function nonFiniteIntegers(node: JsonSchema, value: unknown, key: string): ConfigIssue[] {
  if (typeof value === 'number') {
    const bad = !Number.isFinite(value) && allowsType(node, 'integer') && !allowsType(node, 'number');
    return bad ? [{ key, message: `expected ${describeSchema(node)}, got ${show(value)}` }] : [];
  }
  if (value === null || typeof value !== 'object') return [];
  const branches = Array.isArray(node.anyOf) ? (node.anyOf as JsonSchema[]) : [node];
  const out: ConfigIssue[] = [];
  for (const b of branches) {
    if (Array.isArray(value) && b.type === 'array' && b.items) {
      value.forEach((v, i) => out.push(...nonFiniteIntegers(b.items as JsonSchema, v, join(key, String(i)))));
    } else if (!Array.isArray(value) && b.type === 'object') {
      const props = (b.properties ?? {}) as Record<string, JsonSchema>;
      const extra = typeof b.additionalProperties === 'object' ? (b.additionalProperties as JsonSchema) : undefined;
      for (const [k, v] of Object.entries(value)) {
        const child = props[k] ?? extra;
        if (child) out.push(...nonFiniteIntegers(child, v, join(key, k)));
      }
    }
  }
  return out;
}

function dotted(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function join(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

function describeErrors(errors: ErrorObject[], root: unknown): ConfigIssue[] {
  // An anyOf failure (e.g. "a number or null") explains itself; drop the per-branch noise beneath it.
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf');
  const covered = (e: ErrorObject) =>
    e.keyword !== 'anyOf' &&
    anyOfs.some((a) => e.schemaPath.startsWith(a.schemaPath.replace(/\/anyOf$/, '/anyOf/')) && e.instancePath.startsWith(a.instancePath));
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (covered(e)) continue;
    const issue = describeError(e, root);
    const id = `${issue.key}\u0000${issue.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      issues.push(issue);
    }
  }
  return issues;
}

function describeError(e: ErrorObject, _root: unknown): ConfigIssue {
  const key = dotted(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const known = Object.keys(((e.parentSchema as JsonSchema).properties as JsonSchema | undefined) ?? {});
      const close = closestNames(extra, known);
      const hint = close.length ? ` Did you mean '${join(key, close[0])}'?` : '';
      return { key: join(key, extra), message: `unknown key.${hint}` };
    }
    case 'required':
      return { key: join(key, String(params.missingProperty)), message: 'missing (this key is required)' };
    case 'enum': {
      const allowed = (e.schema as unknown[]).map(String);
      const close = closestNames(String(e.data), allowed);
      const hint = close.length ? ` Did you mean '${close[0]}'?` : '';
      return { key, message: `${show(e.data)} is not allowed; expected one of: ${allowed.join(', ')}.${hint}` };
    }
    default:
      return { key, message: `expected ${describeSchema(e.parentSchema as JsonSchema)}, got ${show(e.data)}` };
  }
}

/** Plain-words description of a JSON Schema node, e.g. "an integer >= 1, or null". */
export function describeSchema(node: JsonSchema): string {
  if (Array.isArray(node.anyOf)) return (node.anyOf as JsonSchema[]).map(describeSchema).join(', or ');
  if (Array.isArray(node.enum)) return `one of ${(node.enum as unknown[]).map(String).join(', ')}`;
  const bounds: string[] = [];
  if (node.minimum !== undefined) bounds.push(`>= ${String(node.minimum)}`);
  if (node.exclusiveMinimum !== undefined) bounds.push(`> ${String(node.exclusiveMinimum)}`);
  if (node.maximum !== undefined) bounds.push(`<= ${String(node.maximum)}`);
  if (node.exclusiveMaximum !== undefined) bounds.push(`< ${String(node.exclusiveMaximum)}`);
  const b = bounds.length ? ` ${bounds.join(' and ')}` : '';
  switch (node.type) {
    case 'integer':
      return `an integer${b}`;
    case 'number':
      return `a number${b}`;
    case 'string':
      return node.minLength ? 'a non-empty string' : 'a string';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'array': {
      const n = node.minItems !== undefined && node.minItems === node.maxItems ? `${String(node.minItems)} ` : '';
      const items = node.items ? describeSchema(node.items as JsonSchema) : 'values';
      return `a list of ${n}${plural(items)}`;
    }
    case 'object':
      return 'a mapping';
    default:
      return 'a value';
  }
}

function plural(desc: string): string {
  return desc.replace(/^an? /, '').replace(/^((?:non-empty )?(?:integer|number|string))/, '$1s');
}

/** Short rendering of a bad value for messages. */
export function show(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
