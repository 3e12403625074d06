/**
 * The actor: the policy CausalLM with its optimizer and LR schedule. It scores batches (old log-probs, entropy,
 * Σπ²) and updates itself from an objective the trainer builds from src/algos, so the same worker serves PPO,
 * DPO and SFT. The rollout worker generates with this very model (no weight copy).
 */
import type { Batch } from '../data/batch.js';
import type { Tensor } from '../data/tensor.js';
import type { FloatArray } from '../engine/index.js';
import type { CausalLM, ScoreOptions } from '../models/index.js';
import type { MicroBatching } from './micro-batches.js';
import type { OptimizerSide } from './optimizer.js';
import { TrainableRole } from './role.js';
import { scoreBatch, type BatchTokenScores } from './scoring.js';
import { cutUpstream, padOutput, trimBatch } from './trim.js';
import type { Objective, TrainingPass } from './update.js';

type FloatTensor = Tensor<Float32Array | Float64Array>;

/** What the actor's training pass gives the objective: [B, R] log-probs at the rollout temperature (+ entropy). */
export interface ActorOutputs {
  logProbs: FloatTensor;
  entropy?: FloatTensor;
}

/** d loss / d outputs, [B·R] each. */
export interface ActorUpstream {
  logProbs: FloatArray;
  entropy?: FloatArray;
}

export type ActorObjective = Objective<ActorOutputs, ActorUpstream>;

export interface ActorOptions {
  /** Logits are divided by this in every pass (verl: the rollout temperature). */
  temperature: number;
  /** Compute entropy in the training pass (an entropy bonus needs its gradient). */
  trainingEntropy: boolean;
}

export class ActorWorker extends TrainableRole<CausalLM, ActorOutputs, ActorUpstream> {
  constructor(
    model: CausalLM,
    side: OptimizerSide,
    private readonly options: ActorOptions,
  ) {
    super(model, side);
  }

  async trainingPass(micro: Batch): Promise<TrainingPass<ActorOutputs, ActorUpstream>> {
    const trim = trimBatch(micro);
    const pass = await this.model.forward(trim.input, { temperature: this.options.temperature, withEntropy: this.options.trainingEntropy });
    return {
      outputs: { logProbs: padOutput(pass.logProbs, trim), entropy: pass.entropy && padOutput(pass.entropy, trim) },
      backward: (upstream) =>
        this.model.backward(pass, {
          logProbs: cutUpstream(upstream.logProbs, trim),
          entropy: upstream.entropy && cutUpstream(upstream.entropy, trim),
        }),
    };
  }

  /** Log-probs of the responses under the current weights (verl's compute_log_prob), without gradients. */
  computeLogProbs(batch: Batch, options: Omit<ScoreOptions, 'temperature'>, how: MicroBatching): Promise<BatchTokenScores> {
    return scoreBatch(this.model, batch, { ...options, temperature: this.options.temperature }, how, 'actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu');
  }
}
