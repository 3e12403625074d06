// verl's own trainer config tree (../shared/fixtures/verl-config, or $VERL_CONFIG_DIR pointing at a verl
// checkout's verl/trainer/config) composes to verl's committed `_generated_*.yaml` snapshots byte for byte.
// Skipped, with a notice on stderr, only when neither is available (a user's clone has no ../shared).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compose, toYaml } from '../../src/config/index.js';
import { sharedFixture } from '../support/shared.js';

const dir = process.env.VERL_CONFIG_DIR ?? sharedFixture('verl-config');

describe.skipIf(dir === null)("verl's trainer configs compose to verl's generated reference", () => {
  for (const name of ['ppo_trainer', 'ppo_megatron_trainer']) {
    it(name, () => {
      const configDir = dir as string;
      const printed = toYaml(compose({ configDir, configName: name, overrides: [], env: {} }).config);
      // verl's generator writes a 5-line header, then everything from the first `actor_rollout_ref` line.
      const expected = readFileSync(path.join(configDir, `_generated_${name}.yaml`), 'utf8').split('\n').slice(5).join('\n');
      expect(expected).toMatch(/^actor_rollout_ref:\n/);
      expect(printed.slice(printed.search(/^actor_rollout_ref/m))).toBe(expected);
    });
  }
});
