/**
 * Normalise what a scoring function returned: a number or boolean (a scalar score), a {score, ...extras}
 * object, or an array of numbers (a dense, per-token reward). Anything else — NaN, ±Infinity, a string,
 * undefined — is rejected with a description of what came back; never a silent NaN.
 */
import type { ScoreResult } from './types.js';

export type NormalisedScore =
  | { kind: 'scalar'; score: number; extras: Record<string, unknown> | null }
  | { kind: 'dense'; values: Float64Array; score: number };

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined (did the function forget to return?)';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `a string ('${v.length > 40 ? v.slice(0, 40) + '…' : v}')`;
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v}`;
}

const EXPECTED = 'expected a finite number, a boolean, {score, ...} or an array of finite numbers (one per response token)';

/** The normalised score, or a string saying what is wrong with `raw`. */
export function normaliseScore(raw: unknown): NormalisedScore | string {
  if (typeof raw === 'boolean') return { kind: 'scalar', score: raw ? 1 : 0, extras: null };
  if (typeof raw === 'number') {
    return Number.isFinite(raw) ? { kind: 'scalar', score: raw, extras: null } : `returned ${describe(raw)}; ${EXPECTED}`;
  }
  if (Array.isArray(raw) || raw instanceof Float32Array || raw instanceof Float64Array) {
    const values = Float64Array.from(raw as ArrayLike<number>);
    for (let i = 0; i < values.length; i++) {
      const v = (raw as ArrayLike<unknown>)[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) return `returned an array whose element ${i} is ${describe(v)}; ${EXPECTED}`;
    }
    let sum = 0;
    for (const v of values) sum += v;
    return { kind: 'dense', values, score: sum };
  }
  if (raw !== null && typeof raw === 'object' && !(raw instanceof Promise)) {
    const dict = raw as Record<string, unknown>;
    if (!('score' in dict)) return `returned an object without a 'score' key (keys: ${Object.keys(dict).join(', ') || 'none'}); ${EXPECTED}`;
    const s = dict.score;
    const score = typeof s === 'boolean' ? (s ? 1 : 0) : s;
    if (typeof score !== 'number' || !Number.isFinite(score)) return `returned {score: ${describe(s)}}; the score must be a finite number`;
    return { kind: 'scalar', score, extras: { ...dict } };
  }
  return `returned ${describe(raw)}; ${EXPECTED}`;
}

/** Type guard for callers that want to branch on a raw result. */
export function isScoreResult(raw: unknown): raw is ScoreResult {
  return typeof normaliseScore(raw) !== 'string';
}
