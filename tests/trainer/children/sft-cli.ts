// Child process for the SFT interrupt test: `verl-ts sft <argv>` from the sources, with the process's own I/O.
import { runCli } from '../../../src/cli/main.js';

process.exitCode = await runCli(['sft', ...process.argv.slice(2)]);
