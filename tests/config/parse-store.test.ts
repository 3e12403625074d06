// The persistent parse store: where it lives, when it answers, that a changed file is parsed again, and that a
// broken or unwritable store changes nothing a command prints. The end-to-end checks run the built CLI, one
// process per run, as a user's successive commands do.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDict, createValue, dictSet } from '../../src/config/node.js';
import type { StoredFile } from '../../src/config/hydra/parse-store.js';
import { builtinFile, fileOnDisk, PARSE_STORE_MAX_ENTRIES, ParseStore, parseStoreDir } from '../../src/config/hydra/parse-store.js';
import { loadYaml } from '../../src/config/yaml/load.js';
import { makeTempDir } from '../support/temp-dir.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/verl-ts');
const APP = path.join(ROOT, 'tests/fixtures/config/trees/app');
const HOUR_AGO = new Date(Date.now() - 3600_000);

/** Set a file's mtime (and atime) an hour back: old enough to be stored. */
function age(file: string, when: Date = HOUR_AGO): void {
  utimesSync(file, when, when);
}

function onDisk(file: string): StoredFile {
  return fileOnDisk(file, statSync(file, { bigint: true }));
}

function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.json')) : [];
}

describe('parse store folder', () => {
  it('follows XDG_CACHE_HOME, then HOME, and VERL_TS_CONFIG_CACHE=0 turns it off', () => {
    expect(parseStoreDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe(path.join('/x/cache', 'verl-ts', 'config-parse'));
    expect(parseStoreDir({ HOME: '/home/u' })).toBe(path.join('/home/u', '.cache', 'verl-ts', 'config-parse'));
    // XDG: a relative path is invalid and ignored.
    expect(parseStoreDir({ XDG_CACHE_HOME: 'rel', HOME: '/home/u' })).toBe(path.join('/home/u', '.cache', 'verl-ts', 'config-parse'));
    expect(parseStoreDir({ XDG_CACHE_HOME: '/x/cache', VERL_TS_CONFIG_CACHE: '0' })).toBeUndefined();
    expect(parseStoreDir({})).toBeUndefined();
  });
});

describe('ParseStore', () => {
  const yaml = 'a: 1\nb:\n  - x\n  - 2.5\n';

  function setUp() {
    const dir = makeTempDir('verl-ts-store-');
    const file = path.join(dir, 'conf.yaml');
    writeFileSync(file, yaml);
    age(file);
    const store = new ParseStore(path.join(dir, 'store'));
    const config = loadYaml(yaml, { markName: file, sourceFile: 'conf.yaml' });
    return { dir, file, store, config };
  }

  it('gives back what was put, for that file version only', () => {
    const { file, store, config } = setUp();
    expect(store.get(onDisk(file), 'conf.yaml')).toBeUndefined();
    store.put(onDisk(file), 'conf.yaml', { config, packageHeader: 'pkg' });
    const hit = store.get(onDisk(file), 'conf.yaml');
    expect(hit?.packageHeader).toBe('pkg');
    expect(hit?.config.kind === 'dict' && [...hit.config.entries.keys()]).toEqual(['sa', 'sb']);
    // Same size, new content, mtime set back to the old value: ctime still tells them apart.
    writeFileSync(file, yaml.replace('a: 1', 'a: 2'));
    age(file);
    expect(store.get(onDisk(file), 'conf.yaml')).toBeUndefined();
  });

  it('does not store a file written just now (its next change could keep mtime and size)', () => {
    const { file, store, config } = setUp();
    age(file, new Date());
    store.put(onDisk(file), 'conf.yaml', { config, packageHeader: null });
    expect(entries(store.dir)).toEqual([]);
    expect(store.get(onDisk(file), 'conf.yaml')).toBeUndefined();
  });

  it('keeps built-in configs by name', () => {
    const { store } = setUp();
    const config = loadYaml(yaml, { markName: 'pkg://hydra.conf/x.yaml', sourceFile: 'pkg://hydra.conf/x.yaml' });
    store.put(builtinFile('pkg://hydra.conf/x.yaml'), 'pkg://hydra.conf/x.yaml', { config, packageHeader: null });
    expect(store.get(builtinFile('pkg://hydra.conf/x.yaml'), 'pkg://hydra.conf/x.yaml')).toBeDefined();
    expect(store.get(builtinFile('pkg://hydra.conf/y.yaml'), 'pkg://hydra.conf/y.yaml')).toBeUndefined();
  });

  it('treats a corrupt entry as a miss and a tree it cannot store as nothing to do', () => {
    const { file, store, config } = setUp();
    store.put(onDisk(file), 'conf.yaml', { config, packageHeader: null });
    const [entry] = entries(store.dir);
    const stored = JSON.parse(readFileSync(path.join(store.dir, entry), 'utf8')) as { tree: unknown };
    for (const broken of ['{"id": ', JSON.stringify({ ...stored, tree: { l: 1, d: ['a'] } }), JSON.stringify({ ...stored, header: 5 })]) {
      writeFileSync(path.join(store.dir, entry), broken);
      expect(store.get(onDisk(file), 'conf.yaml')).toBeUndefined();
    }
    const foreign = createDict();
    dictSet(foreign, 'k', createValue(1n, { override: 'k=1' }));
    const other = path.join(path.dirname(file), 'other.yaml');
    writeFileSync(other, 'k: 1\n');
    age(other);
    store.put(onDisk(other), 'other.yaml', { config: foreign, packageHeader: null });
    expect(entries(store.dir)).toHaveLength(1);
  });

  it('is silent when its folder cannot be made', () => {
    const { dir, file, config } = setUp();
    writeFileSync(path.join(dir, 'not-a-dir'), '');
    const store = new ParseStore(path.join(dir, 'not-a-dir', 'store'));
    expect(() => store.put(onDisk(file), 'conf.yaml', { config, packageHeader: null })).not.toThrow();
    expect(store.get(onDisk(file), 'conf.yaml')).toBeUndefined();
  });

  it('keeps its folder bounded, dropping the oldest entries', () => {
    const { file, store, config } = setUp();
    mkdirSync(store.dir, { recursive: true });
    for (let i = 0; i <= PARSE_STORE_MAX_ENTRIES; i++) {
      const junk = path.join(store.dir, `old-${i}.json`);
      writeFileSync(junk, '{}');
      age(junk, new Date(HOUR_AGO.getTime() - (PARSE_STORE_MAX_ENTRIES - i) * 1000));
    }
    store.put(onDisk(file), 'conf.yaml', { config, packageHeader: null });
    const left = entries(store.dir);
    expect(left.length).toBe(Math.floor(PARSE_STORE_MAX_ENTRIES * 0.75));
    expect(left).not.toContain('old-0.json');
    expect(left).toContain(`old-${PARSE_STORE_MAX_ENTRIES}.json`);
    expect(store.get(onDisk(file), 'conf.yaml')).toBeDefined();
  });
});

describe('parse store through the CLI', () => {
  function setUp() {
    expect(existsSync(path.join(ROOT, 'dist/cli-bundle/main.js')), "dist/ is missing: run 'npm run build' (npm test does)").toBe(true);
    const dir = makeTempDir('verl-ts-store-cli-');
    const conf = path.join(dir, 'conf');
    cpSync(APP, conf, { recursive: true });
    for (const f of readdirSync(conf, { recursive: true, withFileTypes: true })) if (f.isFile()) age(path.join(f.parentPath, f.name));
    const cache = path.join(dir, 'cache');
    const store = path.join(cache, 'verl-ts', 'config-parse');
    const run = (args: string[], env: Record<string, string> = {}) => {
      const r = spawnSync(process.execPath, [BIN, 'print-config', '--config-path', conf, '--config-name', 'config', ...args], {
        encoding: 'utf8',
        env: { ...process.env, XDG_CACHE_HOME: cache, APP_HOME: '/home/app', ...env },
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    return { conf, cache, store, run };
  }

  it('prints the same config, provenance lines and errors from the store as from parsing', () => {
    const { store, run } = setUp();
    const cases = [['--provenance'], [], ['db=postgres', '--resolve', '--package', 'db'], ['db=oracle'], ['--resolve', '+bad=${nope}'], ['nmae=x']];
    const parsed = cases.map((args) => run(args, { VERL_TS_CONFIG_CACHE: '0' }));
    expect(entries(store)).toEqual([]);
    expect(parsed[0].stdout).toContain('port: 3306  # db/mysql.yaml:2\n');
    expect(parsed[3].status).toBe(2);
    const first = cases.map((args) => run(args));
    expect(entries(store).length).toBeGreaterThanOrEqual(4); // config, db/mysql, db/postgres, Hydra's own
    const second = cases.map((args) => run(args));
    expect(first).toEqual(parsed);
    expect(second).toEqual(parsed);
  });

  it('answers from the store until the file changes, then parses it again', () => {
    const { conf, store, run } = setUp();
    const mysql = path.join(conf, 'db/mysql.yaml');
    expect(run(['--package', 'db']).stdout).toBe('# @package db\ndriver: mysql\nport: 3306\n');
    // Prove the next run reads the store: change the stored tree (same file identity) and see it printed.
    const entry = entries(store).map((name) => path.join(store, name)).filter((file) => readFileSync(file, 'utf8').includes(realpathSync(mysql)));
    expect(entry).toHaveLength(1);
    writeFileSync(entry[0], readFileSync(entry[0], 'utf8').replace('"mysql"', '"from-store"'));
    expect(run(['--package', 'db']).stdout).toBe('# @package db\ndriver: from-store\nport: 3306\n');
    // Same size, mtime put back: the file is parsed again.
    writeFileSync(mysql, 'driver: mysql\nport: 3307\n');
    age(mysql);
    expect(run(['--package', 'db']).stdout).toBe('# @package db\ndriver: mysql\nport: 3307\n');
    // A touched mtime on new content of the same size.
    writeFileSync(mysql, 'driver: mysql\nport: 3308\n');
    age(mysql, new Date(HOUR_AGO.getTime() + 1000));
    expect(run(['--package', 'db']).stdout).toBe('# @package db\ndriver: mysql\nport: 3308\n');
    expect(run(['--package', 'db']).stdout).toBe('# @package db\ndriver: mysql\nport: 3308\n');
  });

  it('never stores a file that fails to parse', () => {
    const { conf, store, run } = setUp();
    const bad = path.join(conf, 'db/mysql.yaml');
    writeFileSync(bad, 'driver: mysql\nport: [3306\n');
    age(bad);
    const first = run([]);
    expect(first.status).toBe(2);
    expect(first.stderr).toContain('line 3, column 1');
    expect(run([])).toEqual(first);
    for (const name of entries(store)) expect(readFileSync(path.join(store, name), 'utf8')).not.toContain(bad);
  });

  it('is silent and changes nothing when the cache folder is unusable or turned off', () => {
    const { cache, run } = setUp();
    const expected = run([], { VERL_TS_CONFIG_CACHE: '0' });
    expect(existsSync(cache)).toBe(false);
    writeFileSync(cache, 'a file where the cache folder should be');
    expect(run([])).toEqual(expected);
  });
});
