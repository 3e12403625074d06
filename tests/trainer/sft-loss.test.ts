// The SFT objective: −Σ mask·log p / (target tokens of the whole batch), its gradient, and that micro-batch terms
// add up to the full-batch loss (what makes gradient accumulation exact).
import { describe, expect, it } from 'vitest';
import { sftMicroBatchLoss } from '../../src/trainer/sft/loss.js';

describe('sftMicroBatchLoss', () => {
  // Two rows of 4 tokens: log-probs of tokens 1..3; targets are the tokens with loss_mask 1.
  const logProbs = [-0.5, -1.0, -2.0, -0.25, -3.0, -4.0];
  const mask = [0, 0, 1, 1, 0, 1, 0, 0];

  it('averages the NLL of the target tokens over the normaliser, with gradient −mask/normaliser', () => {
    const r = sftMicroBatchLoss(logProbs, mask, 2, 4, 3);
    // Targets: row 0 tokens 2 and 3 (log-probs −1, −2), row 1 token 1 (−0.25).
    expect(r.loss).toBeCloseTo((1 + 2 + 0.25) / 3, 12);
    expect([...r.upstream]).toEqual([0, -1 / 3, -1 / 3, -1 / 3, 0, 0].map(Math.fround));
  });

  it('micro-batch terms with the batch-wide normaliser sum to the full-batch loss', () => {
    const full = sftMicroBatchLoss(logProbs, mask, 2, 4, 3).loss;
    const a = sftMicroBatchLoss(logProbs.slice(0, 3), mask.slice(0, 4), 1, 4, 3).loss;
    const b = sftMicroBatchLoss(logProbs.slice(3), mask.slice(4), 1, 4, 3).loss;
    expect(a + b).toBeCloseTo(full, 12);
  });

  it('refuses a batch without targets and mismatched sizes', () => {
    expect(() => sftMicroBatchLoss(logProbs, mask, 2, 4, 0)).toThrow('the batch has no response tokens to train on (every loss_mask is 0)');
    expect(() => sftMicroBatchLoss(logProbs, mask, 2, 5, 3)).toThrow('sft loss: 6 log-probs for 2 rows of 5 tokens (expected 8)');
  });
});
