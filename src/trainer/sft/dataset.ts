/**
 * SftDataset: verl's SFTDataset. Each row gives a prompt and a response; the prompt goes through the chat
 * template as one user message with the generation prompt, the response is tokenised and followed by EOS, the
 * two are concatenated and right-padded (or truncated) to max_length. The loss mask marks the response tokens
 * (EOS included) as the targets to train on. Rows are tokenised once at load time, so a bad row fails at
 * start-up with its file and row number.
 *
 * `lossMask[t] = 1` means "token t is a target": its log-prob given tokens < t enters the loss. verl stores the
 * same mask one position earlier (on the token that predicts the target) and shifts it back in the loss.
 * Differences from verl: a prompt cell may also be a list of chat messages (used as is); with left truncation
 * the mask follows the response tokens that survive (verl keeps the untruncated offsets).
 */
import type { ChatMessage, Tokenizer } from '../../models/tokenizer/types.js';
import { asMessages, describeSource } from '../../data/dataset.js';
import type { RowSource } from '../../data/dataset.js';
import { readTable } from '../../data/io/read-rows.js';
import type { Row } from '../../data/io/read-rows.js';
import { padTokenId, positionIdsFromMask, renderPrompt } from '../../data/prompt.js';
import { ConfigError, InputError, errorMessage } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';

export type SftTruncation = 'error' | 'left' | 'right';

export interface SftDatasetOptions {
  promptKey: string;
  responseKey: string;
  /** Keys looked up in turn inside the prompt cell (verl's prompt_dict_keys); empty: the cell itself. */
  promptDictKeys: readonly string[];
  responseDictKeys: readonly string[];
  maxLength: number;
  truncation: SftTruncation;
  applyChatTemplateKwargs: Record<string, unknown>;
  /** Keep the first this many rows (≤ 0: all). */
  maxSamples: number;
}

export interface SftLoadOptions {
  cwd?: string;
  /** The config key the files came from, for messages (e.g. "data.train_files"). */
  what?: string;
  log?: (line: string) => void;
}

/** One row, padded to max_length; every array has max_length entries. */
export interface SftSample {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  positionIds: Int32Array;
  /** 1 where the token is a response token to train on (see the module comment). */
  lossMask: Int32Array;
}

/** Follow `keys` into a cell, unwrapping one-element lists first as verl's series_to_item does. */
export function lookUpDictKeys(cell: unknown, keys: readonly string[], where: string, column: string): unknown {
  let value = cell;
  const path: string[] = [column];
  for (const key of keys) {
    while (Array.isArray(value) && value.length === 1) value = value[0];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new InputError(`${where}: cannot look up '${key}' in ${path.join('.')}: it is ${Array.isArray(value) ? `a list of ${value.length}` : value === null ? 'null' : `a ${typeof value}`}, not a struct`);
    }
    const obj = value as Record<string, unknown>;
    if (!(key in obj)) {
      const keysHere = Object.keys(obj);
      throw new InputError(`${where}: ${path.join('.')} has no key '${key}' (it has ${keysHere.join(', ') || 'none'}).${didYouMean(key, keysHere)}`);
    }
    value = obj[key];
    path.push(key);
  }
  return value;
}

/** The tokens of one row before padding: prompt then response (EOS included). */
interface Encoded {
  prompt: Int32Array;
  response: Int32Array;
}

/** Right-pad or truncate prompt ‖ response to `maxLength` and mark the response tokens that remain. */
export function layoutSample(enc: Encoded, maxLength: number, truncation: SftTruncation, padId: number, where = 'row'): SftSample {
  const total = enc.prompt.length + enc.response.length;
  if (total > maxLength && truncation === 'error') {
    throw new InputError(
      `${where}: prompt (${enc.prompt.length} tokens) + response (${enc.response.length} tokens, EOS included) = ${total} tokens, ` +
        `more than data.max_length=${maxLength}; raise data.max_length or set data.truncation to left or right`,
    );
  }
  const drop = total > maxLength && truncation === 'left' ? total - maxLength : 0;
  const inputIds = new Int32Array(maxLength).fill(padId);
  const attentionMask = new Int32Array(maxLength);
  const lossMask = new Int32Array(maxLength);
  for (let t = drop; t < Math.min(total, drop + maxLength); t++) {
    const isResponse = t >= enc.prompt.length;
    const at = t - drop;
    inputIds[at] = isResponse ? enc.response[t - enc.prompt.length] : enc.prompt[t];
    attentionMask[at] = 1;
    // Position 0 has no preceding token to predict it from.
    lossMask[at] = isResponse && at > 0 ? 1 : 0;
  }
  return { inputIds, attentionMask, positionIds: positionIdsFromMask(attentionMask), lossMask };
}

