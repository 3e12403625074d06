/**
 * Pick and load the tokenizer of a model directory: `tokenizer.json` → HfTokenizer; a verl-style
 * tokenizer_config.json with `char_ords` → CharTokenizer. Stop ids of generation_config.json join the
 * tokenizer's eos token, as generation stops on any of them.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, errorMessage } from '../../util/errors.js';
import { readGenerationConfigFile } from '../hf/generation-config.js';
import { CharTokenizer } from './char-tokenizer.js';
import { HfTokenizer } from './hf-tokenizer.js';
import type { SavableTokenizer } from './types.js';

export interface LoadTokenizerOptions {
  /** verl's hf_tokenizer(): a tokenizer without a pad token pads with eos (default true). */
  padWithEos?: boolean;
}

/** True when `dir` holds a tokenizer loadTokenizer understands. */
export function hasTokenizer(dir: string): boolean {
  if (existsSync(join(dir, 'tokenizer.json'))) return true;
  const cfg = join(dir, 'tokenizer_config.json');
  if (!existsSync(cfg)) return false;
  try {
    return Array.isArray((JSON.parse(readFileSync(cfg, 'utf8')) as { char_ords?: unknown }).char_ords);
  } catch {
    return false;
  }
}

/** Load from a model directory, or from a path to a tokenizer.json / tokenizer_config.json inside one. */
export function loadTokenizer(path: string, options: LoadTokenizerOptions = {}): SavableTokenizer {
  if (!existsSync(path)) throw new InputError(`tokenizer not found: '${path}'`);
  const dir = statSync(path).isDirectory() ? path : dirname(path);
  if (!statSync(path).isDirectory() && !['tokenizer.json', 'tokenizer_config.json'].includes(basename(path))) {
    throw new InputError(`'${path}' is not a tokenizer: give a model directory, a tokenizer.json or a tokenizer_config.json`);
  }
  const extraEos = readGenerationConfigFile(dir)?.eosTokenIds ?? [];
  if (existsSync(join(dir, 'tokenizer.json'))) {
    return HfTokenizer.fromDir(dir, { extraEosTokenIds: extraEos, padWithEos: options.padWithEos });
  }
  const cfgPath = join(dir, 'tokenizer_config.json');
  if (existsSync(cfgPath)) {
    let cfg: unknown;
    try {
      cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
    } catch (err) {
      throw new InputError(`${cfgPath}: not valid JSON (${errorMessage(err)})`, { cause: err });
    }
    if (cfg !== null && typeof cfg === 'object' && 'char_ords' in cfg) return CharTokenizer.fromConfig(cfg as Record<string, unknown>, cfgPath);
    throw new InputError(
      `${dir}: tokenizer_config.json is there but tokenizer.json is not. verl-ts needs the fast-tokenizer file tokenizer.json ` +
        `(save it with transformers: AutoTokenizer.from_pretrained(...).save_pretrained(dir)), or a character tokenizer config with 'char_ords'.`,
    );
  }
  throw new InputError(`${dir}: no tokenizer (expected tokenizer.json, or a tokenizer_config.json with 'char_ords')`);
}

