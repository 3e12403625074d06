/** Start-up checks of the SFT config that span several keys (verl's FSDPSFTTrainer asserts, as messages). */
import type { CheckResult } from './ppo-checks.js';
import type { SftTrainerConfig } from './sft-trainer.js';
import type { ConfigIssue } from './validate.js';

export function checkSftConfig(cfg: SftTrainerConfig): CheckResult {
  const errors: ConfigIssue[] = [];
  const { train_batch_size: batch, micro_batch_size_per_gpu: micro } = cfg.data;
  if (batch % micro !== 0) {
    errors.push({
      key: 'data.micro_batch_size_per_gpu',
      message: `data.train_batch_size (${batch}) is not divisible by the micro-batch size ${micro}; pick a divisor of ${batch}.`,
    });
  }
  if (cfg.trainer.resume_mode === 'resume_path' && cfg.trainer.resume_from_path === null) {
    errors.push({ key: 'trainer.resume_from_path', message: "not set: resume_mode 'resume_path' needs the global_step_N folder to resume from." });
  }
  return { errors, warnings: [] };
}
