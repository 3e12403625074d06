/**
 * DAPO math scorer (verl's reward_score/math_dapo.py, Minerva-style): the last "Answer: …" line of the last
 * 300 characters, normalised with normalize_final_answer, equals the normalised ground truth → score +1,
 * otherwise −1; also returns acc and the normalised prediction. The strict-box variant compares the last
 * \boxed{…} of the last 100 characters verbatim.
 */
import { PY_SPACE, lastCodePoints, pyIsDigit, pyStrip } from './text.js';
import { balancedFrom } from '../../tasks/boxed-answer.js';

export interface MathDapoResult {
  score: number;
  acc: boolean;
  pred: string | null;
  [extra: string]: unknown;
}

export interface MathDapoParams {
  strictBoxVerify?: boolean;
  /** Indices of pause tokens (exactly 4) for the strict-box variant. */
  pauseTokensIndex?: readonly number[] | null;
}

const SUBSTITUTIONS: ReadonlyArray<readonly [string, string]> = [
  ['an ', ''],
  ['a ', ''],
  ['.$', '$'],
  ['\\$', ''],
  ['\\ ', ''],
  [' ', ''],
  ['mbox', 'text'],
  [',\\text{and}', ','],
  ['\\text{and}', ','],
  ['\\text{m}', '\\text{}'],
];

const REMOVED_EXPRESSIONS: readonly string[] = [
  'square', 'ways', 'integers', 'dollars', 'mph', 'inches', 'hours', 'km', 'units', '\\ldots', 'sue', 'points',
  'feet', 'minutes', 'digits', 'cents', 'degrees', 'cm', 'gm', 'pounds', 'meters', 'meals', 'edges', 'students',
  'childrentickets', 'multiples', '\\text{s}', '\\text{.}', '\\text{\ns}', '\\text{}^2', '\\text{}^3', '\\text{\n}',
  '\\text{}', '\\mathrm{th}', '^\\circ', '^{\\circ}', '\\;', ',\\!', '{,}', '"', '\\dots',
];

// Python's "." matches anything but "\n"; JS's also stops at "\r", U+2028 and U+2029, so spell it out.
const DOLLAR_MATH = /([^\n]*?)(\$)([^\n]*?)(\$)([^\n]*)/g;
const TEXT = /(\\text\{)([^\n]*?)(\})/g;
const TEXTBF = /(\\textbf\{)([^\n]*?)(\})/g;
const OVERLINE = /(\\overline\{)([^\n]*?)(\})/g;
const BOXED = /(\\boxed\{)([^\n]*)(\})/g;
const FRAC = /(frac)([^{])([^\n])/gu;
const SQRT = /(sqrt)([^{])/gu;
const ANSWER = new RegExp(`Answer${PY_SPACE}*:${PY_SPACE}*([^\\n]+)`, 'giu');

export function normalizeFinalAnswer(answer: string): string {
  let s = answer.split('=').at(-1) as string;
  for (const [before, after] of SUBSTITUTIONS) s = s.replaceAll(before, after);
  for (const expr of REMOVED_EXPRESSIONS) s = s.replaceAll(expr, '');
  s = s.replace(DOLLAR_MATH, '$$$3$$');
  s = s.replace(TEXT, '$2').replace(TEXTBF, '$2').replace(OVERLINE, '$2').replace(BOXED, '$2');
  s = s.replace(FRAC, 'frac{$2}{$3}').replace(SQRT, 'sqrt{$2}');
  s = s.replaceAll('$', '');
  if (pyIsDigit(s.replaceAll(',', ''))) s = s.replaceAll(',', '');
  return pyStrip(s);
}

function lastBoxed(s: string): string | null {
  const idx = s.lastIndexOf('\\boxed{');
  return idx < 0 ? null : balancedFrom(s, idx);
}

function stripBox(s: string): string {
  // lastBoxed only returns strings that start with "\boxed{" and end with "}".
  return s.slice('\\boxed{'.length, -1);
}

export function isCorrectMinerva(solution: string, groundTruth: string, gtNeedExtract = false): [boolean, string] {
  const matches = [...solution.matchAll(ANSWER)].map((m) => m[1]);
  const pred = normalizeFinalAnswer(matches.length ? matches[matches.length - 1] : '[INVALID]');
  let gt: string;
  if (gtNeedExtract) {
    const boxed = lastBoxed(groundTruth);
    if (boxed === null) throw new Error(`math_dapo: ground truth has no \\boxed{} answer: ${groundTruth}`);
    gt = normalizeFinalAnswer(stripBox(boxed));
  } else {
    gt = normalizeFinalAnswer(groundTruth);
  }
  return [pred === gt, pred];
}

export function isCorrectStrictBox(pred: string, gt: string, pauseTokensIndex?: readonly number[] | null): [number, string | null] {
  let tail: string;
  if (pauseTokensIndex != null) {
    if (pauseTokensIndex.length !== 4) throw new Error('math_dapo: pause_tokens_index must have 4 entries');
    // Python's pred[i:], where a negative i counts from the end.
    const cps = Array.from(pred);
    const start = pauseTokensIndex[3] - 100;
    tail = cps.slice(start < 0 ? Math.max(cps.length + start, 0) : start).join('');
  } else {
    tail = lastCodePoints(pred, 100);
  }
  const boxed = lastBoxed(tail);
  const extracted = boxed !== null ? stripBox(boxed) : null;
  return [extracted === gt ? 1 : -1, extracted];
}

export function mathDapoScore(solution: string, groundTruth: string, params: MathDapoParams = {}): MathDapoResult {
  const text = lastCodePoints(solution, 300);
  let correct: boolean;
  let pred: string | null;
  if (params.strictBoxVerify) {
    const [c, p] = isCorrectStrictBox(text, groundTruth, params.pauseTokensIndex);
    correct = c === 1;
    pred = p;
  } else {
    [correct, pred] = isCorrectMinerva(text, groundTruth);
  }
  return { score: correct ? 1.0 : -1.0, acc: correct, pred };
}
