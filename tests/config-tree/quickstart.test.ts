// The embedded default job (config/quickstart.yaml): its config validates, and its model and data are real
// files that verl-ts's own commands reproduce byte for byte from their seeds.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { bufferIO } from '../../src/cli/io.js';
import { algorithmNeeds, registryNames } from '../../src/cli/registry-names.js';
import { loadTrainerConfig } from '../../src/config/validate-config.js';
import { needsCritic } from '../../src/config/schema/ppo-checks.js';
import { readTable } from '../../src/data/io/read-rows.js';
import { loadModelDir } from '../../src/models/index.js';
import { CONFIG_DIR } from '../support/composed-config.js';
import { makeTempDir } from '../support/temp-dir.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const EXAMPLE = join(ROOT, 'examples/digit_completion');

describe('quickstart (the embedded default)', () => {
  it('validates, with GRPO and no critic', async () => {
    const { config } = await loadTrainerConfig({ configDir: CONFIG_DIR, configName: 'quickstart', overrides: [], env: {}, cwd: ROOT, registryNames, algorithmNeeds });
    expect(config.algorithm.adv_estimator).toBe('grpo');
    expect(needsCritic(config, algorithmNeeds)).toBe(false);
    expect(config.actor_rollout_ref.model.path).toBe(join(ROOT, 'examples/digit_completion/sft_model'));
  });

  it('points at a model that loads and a dataset in verl schema', async () => {
    const model = loadModelDir(join(EXAMPLE, 'model'));
    expect(model.spec.numHiddenLayers).toBe(4);
    expect(model.tokenizer?.vocabSize).toBe(16);
    const train = await readTable(join(EXAMPLE, 'data/train.parquet'));
    expect(train.rows).toHaveLength(800);
    expect(train.columns).toEqual(['data_source', 'prompt', 'ability', 'reward_model', 'extra_info']);
  });

  it("regression guard: the committed example is reproduced byte for byte by init-model and data digit_completion, RL and SFT formats (the project's own RNG and writers)", async () => {
    const out = makeTempDir('verlts-qs-');
    const cli = (argv: string[]) => runCli(argv, bufferIO({ cwd: out, env: {} }));
    expect(await cli(['data', 'digit_completion', '--local_save_dir', join(out, 'data')])).toBe(0);
    expect(await cli(['data', 'digit_completion', '--format', 'sft', '--local_save_dir', join(out, 'data')])).toBe(0);
    expect(
      await cli([
        'init-model', '--output_path', join(out, 'model'), '--model_type', 'llama',
        '--set', 'hidden_size=128', '--set', 'num_hidden_layers=4', '--set', 'num_attention_heads=4', '--set', 'num_key_value_heads=4',
        '--set', 'intermediate_size=344', '--set', 'max_position_embeddings=128', '--set', 'tie_word_embeddings=false',
        '--chars', '0123456789,:', '--seed', '0', '--dtype', 'bfloat16',
      ]),
    ).toBe(0);
    for (const sub of ['data', 'model']) {
      for (const file of readdirSync(join(EXAMPLE, sub))) {
        expect(readFileSync(join(out, sub, file)).equals(readFileSync(join(EXAMPLE, sub, file))), `${sub}/${file}`).toBe(true);
      }
    }
  });
});
