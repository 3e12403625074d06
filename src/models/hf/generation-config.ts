/**
 * `generation_config.json`: the token ids and sampling defaults a checkpoint ships for generation. When the
 * file is absent, transformers derives one from config.json (bos/eos/pad ids), and so do we.
 */
import { readJsonObject } from '../../util/json-file.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../util/errors.js';
import type { ModelSpec } from './config.js';

export interface GenerationConfig {
  /** Stop ids: `eos_token_id` (int or list) of generation_config.json, else of config.json. */
  eosTokenIds: number[];
  padTokenId: number | null;
  bosTokenId: number | null;
  /** Sampling defaults the checkpoint suggests (null when unset). verl's rollout config overrides them. */
  doSample: boolean | null;
  temperature: number | null;
  topK: number | null;
  topP: number | null;
  maxNewTokens: number | null;
  /** The file's JSON (or the derived object), written back when a checkpoint is saved. */
  raw: Record<string, unknown>;
  /** Whether generation_config.json existed. */
  fromFile: boolean;
}

export const GENERATION_CONFIG_FILE = 'generation_config.json';

/** Derive what transformers' GenerationConfig.from_model_config writes for a model without the file. */
export function generationConfigFromSpec(spec: ModelSpec): GenerationConfig {
  const raw: Record<string, unknown> = { _from_model_config: true };
  if (spec.bosTokenId !== null) raw.bos_token_id = spec.bosTokenId;
  if (spec.eosTokenIds.length > 0) raw.eos_token_id = spec.eosTokenIds.length === 1 ? spec.eosTokenIds[0] : [...spec.eosTokenIds];
  if (spec.padTokenId !== null) raw.pad_token_id = spec.padTokenId;
  return parseGenerationConfig(raw, spec, { where: '(derived from config.json)', fromFile: false });
}

export function readGenerationConfig(dir: string, spec: ModelSpec): GenerationConfig {
  return readGenerationConfigFile(dir, spec) ?? generationConfigFromSpec(spec);
}

/** Parse <dir>/generation_config.json, or return null when there is none. Missing ids fall back to `spec`'s. */
export function readGenerationConfigFile(dir: string, spec: ModelSpec | null = null): GenerationConfig | null {
  const path = join(dir, GENERATION_CONFIG_FILE);
  if (!existsSync(path)) return null;
  return parseGenerationConfig(readJsonObject(path), spec, { where: path, fromFile: true });
}

export function parseGenerationConfig(
  raw: Record<string, unknown>,
  spec: ModelSpec | null,
  options: { where: string; fromFile: boolean },
): GenerationConfig {
  const fail = (msg: string): never => {
    throw new InputError(`${options.where}: ${msg}`);
  };
  const id = (key: string): number | null | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (v === null) return null;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`'${key}' must be a non-negative integer or null, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const num = (key: string): number | null => {
    const v = raw[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`'${key}' must be a number, got ${JSON.stringify(v)}`);
    return v as number;
  };
  let eosTokenIds: number[];
  const eos = raw.eos_token_id;
  if (eos === undefined) eosTokenIds = spec ? [...spec.eosTokenIds] : [];
  else if (eos === null) eosTokenIds = [];
  else if (Array.isArray(eos)) {
    if (!eos.every((x) => Number.isSafeInteger(x) && (x as number) >= 0)) fail(`'eos_token_id' must be an integer or a list of integers, got ${JSON.stringify(eos)}`);
    eosTokenIds = [...(eos as number[])];
  } else eosTokenIds = [id('eos_token_id') as number];
  const pad = id('pad_token_id');
  const bos = id('bos_token_id');
  const doSample = raw.do_sample;
  if (doSample !== undefined && doSample !== null && typeof doSample !== 'boolean') fail(`'do_sample' must be true or false, got ${JSON.stringify(doSample)}`);
  return {
    eosTokenIds,
    padTokenId: pad === undefined ? (spec?.padTokenId ?? null) : pad,
    bosTokenId: bos === undefined ? (spec?.bosTokenId ?? null) : bos,
    doSample: typeof doSample === 'boolean' ? doSample : null,
    temperature: num('temperature'),
    topK: num('top_k'),
    topP: num('top_p'),
    maxNewTokens: num('max_new_tokens'),
    raw: { ...raw },
    fromFile: options.fromFile,
  };
}
