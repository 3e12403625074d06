import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/temp-dir.js';
import {
  TRACKER_FILE,
  latestCheckpoint,
  listCheckpoints,
  readTracker,
  resolveResume,
  saveCheckpoint,
  stepOfCheckpointDir,
  type CheckpointPart,
} from '../../src/trainer/checkpoint.js';
import { ConfigError, InputError } from '../../src/util/errors.js';
import { runChild } from './child-process.js';

const base = makeTempDir('verlts-ckpt-');
let roots = 0;
const freshRoot = () => join(base, `root${roots++}`);

function part(name: string, content: string, extra: Partial<CheckpointPart> = {}): CheckpointPart {
  return {
    name,
    save: async (dir) => {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'sub', 'weights.txt'), content);
    },
    ...extra,
  };
}
const content = (root: string, step: number, name: string) => readFileSync(join(root, `global_step_${step}`, name, 'sub', 'weights.txt'), 'utf8');
const tracker = (root: string) => readFileSync(join(root, TRACKER_FILE), 'utf8');
const hidden = (root: string) => readdirSync(root).filter((n) => n.startsWith('.'));
/** A pid that belonged to a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('saveCheckpoint', () => {
  it("writes verl's layout: global_step_N/<part>/ and the tracker holding N", async () => {
    const root = freshRoot();
    const dir = await saveCheckpoint(root, 3, [part('actor', 'a3'), part('critic', 'c3'), part('trainer_state', 's3', { kind: 'state' })]);
    expect(dir).toBe(join(root, 'global_step_3'));
    expect(readdirSync(dir).sort()).toEqual(['actor', 'critic', 'trainer_state']);
    expect(content(root, 3, 'critic')).toBe('c3');
    expect(tracker(root)).toBe('3');
    expect(latestCheckpoint(root)).toEqual({ step: 3, dir });
    expect(hidden(root)).toEqual([]);
  });

  it('leaves the previous checkpoint and tracker untouched when a part fails, and cleans up', async () => {
    const root = freshRoot();
    await saveCheckpoint(root, 1, [part('actor', 'a1')]);
    const failing: CheckpointPart = {
      name: 'critic',
      save: async (dir) => {
        writeFileSync(join(dir, 'half.bin'), 'x');
        throw new Error('disk full');
      },
    };
    await expect(saveCheckpoint(root, 2, [part('actor', 'a2'), failing])).rejects.toThrow('disk full');
    expect(readdirSync(root).sort()).toEqual(['global_step_1', TRACKER_FILE]);
    expect(tracker(root)).toBe('1');
    expect(content(root, 1, 'actor')).toBe('a1');
  });

  it('survives a process killed in the middle of a save; the next save removes its temp dir', async () => {
    const root = freshRoot();
    const child = runChild(new URL('./children/crash-during-save.ts', import.meta.url), [root]);
    const { signal } = await child.exit;
    expect(signal).toBe('SIGKILL');
    expect(hidden(root)).toEqual([`.global_step_2.tmp-${child.proc.pid}`]);
    expect(tracker(root)).toBe('1');
    expect(resolveResume({ mode: 'auto', root, resumeFromPath: null, cwd: base })).toEqual({ step: 1, dir: join(root, 'global_step_1') });
    expect(readFileSync(join(root, 'global_step_1', 'actor', 'weights.txt'), 'utf8')).toBe('one');

    await saveCheckpoint(root, 2, [part('actor', 'a2')]);
    expect(hidden(root)).toEqual([]);
    expect(tracker(root)).toBe('2');
  });

  it("keeps a live process's temp dir, removes this process's own abandoned one", async () => {
    const root = freshRoot();
    const live = join(root, `.global_step_7.tmp-${process.ppid}`);
    const mine = join(root, `.global_step_8.tmp-${process.pid}`);
    mkdirSync(live, { recursive: true });
    mkdirSync(mine, { recursive: true });
    await saveCheckpoint(root, 1, [part('actor', 'a1')]);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(mine)).toBe(false);
  });

  it('replaces a checkpoint of the same step (a re-save after resume) completely', async () => {
    const root = freshRoot();
    await saveCheckpoint(root, 2, [part('actor', 'old'), part('critic', 'old-critic')]);
    await saveCheckpoint(root, 2, [part('actor', 'new')]);
    expect(readdirSync(join(root, 'global_step_2'))).toEqual(['actor']);
    expect(content(root, 2, 'actor')).toBe('new');
    expect(tracker(root)).toBe('2');
    expect(hidden(root)).toEqual([]);
  });

  it('puts back a checkpoint set aside by a crash during a same-step replace', async () => {
    const root = freshRoot();
    await saveCheckpoint(root, 3, [part('actor', 'a3')]);
    const aside = join(root, `.global_step_3.old-${deadPid()}`);
    // The state between "old moved aside" and "new renamed in": no global_step_3, a complete copy aside.
    spawnSync('mv', [join(root, 'global_step_3'), aside]);
    writeFileSync(join(root, `.global_step_3.tmp-${deadPid()}`), '');
    expect(latestCheckpoint(root)).toEqual({ step: 3, dir: join(root, 'global_step_3') });
    expect(content(root, 3, 'actor')).toBe('a3');

    // An aside whose replacement made it into place is simply deleted at the next save.
    mkdirSync(join(root, `.global_step_3.old-${deadPid()}`));
    await saveCheckpoint(root, 4, [part('actor', 'a4')]);
    expect(hidden(root)).toEqual([]);
    expect(content(root, 3, 'actor')).toBe('a3');
  });

  it('rejects a second save of the same step while the first is running', async () => {
    const root = freshRoot();
    let release = () => {};
    const slow: CheckpointPart = { name: 'actor', save: () => new Promise<void>((r) => (release = r)) };
    const first = saveCheckpoint(root, 5, [slow]);
    await new Promise((r) => setTimeout(r, 10));
    await expect(saveCheckpoint(root, 5, [part('actor', 'x')])).rejects.toThrow(`checkpoint: step 5 is already being saved to ${root}`);
    release();
    await first;
    expect(tracker(root)).toBe('5');
  });

  it('rejects bad steps and part lists before writing anything', async () => {
    const root = freshRoot();
    await expect(saveCheckpoint(root, -1, [part('actor', 'x')])).rejects.toThrow('step must be a non-negative integer, got -1');
    await expect(saveCheckpoint(root, 1, [])).rejects.toThrow('nothing to save');
    await expect(saveCheckpoint(root, 1, [part('actor', 'x'), part('actor', 'y')])).rejects.toThrow("part 'actor' appears twice");
    await expect(saveCheckpoint(root, 1, [part('../evil', 'x')])).rejects.toThrow("part name '../evil' must be a plain folder name");
    await expect(saveCheckpoint(root, 1, [part('actor', 'x', { maxToKeep: 1.5 })])).rejects.toThrow('maxToKeep must be an integer or null, got 1.5');
    expect(existsSync(root)).toBe(false);
  });
});

describe('retention', () => {
  it('keeps each part in its newest maxToKeep checkpoints and removes dirs left without a model', async () => {
    const root = freshRoot();
    for (let step = 1; step <= 5; step++) {
      await saveCheckpoint(root, step, [
        part('actor', `a${step}`, { maxToKeep: 3 }),
        part('critic', `c${step}`, { maxToKeep: 1 }),
        part('trainer_state', `s${step}`),
      ]);
    }
    const layout = Object.fromEntries(listCheckpoints(root).map((c) => [c.step, readdirSync(c.dir).sort()]));
    expect(layout).toEqual({
      3: ['actor', 'trainer_state'],
      4: ['actor', 'trainer_state'],
      5: ['actor', 'critic', 'trainer_state'],
    });
    expect(tracker(root)).toBe('5');
  });

  it('keeps everything with null, undefined or 0 (verl: keep all)', async () => {
    const root = freshRoot();
    for (let step = 1; step <= 3; step++) {
      await saveCheckpoint(root, step, [part('actor', 'a', { maxToKeep: null }), part('critic', 'c'), part('ref', 'r', { maxToKeep: 0 })]);
    }
    expect(listCheckpoints(root).map((c) => readdirSync(c.dir).length)).toEqual([3, 3, 3]);
  });

  it('counts checkpoints already on disk (an earlier run) and always keeps the one just saved', async () => {
    const root = freshRoot();
    for (const step of [2, 4, 6, 8]) await saveCheckpoint(root, step, [part('actor', `old${step}`)]);
    // A resumed run re-saves step 4 with a limit of 2: the newest other checkpoint (8) stays beside it.
    await saveCheckpoint(root, 4, [part('actor', 'new4', { maxToKeep: 2 })]);
    expect(listCheckpoints(root).map((c) => c.step)).toEqual([4, 8]);
    expect(content(root, 4, 'actor')).toBe('new4');
    await saveCheckpoint(root, 5, [part('actor', 'a5', { maxToKeep: 1 })]);
    expect(listCheckpoints(root).map((c) => c.step)).toEqual([5]);
    expect(latestCheckpoint(root)?.step).toBe(5);
  });

  it('treats a part without maxToKeep as state that goes with the models, unless it says otherwise', async () => {
    const root = freshRoot();
    for (let step = 1; step <= 3; step++) {
      await saveCheckpoint(root, step, [part('actor', 'a', { maxToKeep: 1 }), part('trainer', 't'), part('extra', 'e', { kind: 'model' })]);
    }
    expect(listCheckpoints(root).map((c) => [c.step, readdirSync(c.dir).sort()])).toEqual([
      [1, ['extra', 'trainer']],
      [2, ['extra', 'trainer']],
      [3, ['actor', 'extra', 'trainer']],
    ]);
    const lean = freshRoot();
    for (let step = 1; step <= 3; step++) await saveCheckpoint(lean, step, [part('actor', 'a', { maxToKeep: 1 }), part('trainer', 't')]);
    expect(listCheckpoints(lean).map((c) => c.step)).toEqual([3]);
  });

  it('never deletes global_step dirs that hold only parts it does not manage', async () => {
    const root = freshRoot();
    mkdirSync(join(root, 'global_step_1', 'data'), { recursive: true });
    await saveCheckpoint(root, 2, [part('actor', 'a', { maxToKeep: 1 })]);
    await saveCheckpoint(root, 3, [part('actor', 'a', { maxToKeep: 1 })]);
    expect(listCheckpoints(root).map((c) => c.step)).toEqual([1, 3]);
  });
});

describe('tracker and checkpoint folders', () => {
  it('reads the tracker verl writes (a bare number, newline tolerated) and rejects anything else', () => {
    const root = freshRoot();
    expect(readTracker(root)).toBeNull();
    expect(latestCheckpoint(root)).toBeNull();
    mkdirSync(root);
    writeFileSync(join(root, TRACKER_FILE), '12\n');
    expect(readTracker(root)).toBe(12);
    expect(latestCheckpoint(root)).toBeNull(); // folder missing
    writeFileSync(join(root, TRACKER_FILE), 'twelve');
    expect(() => readTracker(root)).toThrow(InputError);
    expect(() => readTracker(root)).toThrow(`${join(root, TRACKER_FILE)}: expected a step number (what verl and verl-ts write), found "twelve"`);
  });

  it('parses global_step_N and points at the enclosing checkpoint otherwise', () => {
    expect(stepOfCheckpointDir('/x/global_step_42')).toBe(42);
    expect(stepOfCheckpointDir('/x/global_step_42/')).toBe(42);
    expect(() => stepOfCheckpointDir('/x/global_step_42/actor')).toThrow(
      '/x/global_step_42/actor: not a checkpoint folder: expected a folder named global_step_<N>. It is inside /x/global_step_42: point at that folder instead.',
    );
    expect(() => stepOfCheckpointDir('/x/global_step_')).toThrow('/x/global_step_: not a checkpoint folder: expected a folder named global_step_<N>.');
  });
});

describe('resolveResume', () => {
  it("'disable' starts from scratch; 'auto' follows the tracker, relative to cwd", async () => {
    const root = freshRoot();
    const rel = relative(base, root);
    expect(resolveResume({ mode: 'auto', root: rel, resumeFromPath: null, cwd: base })).toBeNull();
    await saveCheckpoint(root, 6, [part('actor', 'a')]);
    expect(resolveResume({ mode: 'disable', root: rel, resumeFromPath: null, cwd: base })).toBeNull();
    expect(resolveResume({ mode: 'auto', root: rel, resumeFromPath: 'ignored/global_step_1', cwd: base })).toEqual({ step: 6, dir: join(root, 'global_step_6') });
  });

  it("'auto' with a tracker pointing at a missing folder warns and starts from scratch, like verl", async () => {
    const root = freshRoot();
    await saveCheckpoint(root, 2, [part('actor', 'a')]);
    rmSync(join(root, 'global_step_2'), { recursive: true });
    const warnings: string[] = [];
    expect(resolveResume({ mode: 'auto', root, resumeFromPath: null, cwd: base, warn: (m) => warnings.push(m) })).toBeNull();
    expect(warnings).toEqual([`${join(root, TRACKER_FILE)} points at ${join(root, 'global_step_2')}, which does not exist: training from scratch`]);
  });

  it("'resume_path' takes an existing global_step_N folder, relative to cwd", async () => {
    const root = freshRoot();
    await saveCheckpoint(root, 3, [part('actor', 'a')]);
    await saveCheckpoint(root, 4, [part('actor', 'a')]);
    const rel = join(relative(base, root), 'global_step_3');
    expect(resolveResume({ mode: 'resume_path', root: 'elsewhere', resumeFromPath: rel, cwd: base })).toEqual({ step: 3, dir: join(root, 'global_step_3') });
  });

  it("names trainer.resume_from_path in every 'resume_path' error", async () => {
    const root = freshRoot();
    await saveCheckpoint(root, 3, [part('actor', 'a')]);
    const attempt = (resumeFromPath: string | null) => () => resolveResume({ mode: 'resume_path', root, resumeFromPath, cwd: base });
    expect(attempt(null)).toThrow(ConfigError);
    expect(attempt(null)).toThrow("trainer.resume_from_path: must be set when trainer.resume_mode is 'resume_path'");
    expect(attempt('')).toThrow('trainer.resume_from_path: must be set');
    expect(attempt(root)).toThrow(`trainer.resume_from_path: '${root}' must be a checkpoint folder whose name contains 'global_step_'`);
    expect(attempt(join(root, 'global_step_9'))).toThrow(`trainer.resume_from_path: '${join(root, 'global_step_9')}' does not exist (looked at ${join(root, 'global_step_9')})`);
    expect(attempt(join(root, 'global_step_3', 'actor'))).toThrow(
      `trainer.resume_from_path: ${join(root, 'global_step_3', 'actor')}: not a checkpoint folder: expected a folder named global_step_<N>. It is inside ${join(root, 'global_step_3')}`,
    );
  });

  it('rejects an unknown resume_mode with a suggestion', () => {
    const err = (() => {
      try {
        resolveResume({ mode: 'resume-path' as 'auto', root: base, resumeFromPath: null, cwd: base });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe("trainer.resume_mode: expected one of auto, disable, resume_path, got 'resume-path'. Did you mean 'resume_path'?");
  });
});
