/**
 * RLDataset: verl's RLHFDataset for text prompts. Reads and concatenates the files, optionally keeps
 * max_samples rows (seeded random choice when shuffling, else the first N), optionally drops prompts longer
 * than max_prompt_length, and tokenises every prompt once at load time so that a bad row fails at start-up
 * with its file and row number rather than mid-training.
 */
import type { ChatMessage, Tokenizer } from './tokenizer.js';
import { InputError, ConfigError, errorMessage } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { Rng } from '../util/rng.js';
import type { Truncation } from './config.js';
import { DEFAULT_DATA_SEED } from './config.js';
import { readTable } from './io/read-rows.js';
import type { Row } from './io/read-rows.js';
import { leftPad, padTokenId, renderPrompt, truncateIds } from './prompt.js';

export interface DatasetOptions {
  promptKey: string;
  maxPromptLength: number;
  truncation: Truncation;
  filterOverlongPrompts: boolean;
  returnRawChat: boolean;
  returnFullPrompt: boolean;
  applyChatTemplateKwargs: Record<string, unknown>;
  /** With maxSamples: pick a seeded random subset instead of the first rows. */
  shuffle: boolean;
  seed: number | null;
  /** Keep at most this many rows (≤ 0: all). */
  maxSamples: number;
}

export interface LoadOptions {
  cwd?: string;
  /** The config key the files came from, for messages (e.g. "data.train_files"). */
  what?: string;
  /** Progress lines ("dataset len: N"). */
  log?: (line: string) => void;
  /**
   * The message for a prompt of `tokens` tokens over maxPromptLength with truncation=error, for callers whose
   * limit has another config key (default: names data.max_prompt_length and data.filter_overlong_prompts).
   */
  describeOverlong?: (where: string, tokens: number) => string;
}

/** Where a row came from, for error messages. */
export interface RowSource {
  file: string;
  row: number;
}

export interface PromptSample {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  positionIds: Int32Array;
  /** Every column of the row, plus raw_prompt_ids, index, and raw_prompt / full_prompts when asked for. */
  fields: Record<string, unknown>;
}

interface Prepared {
  row: Row;
  source: RowSource;
  messages: ChatMessage[];
  /** The templated text, kept only for data.return_full_prompt. */
  text: string | null;
  /** Prompt token ids before truncation (Int32Array: a large dataset holds many). */
  ids: Int32Array;
}

export function describeSource(s: RowSource): string {
  return `row ${s.row} of '${s.file}'`;
}

/** A prompt cell as chat messages, or an InputError saying what is wrong with it. */
export function asMessages(value: unknown, where: string, promptKey: string): ChatMessage[] {
  const fail = (why: string) =>
    new InputError(`${where}: column '${promptKey}' must be a list of chat messages {role, content}; ${why}`);
  if (!Array.isArray(value)) {
    throw fail(`got ${value === null || value === undefined ? 'null' : typeof value === 'object' ? 'an object' : `a ${typeof value}`}`);
  }
  value.forEach((m: unknown, i) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw fail(`message ${i} is not an object`);
    const msg = m as Record<string, unknown>;
    if (typeof msg.role !== 'string') throw fail(`message ${i} has no string 'role'`);
    if (typeof msg.content !== 'string') throw fail(`message ${i} has ${msg.content === undefined ? 'no' : 'a non-string'} 'content'`);
  });
  return value as ChatMessage[];
}

export class RLDataset {
  private readonly items: Prepared[];
  private readonly options: DatasetOptions;
  private readonly padId: number;

  private constructor(items: Prepared[], options: DatasetOptions, padId: number) {
    this.items = items;
    this.options = options;
    this.padId = padId;
  }

  /** Read `files` (parquet/jsonl/json) and prepare them. */
  static async load(files: readonly string[], tokenizer: Tokenizer, options: DatasetOptions, load: LoadOptions = {}): Promise<RLDataset> {
    const what = load.what ?? 'data files';
    if (files.length === 0) {
      throw new ConfigError(`${what}: no files given; name at least one .parquet, .jsonl or .json file`);
    }
    const rows: Row[] = [];
    const sources: RowSource[] = [];
    for (const [fi, file] of files.entries()) {
      const table = await readTable(file, { cwd: load.cwd, what: files.length > 1 ? `${what}[${fi}]` : what });
      if (!table.columns.includes(options.promptKey)) {
        throw new InputError(
          `'${file}' has no column '${options.promptKey}' (data.prompt_key). Columns: ${table.columns.join(', ')}.` +
            didYouMean(options.promptKey, table.columns),
        );
      }
      table.rows.forEach((r, i) => {
        rows.push(r);
        sources.push({ file, row: i });
      });
    }
    return RLDataset.fromRows(rows, tokenizer, options, { ...load, sources });
  }

