/**
 * Offline generation (verl's main_generation): read a prompts file, prepare its prompts as the trainer does
 * (data's RLDataset: chat template with the generation prompt, tokenised, data.truncation; collatePrompts),
 * sample `n_samples` responses per row with the rollout, decode them (special tokens skipped, up to each
 * response's end), and write the input rows plus a `responses` list column, in input order.
 *
 * Differences from verl, deliberately: prompts longer than rollout.prompt_length are an error by default
 * (data.truncation, as the trainer's data config) where verl silently keeps their first tokens; the n samples of
 * a prompt come from one rollout with n rows instead of n separate calls (same distribution); output .jsonl and
 * .json are written besides .parquet.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import type { GenerationFileConfig } from '../../config/schema/generation.js';
import { Batch } from '../../data/batch.js';
import { collatePrompts } from '../../data/collate.js';
import type { Truncation } from '../../data/config.js';
import { RLDataset, type DatasetOptions, type PromptSample } from '../../data/dataset.js';
import { readTable } from '../../data/io/read-rows.js';
import type { Row } from '../../data/io/read-rows.js';
import { writeParquet } from '../../data/io/parquet-write.js';
import { Tensor } from '../../data/tensor.js';
import type { Tokenizer } from '../../data/tokenizer.js';
import { Engine } from '../../engine/index.js';
import { CausalLM } from '../../models/compute/causal-lm.js';
import type { RolloutOptions } from '../../models/rollout/options.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { ConfigError, InputError } from '../../util/errors.js';
import { checkInputFile, checkInputPath, checkOutputFile } from '../../util/fs-check.js';
import { createProgress, formatDuration, type ProgressStream } from '../../util/progress.js';
import { checkPositionLimit } from '../../models/hf/config.js';
import { didYouMean } from '../../util/suggest.js';

export interface GenerationJobConfig {
  data: {
    path: string;
    promptKey: string;
    nSamples: number;
    outputPath: string;
    batchSize: number;
    truncation: Truncation;
    applyChatTemplateKwargs: Record<string, unknown>;
  };
  modelPath: string;
  /** Longest prompt in tokens (rollout.prompt_length); see data.truncation. */
  promptLength: number;
  /** Sampling; `n` is data.nSamples. */
  rollout: Omit<RolloutOptions, 'n' | 'streamOffset'>;
  engine: { device: 'cpu' | 'cuda'; intraOpNumThreads: number | null };
}

export interface GenerationJobIO {
  log: (line: string) => void;
  /** Where the progress of the batches is drawn (a terminal gets a bar); none by default. */
  progress?: ProgressStream;
  /** Folder relative paths are resolved against (default: the process's). */
  cwd?: string;
}

export interface GenerationJobResult {
  rows: number;
  responses: number;
  /** Generated tokens, EOS included. */
  generatedTokens: number;
  outputPath: string;
}

export const OUTPUT_EXTENSIONS = ['.parquet', '.jsonl', '.json'] as const;

/** `~` and `~/…` mean the home folder, as they do for verl's paths (pandas, copy_to_local). */
function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

/** Map the composed and schema-validated generation.yaml onto GenerationJobConfig. */
export function generationConfigFromSection(cfg: GenerationFileConfig): GenerationJobConfig {
  const r = cfg.rollout;
  if (r.temperature === 0 && cfg.data.n_samples !== 1) {
    throw new ConfigError(`When temperature=0, n_samples must be 1 (rollout.temperature=0, data.n_samples=${cfg.data.n_samples})`);
  }
  return {
    data: {
      path: cfg.data.path,
      promptKey: cfg.data.prompt_key,
      nSamples: cfg.data.n_samples,
      outputPath: cfg.data.output_path,
      batchSize: cfg.data.batch_size,
      truncation: cfg.data.truncation,
      applyChatTemplateKwargs: { ...cfg.data.apply_chat_template_kwargs },
    },
    modelPath: cfg.model.path,
    promptLength: r.prompt_length,
    rollout: {
      temperature: r.temperature,
      topK: r.top_k,
      topP: r.top_p,
      doSample: r.do_sample,
      responseLength: r.response_length,
      ignoreEos: r.ignore_eos,
      seed: r.seed,
      maxNumSeqs: r.max_num_seqs,
    },
    engine: { device: cfg.trainer.device, intraOpNumThreads: cfg.trainer.intra_op_num_threads },
  };
}

/**
 * The rows as an RLDataset: every row kept, in order, its prompt rendered and tokenised once; a prompt over
 * rollout.prompt_length is refused (truncation=error) or cut as data.truncation says.
 */
function promptDataset(rows: readonly Row[], cfg: GenerationJobConfig, tokenizer: Tokenizer): RLDataset {
  const max = cfg.promptLength;
  const options: DatasetOptions = {
    promptKey: cfg.data.promptKey,
    maxPromptLength: max,
    truncation: cfg.data.truncation,
    filterOverlongPrompts: false,
    returnRawChat: false,
    returnFullPrompt: false,
    applyChatTemplateKwargs: cfg.data.applyChatTemplateKwargs,
    shuffle: false,
    seed: null,
    maxSamples: 0,
  };
  return RLDataset.fromRows(rows, tokenizer, options, {
    sources: rows.map((_r, row) => ({ file: cfg.data.path, row })),
    describeOverlong: (where, tokens) =>
      `${where}: the prompt has ${tokens} tokens, more than rollout.prompt_length=${max}; ` +
      `raise rollout.prompt_length or set data.truncation to left, right or middle`,
  });
}

