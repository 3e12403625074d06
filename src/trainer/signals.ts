/**
 * Ctrl-C / SIGTERM during training: the first signal only raises a flag the loop polls (so it can finish or
 * abandon the step and write a checkpoint); the second exits at once, removing half-written checkpoint
 * dirs first, with the shell's code for death by that signal (130 / 143).
 */
import { removeInFlightCheckpointDirsSync } from './checkpoint.js';

export type InterruptSignal = 'SIGINT' | 'SIGTERM';

/** 128 + the signal number, what a shell reports for a process killed by it. */
export const INTERRUPT_EXIT_CODES: Readonly<Record<InterruptSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

export interface InterruptHandler {
  /** The first signal received, or null while none has arrived. */
  interrupted(): InterruptSignal | null;
  /** Remove the handlers: signals get Node's default behaviour again. */
  dispose(): void;
}

export function installInterruptHandler(o: { onFirst(signal: InterruptSignal): void; onSecond(signal: InterruptSignal): void }): InterruptHandler {
  let first: InterruptSignal | null = null;
  const handle = (signal: InterruptSignal) => {
    if (first === null) {
      first = signal;
      o.onFirst(signal);
      return;
    }
    try {
      removeInFlightCheckpointDirsSync();
      o.onSecond(signal);
    } finally {
      process.exit(INTERRUPT_EXIT_CODES[signal]);
    }
  };
  const onInt = () => handle('SIGINT');
  const onTerm = () => handle('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    interrupted: () => first,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
