/**
 * uid assignment: one id per prompt, before the batch is repeated rollout.n times, so that the n responses of
 * a prompt share a uid (GRPO/RLOO groups). verl uses uuid4; with an Rng the ids are reproducible.
 */
import { randomUUID } from 'node:crypto';
import type { Rng } from '../util/rng.js';
import type { Batch } from './batch.js';

/** A version-4 UUID string, from `rng` when given (reproducible), else from the system's CSPRNG. */
export function uuid4(rng?: Rng): string {
  if (!rng) return randomUUID();
  const b = new Uint8Array(16);
  for (let i = 0; i < 16; i += 4) {
    const x = rng.nextU32();
    b[i] = x & 0xff;
    b[i + 1] = (x >>> 8) & 0xff;
    b[i + 2] = (x >>> 16) & 0xff;
    b[i + 3] = (x >>> 24) & 0xff;
  }
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Add a `uid` column (one fresh id per row) unless the batch already has one. */
export function assignUids(batch: Batch, options: { rng?: Rng; overwrite?: boolean } = {}): Batch {
  if (batch.has('uid') && !options.overwrite) return batch;
  return batch.withColumn('uid', Array.from({ length: batch.size }, () => uuid4(options.rng)));
}
