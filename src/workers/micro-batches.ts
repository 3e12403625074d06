/**
 * Splitting a batch for forward/backward passes: fixed-size micro-batches (ppo_micro_batch_size_per_gpu) or
 * packs under a token budget (use_dynamic_bsz with ppo_max_token_len_per_gpu), always consecutive and in order,
 * so per-row outputs concatenate back into the batch's order.
 */
import type { Batch } from '../data/batch.js';
import { ConfigError } from '../util/errors.js';

/** How one pass over a batch is cut: `rows` per micro-batch, or a `tokenBudget` of attention-mask tokens. */
export type MicroBatching = { rows: number } | { tokenBudget: number };

/** Real (unpadded) tokens of every row: Σ attention_mask. */
export function rowTokenCounts(batch: Batch): Int32Array {
  const mask = batch.tensor('attention_mask');
  const width = mask.shape[1];
  const out = new Int32Array(batch.size);
  for (let i = 0; i < batch.size; i++) {
    let n = 0;
    for (let t = 0; t < width; t++) n += mask.data[i * width + t];
    out[i] = n;
  }
  return out;
}

/**
 * Consecutive micro-batches. With a token budget, rows are packed greedily while their token count stays within
 * the budget; a single row longer than the budget is an error naming the key, as verl asserts it.
 */
export function microBatches(batch: Batch, how: MicroBatching, budgetKey = 'ppo_max_token_len_per_gpu'): Batch[] {
  if ('rows' in how) return batch.split(how.rows);
  const counts = rowTokenCounts(batch);
  const out: Batch[] = [];
  let start = 0;
  let tokens = 0;
  for (let i = 0; i < batch.size; i++) {
    if (counts[i] > how.tokenBudget) {
      throw new ConfigError(`${budgetKey}: a sequence of ${counts[i]} tokens does not fit the token budget ${how.tokenBudget}; raise it to at least max_prompt_length + max_response_length.`);
    }
    if (tokens + counts[i] > how.tokenBudget && i > start) {
      out.push(batch.slice(start, i));
      start = i;
      tokens = 0;
    }
    tokens += counts[i];
  }
  if (start < batch.size) out.push(batch.slice(start, batch.size));
  return out;
}
