/**
 * Save a Hugging Face model directory atomically (built in a temp directory, renamed into place): config.json
 * with the dtype updated, model.safetensors (or shards plus model.safetensors.index.json) in float32, bfloat16
 * or float16, generation_config.json and the tokenizer files. transformers loads the result; so does
 * loadModelDir, bit-exactly when the weights are representable in the chosen dtype.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../util/errors.js';
import { writeDirAtomic } from '../../util/atomic-write.js';
import { parseHfConfig, type ModelSpec } from '../hf/config.js';
import { GENERATION_CONFIG_FILE, generationConfigFromSpec, type GenerationConfig } from '../hf/generation-config.js';
import { LM_HEAD, architectureWithHead, expectedTensors, type ModelHead } from '../hf/tensors.js';
import type { WeightStore } from '../hf/weights.js';
import { INDEX_FILE, SINGLE_FILE } from '../safetensors/checkpoint-files.js';
import { DTYPE_BYTES, TORCH_TO_SAFETENSORS, type TorchFloatDtype } from '../safetensors/dtypes.js';
import { writeSafetensors, type TensorToWrite } from '../safetensors/writer.js';
import { HF_TOKENIZER_FILES } from '../tokenizer/hf-tokenizer.js';
import type { SavableTokenizer } from '../tokenizer/types.js';

export type SaveDtype = TorchFloatDtype;

export interface SaveModelOptions {
  /** The model's config: a ModelSpec (its rawConfig is written) or config.json's object. */
  config: ModelSpec | Record<string, unknown>;
  weights: WeightStore;
  /** Storage dtype; default: the dtype the config declares (the checkpoint's own). */
  dtype?: SaveDtype;
  /** A tokenizer to write, or a directory whose tokenizer files are copied; null/absent: none. */
  tokenizer?: SavableTokenizer | { fromDir: string } | null;
  /** generation_config.json content; default: derived from config.json's bos/eos/pad ids like transformers. */
  generationConfig?: GenerationConfig | Record<string, unknown> | null;
  /** Split weights into shards of at most this many bytes (a larger single tensor gets its own shard). */
  maxShardBytes?: number;
  /** The model's head (default 'causal-lm'); 'token-classification' saves a critic as transformers does. */
  head?: ModelHead;
  /** Called with the number of weight values just written (for progress). */
  onValues?: (count: number) => void;
}

export interface SavedModel {
  dir: string;
  /** Files written, relative to dir. */
  files: string[];
  /** Bytes of safetensors data written (headers included). */
  weightBytes: number;
}

function isSpec(c: ModelSpec | Record<string, unknown>): c is ModelSpec {
  return typeof (c as ModelSpec).architecture === 'string' && typeof (c as ModelSpec).rawConfig === 'object';
}

/** HF writes config files with sorted keys and 2-space indent. */
function stableJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

/**
 * config.json as saved: dtype set to the storage dtype (under the key the source used), architectures filled.
 * A token-classification model (a critic) is recorded as transformers records one with num_labels=1:
 * architectures [XForTokenClassification] and a one-entry id2label/label2id.
 */
export function configForSave(spec: ModelSpec, dtype: SaveDtype, head: ModelHead = 'causal-lm'): Record<string, unknown> {
  const out: Record<string, unknown> = { ...spec.rawConfig };
  const hadTorchDtype = 'torch_dtype' in out;
  if (hadTorchDtype) out.torch_dtype = dtype;
  if ('dtype' in out || !hadTorchDtype) out.dtype = dtype;
  if (head === 'token-classification') {
    out.architectures = [architectureWithHead(spec, head)];
    out.id2label = { '0': 'LABEL_0' };
    out.label2id = { LABEL_0: 0 };
  } else if (!Array.isArray(out.architectures)) out.architectures = [spec.architecture];
  if (out.model_type === undefined) out.model_type = spec.modelType;
  return out;
}

