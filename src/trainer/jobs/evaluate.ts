/**
 * Offline evaluation (verl's main_eval): score every response of every row of a generations file with the
 * custom reward function (or the built-in scorers), report the mean score per data_source
 * (`test_score/<data_source>`, the mean over rows of each row's mean, as verl) and pass@k, and write
 * `{"scores": [...]}` per input row, in input order, to data.output_path.
 */
import { isAbsolute, resolve } from 'node:path';
import { readTable } from '../../data/io/read-rows.js';
import type { Row } from '../../data/io/read-rows.js';
import { fileList } from '../../data/config.js';
import type { EvaluationFileConfig } from '../../config/schema/evaluation.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { ConfigError, InputError } from '../../util/errors.js';
import { checkOutputFile } from '../../util/fs-check.js';
import { createProgress, formatDuration, type ProgressStream } from '../../util/progress.js';
import { didYouMean } from '../../util/suggest.js';
import { mapLimit, scoreSample } from '../../reward/invoke.js';
import { DEFAULT_SCORING_FUNCTION, loadCustomRewardFunction } from '../../reward/scoring-function.js';
import type { CustomRewardFunctionConfig } from '../../reward/scoring-function.js';
import type { ExtraInfo, OnScoreError, ScorePolicy } from '../../reward/types.js';

export interface EvaluationConfig {
  data: {
    /** data.path: one file or a list (.parquet, .jsonl, .json). */
    path: string | string[];
    /** data.response_key (default "responses"): a list of responses per row, or one string. */
    responseKey: string;
    /** data.data_source_key (default "data_source"). */
    dataSourceKey: string;
    /** data.reward_model_key (default "reward_model"): a struct with ground_truth. */
    rewardModelKey: string;
    /** data.output_path: where the per-row scores go (JSONL); null writes nothing. */
    outputPath: string | null;
  };
  customRewardFunction: CustomRewardFunctionConfig & { onError: OnScoreError; timeoutS: number | null };
  /** max_concurrency: async reward calls in flight at once (default 16). */
  maxConcurrency: number;
  /** pass_threshold: a response without an `acc` value passes when its score ≥ this (default 1.0). */
  passThreshold: number;
}

export interface DataSourceSummary {
  rows: number;
  /** Mean over rows of the row's mean score (verl's test_score). */
  meanScore: number;
  /** pass@k for k = 1, 2, 4, … and k = n (the fewest responses any row of this data source has). */
  passAtK: Record<number, number>;
}

export interface EvaluationSummary {
  rows: number;
  responses: number;
  /** Responses scored 0 because the reward function failed (custom_reward_function.on_error=zero). */
  failures: number;
  perDataSource: Record<string, DataSourceSummary>;
  /** test_score/<ds> and pass@<k>/<ds>. */
  metrics: Record<string, number>;
  outputPath: string | null;
}

export interface EvaluationIO {
  log: (line: string) => void;
  /** Where the progress of scoring is reported (a terminal gets a bar); none by default. */
  progress?: ProgressStream;
  cwd?: string;
}

/** Map the composed and schema-validated evaluation.yaml onto EvaluationConfig. */
export function evaluationConfigFromSection(cfg: EvaluationFileConfig): EvaluationConfig {
  const crf = cfg.custom_reward_function;
  return {
    data: {
      path: fileList(cfg.data.path),
      responseKey: cfg.data.response_key,
      dataSourceKey: cfg.data.data_source_key,
      rewardModelKey: cfg.data.reward_model_key,
      outputPath: cfg.data.output_path,
    },
    customRewardFunction: {
      path: crf.path,
      name: crf.name,
      rewardKwargs: { ...crf.reward_kwargs },
      onError: crf.on_error,
      timeoutS: crf.timeout_s,
    },
    maxConcurrency: cfg.max_concurrency,
    passThreshold: cfg.pass_threshold,
  };
}

/** Unbiased pass@k (Chen et al. 2021) for one row with `c` correct of `n`. */
export function passAtK(n: number, c: number, k: number): number {
  if (k > n) throw new RangeError(`pass@${k} needs at least ${k} samples, got ${n}`);
  if (n - c < k) return 1;
  let prod = 1;
  for (let j = n - c + 1; j <= n; j++) prod *= 1 - k / j;
  return 1 - prod;
}

function ks(n: number): number[] {
  const out: number[] = [];
  for (let k = 1; k < n; k *= 2) out.push(k);
  out.push(n);
  return [...new Set(out)];
}

interface EvalRow {
  where: string;
  dataSource: string;
  responses: string[];
  groundTruth: unknown;
  extraInfo: ExtraInfo | null;
}

