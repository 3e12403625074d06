// The package root as a user imports it: `import('verl-ts')` from a module inside the package resolves through
// package.json "exports" (Node's self-reference) to the built dist/index.js. Needs `npm run build` first (npm
// test builds before running the suite).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Run an ES module script in the package folder and parse the JSON it prints. */
function runModule(source: string): unknown {
  if (!existsSync(`${ROOT}dist/index.js`)) throw new Error('dist/index.js is missing: run `npm run build` first (npm test does)');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', source], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node exited with ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
}

describe("import('verl-ts')", () => {
  it('exposes config loading, the registries, models, data, rewards and the jobs', () => {
    const names = runModule(`const m = await import('verl-ts'); process.stdout.write(JSON.stringify(Object.keys(m)));`) as string[];
    const expected = [
      // config loading
      'compose', 'loadConfig', 'loadTrainerConfig', 'ppoTrainerSchema', 'defaultConfigDir', 'registryNames', 'algorithmNeeds', 'ConfigValidationError',
      // registries
      'registerAdvantageEstimator', 'advantageEstimatorNames', 'registerPolicyLoss', 'policyLossNames', 'registerScorer', 'loadCustomRewardFunction',
      'registerRewardManager', 'createRewardManager', 'registerPreprocessor', 'registerArchitecture',
      // models, data, rewards, jobs
      'CausalLM', 'ValueModel', 'loadModelDir', 'loadTokenizer', 'fullAttention', 'Batch', 'Tensor', 'RLDataset', 'collatePrompts', 'readTable',
      'defaultComputeScore', 'loadRewardManager', 'runGeneration', 'runEvaluation', 'scoreFile',
    ];
    expect(expected.filter((name) => !names.includes(name))).toEqual([]);
  });

  it('loads and validates the trainer config, and a registered estimator is seen by the validation', () => {
    const out = runModule(`
      const v = await import('verl-ts');
      v.registerAdvantageEstimator('root_test_estimator', (input) => ({ advantages: input.tokenLevelRewards, returns: input.tokenLevelRewards }));
      const base = { configDir: v.defaultConfigDir(), configName: 'quickstart', cwd: process.cwd(), registryNames: v.registryNames, algorithmNeeds: v.algorithmNeeds };
      const loaded = await v.loadTrainerConfig({ ...base, overrides: ['algorithm.adv_estimator=root_test_estimator'] });
      let refused = '';
      try {
        await v.loadTrainerConfig({ ...base, overrides: ['algorithm.adv_estimator=no_such_estimator'] });
      } catch (err) {
        refused = err.constructor.name;
      }
      process.stdout.write(JSON.stringify({ estimator: loaded.config.algorithm.adv_estimator, refused }));
    `);
    expect(out).toEqual({ estimator: 'root_test_estimator', refused: 'ConfigValidationError' });
  });
});