/**
 * Collated prompts without the leading columns that are padding in every row: each batch is as wide as its
 * longest prompt (verl's main_generation pads with padding=True), not rollout.prompt_length.
 */
function promptBatch(samples: readonly PromptSample[]): Batch {
  const batch = collatePrompts(samples);
  const mask = batch.ints('attention_mask');
  let cut = mask.width;
  for (let r = 0; r < mask.rows && cut > 0; r++) cut = Math.min(cut, mask.row(r).findIndex((m) => m !== 0));
  const trim = (name: string) => {
    const t = batch.ints(name);
    return Tensor.fromRows('int32', Array.from({ length: t.rows }, (_r, i) => t.row(i).subarray(cut)), t.width - cut);
  };
  return Batch.from({ tensors: { input_ids: trim('input_ids'), attention_mask: trim('attention_mask'), position_ids: trim('position_ids') } });
}

async function writeRows(path: string, rows: readonly Row[]): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const ext = extname(path).toLowerCase();
  if (ext === '.parquet') await writeParquet(path, rows);
  else if (ext === '.jsonl') await writeFileAtomic(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  else await writeFileAtomic(path, `${JSON.stringify(rows)}\n`);
}

export async function runGeneration(cfg: GenerationJobConfig, io: GenerationJobIO): Promise<GenerationJobResult> {
  const cwd = io.cwd ?? process.cwd();
  const at = (p: string) => (isAbsolute(expandHome(p)) ? expandHome(p) : resolve(cwd, p));
  const outputPath = at(cfg.data.outputPath);
  if (!(OUTPUT_EXTENSIONS as readonly string[]).includes(extname(outputPath).toLowerCase())) {
    throw new ConfigError(`data.output_path '${cfg.data.outputPath}' must end in ${OUTPUT_EXTENSIONS.join(', ')}`);
  }
  // Every path is checked before the model is loaded, so a bad output location costs no generation.
  checkInputFile(at(cfg.data.path), 'data.path');
  checkInputPath(at(cfg.modelPath), 'model.path', 'folder');
  checkOutputFile(outputPath, 'data.output_path');
  const started = Date.now();
  const table = await readTable(at(cfg.data.path), { what: 'data.path' });
  if (!table.columns.includes(cfg.data.promptKey)) {
    throw new InputError(
      `'${cfg.data.path}' has no column '${cfg.data.promptKey}' (data.prompt_key). Columns: ${table.columns.join(', ')}.` + didYouMean(cfg.data.promptKey, table.columns),
    );
  }
  const engine = new Engine({ device: cfg.engine.device, ...(cfg.engine.intraOpNumThreads === null ? {} : { intraOpNumThreads: cfg.engine.intraOpNumThreads }) });
  const lm = CausalLM.fromDir(at(cfg.modelPath), { engine, tokenizer: 'required' });
  const tokenizer = lm.tokenizer as Tokenizer;
  const n = cfg.data.nSamples;
  const sampling = cfg.rollout;
  const responses: string[][] = [];
  let generatedTokens = 0;
  const progress = createProgress({ label: 'generate', total: table.rows.length * n, unit: 'samples', stream: io.progress ?? { write: () => undefined } });
  try {
    const dataset = promptDataset(table.rows, cfg, tokenizer);
    let longest = 0;
    for (let i = 0; i < dataset.length; i++) longest = Math.max(longest, dataset.get(i).attentionMask.reduce((a, m) => a + (m !== 0 ? 1 : 0), 0));
    checkPositionLimit(lm.spec, longest + sampling.responseLength, `the longest prompt (${longest} tokens) plus rollout.response_length (${sampling.responseLength})`);
    const batches = Math.ceil(dataset.length / cfg.data.batchSize);
    const decodingStarted = Date.now();
    for (let k = 0; k < batches; k++) {
      const first = k * cfg.data.batchSize;
      const rows = Array.from({ length: Math.min(cfg.data.batchSize, dataset.length - first) }, (_r, i) => dataset.get(first + i));
      const out = await lm.generate(promptBatch(rows), { ...sampling, n, streamOffset: first * n });
      const R = sampling.responseLength;
      const ids = out.tensor('responses').data;
      const mask = out.tensor('response_mask').data;
      for (let i = 0; i < rows.length; i++) {
        const texts: string[] = [];
        for (let s = 0; s < n; s++) {
          const row = i * n + s;
          let len = 0;
          while (len < R && mask[row * R + len]) len++;
          generatedTokens += len;
          texts.push(tokenizer.decode(Array.from(ids.subarray(row * R, row * R + len)), { skipSpecialTokens: true }));
        }
        responses.push(texts);
      }
      progress.tick(rows.length * n, { 'tokens/s': generatedTokens / Math.max(1e-3, (Date.now() - decodingStarted) / 1000) });
    }
    progress.stop();
  } finally {
    progress.stop('');
    await lm.dispose();
    await engine.dispose();
  }
  await writeRows(outputPath, table.rows.map((row, i) => ({ ...row, responses: responses[i] })));
  io.log(`Wrote ${table.rows.length} rows with ${n} response(s) each to ${outputPath} in ${formatDuration((Date.now() - started) / 1000)}`);
  return { rows: table.rows.length, responses: table.rows.length * n, generatedTokens, outputPath };
}
