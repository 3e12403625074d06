import { describe, expect, it } from 'vitest';
import { closestNames, didYouMean, editDistance } from '../../src/util/suggest.js';

describe('suggestions', () => {
  it('computes edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('grop', 'grpo')).toBe(1);
    expect(editDistance('same', 'same')).toBe(0);
  });
  it('suggests close names only', () => {
    expect(closestNames('grop', ['grpo', 'gae', 'rloo'])).toEqual(['grpo']);
    expect(closestNames('train_batch_sise', ['train_batch_size', 'val_batch_size'])).toEqual(['train_batch_size', 'val_batch_size']);
    expect(didYouMean('zzzzzz', ['grpo', 'gae'])).toBe('');
    expect(didYouMean('GAE', ['gae', 'grpo'])).toBe(" Did you mean 'gae'?");
  });
});
