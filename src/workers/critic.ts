/** The critic: a ValueModel (verl's token-classification head) with its optimizer, scoring values and updating from a value objective. */
import type { Batch } from '../data/batch.js';
import type { Tensor } from '../data/tensor.js';
import type { FloatArray } from '../engine/index.js';
import type { ValueModel } from '../models/index.js';
import type { MicroBatching } from './micro-batches.js';
import { loadOptimizer, saveOptimizer, type OptimizerSide } from './optimizer.js';
import { valuesOfBatch } from './scoring.js';
import { cutUpstream, padOutput, trimBatch } from './trim.js';
import { runUpdate, type Objective, type Trainable, type TrainingPass, type UpdatePlan, type UpdateStats } from './update.js';

export interface CriticOutputs {
  values: Tensor<Float32Array | Float64Array>;
}

export interface CriticUpstream {
  values: FloatArray;
}

export type CriticObjective = Objective<CriticOutputs, CriticUpstream>;

export class CriticWorker implements Trainable<CriticOutputs, CriticUpstream> {
  schedulerStep = 0;

  constructor(
    readonly model: ValueModel,
    private readonly side: OptimizerSide,
  ) {}

  get optimizer() {
    return this.side.optimizer;
  }

  get scheduler() {
    return this.side.scheduler;
  }

  async trainingPass(micro: Batch): Promise<TrainingPass<CriticOutputs, CriticUpstream>> {
    const trim = trimBatch(micro);
    const pass = await this.model.forward(trim.input);
    return {
      outputs: { values: padOutput(pass.values, trim) },
      backward: (upstream) => this.model.backward(pass, { values: cutUpstream(upstream.values, trim) }),
    };
  }

  computeValues(batch: Batch, how: MicroBatching): Promise<Tensor<Float32Array | Float64Array>> {
    return valuesOfBatch(this.model, batch, how, 'critic.forward_max_token_len_per_gpu');
  }

  update(batch: Batch, objective: CriticObjective, plan: UpdatePlan): Promise<UpdateStats> {
    return runUpdate(this, batch, objective, plan);
  }

  async save(dir: string): Promise<void> {
    await this.model.save(dir, { dtype: 'float32' });
    saveOptimizer(dir, this.side, this.schedulerStep);
  }

  loadOptimizer(dir: string): void {
    this.schedulerStep = loadOptimizer(dir, this.side);
  }
}
