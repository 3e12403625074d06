import type { CliCommand } from './command.js';
import { dataCommand } from './data.js';
import { initModelCommand } from './init-model.js';
import { printConfigCommand } from './print-config.js';

/** Every command the CLI offers, in the order `--help` lists them. */
export const commands: CliCommand[] = [printConfigCommand, dataCommand, initModelCommand];
