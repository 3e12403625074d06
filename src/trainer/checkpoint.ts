/**
 * verl's checkpoint store: `<root>/global_step_N/<part>/...` plus `<root>/latest_checkpointed_iteration.txt`
 * holding N. Saves are atomic (a crash at any point leaves the previous checkpoint complete and the tracker
 * pointing at a complete checkpoint), old checkpoints are pruned per part, and resume_mode picks where to start.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import { ConfigError, InputError, UserError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';

export const TRACKER_FILE = 'latest_checkpointed_iteration.txt';

export interface CheckpointPart {
  /** Subfolder name: 'actor', 'critic', 'trainer_state', ... */
  name: string;
  /** Keep this part in at most this many global_step dirs (verl's max_*_ckpt_to_keep); null, undefined or ≤ 0 keep all. */
  maxToKeep?: number | null;
  /**
   * 'model' parts keep a global_step dir alive; 'state' parts (trainer state, dataloader position) are only
   * useful beside a model, so a dir left with state parts alone is removed by retention. Default: 'model'
   * for a part that declares maxToKeep (null included), 'state' for one that does not.
   */
  kind?: 'model' | 'state';
  /** Writes the part into `dir`, an empty folder that exists. */
  save(dir: string): Promise<void>;
}

export interface CheckpointRef {
  step: number;
  dir: string;
}

const STEP_DIR = /^global_step_(\d+)$/;
// Hidden names (leading dot) so that nothing that lists checkpoints ever mistakes them for one.
const TMP_DIR = /^\.global_step_(\d+)\.tmp-(\d+)$/;
const ASIDE_DIR = /^\.global_step_(\d+)\.old-(\d+)$/;
const PART_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function checkpointDirName(step: number): string {
  return `global_step_${step}`;
}

/** Temp dirs of saves running in this process: what a second Ctrl-C must remove before exiting. */
const inFlight = new Set<string>();

