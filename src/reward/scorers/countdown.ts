/**
 * Countdown scorer (TinyZero / verl's former reward_score/countdown.py): the equation inside the last
 * <answer>…</answer> on the last line must use every given number exactly once and evaluate (with Python's
 * arithmetic) to the target within 1e-5 → `score`; a well-formed but wrong or invalid equation →
 * `formatScore`; no answer → 0.
 *
 * Deliberate difference: verl's port only looks after "Assistant:" / "<|im_start|>assistant" and returns 0
 * when neither is present. TinyZero scored prompt+response text, but verl's reward managers pass the response
 * alone, so verl's port scores every response 0. verl-ts uses the text after the marker when there is one and
 * the whole response otherwise.
 */
import { evalPythonArithmetic } from './python-arith.js';
import { pyStrip } from './text.js';

export interface CountdownGroundTruth {
  target: number;
  numbers: readonly number[];
}

export interface CountdownParams {
  formatScore?: number;
  score?: number;
}

export function extractCountdownEquation(solution: string): string | null {
  let s = solution;
  for (const marker of ['Assistant:', '<|im_start|>assistant']) {
    const at = s.indexOf(marker);
    if (at >= 0) {
      s = s.slice(at + marker.length);
      break;
    }
  }
  s = s.split('\n').at(-1) as string;
  const matches = [...s.matchAll(/<answer>([^\n]*?)<\/answer>/g)];
  return matches.length ? pyStrip(matches[matches.length - 1][1]) : null;
}

/** Every available number used exactly once (multiset equality of the integers in the equation). */
export function validateCountdownEquation(equation: string, numbers: readonly number[]): boolean {
  const used = (equation.match(/[0-9]+/g) ?? []).map((n) => Number(n)).sort((a, b) => a - b);
  const available = [...numbers].sort((a, b) => a - b);
  return used.length === available.length && used.every((n, i) => n === available[i]);
}

/** The equation's value, or null when it has characters other than digits, + - * / ( ) . and spaces, or fails. */
export function evaluateCountdownEquation(equation: string): number | null {
  if (!/^[0-9+\-*/().\s]+$/.test(equation)) return null;
  return evalPythonArithmetic(equation);
}

export function parseCountdownGroundTruth(gt: unknown): CountdownGroundTruth {
  const g = gt as Partial<Record<string, unknown>> | null;
  const target = g?.target;
  const numbers = g?.numbers;
  if (typeof target !== 'number' || !Array.isArray(numbers) || !numbers.every((n) => typeof n === 'number')) {
    throw new TypeError(`countdown: ground_truth must be {target: number, numbers: number[]}, got ${JSON.stringify(gt)}`);
  }
  return { target, numbers: numbers as number[] };
}

export function countdownScore(solution: string, groundTruth: unknown, params: CountdownParams = {}): number {
  const { target, numbers } = parseCountdownGroundTruth(groundTruth);
  const formatScore = params.formatScore ?? 0.1;
  const equation = extractCountdownEquation(solution);
  if (equation === null) return 0;
  if (!validateCountdownEquation(equation, numbers)) return formatScore;
  const result = evaluateCountdownEquation(equation);
  if (result === null) return formatScore;
  return Math.abs(result - target) < 1e-5 ? (params.score ?? 1.0) : formatScore;
}
