// The layer rules of src/ (README, "Architecture: layers"): every import between top-level folders of src must
// be allowed by the table below, and the folders must not import each other in a cycle. Imports are read with
// the TypeScript parser (static imports, re-exports and import() calls); `import type` / `export type` are
// type-only and vanish at run time.
//
// Layers, top to bottom: cli → report, trainer, workers → models, reward, data, algos → tasks, engine → util.
//
// | folder  | may import                                                                           |
// |---------|--------------------------------------------------------------------------------------|
// | cli     | everything below it, config                                                          |
// | report  | util, config; from trainer only the file formats it reads (loggers/file.ts,          |
// |         | dump-file.ts)                                                                        |
// | trainer | workers, models, reward, data, algos, tasks, engine, util, config                    |
// | workers | models, reward, data, algos, tasks, engine, util, config                             |
// | models  | data, engine, util; types from config/schema                                         |
// | reward  | tasks, util; from data only tensor.ts, and types from batch.ts and tokenizer.ts;     |
// |         | types from config/schema                                                             |
// | data    | tasks, util; types from config/schema                                                |
// | algos   | util                                                                                 |
// | tasks   | util                                                                                 |
// | engine  | util                                                                                 |
// | config  | util                                                                                 |
// | util    | nothing                                                                              |
//
// src/index.ts, the package root, may import every folder; no module imports it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

type Layer = 'cli' | 'report' | 'trainer' | 'workers' | 'models' | 'reward' | 'data' | 'algos' | 'tasks' | 'engine' | 'config' | 'util';

/** A permission: a whole folder, or some files of it (paths relative to src), optionally for types only. */
interface Allow {
  readonly folder: Layer;
  readonly files?: readonly string[];
  readonly typeOnly?: boolean;
}

const whole = (...folders: Layer[]): Allow[] => folders.map((folder) => ({ folder }));
const CONFIG_TYPES: Allow = { folder: 'config', files: ['config/schema/'], typeOnly: true };

const LAYER_RULES: Readonly<Record<Layer, readonly Allow[]>> = {
  cli: whole('report', 'trainer', 'workers', 'models', 'reward', 'data', 'algos', 'tasks', 'engine', 'util', 'config'),
  report: [...whole('util', 'config'), { folder: 'trainer', files: ['trainer/loggers/file.ts', 'trainer/dump-file.ts'] }],
  trainer: whole('workers', 'models', 'reward', 'data', 'algos', 'tasks', 'engine', 'util', 'config'),
  workers: whole('models', 'reward', 'data', 'algos', 'tasks', 'engine', 'util', 'config'),
  models: [...whole('data', 'engine', 'util'), CONFIG_TYPES],
  reward: [
    ...whole('tasks', 'util'),
    { folder: 'data', files: ['data/tensor.ts'] },
    { folder: 'data', files: ['data/batch.ts', 'data/tokenizer.ts'], typeOnly: true },
    CONFIG_TYPES,
  ],
  data: [...whole('tasks', 'util'), CONFIG_TYPES],
  algos: whole('util'),
  tasks: whole('util'),
  engine: whole('util'),
  config: whole('util'),
  util: [],
};

const LAYERS = Object.keys(LAYER_RULES) as Layer[];
const ROOT = 'index.ts';

interface Edge {
  /** Importing and imported file, relative to src with '/' separators. */
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const rel = (abs: string): string => relative(SRC, abs).split(sep).join('/');

/** The src file a relative specifier names ('./x.js' → x.ts, './dir' → dir/index.ts); null outside src. */
function resolveSpecifier(fromFile: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = resolve(dirname(fromFile), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // try the next form
    }
  }
  throw new Error(`${rel(fromFile)}: cannot resolve '${specifier}'`);
}

