/**
 * `verl-ts sft [overrides..]` (verl's fsdp_sft_trainer): compose config/sft_trainer.yaml with Hydra overrides,
 * validate it, and run the SFT loop in src/trainer/sft.
 */
import type { Argv } from 'yargs';
import { checkSftConfig } from '../config/schema/sft-checks.js';
import { sftTrainerSchema } from '../config/schema/sft-trainer.js';
import { loadConfig } from '../config/validate-config.js';
import { createLoggers } from '../trainer/loggers/index.js';
import { INTERRUPT_EXIT_CODES, installInterruptHandler } from '../trainer/signals.js';
import { resolvePath, runSft } from '../trainer/sft/trainer.js';
import type { CliCommand } from './command.js';
import { configArgs, withConfigArgs } from './config-args.js';
import { registryNames } from './registry-names.js';

export const sftCommand: CliCommand = {
  name: 'sft',
  usage: 'sft [overrides..]',
  describe: 'Supervised fine-tuning on (prompt, response) pairs: cross-entropy on the response tokens (verl fsdp_sft_trainer)',
  examples: [
    ['$0 sft model.partial_pretrain=models/tiny data.train_files=sft.parquet data.val_files=null', 'fine-tune on one file'],
    ['$0 sft --config-name digit_completion_sft', 'the warm start of the embedded default'],
  ],
  build: (y: Argv) => withConfigArgs(y, 'sft_trainer'),
  run: async (args, io) => {
    const base = configArgs(args, io, 'sft_trainer');
    const loaded = await loadConfig(sftTrainerSchema, { ...base, env: io.env, cwd: io.cwd, registryNames }, { checks: checkSftConfig });
    for (const w of loaded.warnings) io.stderr(`warning: ${w}\n`);
    const cfg = loaded.config;
    // Metrics files live beside the checkpoints, so a resumed run appends to the same ones.
    const loggers = createLoggers(cfg.trainer.logger, {
      runDir: resolvePath(cfg.trainer.default_local_dir, io.cwd),
      projectName: cfg.trainer.project_name,
      experimentName: cfg.trainer.experiment_name,
      env: io.env,
      write: io.stdout,
    });
    const signals = installInterruptHandler({
      onFirst: (sig) => io.stderr(`\n${sig}: stopping after the current step and saving a checkpoint (send it again to exit at once)\n`),
      onSecond: (sig) => io.stderr(`\n${sig} again: exiting now; the last complete checkpoint is kept\n`),
    });
    const started = Date.now();
    try {
      const result = await runSft(cfg, { cwd: io.cwd, log: (line) => io.stdout(`${line}\n`), metrics: (m, step) => loggers.log(m, step), interrupted: signals.interrupted });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (result.interrupted) {
        io.stdout(`Interrupted at step ${result.steps} after ${seconds} s; checkpoint: ${result.checkpointDir}\n`);
        io.stdout(`Resume with the same command (trainer.resume_mode=auto), or trainer.resume_mode=resume_path trainer.resume_from_path=${result.checkpointDir}\n`);
        return INTERRUPT_EXIT_CODES[result.interrupted];
      }
      const loss = result.last['train/loss'];
      const val = result.last['val/loss'];
      io.stdout(
        `Trained to step ${result.steps} in ${seconds} s` +
          `${loss === undefined ? '' : `; final train/loss ${loss.toFixed(4)}`}${val === undefined ? '' : `, val/loss ${val.toFixed(4)}`}; model: ${result.modelDir}\n`,
      );
      for (const o of loggers.outputs) io.stdout(`${o.logger} logger: ${o.path}\n`);
    } finally {
      signals.dispose();
      await loggers.close();
    }
    return 0;
  },
};
