/**
 * SFT batches: samples stacked into a Batch of [B, max_length] int32 columns (input_ids, attention_mask,
 * position_ids, loss_mask), and a micro-batch viewed as the model's scoring input, where every token after
 * the first is scored (response length = max_length − 1) so that prompt and response share one right-padded row.
 */
import { Batch } from '../../data/batch.js';
import { Tensor as DataTensor } from '../../data/tensor.js';
import type { SequenceBatch } from '../../models/compute/sequence-batch.js';
import type { SftSample } from './dataset.js';

export function collateSft(samples: readonly SftSample[]): Batch {
  const stack = (pick: (s: SftSample) => Int32Array) => DataTensor.fromRows('int32', samples.map(pick));
  return Batch.from({
    tensors: {
      input_ids: stack((s) => s.inputIds),
      attention_mask: stack((s) => s.attentionMask),
      position_ids: stack((s) => s.positionIds),
      loss_mask: stack((s) => s.lossMask),
    },
  });
}

/** The scoring input of an SFT (micro-)batch: log-probs of tokens 1..T−1 given their prefixes. */
export function scoringInput(batch: Batch): SequenceBatch {
  const ids = batch.ints('input_ids');
  const [rows, length] = ids.shape;
  return {
    batchSize: rows,
    length,
    inputIds: ids.data,
    attentionMask: batch.ints('attention_mask').data,
    positionIds: batch.ints('position_ids').data,
    responseLength: length - 1,
  };
}

/** Number of target tokens in a batch (Σ loss_mask). */
export function lossTokenCount(batch: Batch): number {
  const mask = batch.ints('loss_mask').data;
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  return n;
}
