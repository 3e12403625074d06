import type { CliCommand } from './command.js';
import { dataCommand } from './data.js';
import { evalCommand } from './eval.js';
import { genReferenceCommand } from './gen-reference.js';
import { initModelCommand } from './init-model.js';
import { printConfigCommand } from './print-config.js';
import { trainCommand } from './train.js';

/** Every command the CLI offers, in the order `--help` lists them. */
export const commands: CliCommand[] = [trainCommand, printConfigCommand, genReferenceCommand, evalCommand, dataCommand, initModelCommand];
