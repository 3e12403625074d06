/**
 * The SFT loop (verl's FSDPSFTTrainer.fit in one process): per step, one shuffled batch of
 * data.train_batch_size rows, split into micro-batches whose gradients accumulate (the loss is normalised by the
 * target tokens of the whole batch), global-norm clipping, AdamW at the warmup + cosine schedule's LR; val/loss
 * every trainer.test_freq steps and at the last step; a checkpoint (the model as a Hugging Face directory plus
 * what resuming needs, see ./checkpoint.ts) every trainer.save_freq steps, at the last step and when interrupted;
 * resume per trainer.resume_mode. Metrics: train/loss, train/grad_norm, train/lr, val/loss (verl's names).
 * Same config and seed, same numbers, whether the run was straight or resumed.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { SftTrainerConfig } from '../../config/schema/sft-trainer.js';
import type { Batch } from '../../data/batch.js';
import { fileList } from '../../data/config.js';
import { StatefulDataLoader } from '../../data/dataloader.js';
import { AdamW, Engine, GradAccumulator, LrScheduler } from '../../engine/index.js';
import { CausalLM } from '../../models/compute/causal-lm.js';
import type { Tokenizer } from '../../models/tokenizer/types.js';
import { collateSft, lossTokenCount, scoringInput } from './batch.js';
import { resolveResume, saveCheckpoint } from '../checkpoint.js';
import type { InterruptSignal } from '../signals.js';
import { ACTOR_PART, restoreSftCheckpoint, sftCheckpointParts } from './checkpoint.js';
import { SftDataset } from './dataset.js';
import type { SftDatasetOptions, SftSample } from './dataset.js';
import { sftMicroBatchLoss } from './loss.js';

export type SftMetrics = Record<string, number>;

export interface SftRunIO {
  /** Folder relative paths are resolved against. */
  cwd: string;
  /** Progress and notices. */
  log: (line: string) => void;
  /** Where each step's metrics go (the loggers); awaited before the next step. */
  metrics: (metrics: SftMetrics, step: number) => void | Promise<void>;
  /** Polled after every step: a signal stops the run after a checkpoint (src/trainer/signals.ts). */
  interrupted?: () => InterruptSignal | null;
}

export interface SftResult {
  /** The global step reached (resumed steps included). */
  steps: number;
  /** Metrics of the last step this run made, val/loss included when it validated; empty when it made none. */
  last: SftMetrics;
  /** The last checkpoint's global_step_N folder; its `actor/` is the model as a Hugging Face directory. */
  checkpointDir: string;
  /** The Hugging Face directory of the final model (`<checkpointDir>/actor`). */
  modelDir: string;
  /** The signal that stopped the run early, if one did. */
  interrupted: InterruptSignal | null;
}

/** `~` and relative paths as verl resolves them (home folder; the working directory). */
export function resolvePath(p: string, cwd: string): string {
  const home = p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
  return isAbsolute(home) ? home : resolve(cwd, home);
}

function datasetOptions(cfg: SftTrainerConfig, split: 'train' | 'val'): SftDatasetOptions {
  const d = cfg.data;
  return {
    promptKey: d.prompt_key,
    responseKey: d.response_key,
    promptDictKeys: d.prompt_dict_keys ?? [],
    responseDictKeys: d.response_dict_keys ?? [],
    maxLength: d.max_length,
    truncation: d.truncation,
    applyChatTemplateKwargs: { ...d.apply_chat_template_kwargs },
    maxSamples: split === 'train' ? d.train_max_samples : d.val_max_samples,
  };
}

/** Steps in the run: total_training_steps caps total_epochs passes (verl's early exit). */
export function plannedSteps(stepsPerEpoch: number, totalEpochs: number, totalTrainingSteps: number | null): number {
  const all = stepsPerEpoch * totalEpochs;
  return totalTrainingSteps === null ? all : Math.min(all, totalTrainingSteps);
}

export class SftTrainer {
  private readonly accumulator = new GradAccumulator();

