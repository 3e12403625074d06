/**
 * Reads a training run directory for `verl-ts report`/`compare`: the metrics (one value per step, the last
 * line of a step winning, so a resumed run is one curve), the Hydra record in `.hydra/`, where the rollout and
 * validation dumps and the checkpoints are. Reads what is there, so a run still going can be reported.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { toPlain, type ContainerNode, type PlainValue } from '../config/index.js';
import { createDict, createValue, dictGet, dictSet, getChild, type DictNode } from '../config/node.js';
import { loadYaml } from '../config/yaml/load.js';
import { readMetricsJsonl } from '../trainer/loggers/file.js';
import { dumpSteps } from '../trainer/dump-file.js';
import { InputError, errorMessage } from '../util/errors.js';

export type PlainDict = { [key: string]: PlainValue };

/** Per-step metrics: `steps` ascending, each series aligned with it (null where a step did not log the key). */
export interface MetricTable {
  steps: number[];
  series: Record<string, Array<number | null>>;
}

export interface DumpDir {
  dir: string;
  steps: number[];
}

export interface RunDir {
  dir: string;
  metricsFile: string;
  /** False when the run wrote no metrics file (trainer.logger without `file`): no charts. */
  hasMetricsFile: boolean;
  metrics: MetricTable;
  /** Milliseconds since the epoch of the last write to the metrics file. */
  metricsWrittenAt: number;
  /** When `.hydra/config.yaml` was written: the start of the run, or of its latest resume (ms since the epoch). */
  startedAt: number;
  /** `.hydra/config.yaml` with interpolations resolved (unresolved where they cannot be). */
  config: PlainDict;
  configResolved: boolean;
  /** `.hydra/config.yaml` as written. */
  configYaml: string;
  /** `.hydra/overrides.yaml`: the command-line overrides of the run. */
  overrides: string[];
  rolloutDumps: DumpDir | null;
  validationDumps: DumpDir | null;
  /** Steps of the complete checkpoints found (`global_step_N` folders). */
  checkpointSteps: number[];
  checkpointDir: string | null;
  /** Total training steps, when the config or a checkpoint tells (null when it cannot be known). */
  plannedSteps: number | null;
}

