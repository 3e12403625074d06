/**
 * Load a checkpoint's weights as float32 after checking them against the ModelSpec: every expected tensor
 * present with the expected shape and a float dtype, nothing unexpected. All problems are reported together,
 * each naming the tensor and the file, before any tensor data is read.
 */
import { InputError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import { CheckpointFiles } from '../safetensors/checkpoint-files.js';
import { FLOAT_DTYPES, type SafetensorsDtype } from '../safetensors/dtypes.js';
import type { Float32Tensor } from '../safetensors/reader.js';
import type { ModelSpec } from './config.js';
import { LM_HEAD, expectedTensors, isIgnoredCheckpointTensor, type ModelHead } from './tensors.js';

/** Model weights by HF tensor name, in float32. A tied model has no lm_head.weight entry. */
export type WeightStore = Map<string, Float32Tensor>;

export interface LoadedWeights {
  weights: WeightStore;
  /** Storage dtype of each tensor in the checkpoint. */
  sourceDtypes: Map<string, SafetensorsDtype>;
  /** Safetensors files read, relative to the model directory. */
  files: string[];
}

/** At most this many problems are listed in one error; the count of the rest follows. */
const MAX_LISTED = 12;

export interface LoadWeightsOptions {
  /** The head the checkpoint has (default 'causal-lm'); 'token-classification' is a saved critic. */
  head?: ModelHead;
}

export function loadWeights(dir: string, spec: ModelSpec, options: LoadWeightsOptions = {}): LoadedWeights {
  const head = options.head ?? 'causal-lm';
  const ckpt = CheckpointFiles.open(dir);
  try {
    checkCheckpoint(ckpt, spec, head);
    const weights: WeightStore = new Map();
    const sourceDtypes = new Map<string, SafetensorsDtype>();
    for (const t of expectedTensors(spec, head)) {
      const located = ckpt.tensors.get(t.name);
      if (!located) throw new Error(`unreachable: '${t.name}' was checked present`);
      weights.set(t.name, ckpt.file(located.file).readFloat32(t.name));
      sourceDtypes.set(t.name, located.info.dtype);
    }
    return { weights, sourceDtypes, files: [...ckpt.files] };
  } finally {
    ckpt.close();
  }
}

function checkCheckpoint(ckpt: CheckpointFiles, spec: ModelSpec, head: ModelHead): void {
  const expected = expectedTensors(spec, head);
  const expectedNames = new Set(expected.map((t) => t.name));
  const problems: string[] = [];
  const fileList = ckpt.files.join(', ');
  for (const t of expected) {
    const located = ckpt.tensors.get(t.name);
    if (!located) {
      const hint = t.name === LM_HEAD ? ' (config.json has tie_word_embeddings=false)' : '';
      problems.push(`missing tensor '${t.name}' (shape [${t.shape.join(', ')}]); not in ${fileList}${hint}`);
      continue;
    }
    const { info, file } = located;
    if (info.shape.length !== t.shape.length || info.shape.some((d, i) => d !== t.shape[i])) {
      problems.push(`tensor '${t.name}' in ${file} has shape [${info.shape.join(', ')}], expected [${t.shape.join(', ')}]`);
    }
    if (!FLOAT_DTYPES.has(info.dtype)) {
      problems.push(`tensor '${t.name}' in ${file} has dtype ${info.dtype}; model weights must be F32, BF16, F16 or F64`);
    }
  }
  for (const [name, { file }] of ckpt.tensors) {
    if (expectedNames.has(name) || isIgnoredCheckpointTensor(name)) continue;
    // transformers ties lm_head to the embeddings after loading, so a saved copy is harmless.
    if (name === LM_HEAD && spec.tieWordEmbeddings && head === 'causal-lm') continue;
    problems.push(`unexpected tensor '${name}' in ${file}${unexpectedHint(name, spec, expectedNames)}`);
  }
  if (problems.length === 0) return;
  const listed = problems.slice(0, MAX_LISTED).map((p) => `  - ${p}`);
  if (problems.length > MAX_LISTED) listed.push(`  ... and ${problems.length - MAX_LISTED} more`);
  throw new InputError(
    `${ckpt.dir}: the checkpoint does not match its config.json (${spec.architecture}, ${spec.numHiddenLayers} layers, hidden ${spec.hiddenSize}, ` +
      `vocab ${spec.vocabSize}):\n${listed.join('\n')}`,
  );
}

function unexpectedHint(name: string, spec: ModelSpec, expected: ReadonlySet<string>): string {
  const layer = /^model\.layers\.(\d+)\./.exec(name);
  if (layer && Number(layer[1]) >= spec.numHiddenLayers) return ` (config.json has num_hidden_layers=${spec.numHiddenLayers})`;
  if (name === LM_HEAD) return '';
  if (/\.bias$/.test(name)) return ` (${spec.architecture} with this config has no such bias; check attention_bias / mlp_bias)`;
  if (/\.(q|k)_norm\.weight$/.test(name)) return ` (${spec.architecture} has no q_norm/k_norm; is model_type right?)`;
  return `.${didYouMean(name, expected)}`.replace(/^\.$/, '');
}