  private constructor(
    private readonly cfg: SftTrainerConfig,
    private readonly io: SftRunIO,
    private readonly engine: Engine,
    readonly model: CausalLM,
    private readonly train: StatefulDataLoader<SftSample>,
    private readonly val: StatefulDataLoader<SftSample> | null,
    private readonly optimizer: AdamW,
    private readonly scheduler: LrScheduler,
    /** The global step the run ends at. */
    readonly totalSteps: number,
    /** The global step the run starts from (> 0 when resumed). */
    readonly startStep: number,
  ) {}

  static async create(cfg: SftTrainerConfig, io: SftRunIO): Promise<SftTrainer> {
    const threads = cfg.trainer.intra_op_num_threads;
    const engine = new Engine(threads === null ? {} : { intraOpNumThreads: threads });
    try {
      const model = CausalLM.fromDir(resolvePath(cfg.model.partial_pretrain, io.cwd), {
        engine,
        tokenizer: 'required',
        ...(cfg.model.enable_gradient_checkpointing ? { savePolicy: 'layer-inputs' as const } : {}),
      });
      const tokenizer = model.tokenizer as Tokenizer;
      const load = (files: string | string[], split: 'train' | 'val', what: string) =>
        SftDataset.load(fileList(files).map((f) => resolvePath(f, io.cwd)), tokenizer, datasetOptions(cfg, split), { what, log: io.log });
      const trainSet = await load(cfg.data.train_files, 'train', 'data.train_files');
      const valSet = cfg.data.val_files === null ? null : await load(cfg.data.val_files, 'val', 'data.val_files');
      const train = new StatefulDataLoader(trainSet, {
        batchSize: cfg.data.train_batch_size,
        shuffle: true,
        seed: cfg.trainer.seed,
        dropLast: true,
        collate: collateSft,
        name: 'train dataloader (data.train_files, data.train_batch_size)',
      });
      const val =
        valSet === null
          ? null
          : new StatefulDataLoader(valSet, {
              batchSize: cfg.data.micro_batch_size_per_gpu,
              shuffle: false,
              seed: cfg.trainer.seed,
              dropLast: false,
              collate: collateSft,
              name: 'validation dataloader (data.val_files, data.micro_batch_size_per_gpu)',
            });
      const o = cfg.optim;
      const optimizer = new AdamW(model.parameters(), { lr: o.lr, betas: [o.betas[0], o.betas[1]], weightDecay: o.weight_decay });
      // verl's schedule spans total_epochs even when total_training_steps stops the run earlier.
      const scheduleSteps = train.batchesPerEpoch * cfg.trainer.total_epochs;
      const scheduler = new LrScheduler(o.lr, { schedulerType: o.lr_scheduler, totalSteps: scheduleSteps, warmupStepsRatio: o.lr_warmup_steps_ratio });
      const total = plannedSteps(train.batchesPerEpoch, cfg.trainer.total_epochs, cfg.trainer.total_training_steps);
      io.log(`Number of steps/epoch ${train.batchesPerEpoch}, number of epochs ${cfg.trainer.total_epochs}, total number of steps ${total}`);
      const resume = resolveResume({
        mode: cfg.trainer.resume_mode,
        root: resolvePath(cfg.trainer.default_local_dir, io.cwd),
        resumeFromPath: cfg.trainer.resume_from_path === null ? null : resolvePath(cfg.trainer.resume_from_path, io.cwd),
        cwd: io.cwd,
        warn: (m) => io.log(`WARN: ${m}`),
      });
      let start = 0;
      if (resume) {
        start = restoreSftCheckpoint({ model, optimizer, train }, resume.dir, resume.step);
        io.log(`Resumed from ${resume.dir} (global step ${start})`);
      }
      return new SftTrainer(cfg, io, engine, model, train, val, optimizer, scheduler, total, start);
    } catch (err) {
      await engine.dispose();
      throw err;
    }
  }