/** The value at a dotted key of a plain config, or undefined. */
export function configValue(config: PlainDict, dottedKey: string): PlainValue | undefined {
  let cur: PlainValue | undefined = config;
  for (const part of dottedKey.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function loadYamlFile(file: string): { node: ContainerNode; text: string } {
  const text = readFileSync(file, 'utf8');
  try {
    return { node: loadYaml(text, { markName: file }), text };
  } catch (err) {
    throw new InputError(`${file}: not valid YAML (${errorMessage(err)})`);
  }
}

/**
 * The run's config with interpolations resolved as the training process saw them: `${hydra:...}` from
 * `.hydra/hydra.yaml`, `${now:...}` at the time the config was written. Interpolations that still cannot be
 * resolved (`${oc.env:...}` of another shell) leave the config as written.
 */
function resolvedConfig(configFile: string, hydraFile: string, runDir: string): { plain: PlainValue; resolved: boolean; text: string; trainingCwd: string | null } {
  const { node, text } = loadYamlFile(configFile);
  const hydraRoot = createDict();
  const hydraNode = existsSync(hydraFile) ? loadYamlFile(hydraFile).node : null;
  let trainingCwd: string | null = null;
  if (hydraNode && hydraNode.kind === 'dict') {
    pinRunDir(hydraNode, path.resolve(runDir));
    const cwd = childValue(hydraNode, 'runtime', 'cwd');
    if (typeof cwd === 'string' && path.isAbsolute(cwd)) trainingCwd = cwd;
    dictSet(hydraRoot, 'hydra', hydraNode);
  }
  node.context = { env: process.env, now: statSync(configFile).mtime, hydraRoot, cache: new Map(), warnings: [] };
  try {
    return { plain: toPlain(node, { resolve: true }), resolved: true, text, trainingCwd };
  } catch {
    return { plain: toPlain(node), resolved: false, text, trainingCwd };
  }
}

/** A scalar two levels down the hydra node (e.g. runtime.cwd), undefined when absent. */
function childValue(hydra: DictNode, group: string, key: string): unknown {
  const dict = getChild(hydra, group);
  const node = dict && dict.kind === 'dict' ? dictGet(dict, key) : undefined;
  return node && node.kind === 'value' ? node.value : undefined;
}

/**
 * The recorded hydra.run.dir is `outputs/${now:...}`, which cannot be re-evaluated later (the clock has moved
 * on, and the run may have been moved or be read from another folder); the job ran in the directory being
 * read, so `${hydra:run.dir}` (e.g. in trainer.default_local_dir) resolves to it. A multirun job (hydra.job.num
 * set) ran in sweep.dir/sweep.subdir instead (src/cli/train.ts).
 */
function pinRunDir(hydra: DictNode, runDir: string): void {
  const set = (group: string, key: string, value: string) => {
    const dict = getChild(hydra, group);
    if (dict && dict.kind === 'dict') dictSet(dict, key, createValue(value));
  };
  if (typeof childValue(hydra, 'job', 'num') === 'number') {
    set('sweep', 'dir', path.dirname(runDir));
    set('sweep', 'subdir', path.basename(runDir));
  } else {
    set('run', 'dir', runDir);
  }
}

/** Metric records folded into one row per step: a step logged twice (resume after a crash) keeps its last line. */
export function metricTable(records: ReadonlyArray<{ step: number; data: Record<string, number | null> }>): MetricTable {
  const byStep = new Map<number, Record<string, number | null>>();
  for (const r of records) byStep.set(r.step, { ...(byStep.get(r.step) ?? {}), ...r.data });
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  const keys = new Set<string>();
  for (const data of byStep.values()) for (const k of Object.keys(data)) keys.add(k);
  const series: Record<string, Array<number | null>> = {};
  for (const k of [...keys].sort()) {
    series[k] = steps.map((s) => {
      const v = byStep.get(s)?.[k];
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    });
  }
  return { steps, series };
}

/** A path from the config: absolute, else relative to the directory training ran in (tried: its recorded cwd, the report's cwd, the run dir). */
function configPath(value: PlainValue | undefined, runDir: string, cwd: string, trainingCwd: string | null): string | null {
  if (typeof value !== 'string' || value === '') return null;
  if (path.isAbsolute(value)) return value;
  for (const base of [trainingCwd, cwd, runDir]) {
    if (base === null) continue;
    const p = path.resolve(base, value);
    if (existsSync(p)) return p;
  }
  return path.resolve(trainingCwd ?? cwd, value);
}

function dumpDir(value: PlainValue | undefined, runDir: string, cwd: string, trainingCwd: string | null): DumpDir | null {
  const dir = configPath(value, runDir, cwd, trainingCwd);
  return dir === null ? null : { dir, steps: dumpSteps(dir) };
}

function checkpointSteps(dir: string | null): number[] {
  if (dir === null || !existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => /^global_step_(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** verl's total: trainer.total_training_steps when set, else batches per epoch (from a checkpoint's loader state) × epochs. */
function plannedSteps(config: PlainDict, ckptDir: string | null, ckpts: number[]): number | null {
  const total = configValue(config, 'trainer.total_training_steps');
  if (typeof total === 'number' && total > 0) return total;
  const epochs = configValue(config, 'trainer.total_epochs');
  if (ckptDir === null || ckpts.length === 0 || typeof epochs !== 'number') return null;
  const stateFile = path.join(ckptDir, `global_step_${ckpts[ckpts.length - 1]}`, 'trainer_state', 'trainer_state.json');
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { dataloader?: { datasetSize?: unknown; batchSize?: unknown; dropLast?: unknown } };
    const { datasetSize, batchSize, dropLast } = state.dataloader ?? {};
    if (typeof datasetSize !== 'number' || typeof batchSize !== 'number' || batchSize <= 0) return null;
    const perEpoch = dropLast === false ? Math.ceil(datasetSize / batchSize) : Math.floor(datasetSize / batchSize);
    return perEpoch * epochs;
  } catch {
    return null;
  }
}

/** Everything `report` shows about one run directory. `cwd` is where relative paths of the config are tried first. */
export function readRunDir(dir: string, cwd: string): RunDir {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`${dir}: no such run directory`);
  const hydraDir = path.join(dir, '.hydra');
  const configFile = path.join(hydraDir, 'config.yaml');
  if (!existsSync(configFile)) {
    throw new InputError(`${dir}: not a training run directory (no .hydra/config.yaml; \`verl-ts train\` writes one into hydra.run.dir)`);
  }
  const cfg = resolvedConfig(configFile, path.join(hydraDir, 'hydra.yaml'), dir);
  if (cfg.plain === null || typeof cfg.plain !== 'object' || Array.isArray(cfg.plain)) throw new InputError(`${configFile}: expected a mapping of config keys`);
  const config = cfg.plain;
  const overridesFile = path.join(hydraDir, 'overrides.yaml');
  const overridesPlain = existsSync(overridesFile) ? toPlain(loadYamlFile(overridesFile).node) : [];
  const overrides = Array.isArray(overridesPlain) ? overridesPlain.map(String) : [];
  const metricsFile = path.join(dir, 'metrics.jsonl');
  const hasMetrics = existsSync(metricsFile);
  const ckptDir = configPath(configValue(config, 'trainer.default_local_dir'), dir, cwd, cfg.trainingCwd);
  const ckpts = checkpointSteps(ckptDir);
  return {
    dir,
    metricsFile,
    hasMetricsFile: hasMetrics,
    metrics: metricTable(hasMetrics ? readMetricsJsonl(metricsFile) : []),
    metricsWrittenAt: hasMetrics ? statSync(metricsFile).mtimeMs : statSync(configFile).mtimeMs,
    startedAt: statSync(configFile).mtimeMs,
    config,
    configResolved: cfg.resolved,
    configYaml: cfg.text,
    overrides,
    rolloutDumps: dumpDir(configValue(config, 'trainer.rollout_data_dir'), dir, cwd, cfg.trainingCwd),
    validationDumps: dumpDir(configValue(config, 'trainer.validation_data_dir'), dir, cwd, cfg.trainingCwd),
    checkpointSteps: ckpts,
    checkpointDir: ckptDir,
    plannedSteps: plannedSteps(config, ckptDir, ckpts),
  };
}
