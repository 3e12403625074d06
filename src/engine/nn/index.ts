/**
 * Neural-network blocks on the graph builder that know no model family: linear, embedding, RMSNorm, RoPE,
 * the causal mask, grouped-query attention and token statistics. Architecture blocks live in src/models/compute.
 */
export { linear, embedding, rmsNorm } from './basic.js';
export { ropeTables, rotateHalf, applyRope, type RopeTables } from './rope.js';
export { causalMask, scaledDotProductAttention } from './attention.js';
export { tokenStats, logSoftmaxGather, entropyFromLogits, sumPiSquared, type TokenStats, type TokenStatsOptions } from './token-stats.js';