function checkWeights(spec: ModelSpec, weights: WeightStore, head: ModelHead): TensorToWrite[] {
  const problems: string[] = [];
  const expected = expectedTensors(spec, head);
  const names = new Set(expected.map((t) => t.name));
  const out: TensorToWrite[] = [];
  for (const t of expected) {
    const w = weights.get(t.name);
    if (!w) {
      problems.push(`missing tensor '${t.name}'`);
      continue;
    }
    if (w.shape.length !== t.shape.length || w.shape.some((d, i) => d !== t.shape[i]) || w.data.length !== t.shape.reduce((a, b) => a * b, 1)) {
      problems.push(`tensor '${t.name}' has shape [${w.shape.join(', ')}] (${w.data.length} values), expected [${t.shape.join(', ')}]`);
      continue;
    }
    out.push({ name: t.name, shape: t.shape, data: w.data, dtype: 'F32' });
  }
  for (const name of weights.keys()) {
    if (!names.has(name) && !(name === LM_HEAD && spec.tieWordEmbeddings && head === 'causal-lm')) {
      problems.push(`tensor '${name}' is not part of ${architectureWithHead(spec, head)} with this config`);
    }
  }
  if (problems.length) throw new InputError(`cannot save the model: its weights do not match its config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return out;
}

/** Group tensors into shards (model order) of at most maxBytes each. */
function shard(tensors: TensorToWrite[], maxBytes: number | undefined): TensorToWrite[][] {
  if (!maxBytes) return [tensors];
  const shards: TensorToWrite[][] = [];
  let current: TensorToWrite[] = [];
  let size = 0;
  for (const t of tensors) {
    const bytes = t.data.length * DTYPE_BYTES[t.dtype];
    if (current.length > 0 && size + bytes > maxBytes) {
      shards.push(current);
      current = [];
      size = 0;
    }
    current.push(t);
    size += bytes;
  }
  if (current.length > 0 || shards.length === 0) shards.push(current);
  return shards;
}

export async function saveModelDir(dir: string, options: SaveModelOptions): Promise<SavedModel> {
  const spec = isSpec(options.config) ? options.config : parseHfConfig(options.config, { where: 'config to save' });
  const dtype = options.dtype ?? spec.torchDtype;
  const storage = TORCH_TO_SAFETENSORS[dtype];
  if (!storage) throw new InputError(`cannot save in dtype '${String(dtype)}' (use float32, bfloat16 or float16)`);
  const head = options.head ?? 'causal-lm';
  const tensors = checkWeights(spec, options.weights, head).map((t) => ({ ...t, dtype: storage }));
  if (options.maxShardBytes !== undefined && !(options.maxShardBytes > 0)) throw new InputError(`maxShardBytes must be positive, got ${options.maxShardBytes}`);
  const tokenizerFiles = collectTokenizerFiles(options.tokenizer ?? null);
  const generation = generationJson(spec, options.generationConfig);

  const files: string[] = [];
  let weightBytes = 0;
  await writeDirAtomic(dir, async (tmp) => {
    const put = async (name: string, data: string | Uint8Array) => {
      await writeFile(join(tmp, name), data);
      files.push(name);
    };
    await put('config.json', stableJson(configForSave(spec, dtype, head)));
    if (generation) await put(GENERATION_CONFIG_FILE, stableJson(generation));
    const shards = shard(tensors, options.maxShardBytes);
    const metadata = { format: 'pt' };
    if (shards.length === 1) {
      weightBytes += await writeSafetensors(join(tmp, SINGLE_FILE), shards[0], { metadata, atomic: false, onValues: options.onValues });
      files.push(SINGLE_FILE);
    } else {
      const weightMap: Record<string, string> = {};
      let totalSize = 0;
      const width = 5;
      for (let i = 0; i < shards.length; i++) {
        const name = `model-${String(i + 1).padStart(width, '0')}-of-${String(shards.length).padStart(width, '0')}.safetensors`;
        weightBytes += await writeSafetensors(join(tmp, name), shards[i], { metadata, atomic: false, onValues: options.onValues });
        files.push(name);
        for (const t of shards[i]) {
          weightMap[t.name] = name;
          totalSize += t.data.length * DTYPE_BYTES[t.dtype];
        }
      }
      await put(INDEX_FILE, `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2)}\n`);
    }
    for (const [name, data] of tokenizerFiles.contents) await put(name, data);
    for (const [name, src] of tokenizerFiles.copies) {
      await copyFile(src, join(tmp, name));
      files.push(name);
    }
  });
  return { dir, files, weightBytes };
}

function generationJson(spec: ModelSpec, given: SaveModelOptions['generationConfig']): Record<string, unknown> | null {
  if (given === null) return null;
  if (given === undefined) return generationConfigFromSpec(spec).raw;
  const parsed = given as Partial<GenerationConfig>;
  return Array.isArray(parsed.eosTokenIds) && typeof parsed.raw === 'object' ? (parsed.raw as Record<string, unknown>) : (given as Record<string, unknown>);
}

function collectTokenizerFiles(source: SavableTokenizer | { fromDir: string } | null): {
  contents: Map<string, string | Uint8Array>;
  copies: Map<string, string>;
} {
  if (source === null) return { contents: new Map(), copies: new Map() };
  if ('fromDir' in source) {
    const copies = new Map<string, string>();
    for (const name of HF_TOKENIZER_FILES) {
      const p = join(source.fromDir, name);
      if (existsSync(p)) copies.set(name, p);
    }
    if (copies.size === 0) throw new InputError(`${source.fromDir}: no tokenizer files to copy (${HF_TOKENIZER_FILES.join(', ')})`);
    return { contents: new Map(), copies };
  }
  return { contents: source.files(), copies: new Map() };
}
