/** Reading the small JSON files of a model directory (config.json, generation_config.json, tokenizer files). */
import { readFileSync } from 'node:fs';
import { InputError, errorMessage } from './errors.js';

/** The JSON object in `path`; a file that is not valid JSON, or holds anything but an object, is an InputError naming it. */
export function readJsonObject(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(`${path}: not valid JSON (${errorMessage(err)})`, { cause: err });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputError(`${path}: must hold a JSON object`);
  return value as Record<string, unknown>;
}
