/**
 * GSM8K scorer (verl's reward_score/gsm8k.py): only the last 300 characters are searched.
 * strict: the last "#### <number>" (commas and "$" removed); flexible: the last number-like run that is not
 * "" or "." (commas kept, a verl quirk). An exact string match with the ground truth scores `score`, another
 * answer `formatScore`, no answer 0.
 */
import { lastCodePoints } from './text.js';

export type Gsm8kMethod = 'strict' | 'flexible';

export interface Gsm8kParams {
  method?: Gsm8kMethod;
  formatScore?: number;
  score?: number;
}

const CLIP_CHARS = 300;

export function extractGsm8kSolution(solution: string, method: Gsm8kMethod = 'strict'): string | null {
  if (method !== 'strict' && method !== 'flexible') throw new RangeError(`gsm8k: method must be 'strict' or 'flexible', got '${String(method)}'`);
  const text = lastCodePoints(solution, CLIP_CHARS);
  if (method === 'strict') {
    const found = [...text.matchAll(/#### (-?[0-9.,]+)/g)];
    if (found.length === 0) return null;
    return found[found.length - 1][1].replaceAll(',', '').replaceAll('$', '');
  }
  const found = [...text.matchAll(/(-?[0-9.,]+)/g)].map((m) => m[1]);
  if (found.length === 0) return null;
  // Python's loop leaves the last element examined in the variable even when every candidate is invalid.
  let answer = found[0];
  for (let i = found.length - 1; i >= 0; i--) {
    answer = found[i];
    if (answer !== '' && answer !== '.') break;
  }
  return answer;
}

export function gsm8kScore(solution: string, groundTruth: string, params: Gsm8kParams = {}): number {
  const answer = extractGsm8kSolution(solution, params.method ?? 'strict');
  if (answer === null) return 0;
  return answer === groundTruth ? (params.score ?? 1.0) : (params.formatScore ?? 0.0);
}
