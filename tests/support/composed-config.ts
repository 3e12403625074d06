/**
 * Test helper: sections of the package's real config tree, composed with overrides, resolved and validated
 * against their schemas — the same path `verl-ts train` / `verl-ts eval` take.
 */
import { fileURLToPath } from 'node:url';
import { compose, toPlain } from '../../src/config/index.js';
import type { SchemaContext } from '../../src/config/schema/dsl.js';
import { evaluationSchema } from '../../src/config/schema/evaluation.js';
import type { EvaluationFileConfig } from '../../src/config/schema/evaluation.js';
import { customRewardFunctionSchema, dataSchema, rewardModelSchema } from '../../src/config/schema/sections.js';
import type { DataSection } from '../../src/config/schema/sections.js';
import { validateConfig } from '../../src/config/schema/validate.js';
import { registryNames } from '../../src/cli/registry-names.js';
import type { RewardSections } from '../../src/reward/from-config.js';

export const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));
const ctx: SchemaContext = { mode: 'validate', registryNames };

function plainOf(configName: string, overrides: string[]): Record<string, unknown> {
  const composed = compose({ configDir: CONFIG_DIR, configName, overrides, env: {} });
  return toPlain(composed.config, { resolve: true }) as Record<string, unknown>;
}

export function dataSection(overrides: string[] = []): DataSection {
  return validateConfig(plainOf('ppo_trainer', overrides.map((o) => `data.${o}`)).data, dataSchema, ctx);
}

export function rewardSections(overrides: string[] = []): RewardSections {
  const p = plainOf('ppo_trainer', overrides);
  return {
    reward_model: validateConfig(p.reward_model, rewardModelSchema, ctx),
    custom_reward_function: validateConfig(p.custom_reward_function, customRewardFunctionSchema, ctx),
    data: validateConfig(p.data, dataSchema, ctx),
  };
}

export function evaluationConfig(overrides: string[] = []): EvaluationFileConfig {
  return validateConfig(plainOf('evaluation', overrides), evaluationSchema, ctx);
}