function toEvalRows(rows: Row[], file: string, cfg: EvaluationConfig, columns: string[]): EvalRow[] {
  const d = cfg.data;
  for (const [key, col] of [['data.response_key', d.responseKey], ['data.data_source_key', d.dataSourceKey], ['data.reward_model_key', d.rewardModelKey]] as const) {
    if (!columns.includes(col)) {
      throw new InputError(`'${file}' has no column '${col}' (${key}). Columns: ${columns.join(', ')}.` + didYouMean(col, columns));
    }
  }
  return rows.map((row, i) => {
    const where = `row ${i} of '${file}'`;
    const raw = row[d.responseKey];
    const responses = typeof raw === 'string' ? [raw] : raw;
    if (!Array.isArray(responses) || responses.length === 0 || !responses.every((r) => typeof r === 'string')) {
      throw new InputError(`${where}: column '${d.responseKey}' must be a non-empty list of response strings (or one string)`);
    }
    const ds = row[d.dataSourceKey];
    if (typeof ds !== 'string') throw new InputError(`${where}: column '${d.dataSourceKey}' must be a string, got ${ds === null ? 'null' : typeof ds}`);
    const rm = row[d.rewardModelKey];
    const groundTruth = rm !== null && typeof rm === 'object' && !Array.isArray(rm) ? ((rm as Record<string, unknown>).ground_truth ?? null) : null;
    const extra = row.extra_info;
    const extraInfo = extra !== null && typeof extra === 'object' && !Array.isArray(extra) ? (extra as ExtraInfo) : null;
    return { where, dataSource: ds, responses: responses as string[], groundTruth, extraInfo };
  });
}

export async function runEvaluation(cfg: EvaluationConfig, io: EvaluationIO): Promise<EvaluationSummary> {
  const cwd = io.cwd ?? process.cwd();
  const files = Array.isArray(cfg.data.path) ? cfg.data.path : [cfg.data.path];
  if (files.length === 0) throw new ConfigError('data.path: no file given');
  const started = Date.now();
  const outputPath = cfg.data.outputPath ? (isAbsolute(cfg.data.outputPath) ? cfg.data.outputPath : resolve(cwd, cfg.data.outputPath)) : null;
  if (outputPath) checkOutputFile(outputPath, 'data.output_path');
  const rows: EvalRow[] = [];
  for (const [i, file] of files.entries()) {
    const table = await readTable(file, { cwd, what: files.length > 1 ? `data.path[${i}]` : 'data.path' });
    rows.push(...toEvalRows(table.rows, file, cfg, table.columns));
  }
  const sf = (await loadCustomRewardFunction(cfg.customRewardFunction, { cwd })) ?? DEFAULT_SCORING_FUNCTION;
  const policy: ScorePolicy = { onError: cfg.customRewardFunction.onError, timeoutS: cfg.customRewardFunction.timeoutS };
  const jobs = rows.flatMap((row, r) => row.responses.map((text, k) => ({ r, k, row, text })));
  let failures = 0;
  const progress = createProgress({ label: 'eval', total: jobs.length, unit: 'responses', stream: io.progress ?? { write: () => undefined } });
  const outcomes = await mapLimit(jobs, cfg.maxConcurrency, async (job) => {
    const o = await scoreSample(
      sf,
      { index: job.r, dataSource: job.row.dataSource, solutionStr: job.text, groundTruth: job.row.groundTruth, extraInfo: job.row.extraInfo },
      policy,
    );
    progress.tick();
    if (!o.ok) {
      failures++;
      return { score: 0, correct: false };
    }
    const acc = o.score.kind === 'scalar' && o.score.extras && 'acc' in o.score.extras ? o.score.extras.acc : undefined;
    return { score: o.score.score, correct: acc !== undefined && acc !== null ? Boolean(acc) : o.score.score >= cfg.passThreshold - 1e-6 };
  }).finally(() => progress.stop(''));
  const scores: number[][] = rows.map((row) => new Array<number>(row.responses.length));
  const correct: number[] = rows.map(() => 0);
  jobs.forEach((job, i) => {
    scores[job.r][job.k] = outcomes[i].score;
    if (outcomes[i].correct) correct[job.r]++;
  });

  const groups = new Map<string, number[]>();
  rows.forEach((row, r) => groups.set(row.dataSource, [...(groups.get(row.dataSource) ?? []), r]));
  const perDataSource: Record<string, DataSourceSummary> = {};
  const metrics: Record<string, number> = {};
  for (const [ds, members] of groups) {
    const rowMeans = members.map((r) => scores[r].reduce((a, b) => a + b, 0) / scores[r].length);
    const meanScore = rowMeans.reduce((a, b) => a + b, 0) / rowMeans.length;
    const n = Math.min(...members.map((r) => scores[r].length));
    const passes: Record<number, number> = {};
    for (const k of ks(n)) {
      passes[k] = members.reduce((acc, r) => acc + passAtK(scores[r].length, correct[r], k), 0) / members.length;
      metrics[`pass@${k}/${ds}`] = passes[k];
    }
    metrics[`test_score/${ds}`] = meanScore;
    perDataSource[ds] = { rows: members.length, meanScore, passAtK: passes };
  }

  if (outputPath) await writeFileAtomic(outputPath, scores.map((s) => JSON.stringify({ scores: s })).join('\n') + '\n');
  for (const [name, value] of Object.entries(metrics).sort(([a], [b]) => a.localeCompare(b))) io.log(`${name}: ${value}`);
  if (failures > 0) io.log(`reward function failures scored 0: ${failures}`);
  const took = formatDuration((Date.now() - started) / 1000);
  io.log(outputPath ? `scored ${jobs.length} responses in ${took}; scores written to ${outputPath}` : `scored ${jobs.length} responses in ${took}`);
  return { rows: rows.length, responses: jobs.length, failures, perDataSource, metrics, outputPath };
}
