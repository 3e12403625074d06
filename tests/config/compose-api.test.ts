// The public config API on small config trees: compose (hydra node, choices, warnings), resolution
// (resolvers, hydra:, now:, oc.env), plain/flat views with provenance, and error paths.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigNode, DictNode } from '../../src/config/index.js';
import {
  compose,
  ConfigComposeError,
  flatten,
  registerResolver,
  resolveAll,
  selectNode,
  toPlain,
  toYaml,
} from '../../src/config/index.js';

const TREES = path.resolve(import.meta.dirname, '../fixtures/config/trees');
const APP = path.join(TREES, 'app');
const NOW = new Date(2024, 4, 6, 7, 8, 9);

function composeApp(overrides: string[] = [], configName = 'config') {
  return compose({ configDir: APP, configName, overrides, env: { APP_HOME: '/home/app' }, now: NOW, cwd: '/work/dir' });
}

function composeError(fn: () => unknown): ConfigComposeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigComposeError) return err;
    throw err;
  }
  throw new Error('expected a ConfigComposeError');
}

function leaf(node: ConfigNode, key: string): unknown {
  const n = selectNode(node, key);
  return n?.kind === 'value' ? n.value : n;
}

describe('compose', () => {
  it('composes groups, applies overrides and removes the hydra node from the job config', () => {
    const r = composeApp(['db=postgres', 'steps=7', '+extra=tags']);
    expect(toYaml(r.config).split('\n').slice(0, 4)).toEqual(['db:', '  driver: postgres', '  port: 5432', 'name: app']);
    expect(selectNode(r.config, 'hydra')).toBeUndefined();
    expect(leaf(r.config, 'steps')).toBe(7n);
    expect(r.taskOverrides).toEqual(['db=postgres', 'steps=7', '+extra=tags']);
    expect(r.choices).toMatchObject({ db: 'postgres', extra: 'tags', 'hydra/job_logging': 'disabled', 'hydra/callbacks': null });
    expect(Object.keys(r.choices).slice(0, 3)).toEqual(['extra', 'db', 'hydra/env']);
    expect(r.defaults.map((d) => d.configPath)).toEqual([
      'hydra/output/default',
      'hydra/launcher/basic',
      'hydra/sweeper/basic',
      'hydra/help/default',
      'hydra/hydra_help/default',
      'hydra/hydra_logging/default',
      'hydra/job_logging/disabled',
      'hydra/env/default',
      'hydra/config',
      'db/postgres',
      'config',
      'extra/tags',
    ]);
  });

  it('keeps ints beyond 2^53 exact and floats in Python form', () => {
    const r = composeApp(['+huge=98765432109876543210987654321']);
    const yaml = toYaml(r.config);
    expect(yaml).toContain('big: 123456789012345678901234567890\n');
    expect(yaml).toContain('huge: 98765432109876543210987654321\n');
    expect(yaml).toContain('lr: 1.0e-06\n');
  });

  it('fills the hydra node: run dir, job name, choices, overrides', () => {
    const r = composeApp(['db=postgres', 'hydra.job.name=myjob', 'hydra.verbose=true']);
    const hydra = toPlain(resolveAll(r.hydra)) as Record<string, Record<string, unknown>>;
    expect(hydra.run).toEqual({ dir: 'runs/app' });
    expect(hydra.sweep).toEqual({ dir: 'multirun/2024-05-06/07-08-09', subdir: '???' });
    expect(hydra.job).toMatchObject({ name: 'myjob', config_name: 'config', override_dirname: 'db=postgres' });
    expect(hydra.overrides).toEqual({ hydra: ['hydra.job.name=myjob', 'hydra.verbose=true'], task: ['db=postgres'] });
    expect(hydra.runtime).toMatchObject({ version: '1.3.2', cwd: '/work/dir', choices: { db: 'postgres' } });
    expect(hydra.verbose).toBe(true);
    expect(hydra.job_logging).toEqual({ version: 1, root: { level: 'ERROR' }, disable_existing_loggers: true });
  });

  it('takes the job name from the config name and the job number for multirun jobs', () => {
    const r = compose({ configDir: APP, configName: 'no_self', overrides: [], now: NOW, job: { num: 3 } });
    expect(toPlain(resolveAll(r.hydra)) as Record<string, unknown>).toMatchObject({
      job: { name: 'no_self', num: 3 },
      sweep: { subdir: 3 },
    });
  });

  it('warns when the primary defaults list lacks _self_ (and merges the primary last)', () => {
    const r = composeApp([], 'no_self');
    expect(r.warnings).toEqual([
      "In 'no_self': Defaults list is missing `_self_`. See https://hydra.cc/docs/1.2/upgrades/1.0_to_1.1/default_composition_order for more information",
    ]);
    expect(toYaml(r.config)).toBe('db:\n  driver: postgres\n  port: 5432\ntitle: x\n');
  });

  it('adds hydra.searchpath directories to the search path', () => {
    const main = path.join(TREES, 'search', 'main');
    const r = compose({ configDir: main, configName: 'config', overrides: [], cwd: main });
    expect(toYaml(r.config)).toBe('db:\n  driver: sqlite\napp: searching\n');
  });
});

