/** The trainer's own part of a checkpoint: global step, data loader position, KL controller and loss RNG state. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DataLoaderState } from '../data/index.js';
import type { RngState } from '../util/rng.js';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import { InputError, errorMessage } from '../util/errors.js';

export const TRAINER_STATE_FILE = 'trainer_state.json';

export interface TrainerState {
  format: 'verl-ts-trainer-state/1';
  global_step: number;
  dataloader: DataLoaderState;
  /** The adaptive KL controller's coefficient (null without KL in the reward). */
  kl_coef: number | null;
  loss_rng: { s: RngState; spareNormal: number | null };
}

export function writeTrainerState(dir: string, state: TrainerState): void {
  writeFileAtomicSync(path.join(dir, TRAINER_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

export function readTrainerState(dir: string): TrainerState {
  const file = path.join(dir, TRAINER_STATE_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read the trainer state '${file}': ${errorMessage(e)}`);
  }
  const s = parsed as Partial<TrainerState> | null;
  if (s === null || typeof s !== 'object' || s.format !== 'verl-ts-trainer-state/1' || !Number.isInteger(s.global_step) || typeof s.dataloader !== 'object') {
    throw new InputError(`'${file}' is not a verl-ts trainer state (expected format "verl-ts-trainer-state/1" with global_step and dataloader)`);
  }
  return s as TrainerState;
}