  /** Prepare in-memory rows (sources default to "row i of '<memory>'"). */
  static fromRows(
    rows: readonly Row[],
    tokenizer: Tokenizer,
    options: DatasetOptions,
    load: LoadOptions & { sources?: readonly RowSource[] } = {},
  ): RLDataset {
    const log = load.log ?? (() => {});
    const pad = padTokenId(tokenizer);
    if (pad === null) throw new InputError('the tokenizer has neither a pad token nor an EOS token to pad prompts with');
    const sources = load.sources ?? rows.map((_r, i) => ({ file: '<memory>', row: i }));
    log(`dataset len: ${rows.length}`);

    let order = rows.map((_r, i) => i);
    if (options.maxSamples > 0 && options.maxSamples < rows.length) {
      if (options.shuffle) {
        order = new Rng(options.seed ?? DEFAULT_DATA_SEED).permutation(rows.length).slice(0, options.maxSamples);
      } else {
        order = order.slice(0, options.maxSamples);
      }
      log(`selected ${options.maxSamples} ${options.shuffle ? 'random ' : ''}samples out of ${rows.length}`);
    }

    const items: Prepared[] = [];
    let dropped = 0;
    for (const i of order) {
      const where = describeSource(sources[i]);
      const messages = asMessages(rows[i][options.promptKey], where, options.promptKey);
      let rendered;
      try {
        rendered = renderPrompt(tokenizer, messages, options.applyChatTemplateKwargs);
      } catch (err) {
        if (options.filterOverlongPrompts) {
          // verl counts a prompt the template cannot render as too long.
          log(`${where}: chat template failed (${errorMessage(err)}); dropped`);
          dropped++;
          continue;
        }
        throw new InputError(`${where}: the chat template failed on this prompt: ${errorMessage(err)}`, { cause: err });
      }
      if (options.filterOverlongPrompts && rendered.ids.length > options.maxPromptLength) {
        dropped++;
        continue;
      }
      if (rendered.ids.length === 0) throw new InputError(`${where}: the chat template gave an empty prompt`);
      if (rendered.ids.length > options.maxPromptLength && options.truncation === 'error') {
        const ds = rows[i].data_source;
        throw new InputError(
          load.describeOverlong?.(where, rendered.ids.length) ??
            `${where}${typeof ds === 'string' ? ` (data_source '${ds}')` : ''}: prompt is ${rendered.ids.length} tokens, ` +
              `longer than data.max_prompt_length=${options.maxPromptLength} with data.truncation=error ` +
              `(set data.truncation to left, right or middle, or data.filter_overlong_prompts=true to drop such prompts)`,
        );
      }
      items.push({
        row: rows[i],
        source: sources[i],
        messages,
        text: options.returnFullPrompt ? rendered.text : null,
        ids: Int32Array.from(rendered.ids),
      });
    }
    if (options.filterOverlongPrompts) {
      log(`filter dataset len: ${items.length} (dropped ${dropped} prompts longer than ${options.maxPromptLength} tokens)`);
    }
    return new RLDataset(items, options, pad);
  }

  get length(): number {
    return this.items.length;
  }

  source(i: number): RowSource {
    return this.items[i].source;
  }

  get(i: number): PromptSample {
    const item = this.items[i];
    if (!item) throw new RangeError(`dataset index ${i} is out of range (length ${this.items.length})`);
    const o = this.options;
    const all = Array.from(item.ids);
    const ids = o.truncation === 'error' ? all : truncateIds(all, o.maxPromptLength, o.truncation);
    const padded = leftPad(ids, o.maxPromptLength, this.padId);
    const fields: Record<string, unknown> = { ...item.row };
    const extra = item.row.extra_info;
    fields.extra_info = extra !== null && typeof extra === 'object' && !Array.isArray(extra) ? { ...extra } : {};
    fields.raw_prompt_ids = padded.rawPromptIds;
    if (o.returnRawChat) fields.raw_prompt = item.messages;
    if (o.returnFullPrompt) fields.full_prompts = item.text;
    fields.index = (fields.extra_info as Record<string, unknown>).index ?? 0;
    return { inputIds: padded.inputIds, attentionMask: padded.attentionMask, positionIds: padded.positionIds, fields };
  }
}