/** Every import of a file: static imports, re-exports and import('...') calls with a literal path. */
function importsOf(file: string): Edge[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const edges: Edge[] = [];
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteral(specifier)) return;
    const target = resolveSpecifier(file, specifier.text);
    if (target) edges.push({ from: rel(file), to: rel(target), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly === true);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

const folderOf = (file: string): string => (file.includes('/') ? file.slice(0, file.indexOf('/')) : file);

/** Why an edge breaks the table, or null when it is allowed (or stays inside one folder). */
function violation(edge: Edge, rules: Readonly<Record<string, readonly Allow[]>> = LAYER_RULES): string | null {
  const from = folderOf(edge.from);
  const to = folderOf(edge.to);
  if (from === to) return null;
  const arrow = `${edge.from} → ${edge.to}${edge.typeOnly ? ' (type-only)' : ''}`;
  if (edge.to === ROOT) return `${arrow}: nothing imports the package root`;
  if (edge.from === ROOT) return null;
  const allowed = rules[from];
  if (!allowed) return `${arrow}: '${from}' is not a layer of the table (add it to LAYER_RULES and the README)`;
  const fits = allowed.some(
    (a) => a.folder === to && (!a.files || a.files.some((f) => (f.endsWith('/') ? edge.to.startsWith(f) : edge.to === f))) && (!a.typeOnly || edge.typeOnly),
  );
  if (fits) return null;
  const partial = allowed.filter((a) => a.folder === to);
  const why = partial.length
    ? `${from} may import from ${to} only ${partial.map((a) => `${a.typeOnly ? 'types from ' : ''}${a.files?.join(', ') ?? to}`).join('; ')}`
    : `${from} may not import ${to}`;
  return `${arrow}: ${why}`;
}

/** Folder-level cycles (strongly connected components of more than one folder). */
function folderCycles(edges: readonly Edge[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    const [a, b] = [folderOf(e.from), folderOf(e.to)];
    if (a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)!.add(b);
  }
  // Tarjan's algorithm.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return cycles;
}

const EDGES = sourceFiles(SRC).flatMap(importsOf);

describe('layers of src/', () => {
  it('every top-level folder of src is in the rule table', () => {
    const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
    expect(folders.filter((f) => !LAYERS.includes(f as Layer))).toEqual([]);
  });

  it('no import crosses the layers against the table', () => {
    expect(EDGES.length).toBeGreaterThan(300);
    expect(EDGES.map((e) => violation(e)).filter((v) => v !== null)).toEqual([]);
  });

  it('no folders import each other in a cycle', () => {
    expect(folderCycles(EDGES)).toEqual([]);
  });

  it('the checks catch forbidden arrows, runtime imports of type-only permissions and cycles', () => {
    expect(violation({ from: 'data/dataset.ts', to: 'models/tokenizer/types.ts', typeOnly: true })).toBe(
      'data/dataset.ts → models/tokenizer/types.ts (type-only): data may not import models',
    );
    expect(violation({ from: 'reward/managers/rows.ts', to: 'data/batch.ts', typeOnly: false })).toBe(
      'reward/managers/rows.ts → data/batch.ts: reward may import from data only data/tensor.ts; types from data/batch.ts, data/tokenizer.ts',
    );
    expect(violation({ from: 'reward/evaluate.ts', to: 'data/io/read-rows.ts', typeOnly: false })).toMatch(/reward may import from data only/);
    expect(violation({ from: 'data/config.ts', to: 'config/schema/sections.ts', typeOnly: false })).toMatch(/data may import from config only types from config\/schema\//);
    expect(violation({ from: 'data/config.ts', to: 'config/schema/sections.ts', typeOnly: true })).toBeNull();
    expect(violation({ from: 'engine/nn/attention.ts', to: 'models/compute/decoder.ts', typeOnly: true })).toMatch(/engine may not import models/);
    expect(violation({ from: 'models/index.ts', to: 'index.ts', typeOnly: false })).toMatch(/nothing imports the package root/);
    expect(violation({ from: 'index.ts', to: 'models/index.ts', typeOnly: false })).toBeNull();
    expect(violation({ from: 'plugins/x.ts', to: 'util/errors.ts', typeOnly: false })).toMatch(/'plugins' is not a layer/);
    const edge = (from: string, to: string): Edge => ({ from, to, typeOnly: false });
    expect(folderCycles([edge('data/a.ts', 'models/b.ts'), edge('models/b.ts', 'reward/c.ts'), edge('reward/c.ts', 'data/d.ts'), edge('data/a.ts', 'util/e.ts')])).toEqual([
      ['data', 'models', 'reward'],
    ]);
  });
});