describe('resolution', () => {
  it('resolves hydra:, now:, python_version:, oc.env and relative references on a copy', () => {
    const r = composeApp();
    const resolved = resolveAll(r.config);
    expect(toPlain(resolved)).toMatchObject({
      paths: { run: 'runs/app', cwd: '/work/dir' },
      job: 'config',
      python: '3.11',
      stamp: '2024-05-06',
      home: '/home/app',
      nested: { ref: 'app', rel: 'app-x' },
      missing: '???',
    });
    expect(leaf(r.config, 'nested.rel')).toBe('${.ref}-x');
  });

  it('resolves a sub-node in the context of its whole config', () => {
    const r = composeApp();
    expect(toYaml(resolveAll(selectNode(r.config, 'nested') as ConfigNode))).toBe('ref: app\nrel: app-x\n');
  });

  it('calls resolvers registered by the application', () => {
    let calls = 0;
    registerResolver(
      'test.add',
      (args) => {
        calls++;
        return (args[0] as bigint) + (args[1] as bigint);
      },
      { useCache: true },
    );
    const r = composeApp(['+sum=${test.add:2,3}', '+again=${test.add:2,3}']);
    expect(toPlain(r.config, { resolve: true })).toMatchObject({ sum: 5, again: 5 });
    expect(calls).toBe(1);
    expect(() => registerResolver('test.add', () => null)).toThrow("resolver 'test.add' is already registered");
  });

  it('reports resolution failures with OmegaConf exception types', () => {
    const r = composeApp(['+bad=${nope.key}']);
    const err = composeError(() => resolveAll(r.config));
    expect(err.kind).toBe('exception');
    expect(err.exceptionType).toBe('omegaconf.errors.InterpolationKeyError');
    expect(err.hydraMessage).toBe("Interpolation key 'nope.key' not found");
    const viaYaml = composeError(() => toYaml(r.config, { resolve: true }));
    expect(viaYaml.hydraMessage).toBe("Interpolation key 'nope.key' not found\n    full_key: bad\n    object_type=dict");
  });
});

describe('views', () => {
  it('flattens leaves with their provenance', () => {
    const r = composeApp(['db=postgres', 'steps=7', '+extra=tags']);
    const flat = flatten(r.config);
    expect(flat.slice(0, 3)).toEqual([
      { key: 'db.driver', value: 'postgres', source: 'db/postgres.yaml:1' },
      { key: 'db.port', value: '5432', source: 'db/postgres.yaml:2' },
      { key: 'name', value: 'app', source: 'config.yaml:6' },
    ]);
    expect(flat.find((e) => e.key === 'steps')).toEqual({ key: 'steps', value: '7', source: "override 'steps=7'" });
    expect(flat.find((e) => e.key === 'lr')).toEqual({ key: 'lr', value: '1.0e-06', source: 'config.yaml:8' });
    expect(flat.filter((e) => e.key.startsWith('extra.'))).toEqual([
      { key: 'extra.tags.0', value: 'a', source: 'extra/tags.yaml:1' },
      { key: 'extra.tags.1', value: 'b', source: 'extra/tags.yaml:1' },
    ]);
    expect(flatten(r.config, { resolve: true }).find((e) => e.key === 'python')).toEqual({ key: 'python', value: "'3.11'", source: 'config.yaml:14' });
  });

  it('converts to plain JS values', () => {
    const r = composeApp();
    const plain = toPlain(r.config) as Record<string, unknown>;
    expect(plain.steps).toBe(100);
    expect(plain.big).toBe(123456789012345678901234567890n);
    expect(plain.lr).toBe(1e-6);
    expect(plain.db).toEqual({ driver: 'mysql', port: 3306 });
  });

  it('selects nodes by dotted key without resolving', () => {
    const r = composeApp();
    expect(leaf(r.config, 'nested.ref')).toBe('${name}');
    expect(selectNode(r.config, 'db.nope')).toBeUndefined();
    expect((selectNode(r.config, 'db') as DictNode).kind).toBe('dict');
  });
});

