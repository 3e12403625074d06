/**
 * The safetensors files of a Hugging Face checkpoint directory: one `model.safetensors`, or shards listed in
 * `model.safetensors.index.json` (`{metadata: {total_size}, weight_map: {tensor: file}}`). Opens every file's
 * header and tells, for each tensor name, which file holds it.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, errorMessage } from '../../util/errors.js';
import { SafetensorsFile, type TensorInfo } from './reader.js';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

export interface LocatedTensor {
  /** File name relative to the checkpoint directory. */
  file: string;
  info: TensorInfo;
}

export class CheckpointFiles {
  readonly dir: string;
  /** File names (relative to dir) in index order. */
  readonly files: readonly string[];
  readonly tensors: ReadonlyMap<string, LocatedTensor>;
  private readonly handles: Map<string, SafetensorsFile>;

  /** Use `CheckpointFiles.open(dir)`. */
  constructor(dir: string, handles: Map<string, SafetensorsFile>, tensors: Map<string, LocatedTensor>) {
    this.dir = dir;
    this.handles = handles;
    this.files = [...handles.keys()];
    this.tensors = tensors;
  }

  /** Open the checkpoint in `dir`; throws an InputError saying what is missing or inconsistent. */
  static open(dir: string): CheckpointFiles {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`model directory not found: '${dir}'`);
    const indexPath = join(dir, INDEX_FILE);
    if (existsSync(indexPath)) return openSharded(dir, indexPath);
    if (existsSync(join(dir, SINGLE_FILE))) {
      const handle = SafetensorsFile.open(join(dir, SINGLE_FILE));
      const tensors = new Map<string, LocatedTensor>();
      for (const info of handle.tensors.values()) tensors.set(info.name, { file: SINGLE_FILE, info });
      return new CheckpointFiles(dir, new Map([[SINGLE_FILE, handle]]), tensors);
    }
    const entries = readdirSync(dir);
    const torchFiles = entries.filter((f) => f.endsWith('.bin') || f.endsWith('.pt') || f.endsWith('.pth'));
    const hint = torchFiles.length
      ? ` It has PyTorch pickle weights (${torchFiles.join(', ')}), which verl-ts does not read: re-save them as safetensors ` +
        `(transformers: model.save_pretrained(dir, safe_serialization=True)).`
      : '';
    throw new InputError(`${dir}: no ${SINGLE_FILE} or ${INDEX_FILE} in the model directory.${hint}`);
  }

  file(name: string): SafetensorsFile {
    const handle = this.handles.get(name);
    if (!handle) throw new Error(`checkpoint has no file '${name}'`);
    return handle;
  }

  close(): void {
    for (const h of this.handles.values()) h.close();
  }
}

function openSharded(dir: string, indexPath: string): CheckpointFiles {
  let index: unknown;
  try {
    index = JSON.parse(readFileSync(indexPath, 'utf8'));
  } catch (err) {
    throw new InputError(`${indexPath}: not valid JSON (${errorMessage(err)})`, { cause: err });
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (weightMap === null || typeof weightMap !== 'object' || Array.isArray(weightMap)) {
    throw new InputError(`${indexPath}: expected an object with a 'weight_map' of tensor name → shard file`);
  }
  const byFile = new Map<string, string[]>();
  for (const [tensor, file] of Object.entries(weightMap as Record<string, unknown>)) {
    if (typeof file !== 'string' || file.includes('/') || file.includes('\\')) {
      throw new InputError(`${indexPath}: weight_map['${tensor}'] must be a file name in the same directory, got ${JSON.stringify(file)}`);
    }
    const list = byFile.get(file) ?? [];
    list.push(tensor);
    byFile.set(file, list);
  }
  const handles = new Map<string, SafetensorsFile>();
  const tensors = new Map<string, LocatedTensor>();
  try {
    for (const [file, names] of byFile) {
      const path = join(dir, file);
      if (!existsSync(path)) throw new InputError(`${indexPath}: shard '${file}' (holding e.g. '${names[0]}') does not exist in ${dir}`);
      const handle = SafetensorsFile.open(path);
      handles.set(file, handle);
      for (const name of names) {
        const info = handle.tensors.get(name);
        if (!info) throw new InputError(`${indexPath}: weight_map says '${name}' is in '${file}', but that file has no such tensor`);
        tensors.set(name, { file, info });
      }
    }
    // Tensors a shard holds beyond the index still belong to the checkpoint (HF loads whole shards).
    for (const [file, handle] of handles) {
      for (const info of handle.tensors.values()) {
        const other = tensors.get(info.name);
        if (!other) tensors.set(info.name, { file, info });
        else if (other.file !== file) throw new InputError(`${dir}: tensor '${info.name}' appears in both '${other.file}' and '${file}'`);
      }
    }
  } catch (err) {
    for (const h of handles.values()) h.close();
    throw err;
  }
  return new CheckpointFiles(dir, handles, tensors);
}
