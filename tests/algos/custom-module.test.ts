/**
 * The user-extension path end to end: examples/custom-estimator/my-algorithms.ts is loaded the way the trainer
 * loads user modules (loadUserModule, tsx for .ts), imports the registries from the package path
 * 'verl-ts/algos' (the built dist/, as an installed package would), and its estimator and policy loss become
 * visible to this copy of the registries.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  advantageEstimatorNames,
  computeAdvantage,
  computePolicyLoss,
  defaultAdvantageConfig,
  defaultPolicyLossConfig,
  fromRows,
  matOf,
  policyLossNames,
  toRows,
} from '../../src/algos/index.js';
import { loadUserModule } from '../../src/util/load-user-module.js';
import { expectClose, finiteDifference } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
// The example reads its own parameters from the environment when it is first loaded.
process.env.GRPO_CLIP = '1.5';
process.env.K3_COEF = '0.2';

describe('user module registering an estimator and a policy loss', () => {
  it('is loaded through loadUserModule and both names are registered', async () => {
    expect(existsSync(`${root}dist/algos/index.js`), "dist/ is missing: run 'npm run build' (npm test does)").toBe(true);
    const mod = await loadUserModule('examples/custom-estimator/my-algorithms.ts', { cwd: root, what: 'user module' });
    expect(Object.keys(mod).sort()).toEqual(['GRPO_CLIP', 'K3_COEF', 'grpoClipped', 'ppoK3']);
    expect(advantageEstimatorNames()).toContain('grpo_clipped');
    expect(policyLossNames()).toContain('ppo_k3');
    // Loading it again registers the same functions again, which is allowed.
    await loadUserModule('examples/custom-estimator/my-algorithms.ts', { cwd: root });
  });

  it('runs them with exact gradients', async () => {
    await loadUserModule('examples/custom-estimator/my-algorithms.ts', { cwd: root });
    const adv = computeAdvantage(
      'grpo_clipped',
      { tokenLevelRewards: fromRows([[0, 10], [0, 0], [0, 0], [0, 0], [0, 0]]), responseMask: fromRows([[1, 1], [1, 1], [1, 1], [1, 1], [1, 0]]), index: [1, 1, 1, 1, 1] },
      defaultAdvantageConfig(),
    );
    expectClose(toRows(adv.advantages), [[1.5, 1.5], [-0.4472135, -0.4472135], [-0.4472135, -0.4472135], [-0.4472135, -0.4472135], [-0.4472135, 0]], {
      rel: 1e-6,
      abs: 1e-6,
    });
    const input = {
      oldLogProb: fromRows([[-1, -2, -0.5], [-1.2, -0.3, -2]]),
      logProb: fromRows([[-0.8, -2.3, -0.45], [-1.25, -0.1, -2.5]]),
      advantages: fromRows([[0.5, -1, 2], [-0.3, 1, 0.7]]),
      responseMask: fromRows([[1, 1, 1], [1, 1, 0]]),
    };
    const config = defaultPolicyLossConfig({ lossAggMode: 'seq-mean-token-mean' });
    expect(Number(process.env.K3_COEF)).toBe(0.2);
    const out = computePolicyLoss('ppo_k3', input, config);
    expect(out.metrics['actor/k3_penalty']).toBeGreaterThan(0);
    const f = (x: Float64Array) => computePolicyLoss('ppo_k3', { ...input, logProb: matOf(x, 2, 3) }, config).loss;
    expectClose(Array.from(out.grad.logProb), Array.from(finiteDifference(f, Float64Array.from(input.logProb.data))), { rel: 1e-6, abs: 1e-7 });
  });
});
