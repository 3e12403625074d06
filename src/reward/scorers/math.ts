/**
 * Hendrycks MATH scorer (verl's reward_score/math_reward.py, from lm-evaluation-harness): the last
 * \boxed{…} (or "\boxed " up to "$", or \fbox) is compared with the ground truth after strip_string
 * normalisation. Any failure inside scores 0; a failure inside strip_string falls back to comparing the raw
 * strings, as verl does.
 */
import { lastBoxedOnlyString, removeBoxed } from '../../tasks/boxed-answer.js';
import { codePointLength } from './text.js';

/** verl raises an AssertionError/IndexError in these spots; callers catch it exactly where verl does. */
class MathNormaliseError extends Error {}

function fixFracs(s: string): string {
  const parts = s.split('\\frac');
  let out = parts[0];
  for (const sub of parts.slice(1)) {
    out += '\\frac';
    if (sub.length === 0) throw new MathNormaliseError('empty \\frac'); // Python: IndexError on substr[0]
    if (sub[0] === '{') {
      out += sub;
      continue;
    }
    const cps = Array.from(sub);
    if (cps.length < 2) return s;
    const [a, b] = cps;
    const rest = cps.slice(2).join('');
    if (b !== '{') out += `{${a}}{${b}}` + rest;
    else out += `{${a}}` + b + rest;
  }
  return out;
}

/** "a/b" with a and b canonical Python ints → \frac{a}{b}. */
function fixASlashB(s: string): string {
  const parts = s.split('/');
  if (parts.length !== 2) return s;
  const canonicalInt = /^(0|-?[1-9][0-9]*)$/;
  if (!canonicalInt.test(parts[0]) || !canonicalInt.test(parts[1])) return s;
  return `\\frac{${parts[0]}}{${parts[1]}}`;
}

function removeRightUnits(s: string): string {
  if (!s.includes('\\text{ ')) return s;
  const parts = s.split('\\text{ ');
  if (parts.length !== 2) throw new MathNormaliseError('more than one unit');
  return parts[0];
}

function fixSqrt(s: string): string {
  if (!s.includes('\\sqrt')) return s;
  const parts = s.split('\\sqrt');
  let out = parts[0];
  for (const part of parts.slice(1)) {
    if (part.length === 0) throw new MathNormaliseError('empty \\sqrt'); // Python: IndexError on split[0]
    const first = String.fromCodePoint(part.codePointAt(0) as number);
    out += first !== '{' ? `\\sqrt{${first}}${part.slice(first.length)}` : `\\sqrt${part}`;
  }
  return out;
}

export function stripString(input: string): string {
  let s = input.replaceAll('\n', '');
  s = s.replaceAll('\\!', '');
  s = s.replaceAll('\\\\', '\\');
  s = s.replaceAll('tfrac', 'frac').replaceAll('dfrac', 'frac');
  s = s.replaceAll('\\left', '').replaceAll('\\right', '');
  s = s.replaceAll('^{\\circ}', '').replaceAll('^\\circ', '');
  s = s.replaceAll('\\$', '');
  s = removeRightUnits(s);
  s = s.replaceAll('\\\\%', '').replaceAll('\\%', '');
  s = s.replaceAll(' .', ' 0.').replaceAll('{.', '{0.');
  if (s.length === 0) return s;
  if (s[0] === '.') s = '0' + s;
  const eq = s.split('=');
  if (eq.length === 2 && codePointLength(eq[0]) <= 2) s = eq[1];
  s = fixSqrt(s);
  s = s.replaceAll(' ', '');
  s = fixFracs(s);
  if (s === '0.5') s = '\\frac{1}{2}';
  return fixASlashB(s);
}

export function isEquiv(a: string | null, b: string | null): boolean {
  if (a === null && b === null) return true;
  if (a === null || b === null) return false;
  try {
    return stripString(a) === stripString(b);
  } catch {
    return a === b;
  }
}

export function mathScore(solution: string, groundTruth: string): number {
  try {
    const boxed = lastBoxedOnlyString(solution);
    if (boxed !== null && isEquiv(removeBoxed(boxed), groundTruth)) return 1.0;
  } catch {
    // verl prints the exception and scores 0.
  }
  return 0.0;
}
