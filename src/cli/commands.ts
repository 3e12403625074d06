import type { CliCommand } from './command.js';

/**
 * Every command the CLI offers, in the order `--help` lists them, each loaded on demand: a command imports
 * only what it needs, so `verl-ts print-config` does not pay for ONNX Runtime or Apache Arrow at start-up.
 */
export const commandLoaders: Record<string, () => Promise<CliCommand>> = {
  train: async () => (await import('./train.js')).trainCommand,
  sft: async () => (await import('./sft.js')).sftCommand,
  'print-config': async () => (await import('./print-config.js')).printConfigCommand,
  'gen-reference': async () => (await import('./gen-reference.js')).genReferenceCommand,
  eval: async () => (await import('./eval.js')).evalCommand,
  data: async () => (await import('./data.js')).dataCommand,
  'init-model': async () => (await import('./init-model.js')).initModelCommand,
  score: async () => (await import('./score.js')).scoreCommand,
  generate: async () => (await import('./generate.js')).generateCommand,
};

/** The commands needed to handle `argv`: just the named one, or all of them (help, unknown command). */
export async function commandsFor(argv: readonly string[]): Promise<CliCommand[]> {
  const first = argv.find((a) => !a.startsWith('-'));
  const loader = first === undefined ? undefined : commandLoaders[first];
  if (loader) return [await loader()];
  return Promise.all(Object.values(commandLoaders).map((load) => load()));
}