function promptMessages(value: unknown, where: string, key: string): ChatMessage[] {
  if (typeof value === 'string') return [{ role: 'user', content: value }];
  if (Array.isArray(value)) return asMessages(value, where, key);
  throw new InputError(`${where}: the prompt (data.prompt_key '${key}') must be a string or a list of chat messages, got ${value === null ? 'null' : `a ${typeof value}`}`);
}

export class SftDataset {
  private constructor(
    private readonly encoded: Encoded[],
    private readonly sources: RowSource[],
    private readonly options: SftDatasetOptions,
    private readonly padId: number,
  ) {}

  static async load(files: readonly string[], tokenizer: Tokenizer, options: SftDatasetOptions, load: SftLoadOptions = {}): Promise<SftDataset> {
    const what = load.what ?? 'data files';
    if (files.length === 0) throw new ConfigError(`${what}: no files given; name at least one .parquet, .jsonl or .json file`);
    const rows: Row[] = [];
    const sources: RowSource[] = [];
    for (const [fi, file] of files.entries()) {
      const table = await readTable(file, { cwd: load.cwd, what: files.length > 1 ? `${what}[${fi}]` : what });
      for (const [key, name] of [[options.promptKey, 'data.prompt_key'], [options.responseKey, 'data.response_key']] as const) {
        if (!table.columns.includes(key)) {
          throw new InputError(`'${file}' has no column '${key}' (${name}). Columns: ${table.columns.join(', ')}.${didYouMean(key, table.columns)}`);
        }
      }
      table.rows.forEach((r, i) => {
        rows.push(r);
        sources.push({ file, row: i });
      });
    }
    return SftDataset.fromRows(rows, tokenizer, options, { ...load, sources });
  }

  static fromRows(rows: readonly Row[], tokenizer: Tokenizer, options: SftDatasetOptions, load: SftLoadOptions & { sources?: readonly RowSource[] } = {}): SftDataset {
    const pad = padTokenId(tokenizer);
    const eos = tokenizer.eosTokenIds[0];
    if (pad === null || eos === undefined) throw new InputError('the tokenizer has no EOS token to end responses with (SFT appends EOS to every response)');
    const sources = load.sources ?? rows.map((_r, i) => ({ file: '<memory>', row: i }));
    load.log?.(`dataset len: ${rows.length}`);
    const keep = options.maxSamples > 0 ? Math.min(options.maxSamples, rows.length) : rows.length;
    const encoded: Encoded[] = [];
    for (let i = 0; i < keep; i++) {
      const where = describeSource(sources[i]);
      const promptCell = lookUpDictKeys(rows[i][options.promptKey], options.promptDictKeys, where, options.promptKey);
      const response = lookUpDictKeys(rows[i][options.responseKey], options.responseDictKeys, where, options.responseKey);
      if (typeof response !== 'string') {
        throw new InputError(`${where}: the response (data.response_key '${options.responseKey}'${options.responseDictKeys.length ? ` → ${options.responseDictKeys.join('.')}` : ''}) must be a string, got ${response === null ? 'null' : `a ${typeof response}`}`);
      }
      let promptIds: number[];
      try {
        promptIds = renderPrompt(tokenizer, promptMessages(promptCell, where, options.promptKey), options.applyChatTemplateKwargs).ids;
      } catch (err) {
        if (err instanceof InputError) throw err;
        throw new InputError(`${where}: the chat template failed on this prompt: ${errorMessage(err)}`, { cause: err });
      }
      const enc = { prompt: Int32Array.from(promptIds), response: Int32Array.from([...tokenizer.encode(response, { addSpecialTokens: false }), eos]) };
      // Lay the row out once now so that an over-long row is reported at start-up.
      layoutSample(enc, options.maxLength, options.truncation, pad, where);
      encoded.push(enc);
    }
    if (keep < rows.length) load.log?.(`selected ${keep} samples out of ${rows.length}`);
    return new SftDataset(encoded, sources.slice(0, keep), options, pad);
  }

  get length(): number {
    return this.encoded.length;
  }

  source(i: number): RowSource {
    return this.sources[i];
  }

  get(i: number): SftSample {
    const enc = this.encoded[i];
    if (!enc) throw new RangeError(`dataset index ${i} is out of range (length ${this.encoded.length})`);
    return layoutSample(enc, this.options.maxLength, this.options.truncation, this.padId, describeSource(this.sources[i]));
  }
}
