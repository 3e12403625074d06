// Greedy validation score of the SFT warm start step by step (run: npx tsx bench/sft-warm-start.ts [steps] [overrides..]).
//
// Runs config/digit_completion_sft.yaml (with trainer.total_training_steps=<steps>, default 40, and any further
// Hydra overrides) and after every step decodes the 200 test prompts of examples/digit_completion/data/test.parquet
// greedily (24 tokens, as the embedded default's validation) and scores them with the digit_completion scorer: the
// mean of each response's summed dense reward, verl's val-core reward/mean@1. The last line scores the saved bf16
// model, which is what RL starts from. Printed, never asserted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sftTrainerSchema } from '../src/config/schema/sft-trainer.js';
import { checkSftConfig } from '../src/config/schema/sft-checks.js';
import { loadConfig } from '../src/config/validate-config.js';
import { registryNames } from '../src/cli/registry-names.js';
import { defaultConfigDir } from '../src/cli/config-args.js';
import { Batch } from '../src/data/batch.js';
import { asMessages } from '../src/data/dataset.js';
import { readTable } from '../src/data/io/read-rows.js';
import { leftPad, renderPrompt } from '../src/data/prompt.js';
import { Tensor as DataTensor } from '../src/data/tensor.js';
import { CausalLM } from '../src/models/compute/causal-lm.js';
import type { Tokenizer } from '../src/models/tokenizer/types.js';
import { digitCompletionScore } from '../src/reward/scorers/digit-completion.js';
import { SftTrainer } from '../src/trainer/sft/trainer.js';

const cwd = new URL('..', import.meta.url).pathname;
const steps = Number(process.argv[2] ?? 40);
const out = mkdtempSync(join(tmpdir(), 'sft-bench-'));

const test = await readTable(join(cwd, 'examples/digit_completion/data/test.parquet'));

async function greedyScore(lm: CausalLM): Promise<number> {
  const tok = lm.tokenizer as Tokenizer;
  const prompts = test.rows.map((r, i) => renderPrompt(tok, asMessages(r.prompt, `row ${i}`, 'prompt'), {}).ids);
  const width = Math.max(...prompts.map((p) => p.length));
  const padded = prompts.map((p) => leftPad(p, width, tok.padTokenId ?? 0));
  const stack = (pick: (p: (typeof padded)[number]) => Int32Array) => DataTensor.fromRows('int32', padded.map(pick), width);
  const batch = Batch.from({ tensors: { input_ids: stack((p) => p.inputIds), attention_mask: stack((p) => p.attentionMask), position_ids: stack((p) => p.positionIds) } });
  const R = 24;
  const gen = await lm.generate(batch, { temperature: 1, topK: -1, topP: 1, doSample: false, n: 1, responseLength: R, ignoreEos: false, seed: 0, maxNumSeqs: 256 });
  const ids = gen.tensor('responses').data;
  const mask = gen.tensor('response_mask').data;
  let total = 0;
  test.rows.forEach((r, i) => {
    let len = 0;
    while (len < R && mask[i * R + len]) len++;
    const text = tok.decode(Array.from(ids.subarray(i * R, i * R + len)), { skipSpecialTokens: true });
    const gt = (r.reward_model as { ground_truth: string }).ground_truth;
    total += digitCompletionScore(text, gt).reduce((a, b) => a + b, 0);
  });
  return total / test.rows.length;
}

const loaded = await loadConfig(sftTrainerSchema, {
  configDir: defaultConfigDir(),
  configName: 'digit_completion_sft',
  overrides: [`trainer.total_training_steps=${steps}`, `trainer.default_local_dir=${out}`, ...process.argv.slice(3)],
  env: process.env,
  cwd,
  registryNames,
}, { checks: checkSftConfig });
let trainer: SftTrainer | null = null;
trainer = await SftTrainer.create(loaded.config, {
  cwd,
  log: () => undefined,
  metrics: async (m, step) => {
    const score = await greedyScore((trainer as SftTrainer).model);
    console.log(`step ${String(step).padStart(3)}  train/loss ${m['train/loss'].toFixed(4)}${m['val/loss'] === undefined ? '' : `  val/loss ${m['val/loss'].toFixed(4)}`}  greedy val score ${score.toFixed(3)}`);
  },
});
console.log(`step   0  greedy val score ${(await greedyScore(trainer.model)).toFixed(3)}`);
const result = await trainer.fit();
await trainer.dispose();
const saved = CausalLM.fromDir(result.modelDir, { tokenizer: 'required' });
console.log(`saved bf16 model after ${result.steps} steps: greedy val score ${(await greedyScore(saved)).toFixed(3)}`);
await saved.dispose();
rmSync(out, { recursive: true, force: true });
