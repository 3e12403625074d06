/**
 * What the actor and the critic share: a model with its optimizer side (AdamW + LR schedule), the update loop, and
 * saving both into one folder (the model as an HF directory in float32, so a resumed run continues bit for bit).
 */
import type { Batch } from '../data/batch.js';
import type { HfModel } from '../models/index.js';
import { loadOptimizer, saveOptimizer, type OptimizerSide } from './optimizer.js';
import { runUpdate, type Objective, type Trainable, type TrainingPass, type UpdatePlan, type UpdateStats } from './update.js';

export abstract class TrainableRole<M extends HfModel, Out, Up> implements Trainable<Out, Up> {
  schedulerStep = 0;

  constructor(
    readonly model: M,
    private readonly side: OptimizerSide,
  ) {}

  get optimizer() {
    return this.side.optimizer;
  }

  get scheduler() {
    return this.side.scheduler;
  }

  abstract trainingPass(micro: Batch): Promise<TrainingPass<Out, Up>>;

  update(batch: Batch, objective: Objective<Out, Up>, plan: UpdatePlan): Promise<UpdateStats> {
    return runUpdate(this, batch, objective, plan);
  }

  async save(dir: string): Promise<void> {
    await this.model.save(dir, { dtype: 'float32' });
    saveOptimizer(dir, this.side, this.schedulerStep);
  }

  /** Restore the optimizer and scheduler (the weights come from loading the model out of the same folder). */
  loadOptimizer(dir: string): void {
    this.schedulerStep = loadOptimizer(dir, this.side);
  }
}
