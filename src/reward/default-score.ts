/**
 * verl's default_compute_score: pick the rule-based scorer by data_source. Entries are tried in order; users
 * may register their own. An unknown data_source is an error naming it and the known ones.
 */
import { didYouMean } from '../util/suggest.js';
import { RewardError } from './errors.js';
import { countdownScore } from './scorers/countdown.js';
import { digitCompletionScore } from './scorers/digit-completion.js';
import { gsm8kScore } from './scorers/gsm8k.js';
import { mathDapoScore } from './scorers/math-dapo.js';
import { mathScore } from './scorers/math.js';
import type { ExtraInfo, ScoreResult } from './types.js';

export interface ScorerEntry {
  /** Registry name, e.g. "gsm8k". */
  name: string;
  /** data_source values it scores exactly. */
  dataSources?: readonly string[];
  /** data_source prefixes it scores (e.g. "aime"). */
  prefixes?: readonly string[];
  /** Substrings of data_source it scores (e.g. "countdown"). */
  contains?: readonly string[];
  score: (solutionStr: string, groundTruth: unknown, extraInfo: ExtraInfo | null) => ScoreResult;
}

function asText(gt: unknown, scorer: string): string {
  if (typeof gt === 'string') return gt;
  if (typeof gt === 'number' || typeof gt === 'bigint') return String(gt);
  throw new TypeError(`${scorer}: ground_truth must be a string, got ${gt === null ? 'null' : typeof gt}`);
}

const BUILT_IN: ScorerEntry[] = [
  { name: 'gsm8k', dataSources: ['openai/gsm8k'], score: (s, gt) => gsm8kScore(s, asText(gt, 'gsm8k')) },
  {
    name: 'math',
    dataSources: ['lighteval/MATH', 'DigitalLearningGmbH/MATH-lighteval', 'HuggingFaceH4/MATH-500'],
    score: (s, gt) => mathScore(s, asText(gt, 'math')),
  },
  {
    name: 'math_dapo',
    dataSources: ['math_dapo', 'math', 'math_dapo_reasoning'],
    prefixes: ['aime'],
    score: (s, gt) => mathDapoScore(s, asText(gt, 'math_dapo')),
  },
  { name: 'countdown', contains: ['countdown'], score: (s, gt) => countdownScore(s, gt) },
  { name: 'digit_completion', dataSources: ['digit_completion'], score: (s, gt) => digitCompletionScore(s, asText(gt, 'digit_completion')) },
];

const registry: ScorerEntry[] = [...BUILT_IN];

function matches(e: ScorerEntry, ds: string): boolean {
  return (e.dataSources ?? []).includes(ds) || (e.prefixes ?? []).some((p) => ds.startsWith(p)) || (e.contains ?? []).some((c) => ds.includes(c));
}

/** Add a scorer; it is tried after the ones already registered. A second entry with the same name is an error. */
export function registerScorer(entry: ScorerEntry): void {
  if (registry.some((e) => e.name === entry.name)) throw new RewardError(`a scorer named '${entry.name}' is already registered`);
  registry.push(entry);
}

/** The data_source patterns the registry knows, for messages and docs ("aime*", "*countdown*"). */
export function knownDataSources(): string[] {
  return registry.flatMap((e) => [...(e.dataSources ?? []), ...(e.prefixes ?? []).map((p) => `${p}*`), ...(e.contains ?? []).map((c) => `*${c}*`)]);
}

export function findScorer(dataSource: string): ScorerEntry {
  const entry = registry.find((e) => matches(e, dataSource));
  if (!entry) {
    const exact = registry.flatMap((e) => [...(e.dataSources ?? [])]);
    throw new RewardError(
      `Reward function is not implemented for data_source='${dataSource}'. Known data sources: ${knownDataSources().join(', ')}.` +
        didYouMean(dataSource, exact) +
        ' To score other data, set custom_reward_function.path to your own compute_score.',
    );
  }
  return entry;
}

/** verl's default_compute_score. */
export function defaultComputeScore(dataSource: string, solutionStr: string, groundTruth: unknown, extraInfo: ExtraInfo | null = null): ScoreResult {
  return findScorer(dataSource).score(solutionStr, groundTruth, extraInfo);
}
