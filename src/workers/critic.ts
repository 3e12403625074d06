/** The critic: a ValueModel (verl's token-classification head) with its optimizer, scoring values and updating from a value objective. */
import type { Batch } from '../data/batch.js';
import type { Tensor } from '../data/tensor.js';
import type { FloatArray } from '../engine/index.js';
import type { ValueModel } from '../models/index.js';
import type { MicroBatching } from './micro-batches.js';
import { TrainableRole } from './role.js';
import { valuesOfBatch } from './scoring.js';
import { cutUpstream, padOutput, trimBatch } from './trim.js';
import type { Objective, TrainingPass } from './update.js';

export interface CriticOutputs {
  values: Tensor<Float32Array | Float64Array>;
}

export interface CriticUpstream {
  values: FloatArray;
}

export type CriticObjective = Objective<CriticOutputs, CriticUpstream>;

export class CriticWorker extends TrainableRole<ValueModel, CriticOutputs, CriticUpstream> {
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
}
