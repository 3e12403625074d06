/**
 * What an SFT checkpoint holds, as parts of the trainer's checkpoint store (src/trainer/checkpoint.ts):
 * `actor/` is the model as a Hugging Face directory in the model's own dtype (what users load, score and
 * generate from); `trainer_state/` holds what an exact resume needs besides it: the float32 master weights
 * (the HF copy may be rounded to bf16), the AdamW moments, the global step and the data loader's position
 * (whose shuffling generator is the run's only randomness).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DataLoaderState, StatefulDataLoader } from '../../data/dataloader.js';
import type { AdamW } from '../../engine/index.js';
import { loadOptimizerState, saveOptimizerState } from '../../engine/optim/state-io.js';
import type { CausalLM } from '../../models/compute/causal-lm.js';
import { readSafetensorsFloat32 } from '../../models/safetensors/reader.js';
import { writeSafetensors } from '../../models/safetensors/writer.js';
import { writeFileAtomicSync } from '../../util/atomic-write.js';
import { InputError } from '../../util/errors.js';
import { readJsonObject } from '../../util/json-file.js';
import type { CheckpointPart } from '../checkpoint.js';
import type { SftSample } from './dataset.js';

export const SFT_STATE_FORMAT = 'verl-ts-sft-state/1';
export const ACTOR_PART = 'actor';
export const STATE_PART = 'trainer_state';
const WEIGHTS_FILE = 'weights.safetensors';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const STATE_FILE = 'trainer_state.json';

export interface SftCheckpointed {
  model: CausalLM;
  optimizer: AdamW;
  train: StatefulDataLoader<SftSample>;
}

/** The parts to save after `step` optimizer steps; each keeps at most `maxToKeep` checkpoints (null: all). */
export function sftCheckpointParts(run: SftCheckpointed, step: number, maxToKeep: number | null): CheckpointPart[] {
  return [
    { name: ACTOR_PART, maxToKeep, save: async (dir) => void (await run.model.save(dir)) },
    {
      name: STATE_PART,
      kind: 'state',
      maxToKeep,
      save: async (dir) => {
        const tensors = run.model.parameters().list().map((p) => ({ name: p.name, shape: p.shape, data: Float32Array.from(p.data), dtype: 'F32' as const }));
        await writeSafetensors(join(dir, WEIGHTS_FILE), tensors);
        saveOptimizerState(run.optimizer, join(dir, OPTIMIZER_FILE));
        writeFileAtomicSync(join(dir, STATE_FILE), `${JSON.stringify({ format: SFT_STATE_FORMAT, global_step: step, dataloader: run.train.state() }, null, 2)}\n`);
      },
    },
  ];
}

/** Put a run back where the checkpoint in `dir` (the global_step_N folder of `step`) left it; returns the step. */
export function restoreSftCheckpoint(run: SftCheckpointed, dir: string, step: number): number {
  const stateDir = join(dir, STATE_PART);
  const statePath = join(stateDir, STATE_FILE);
  if (!existsSync(statePath)) {
    throw new InputError(`${dir} is not an SFT checkpoint: ${statePath} is missing (trainer.resume_from_path must be a global_step_N folder written by verl-ts sft)`);
  }
  const state = readJsonObject(statePath);
  if (state.format !== SFT_STATE_FORMAT) throw new InputError(`${statePath}: format ${JSON.stringify(state.format)} is not ${SFT_STATE_FORMAT}`);
  if (state.global_step !== step) throw new InputError(`${statePath}: global_step ${JSON.stringify(state.global_step)} does not match the folder's step ${step}`);

  const weightsPath = join(stateDir, WEIGHTS_FILE);
  const saved = readSafetensorsFloat32(weightsPath).tensors;
  const params = run.model.parameters();
  for (const p of params.list()) {
    const w = saved.get(p.name);
    if (!w || w.shape.join() !== p.shape.join()) {
      throw new InputError(`${weightsPath}: ${w ? `'${p.name}' has shape [${w.shape.join(', ')}], the model needs [${p.shape.join(', ')}]` : `no tensor '${p.name}'`} (was the checkpoint written for model.partial_pretrain's architecture?)`);
    }
    p.data.set(w.data);
  }
  params.markChanged();
  loadOptimizerState(run.optimizer, join(stateDir, OPTIMIZER_FILE));
  run.train.loadState(state.dataloader as DataLoaderState);
  return step;
}
