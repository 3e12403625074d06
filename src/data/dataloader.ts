/**
 * A resumable data loader (verl's StatefulDataLoader + RandomSampler): yields collated batches epoch after
 * epoch; with shuffle, each epoch's order is a fresh permutation drawn from one seeded generator. Its state
 * (epoch, batches already taken in the epoch, generator state at the start of the epoch) is plain JSON, and
 * a loader restored from it yields exactly the batches the original had not yet yielded.
 */
import { ConfigError, InputError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { RngState } from '../util/rng.js';
import type { Batch } from './batch.js';

export interface IndexedDataset<S> {
  readonly length: number;
  get(i: number): S;
}

export interface DataLoaderOptions<S> {
  batchSize: number;
  shuffle: boolean;
  /** Seed of the shuffling generator. */
  seed: number;
  /** Drop the last incomplete batch of an epoch (verl: true for training, false for validation). */
  dropLast: boolean;
  collate: (samples: S[]) => Batch;
  /** Name for messages, e.g. "train dataloader". */
  name?: string;
}

export interface DataLoaderState {
  version: 1;
  datasetSize: number;
  batchSize: number;
  shuffle: boolean;
  dropLast: boolean;
  epoch: number;
  /** Batches already yielded in `epoch`. */
  position: number;
  /** Generator state before this epoch's order was drawn. */
  rng: { s: RngState; spareNormal: number | null };
}

export class StatefulDataLoader<S> {
  private readonly dataset: IndexedDataset<S>;
  private readonly options: DataLoaderOptions<S>;
  private rng: Rng;
  private epochStart: { s: RngState; spareNormal: number | null };
  private order: number[] | null = null;
  private epochIndex = 0;
  private pos = 0;

  constructor(dataset: IndexedDataset<S>, options: DataLoaderOptions<S>) {
    const name = options.name ?? 'dataloader';
    if (!Number.isInteger(options.batchSize) || options.batchSize <= 0) {
      throw new ConfigError(`${name}: batch size must be a positive integer, got ${options.batchSize}`);
    }
    this.dataset = dataset;
    this.options = options;
    this.rng = new Rng(options.seed);
    this.epochStart = this.rng.getState();
    if (this.batchesPerEpoch === 0) {
      throw new InputError(
        `${name} is empty: ${dataset.length} rows make no full batch of ${options.batchSize}` +
          (options.dropLast ? ' (the last incomplete batch is dropped)' : ''),
      );
    }
  }

  /** Batches in one epoch (verl's len(dataloader)). */
  get batchesPerEpoch(): number {
    const n = this.dataset.length;
    const b = this.options.batchSize;
    return this.options.dropLast ? Math.floor(n / b) : Math.ceil(n / b);
  }

  get epoch(): number {
    return this.epochIndex;
  }

  /** Batches already yielded in the current epoch. */
  get position(): number {
    return this.pos;
  }

  private ensureOrder(): number[] {
    if (!this.order) {
      this.epochStart = this.rng.getState();
      const n = this.dataset.length;
      this.order = this.options.shuffle ? this.rng.permutation(n) : Array.from({ length: n }, (_x, i) => i);
    }
    return this.order;
  }

  /** The next batch of the current epoch, or null when the epoch is over (the loader then moves to the next). */
  next(): Batch | null {
    const order = this.ensureOrder();
    if (this.pos >= this.batchesPerEpoch) {
      this.epochIndex++;
      this.pos = 0;
      this.order = null;
      return null;
    }
    const b = this.options.batchSize;
    const idx = order.slice(this.pos * b, Math.min((this.pos + 1) * b, order.length));
    this.pos++;
    return this.options.collate(idx.map((i) => this.dataset.get(i)));
  }

  /** The remaining batches of the current epoch; afterwards the loader stands at the start of the next. */
  *epochBatches(): Generator<Batch> {
    for (;;) {
      const batch = this.next();
      if (batch === null) return;
      yield batch;
    }
  }

  state(): DataLoaderState {
    return {
      version: 1,
      datasetSize: this.dataset.length,
      batchSize: this.options.batchSize,
      shuffle: this.options.shuffle,
      dropLast: this.options.dropLast,
      epoch: this.epochIndex,
      position: this.pos,
      rng: this.order ? this.epochStart : this.rng.getState(),
    };
  }

  /** Continue from a saved state; the dataset and batching options must be the same as when it was saved. */
  loadState(state: DataLoaderState): void {
    const name = this.options.name ?? 'dataloader';
    const mismatch: string[] = [];
    if (state.version !== 1) mismatch.push(`state version ${String(state.version)} (expected 1)`);
    if (state.datasetSize !== this.dataset.length) mismatch.push(`dataset size ${state.datasetSize} → ${this.dataset.length}`);
    if (state.batchSize !== this.options.batchSize) mismatch.push(`batch size ${state.batchSize} → ${this.options.batchSize}`);
    if (state.shuffle !== this.options.shuffle) mismatch.push(`shuffle ${state.shuffle} → ${this.options.shuffle}`);
    if (state.dropLast !== this.options.dropLast) mismatch.push(`drop_last ${state.dropLast} → ${this.options.dropLast}`);
    if (mismatch.length) {
      throw new InputError(`${name}: the saved data loader state does not fit this run: ${mismatch.join(', ')}`);
    }
    if (!Number.isInteger(state.position) || state.position < 0 || state.position > this.batchesPerEpoch) {
      throw new InputError(`${name}: saved position ${state.position} is outside 0..${this.batchesPerEpoch}`);
    }
    this.rng = Rng.fromState(state.rng);
    this.epochStart = state.rng;
    this.order = null;
    this.epochIndex = state.epoch;
    this.pos = state.position;
  }
}
