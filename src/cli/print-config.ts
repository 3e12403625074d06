import type { Argv } from 'yargs';
import { compose, renderConfig } from '../config/index.js';
import type { CliCommand } from './command.js';
import type { CliIO } from './io.js';
import { configArgs, stringArg, withConfigArgs } from './config-args.js';

async function run(args: Record<string, unknown>, io: CliIO): Promise<number> {
  const result = compose({ ...configArgs(args, io, 'ppo_trainer'), env: io.env, cwd: io.cwd });
  for (const warning of result.warnings) io.stderr(`UserWarning: ${warning}\n`);
  io.stdout(
    renderConfig(result.config, {
      resolve: args.resolve === true,
      package: stringArg(args.package),
      flatten: args.flatten === true,
      provenance: args.provenance === true,
    }),
  );
  return 0;
}

export const printConfigCommand: CliCommand = {
  name: 'print-config',
  usage: 'print-config [overrides..]',
  describe: 'Compose the config like Hydra and print it (Hydra `--cfg job` output, byte for byte)',
  examples: [
    ['$0 print-config trainer.total_epochs=3 algorithm.adv_estimator=grpo', 'print ppo_trainer with two overrides'],
    ['$0 print-config --config-path conf --config-name main --resolve', 'print another config with interpolations resolved'],
    ['$0 print-config --provenance actor_rollout_ref.actor.optim.lr=1e-6', 'show where every value comes from'],
  ],
  build: (y: Argv) =>
    withConfigArgs(y, 'ppo_trainer')
      .option('resolve', { type: 'boolean', default: false, describe: 'resolve interpolations before printing (OmegaConf.resolve)' })
      .option('package', { type: 'string', describe: 'print only this node (dotted path), like Hydra --package' })
      .option('flatten', { type: 'boolean', default: false, describe: 'print one `dotted.key: value` line per leaf' })
      .option('provenance', { type: 'boolean', default: false, describe: 'flat listing with each value\'s source (file:line or override)' }),
  run,
};