/** Synchronously remove the temp dirs of saves still in progress (for exit paths that cannot await). */
export function removeInFlightCheckpointDirsSync(): void {
  for (const dir of inFlight) rmSync(dir, { recursive: true, force: true });
  inFlight.clear();
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A temp or set-aside dir nobody will finish: its process is gone, or it is ours and not in progress. */
function abandoned(path: string, pid: number): boolean {
  return pid === process.pid ? !inFlight.has(path) : !processAlive(pid);
}

function entries(root: string): string[] {
  try {
    return readdirSync(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Repair what a crash during a re-save of the same step can leave: the old global_step_N set aside and the
 * new one not yet renamed in. The set-aside copy is complete, so it goes back in place.
 */
function restoreSetAside(root: string): void {
  for (const name of entries(root)) {
    const m = ASIDE_DIR.exec(name);
    const aside = join(root, name);
    if (!m || !abandoned(aside, Number(m[2]))) continue;
    const target = join(root, checkpointDirName(Number(m[1])));
    if (!existsSync(target)) renameSync(aside, target);
  }
}

/** Remove temp dirs of crashed saves and set-aside copies whose replacement is in place. */
function removeLeftovers(root: string): void {
  restoreSetAside(root);
  for (const name of entries(root)) {
    const m = TMP_DIR.exec(name) ?? ASIDE_DIR.exec(name);
    const path = join(root, name);
    if (m && abandoned(path, Number(m[2]))) rmSync(path, { recursive: true, force: true });
  }
}

function checkStep(step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`checkpoint: step must be a non-negative integer, got ${step}`);
}

function checkParts(parts: readonly CheckpointPart[]): void {
  if (parts.length === 0) throw new RangeError('checkpoint: nothing to save (no parts)');
  const seen = new Set<string>();
  for (const p of parts) {
    if (!PART_NAME.test(p.name)) throw new RangeError(`checkpoint: part name '${p.name}' must be a plain folder name (letters, digits, _ . -)`);
    if (seen.has(p.name)) throw new RangeError(`checkpoint: part '${p.name}' appears twice`);
    seen.add(p.name);
    if (p.maxToKeep != null && !Number.isSafeInteger(p.maxToKeep)) throw new RangeError(`checkpoint: part '${p.name}': maxToKeep must be an integer or null, got ${p.maxToKeep}`);
  }
}

/**
 * Save one checkpoint. Parts are written, in order, into `<root>/.global_step_N.tmp-<pid>`, which is then
 * renamed to `global_step_N` (an existing one is set aside first and deleted after); only then is the
 * tracker rewritten (temp file + rename), and only then are old checkpoints pruned. Returns the final dir.
 */
export async function saveCheckpoint(root: string, step: number, parts: readonly CheckpointPart[]): Promise<string> {
  checkStep(step);
  checkParts(parts);
  mkdirSync(root, { recursive: true });
  removeLeftovers(root);
  const name = checkpointDirName(step);
  const tmp = join(root, `.${name}.tmp-${process.pid}`);
  if (inFlight.has(tmp)) throw new Error(`checkpoint: step ${step} is already being saved to ${root}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  inFlight.add(tmp);
  try {
    for (const part of parts) {
      const dir = join(tmp, part.name);
      mkdirSync(dir);
      await part.save(dir);
    }
  } catch (err) {
    inFlight.delete(tmp);
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  // From here on everything is synchronous: no signal handler can run between the renames.
  const final = join(root, name);
  const aside = join(root, `.${name}.old-${process.pid}`);
  const replacing = existsSync(final);
  if (replacing) {
    rmSync(aside, { recursive: true, force: true });
    renameSync(final, aside);
  }
  renameSync(tmp, final);
  inFlight.delete(tmp);
  writeFileAtomicSync(join(root, TRACKER_FILE), String(step));
  if (replacing) rmSync(aside, { recursive: true, force: true });
  pruneCheckpoints(root, step, parts);
  return final;
}

/** global_step_N dirs under root, oldest (lowest N) first. */
export function listCheckpoints(root: string): CheckpointRef[] {
  const found: CheckpointRef[] = [];
  for (const name of entries(root)) {
    const m = STEP_DIR.exec(name);
    const dir = join(root, name);
    if (m && Number.isSafeInteger(Number(m[1])) && statSync(dir).isDirectory()) found.push({ step: Number(m[1]), dir });
  }
  return found.sort((a, b) => a.step - b.step);
}

function kindOf(part: CheckpointPart): 'model' | 'state' {
  return part.kind ?? (part.maxToKeep === undefined ? 'state' : 'model');
}

/**
 * Retention: for each part with a limit, keep it in the newest `maxToKeep` dirs that hold it (the checkpoint
 * just saved always among them) and delete it from older ones; a dir left without model parts goes too.
 * The checkpoint the tracker points at is never touched.
 */
function pruneCheckpoints(root: string, savedStep: number, parts: readonly CheckpointPart[]): void {
  const protectedSteps = new Set([savedStep, readTracker(root)]);
  const stateParts = new Set(parts.filter((p) => kindOf(p) === 'state').map((p) => p.name));
  const candidates = listCheckpoints(root).filter((c) => !protectedSteps.has(c.step));
  const touched = new Set<CheckpointRef>();
  for (const part of parts) {
    const max = part.maxToKeep ?? 0;
    if (max <= 0 || kindOf(part) === 'state') continue;
    const holding = candidates.filter((c) => existsSync(join(c.dir, part.name)));
    for (const c of holding.slice(0, Math.max(0, holding.length - (max - 1)))) {
      rmSync(join(c.dir, part.name), { recursive: true, force: true });
      touched.add(c);
    }
  }
  for (const c of touched) {
    if (readdirSync(c.dir).every((entry) => stateParts.has(entry))) rmSync(c.dir, { recursive: true, force: true });
  }
}

/** The step in the tracker file, or null when there is none. */
export function readTracker(root: string): number | null {
  const path = join(root, TRACKER_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) {
    throw new InputError(`${path}: expected a step number (what verl and verl-ts write), found ${JSON.stringify(text.slice(0, 40))}`);
  }
  return Number(trimmed);
}

/** The checkpoint the tracker points at, or null when there is no tracker or its folder is missing. */
export function latestCheckpoint(root: string): CheckpointRef | null {
  const step = readTracker(root);
  if (step === null) return null;
  restoreSetAside(root);
  const dir = join(root, checkpointDirName(step));
  return existsSync(dir) ? { step, dir } : null;
}

/** N from a `.../global_step_N` path; anything else is an error that says what was expected. */
export function stepOfCheckpointDir(dir: string): number {
  const full = resolve(dir);
  const m = STEP_DIR.exec(basename(full));
  if (m && Number.isSafeInteger(Number(m[1]))) return Number(m[1]);
  let hint = '';
  for (let up = dirname(full); up !== dirname(up); up = dirname(up)) {
    if (STEP_DIR.test(basename(up))) {
      hint = ` It is inside ${up}: point at that folder instead.`;
      break;
    }
  }
  throw new InputError(`${dir}: not a checkpoint folder: expected a folder named global_step_<N>.${hint}`);
}

export type ResumeMode = 'auto' | 'disable' | 'resume_path';
const RESUME_MODES: readonly ResumeMode[] = ['auto', 'disable', 'resume_path'];

export interface ResumeOptions {
  mode: ResumeMode;
  /** trainer.default_local_dir (relative to cwd). */
  root: string;
  /** trainer.resume_from_path (relative to cwd). */
  resumeFromPath: string | null;
  cwd: string;
  /** Told why a run starts from scratch although a tracker exists (verl prints this and goes on). */
  warn?: (message: string) => void;
}

/**
 * Where training starts (trainer.resume_mode): null for from scratch. 'auto' follows the tracker under
 * default_local_dir; 'resume_path' takes resume_from_path, which must be an existing global_step_N folder.
 */
export function resolveResume(o: ResumeOptions): CheckpointRef | null {
  if (o.mode === 'disable') return null;
  if (o.mode === 'auto') {
    const root = resolve(o.cwd, o.root);
    const step = readTracker(root);
    if (step === null) return null;
    const found = latestCheckpoint(root);
    if (found === null) {
      o.warn?.(`${join(root, TRACKER_FILE)} points at ${join(root, checkpointDirName(step))}, which does not exist: training from scratch`);
    }
    return found;
  }
  if (o.mode === 'resume_path') {
    const given = o.resumeFromPath;
    if (given == null || given === '') {
      throw new ConfigError("trainer.resume_from_path: must be set when trainer.resume_mode is 'resume_path' (a .../global_step_<N> folder)");
    }
    if (!given.includes('global_step_')) {
      throw new ConfigError(`trainer.resume_from_path: '${given}' must be a checkpoint folder whose name contains 'global_step_' (e.g. checkpoints/proj/exp/global_step_10)`);
    }
    const dir = resolve(o.cwd, given);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConfigError(`trainer.resume_from_path: '${given}' does not exist (looked at ${dir})`);
    try {
      return { step: stepOfCheckpointDir(dir), dir };
    } catch (err) {
      if (err instanceof UserError) throw new ConfigError(`trainer.resume_from_path: ${err.message}`);
      throw err;
    }
  }
  const mode = String(o.mode);
  throw new ConfigError(`trainer.resume_mode: expected one of ${RESUME_MODES.join(', ')}, got '${mode}'.${didYouMean(mode, RESUME_MODES)}`);
}
