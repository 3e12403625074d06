export { linear, embedding, rmsNorm, swigluMlp } from './basic.js';
export { ropeTables, rotateHalf, applyRope, type RopeTables } from './rope.js';
export {
  causalMask,
  scaledDotProductAttention,
  selfAttention,
  selfAttentionWithCache,
  type AttentionShape,
  type AttentionWeights,
  type AttentionOptions,
} from './attention.js';
export { tokenStats, logSoftmaxGather, entropyFromLogits, sumPiSquared, type TokenStats, type TokenStatsOptions } from './token-stats.js';
