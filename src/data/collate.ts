/**
 * Collation: prompt samples → one Batch, as verl's collate_fn (tensors stacked, everything else as per-row
 * values). Tensors: input_ids, attention_mask, position_ids [B, max_prompt_length] int32, left-padded.
 */
import { Batch, BatchError } from './batch.js';
import { Tensor } from './tensor.js';
import type { PromptSample } from './dataset.js';

export function collatePrompts(samples: readonly PromptSample[]): Batch {
  if (samples.length === 0) throw new BatchError('cannot collate an empty list of samples');
  const width = samples[0].inputIds.length;
  for (const [i, s] of samples.entries()) {
    if (s.inputIds.length !== width) throw new BatchError(`sample ${i} has ${s.inputIds.length} prompt tokens, sample 0 has ${width}`);
  }
  const stack = (pick: (s: PromptSample) => Int32Array) => Tensor.fromRows('int32', samples.map(pick), width);
  const names = new Set<string>();
  for (const s of samples) for (const k of Object.keys(s.fields)) names.add(k);
  const nonTensors: Record<string, unknown[]> = {};
  for (const name of names) nonTensors[name] = samples.map((s) => s.fields[name] ?? null);
  return Batch.from({
    tensors: { input_ids: stack((s) => s.inputIds), attention_mask: stack((s) => s.attentionMask), position_ids: stack((s) => s.positionIds) },
    nonTensors,
  });
}
