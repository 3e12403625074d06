/** Writes that never leave a half-written file behind: write a temp file beside the target, then rename. */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';

/** The temp path a write to `target` goes through (beside it, so the final rename stays on one disk). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now().toString(36)}`);
}

/** Temp files and folders being written right now: what an interrupted process must remove. */
const inFlight = new Set<string>();

const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let cleanupOnSignal = false;

function onSignal(signal: NodeJS.Signals): void {
  // Another handler (the trainer's: finish the step, then stop) owns this signal; if it exits the process,
  // the 'exit' hook removes the temp files.
  if (process.listenerCount(signal) > 1) return;
  removeInFlightTemps();
  unlisten();
  // End by the same signal, so the shell sees an interrupted command.
  process.kill(process.pid, signal);
}

function listen(): void {
  for (const s of CLEANUP_SIGNALS) process.on(s, onSignal);
}

function unlisten(): void {
  for (const s of CLEANUP_SIGNALS) process.off(s, onSignal);
}

function addTemp(path: string): void {
  if (cleanupOnSignal && inFlight.size === 0) listen();
  inFlight.add(path);
}

function dropTemp(path: string): void {
  if (inFlight.delete(path) && cleanupOnSignal && inFlight.size === 0) unlisten();
}

/**
 * On Ctrl-C (SIGINT), SIGTERM or SIGHUP while a write is unfinished: remove its temp files, then end the process
 * by that signal. Installed once by the CLI, not by the library. The handlers are attached only while a write is
 * in flight, so at any other time (long synchronous work included) a signal ends the process at once, as usual;
 * where another handler owns the signal it is left to it, and process.exit() still removes the temp files.
 */
export function removeTempsOnSignal(): void {
  if (cleanupOnSignal) return;
  cleanupOnSignal = true;
  process.on('exit', removeInFlightTemps);
  if (inFlight.size > 0) listen();
}

/** Remove every temp file or folder still being written (synchronously: it runs in a signal handler). */
export function removeInFlightTemps(): void {
  for (const p of inFlight) rmSync(p, { recursive: true, force: true });
  inFlight.clear();
}

/** Register a temp path written by code of its own (streamed files); call the returned function once it is gone or renamed. */
export function trackTemp(path: string): () => void {
  addTemp(path);
  return () => dropTemp(path);
}

/** The temp paths being written now (for tests). */
export function inFlightTemps(): string[] {
  return [...inFlight];
}

export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  addTemp(tmp);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    dropTemp(tmp);
  }
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  addTemp(tmp);
  try {
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    dropTemp(tmp);
  }
}

/**
 * Build a directory atomically: `fill` writes into a fresh temp directory, which is then renamed onto
 * `target` (an existing `target` is replaced only after the new one is complete).
 */
export async function writeDirAtomic(target: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  const old = `${tmp}.old`;
  addTemp(tmp);
  await mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
    let hadOld = false;
    try {
      await rename(target, old);
      hadOld = true;
    } catch {
      /* no previous target */
    }
    await rename(tmp, target);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    dropTemp(tmp);
  }
}
