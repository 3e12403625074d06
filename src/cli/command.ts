import type { Argv } from 'yargs';
import type { CliIO } from './io.js';

/**
 * One CLI command. `build` declares its options on yargs; `run` does the work and returns the exit code.
 * Commands hold no logic of their own beyond argument mapping: they call into config/trainer/data/...
 */
export interface CliCommand {
  name: string;
  /** yargs command string, e.g. 'print-config [overrides..]'. */
  usage: string;
  describe: string;
  examples?: Array<[string, string]>;
  build: (y: Argv) => Argv;
  run: (args: Record<string, unknown>, io: CliIO) => Promise<number>;
}
