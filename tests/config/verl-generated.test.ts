// Optional: compose a verl checkout's trainer configs and compare with verl's own `_generated_*.yaml`
// (produced by `scripts/print_cfg.py --cfg job`). Runs when VERL_CONFIG_DIR points at
// verl/trainer/config; skipped otherwise (the project does not ship verl's config tree).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compose, toYaml } from '../../src/config/index.js';

const dir = process.env.VERL_CONFIG_DIR;

describe.skipIf(!dir)('verl trainer configs compose to verl\'s generated reference', () => {
  for (const name of ['ppo_trainer', 'ppo_megatron_trainer']) {
    const reference = path.join(dir ?? '', `_generated_${name}.yaml`);
    it.skipIf(!existsSync(reference))(name, () => {
      const printed = toYaml(compose({ configDir: dir as string, configName: name, overrides: [] }).config);
      // The generator keeps everything from the first `actor_rollout_ref` line, after a 5-line header.
      const expected = readFileSync(reference, 'utf8').split('\n').slice(5).join('\n');
      expect(printed.slice(printed.search(/^actor_rollout_ref/m))).toBe(expected);
    });
  }
});
