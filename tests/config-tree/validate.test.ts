import { describe, expect, it } from 'vitest';
import { s } from '../../src/config/schema/dsl.js';
import type { SchemaContext } from '../../src/config/schema/dsl.js';
import { ConfigValidationError, describeSchema, validateConfig } from '../../src/config/schema/validate.js';
import { ConfigError } from '../../src/util/errors.js';

const ctx: SchemaContext = {
  mode: 'validate',
  registryNames: (kind) => (kind === 'advantageEstimators' ? ['gae', 'grpo', 'rloo'] : []),
};

const schema = s.object({
  algorithm: s.object({
    adv_estimator: s.registryName('advantageEstimators'),
    gamma: s.number({ minimum: 0, maximum: 1 }),
  }),
  trainer: s.object({
    total_epochs: s.integer({ minimum: 1 }),
    logger: s.list(s.enum(['console', 'file'])),
    seed: s.nullable(s.integer()),
  }),
  files: s.union(s.string({ minLength: 1 }), s.list(s.string({ minLength: 1 }), { minItems: 1 })),
});

const good = () => ({
  algorithm: { adv_estimator: 'grpo', gamma: 1.0 },
  trainer: { total_epochs: 3, logger: ['console'], seed: null },
  files: 'a.parquet',
});

function issuesOf(value: unknown, sourceOf?: (k: string) => string | undefined): string {
  try {
    validateConfig(value, schema, ctx, sourceOf);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigValidationError);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    return (err as Error).message;
  }
  return '';
}

describe('config validation messages', () => {
  it('accepts a valid config and returns it typed', () => {
    const v = validateConfig(good(), schema, ctx);
    expect(v.trainer.total_epochs).toBe(3);
  });
  it('names an unknown key with a did-you-mean', () => {
    const v = good() as Record<string, unknown>;
    (v.trainer as Record<string, unknown>).total_epoch = 2;
    expect(issuesOf(v)).toBe("Invalid config:\n  trainer.total_epoch: unknown key. Did you mean 'trainer.total_epochs'?");
  });
  it('reports a wrong type with the expected type, the value and its source', () => {
    const v = good();
    (v.trainer as Record<string, unknown>).total_epochs = 'ten';
    expect(issuesOf(v, (k) => (k === 'trainer.total_epochs' ? "override 'trainer.total_epochs=ten'" : undefined))).toBe(
      "Invalid config:\n  trainer.total_epochs: expected an integer >= 1, got 'ten'  [from override 'trainer.total_epochs=ten']",
    );
  });
  it('lists the allowed names of a registry enum with a suggestion', () => {
    const v = good();
    v.algorithm.adv_estimator = 'grop';
    expect(issuesOf(v)).toBe("Invalid config:\n  algorithm.adv_estimator: 'grop' is not allowed; expected one of: gae, grpo, rloo. Did you mean 'grpo'?");
  });
  it('collapses union failures into one readable line and reports every problem', () => {
    const v = good() as Record<string, unknown>;
    v.files = ['a', 3];
    (v.algorithm as Record<string, unknown>).gamma = 1.5;
    (v.trainer as Record<string, unknown>).seed = 0.5;
    expect(issuesOf(v)).toBe(
      [
        'Invalid config (3 problems):',
        '  algorithm.gamma: expected a number >= 0 and <= 1, got 1.5',
        '  trainer.seed: expected an integer, or null, got 0.5',
        '  files: expected a non-empty string, or a list of non-empty strings, got ["a",3]',
      ].join('\n'),
    );
  });
  it('reports a missing key', () => {
    const v = good() as Record<string, unknown>;
    delete (v.trainer as Record<string, unknown>).logger;
    expect(issuesOf(v)).toBe('Invalid config:\n  trainer.logger: missing (this key is required)');
  });
  it('describes schemas in plain words', () => {
    expect(describeSchema({ type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 })).toBe('a list of 2 numbers');
    expect(describeSchema({ type: 'boolean' })).toBe('true or false');
  });
  it('publishes registry enums as open strings with examples', () => {
    const json = s.registryName('advantageEstimators').toJson({ ...ctx, mode: 'publish' });
    expect(json).toEqual({ type: 'string', examples: ['gae', 'grpo', 'rloo'] });
  });
});