  /** One optimizer step on `batch` (step is 0-based: the LR schedule's index). */
  async trainStep(batch: Batch, step: number): Promise<SftMetrics> {
    const normalizer = lossTokenCount(batch);
    this.accumulator.zero();
    let loss = 0;
    for (const micro of batch.split(this.cfg.data.micro_batch_size_per_gpu)) {
      const input = scoringInput(micro);
      const pass = await this.model.forward(input);
      const term = sftMicroBatchLoss(pass.logProbs.data, micro.ints('loss_mask').data, input.batchSize, input.length, normalizer);
      this.accumulator.add(await this.model.backward(pass, { logProbs: term.upstream }));
      loss += term.loss;
    }
    const lr = this.scheduler.lr(step);
    const result = this.optimizer.step(this.accumulator.grads, { lr, maxGradNorm: this.cfg.optim.clip_grad });
    this.accumulator.zero();
    if (result.skipped) this.io.log(`WARN: grad_norm is not finite: ${result.gradNorm}; step ${step + 1} made no update`);
    return { 'train/loss': loss, 'train/grad_norm': result.gradNorm, 'train/lr': lr };
  }

  /** val/loss: the mean over validation micro-batches of each one's token-mean NLL (verl's validation_step). */
  async validate(): Promise<number | null> {
    if (!this.val) return null;
    let sum = 0;
    let batches = 0;
    for (const batch of this.val.epochBatches()) {
      const tokens = lossTokenCount(batch);
      if (tokens === 0) continue;
      const input = scoringInput(batch);
      const scores = await this.model.scoreTokens(input);
      sum += sftMicroBatchLoss(scores.logProbs.data, batch.ints('loss_mask').data, input.batchSize, input.length, tokens).loss;
      batches++;
    }
    return batches === 0 ? null : sum / batches;
  }

  /** Write the checkpoint of `step` (retention per trainer.max_ckpt_to_keep); returns its folder. */
  async saveCheckpoint(step: number): Promise<string> {
    const root = resolvePath(this.cfg.trainer.default_local_dir, this.io.cwd);
    const parts = sftCheckpointParts({ model: this.model, optimizer: this.optimizer, train: this.train }, step, this.cfg.trainer.max_ckpt_to_keep);
    const dir = await saveCheckpoint(root, step, parts);
    this.io.log(`Saved checkpoint ${dir}`);
    return dir;
  }

  /**
   * Train from startStep to totalSteps, validating and reporting metrics, saving every save_freq steps and at
   * the end. An interrupt (io.interrupted) ends the run after the current step and its checkpoint.
   */
  async fit(): Promise<SftResult> {
    const { test_freq: testFreq, save_freq: saveFreq } = this.cfg.trainer;
    let step = this.startStep;
    let last: SftMetrics = {};
    let saved: { step: number; dir: string } | null = null;
    let interrupted: InterruptSignal | null = null;
    while (step < this.totalSteps && interrupted === null) {
      for (const batch of this.train.epochBatches()) {
        const metrics = await this.trainStep(batch, step);
        step++;
        const isLast = step >= this.totalSteps;
        if (isLast || (testFreq > 0 && step % testFreq === 0)) {
          const valLoss = await this.validate();
          if (valLoss !== null) metrics['val/loss'] = valLoss;
        }
        await this.io.metrics(metrics, step);
        last = metrics;
        interrupted = this.io.interrupted?.() ?? null;
        if (isLast || interrupted !== null || (saveFreq > 0 && step % saveFreq === 0)) saved = { step, dir: await this.saveCheckpoint(step) };
        if (isLast || interrupted !== null) break;
      }
    }
    // A run resumed from its last step made none: its final checkpoint is saved again, so the result names one.
    if (saved === null || saved.step !== step) saved = { step, dir: await this.saveCheckpoint(step) };
    return { steps: step, last, checkpointDir: saved.dir, modelDir: join(saved.dir, ACTOR_PART), interrupted };
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
    await this.engine.dispose();
  }
}

/** Create, train, dispose. */
export async function runSft(cfg: SftTrainerConfig, io: SftRunIO): Promise<SftResult> {
  const trainer = await SftTrainer.create(cfg, io);
  try {
    return await trainer.fit();
  } finally {
    await trainer.dispose();
  }
}
