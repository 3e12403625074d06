/**
 * The SFT objective: the negative log-likelihood of the target tokens, averaged over every target token of the
 * whole training batch (verl's sft_loss: −Σ mask·log p / batch_num_tokens). A micro-batch contributes its share
 * of that sum, so accumulating micro-batch gradients gives exactly the full-batch gradient.
 */
import { InputError } from '../../util/errors.js';

export interface SftMicroLoss {
  /** This micro-batch's term of the batch loss: −Σ mask·log p / normalizer. */
  loss: number;
  /** dLoss/dlog p for every scored position, [B, T−1]: −mask / normalizer. */
  upstream: Float32Array;
}

/**
 * `logProbs` [B, T−1] are log p(token t | tokens < t) for t = 1..T−1; `lossMask` [B, T] marks target tokens.
 * `normalizer` is the number of target tokens in the whole batch.
 */
export function sftMicroBatchLoss(logProbs: ArrayLike<number>, lossMask: ArrayLike<number>, rows: number, length: number, normalizer: number): SftMicroLoss {
  const width = length - 1;
  if (logProbs.length !== rows * width) throw new InputError(`sft loss: ${logProbs.length} log-probs for ${rows} rows of ${length} tokens (expected ${rows * width})`);
  if (lossMask.length !== rows * length) throw new InputError(`sft loss: loss mask has ${lossMask.length} values, expected ${rows * length}`);
  if (!(normalizer > 0)) throw new InputError('sft loss: the batch has no response tokens to train on (every loss_mask is 0)');
  const upstream = new Float32Array(rows * width);
  let sum = 0;
  for (let b = 0; b < rows; b++) {
    for (let j = 0; j < width; j++) {
      if (lossMask[b * length + j + 1] === 0) continue;
      sum -= logProbs[b * width + j];
      upstream[b * width + j] = -1 / normalizer;
    }
  }
  return { loss: sum / normalizer, upstream };
}
