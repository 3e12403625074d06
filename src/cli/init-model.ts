/** `verl-ts init-model`: argument mapping onto models/init/init-model.ts. */
import { resolve } from 'node:path';
import type { CliCommand } from './command.js';
import { ConfigError } from '../util/errors.js';
import { formatDuration } from '../util/progress.js';
import { progressStream } from './io.js';
import { registeredArchitectures } from '../models/hf/architectures.js';
import { DEFAULT_CHARS, initModel, readConfigOverrides, type InitTokenizerSource } from '../models/init/init-model.js';
import type { SaveDtype } from '../models/checkpoint/save.js';

/** `key=value` pairs; the value is JSON when it parses (numbers, true, null, lists), else a string. */
function parseSetPairs(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set expects key=value, got '${pair}'`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      /* a plain string */
    }
    out[pair.slice(0, eq)] = value;
  }
  return out;
}

export const initModelCommand: CliCommand = {
  name: 'init-model',
  usage: 'init-model',
  describe: 'Write a randomly initialised Hugging Face model (config, safetensors, tokenizer) for tests and experiments',
  examples: [
    ['$0 init-model --output_path models/tiny --model_type qwen2 --chars "0123456789,:"', 'a 2-layer Qwen2 with a character tokenizer'],
    ['$0 init-model --hf_model_path Qwen2.5-0.5B --new_config_path small.json --output_path models/q-small', "verl's init_random_model.py"],
  ],
  build: (y) =>
    y
      .option('output_path', { alias: ['output', 'o'], type: 'string', demandOption: true, describe: 'Directory to create' })
      .option('hf_model_path', { alias: 'base', type: 'string', describe: 'Base HF model directory: its config.json (and tokenizer) are the starting point' })
      .option('new_config_path', { alias: 'config', type: 'string', describe: 'JSON file of config keys that replace the base config\'s' })
      .option('model_type', { alias: 'arch', type: 'string', choices: registeredArchitectures().map((a) => a.modelType), describe: 'Preset architecture when there is no base model (default llama)' })
      .option('set', { type: 'array', string: true, default: [], describe: 'Config overrides key=value (value parsed as JSON), applied after --new_config_path' })
      .option('tokenizer', { type: 'string', describe: "'char' for a character tokenizer, or a path to a model directory / tokenizer.json to copy" })
      .option('chars', { type: 'string', describe: `Characters of a character tokenizer (implies --tokenizer char; default "${DEFAULT_CHARS}")` })
      .option('seed', { type: 'string', default: '0', describe: 'Seed of the random initialisation' })
      .option('dtype', { type: 'string', choices: ['float32', 'bfloat16', 'float16'], default: 'float32', describe: 'Storage dtype of the weights' })
      .option('overwrite', { type: 'boolean', default: false, describe: 'Replace an existing output directory' }),
  run: async (args, io) => {
    const cwd = io.cwd;
    const path = (p: unknown) => (typeof p === 'string' ? resolve(cwd, p) : undefined);
    const seedText = String(args.seed).trim();
    const seed = /^-?\d+$/.test(seedText) ? Number(seedText) : NaN;
    if (!Number.isSafeInteger(seed)) throw new ConfigError(`--seed must be an integer, got '${String(args.seed)}'`);
    const overrides = {
      ...(typeof args.new_config_path === 'string' ? readConfigOverrides(path(args.new_config_path) as string) : {}),
      ...parseSetPairs((args.set as string[] | undefined) ?? []),
    };
    let tokenizer: InitTokenizerSource | undefined;
    const tok = args.tokenizer as string | undefined;
    if (typeof args.chars === 'string') {
      if (tok !== undefined && tok !== 'char') throw new ConfigError(`--chars makes a character tokenizer; it cannot be combined with --tokenizer ${tok}`);
      tokenizer = { kind: 'char', chars: args.chars };
    } else if (tok === 'char') tokenizer = { kind: 'char' };
    else if (tok !== undefined) tokenizer = { kind: 'path', path: path(tok) as string };
    const started = Date.now();
    const result = await initModel({
      outputDir: path(args.output_path) as string,
      baseModelDir: path(args.hf_model_path),
      modelType: args.model_type as string | undefined,
      overrides,
      tokenizer,
      seed,
      dtype: args.dtype as SaveDtype,
      overwrite: args.overwrite as boolean,
      warn: (m) => io.stderr(`warning: ${m}\n`),
      progress: progressStream(io),
    });
    const s = result.spec;
    io.stdout(
      `Random ${s.architecture} (hidden ${s.hiddenSize}, ${s.numHiddenLayers} layers, ${s.numAttentionHeads} heads / ${s.numKeyValueHeads} kv, ` +
        `vocab ${s.vocabSize}, ${result.parameters.toLocaleString('en-US')} parameters, ${args.dtype as string}, ${result.tokenizerKind} tokenizer) ` +
        `saved to ${result.dir} in ${formatDuration((Date.now() - started) / 1000)}\n`,
    );
    return 0;
  },
};
