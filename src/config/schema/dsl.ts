/**
 * A small schema language: each builder yields both a JSON Schema (for ajv and for editors) and, through
 * `Infer<>`, the TypeScript type of the validated value. Config types are derived from these schemas, so
 * the schema and the type cannot drift apart.
 */

export type JsonSchema = { [key: string]: unknown };

export interface Schema<T> {
  /** JSON Schema for validation or publishing. Registry-backed enums are read from `ctx` now. */
  toJson(ctx: SchemaContext): JsonSchema;
  /** Phantom member carrying the TypeScript type; never set. */
  readonly __type?: T;
  readonly description?: string;
}

/**
 * 'validate': enums are closed (the live registries); 'publish': registry-backed enums become open strings
 * with the built-in names as completion examples, because plugins may register more names.
 */
export type SchemaMode = 'validate' | 'publish';

/** Names of the user-extensible registries that config enums may refer to. */
export type RegistryKind = 'advantageEstimators' | 'policyLosses' | 'lossAggModes' | 'klEstimators' | 'rewardManagers';

export interface SchemaContext {
  mode: SchemaMode;
  /** The names currently registered in a registry (built-ins plus plugins). */
  registryNames: (kind: RegistryKind) => readonly string[];
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

interface Common {
  description?: string;
}

function leaf<T>(base: JsonSchema, opts: Common): Schema<T> {
  return {
    description: opts.description,
    toJson: () => ({ ...base, ...(opts.description ? { description: opts.description } : {}) }),
  };
}

export interface NumberOptions extends Common {
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

function numberBase(type: 'number' | 'integer', o: NumberOptions): JsonSchema {
  const s: JsonSchema = { type };
  if (o.minimum !== undefined) s.minimum = o.minimum;
  if (o.maximum !== undefined) s.maximum = o.maximum;
  if (o.exclusiveMinimum !== undefined) s.exclusiveMinimum = o.exclusiveMinimum;
  if (o.exclusiveMaximum !== undefined) s.exclusiveMaximum = o.exclusiveMaximum;
  return s;
}

export const s = {
  number: (o: NumberOptions = {}): Schema<number> => leaf(numberBase('number', o), o),
  integer: (o: NumberOptions = {}): Schema<number> => leaf(numberBase('integer', o), o),
  boolean: (o: Common = {}): Schema<boolean> => leaf({ type: 'boolean' }, o),
  string: (o: Common & { minLength?: number } = {}): Schema<string> =>
    leaf({ type: 'string', ...(o.minLength !== undefined ? { minLength: o.minLength } : {}) }, o),
  /** Any value (free-form maps such as override_config). */
  unknown: (o: Common = {}): Schema<unknown> => leaf({}, o),

  enum: <const V extends string>(values: readonly V[], o: Common = {}): Schema<V> =>
    leaf({ type: 'string', enum: [...values] }, o),

  /** A string whose allowed values come from a registry users can extend. */
  registryName: (kind: RegistryKind, o: Common = {}): Schema<string> => ({
    description: o.description,
    toJson: (ctx) => {
      const names = [...ctx.registryNames(kind)];
      const base: JsonSchema =
        ctx.mode === 'validate' ? { type: 'string', enum: names } : { type: 'string', examples: names };
      return { ...base, ...(o.description ? { description: o.description } : {}) };
    },
  }),

  nullable: <T>(inner: Schema<T>): Schema<T | null> => ({
    description: inner.description,
    toJson: (ctx) => ({ anyOf: [inner.toJson(ctx), { type: 'null' }] }),
  }),

  list: <T>(item: Schema<T>, o: Common & { minItems?: number; maxItems?: number } = {}): Schema<T[]> => ({
    description: o.description,
    toJson: (ctx) => ({
      type: 'array',
      items: item.toJson(ctx),
      ...(o.minItems !== undefined ? { minItems: o.minItems } : {}),
      ...(o.maxItems !== undefined ? { maxItems: o.maxItems } : {}),
      ...(o.description ? { description: o.description } : {}),
    }),
  }),

  /** A map with free keys and typed values. */
  record: <T>(value: Schema<T>, o: Common = {}): Schema<Record<string, T>> => ({
    description: o.description,
    toJson: (ctx) => ({
      type: 'object',
      additionalProperties: value.toJson(ctx),
      ...(o.description ? { description: o.description } : {}),
    }),
  }),

  union: <A, B>(a: Schema<A>, b: Schema<B>, o: Common = {}): Schema<A | B> => ({
    description: o.description,
    toJson: (ctx) => ({ anyOf: [a.toJson(ctx), b.toJson(ctx)], ...(o.description ? { description: o.description } : {}) }),
  }),

  /** A closed object: every listed key is required, unknown keys are rejected. */
  object: <P extends Record<string, Schema<unknown>>>(
    properties: P,
    o: Common = {},
  ): Schema<{ [K in keyof P]: Infer<P[K]> }> & { properties: P } => ({
    properties,
    description: o.description,
    toJson: (ctx) => ({
      type: 'object',
      properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, v.toJson(ctx)])),
      required: Object.keys(properties),
      additionalProperties: false,
      ...(o.description ? { description: o.description } : {}),
    }),
  }),
};
