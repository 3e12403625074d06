/**
 * Cases generated from verl's own source by tests/algos/fixtures/generate_verl_extra.py (float64, torch
 * autograd): bypass_mode with every rollout-correction option and all rollout_corr/* metrics, every policy
 * loss with rollout_is_weights and with global batch normalisers, agg_loss with global normalisers, and
 * masked_whiten. Same tolerance as the main fixture (1e-9 relative, 1e-12 absolute).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  aggLoss,
  computePolicyLoss,
  defaultPolicyLossConfig,
  maskedVar,
  maskedWhiten,
  toRows,
} from '../../src/algos/index.js';
import type { GlobalBatchInfo, Mat, RolloutCorrectionConfig } from '../../src/algos/index.js';
import { Rng } from '../../src/util/rng.js';
import { expectClose, mat } from './helpers.js';

interface ExtraCase {
  kind: string;
  name: string;
  params: Record<string, unknown>;
  inputs: Record<string, number[][]>;
  outputs: Record<string, unknown>;
  grads?: Record<string, number[][]>;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/verl-extra.json', import.meta.url), 'utf8')) as {
  cases: ExtraCase[];
};

function globalInfo(p: Record<string, unknown>): GlobalBatchInfo | undefined {
  const g = p.global_batch_info as Record<string, number> | undefined;
  if (g === undefined) return undefined;
  return { dpSize: g.dp_size, batchNumTokens: g.batch_num_tokens, globalBatchSize: g.global_batch_size, lossScaleFactor: g.loss_scale_factor };
}

function rolloutCorrection(p: Record<string, unknown>): RolloutCorrectionConfig | undefined {
  const rc = p.rollout_correction as Record<string, unknown> | undefined;
  if (rc === undefined) return undefined;
  return {
    lossType: rc.loss_type as string,
    rolloutIs: rc.rollout_is as string | null,
    rolloutIsThreshold: rc.rollout_is_threshold as number | null,
    rolloutIsBatchNormalize: rc.rollout_is_batch_normalize as boolean,
    rolloutRs: rc.rollout_rs as string | null,
    rolloutRsThreshold: rc.rollout_rs_threshold as string | number | null,
  };
}

function runPolicyLoss(c: ExtraCase): void {
  const p = c.params;
  const isWeights: Mat | undefined = c.inputs.rollout_is_weights === undefined ? undefined : mat(c.inputs.rollout_is_weights);
  const out = computePolicyLoss(
    c.name,
    {
      oldLogProb: mat(c.inputs.old_log_prob),
      logProb: mat(c.inputs.log_prob),
      advantages: mat(c.inputs.advantages),
      responseMask: mat(c.inputs.response_mask),
      rolloutIsWeights: isWeights,
      rng: new Rng(0),
    },
    defaultPolicyLossConfig({
      lossAggMode: p.loss_agg_mode as string,
      clipRatio: 0.2,
      clipRatioLow: 0.2,
      clipRatioHigh: 0.28,
      clipRatioC: 3.0,
      clipCovRatio: 0.2,
      klCovRatio: 0.2,
      ppoKlCoef: 0.1,
      global: globalInfo(p),
      rolloutCorrection: rolloutCorrection(p),
    }),
  );
  const expected = c.outputs as { loss: number; metrics: Record<string, number | null> };
  expectClose(out.loss, expected.loss, undefined, 'loss');
  expect(Object.keys(out.metrics).sort()).toEqual(Object.keys(expected.metrics).sort());
  for (const [key, value] of Object.entries(expected.metrics)) expectClose(out.metrics[key], value, undefined, key);
  expectClose(Array.from(out.grad.logProb), (c.grads as { log_prob: number[][] }).log_prob.flat(), undefined, 'd loss / d log_prob');
}

function runAggLoss(c: ExtraCase): void {
  const { loss, weights } = aggLoss(mat(c.inputs.loss_mat), mat(c.inputs.loss_mask), c.name, globalInfo(c.params));
  expectClose(loss, c.outputs.loss, undefined, 'loss');
  expectClose(toRows(weights), (c.grads as { loss_mat: number[][] }).loss_mat, undefined, 'd loss / d loss_mat');
}

function runWhiten(c: ExtraCase): void {
  const values = mat(c.inputs.values);
  const mask = mat(c.inputs.mask);
  expectClose(toRows(maskedWhiten(values, mask, c.params.shift_mean as boolean)), c.outputs.whitened, undefined, 'whitened');
  expectClose(maskedVar(values, mask), c.outputs.var, undefined, 'var');
}

const handlers: Record<string, (c: ExtraCase) => void> = { policy_loss: runPolicyLoss, agg_loss: runAggLoss, masked_whiten: runWhiten };

describe('verl extra fixture (bypass mode, IS weights, global normalisers, whitening)', () => {
  const seen = new Map<string, number>();
  for (const c of fixture.cases) {
    const id = `${c.kind}/${c.name}`;
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    it(`${id} #${n}`, () => {
      expect(handlers[c.kind], `unknown kind '${c.kind}'`).toBeDefined();
      handlers[c.kind](c);
    });
  }
});
