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
import { loadOptimizer, saveOptimizer, type OptimizerSide } from './optimizer.js';
import { scoreBatch, type BatchTokenScores } from './scoring.js';
import { cutUpstream, padOutput, trimBatch } from './trim.js';
import { runUpdate, type Objective, type Trainable, type TrainingPass, type UpdatePlan, type UpdateStats } from './update.js';

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

export class ActorWorker implements Trainable<ActorOutputs, ActorUpstream> {
  schedulerStep = 0;

  constructor(
    readonly model: CausalLM,
    private readonly side: OptimizerSide,
    private readonly options: ActorOptions,
  ) {}

  get optimizer() {
    return this.side.optimizer;
  }

  get scheduler() {
    return this.side.scheduler;
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

  update(batch: Batch, objective: ActorObjective, plan: UpdatePlan): Promise<UpdateStats> {
    return runUpdate(this, batch, objective, plan);
  }

  /** An HF model directory (float32, so a resumed run continues bit for bit) plus the optimizer and scheduler state. */
  async save(dir: string): Promise<void> {
    await this.model.save(dir, { dtype: 'float32' });
    saveOptimizer(dir, this.side, this.schedulerStep);
  }

  /** Restore the optimizer and scheduler (the weights come from loading the model out of the same folder). */
  loadOptimizer(dir: string): void {
    this.schedulerStep = loadOptimizer(dir, this.side);
  }
}