describe('errors', () => {
  it('reports malformed YAML with file and line', () => {
    const err = composeError(() => compose({ configDir: path.join(TREES, 'broken_yaml'), configName: 'config', overrides: [] }));
    expect(err.kind).toBe('exception');
    expect(err.exceptionType).toBe('yaml.parser.ParserError');
    expect(err.hydraMessage).toContain(`in "${path.join(TREES, 'broken_yaml', 'config.yaml')}", line 3, column 1`);
  });

  it('lists the options of a group when a choice does not exist', () => {
    const err = composeError(() => composeApp(['db=oracle']));
    expect(err.kind).toBe('compact');
    expect(err.hydraMessage).toBe(
      `In 'config': Could not find 'db/oracle'\n\nAvailable options in 'db':\n\tmysql\n\tpostgres\nConfig search path:\n\tprovider=hydra, path=pkg://hydra.conf\n\tprovider=main, path=file://${APP}\n\tprovider=schema, path=structured://`,
    );
    expect(err.message.endsWith('\n\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.')).toBe(true);
    expect(err.exitCode).toBe(2);
  });

  it('reports a missing primary config and a missing config directory', () => {
    expect(composeError(() => composeApp([], 'nope')).hydraMessage).toMatch(
      /^Cannot find primary config 'nope'\. Check that it's in your config search path\.\n\nConfig search path:\n/,
    );
    const missingDir = path.join(TREES, 'does-not-exist');
    expect(composeError(() => compose({ configDir: missingDir, configName: 'x', overrides: [] })).hydraMessage).toBe(
      `Primary config directory not found.\nCheck that the config directory '${missingDir}' exists and readable`,
    );
  });

  it('rejects sweeps outside multirun', () => {
    expect(composeError(() => composeApp(['steps=1,2'])).hydraMessage).toBe(
      "Ambiguous value for argument 'steps=1,2'\n1. To use it as a list, use key=[value1,value2]\n2. To use it as string, quote the value: key=\\'value1,value2\\'\n3. To sweep over it, add --multirun to your command line",
    );
    expect(composeError(() => composeApp(['steps=range(1,3)'])).hydraMessage).toBe("Sweep parameters 'steps=range(1,3)' requires --multirun");
  });

  it('explains struct-mode failures and points to +key', () => {
    expect(composeError(() => composeApp(['nested.new=1'])).hydraMessage).toBe(
      "Could not override 'nested.new'.\nTo append to your config use +nested.new=1\nKey 'new' is not in struct\n    full_key: nested.new\n    object_type=dict",
    );
    expect(composeError(() => composeApp(['+steps=1'])).hydraMessage).toBe(
      "Could not append to config. An item is already at 'steps'.\nEither remove + prefix: 'steps=1'\nOr add a second + to add or override 'steps': '++steps=1'\n",
    );
  });

  it('keeps list index errors as OmegaConf reports them', () => {
    expect(composeError(() => composeApp(['+extra=tags', 'extra.tags.5=x'])).hydraMessage).toBe(
      'Error merging override extra.tags.5=x\nlist index out of range\n    full_key: extra.tags[5]\n    object_type=list',
    );
  });
});

describe('multirun base config', () => {
  it('leaves sweeps out instead of rejecting them, except sweeps over hydra', () => {
    const r = compose({ configDir: APP, configName: 'config', overrides: ['steps=1,2', 'db=mysql,postgres', 'name=x'], mode: 'MULTIRUN' });
    expect(toPlain(r.config)).toMatchObject({ steps: 100, name: 'x', db: { driver: 'mysql' } });
    expect(r.taskOverrides).toEqual(['steps=1,2', 'db=mysql,postgres', 'name=x']);
    expect(composeError(() => compose({ configDir: APP, configName: 'config', overrides: ['hydra.verbose=true,false'], mode: 'MULTIRUN' })).hydraMessage).toBe(
      "Sweeping over Hydra's configuration is not supported : 'hydra.verbose=true,false'",
    );
  });
});
