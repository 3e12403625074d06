import type { CliCommand } from './command.js';
import { printConfigCommand } from './print-config.js';

/** Every command the CLI offers, in the order `--help` lists them. */
export const commands: CliCommand[] = [printConfigCommand];
