/**
 * Boxed answers in LaTeX as Hendrycks MATH solutions write them (verl's last_boxed_only_string and remove_boxed).
 * Shared by the MATH preprocessor, which takes a solution's boxed answer as the ground truth, and the MATH scorer,
 * which compares a response's boxed answer with it.
 */

/** What remove_boxed's assertion raises in verl; callers catch it where verl does. */
export class NotBoxedError extends Error {}

/** The last \boxed{…} (or "\boxed " up to the next "$", or \fbox{…}) of `s`, or null. */
export function lastBoxedOnlyString(s: string): string | null {
  let idx = s.lastIndexOf('\\boxed');
  if (s.includes('\\boxed ')) {
    const after = s.split('\\boxed ');
    return '\\boxed ' + after[after.length - 1].split('$')[0];
  }
  if (idx < 0) {
    idx = s.lastIndexOf('\\fbox');
    if (idx < 0) return null;
  }
  return balancedFrom(s, idx);
}

/** `s` from `start` to the `}` that closes the first `{` after it (verl's brace counting), or null if none does. */
export function balancedFrom(s: string, start: number): string | null {
  let open = 0;
  for (let i = start; i < s.length; i++) {
    if (s[i] === '{') open++;
    if (s[i] === '}') {
      open--;
      if (open === 0) return s.slice(start, i + 1);
    }
  }
  return null;
}

/** Strip the \boxed wrapper; throws NotBoxedError for anything else (e.g. an \fbox), as verl's assertion does. */
export function removeBoxed(s: string): string {
  if (s.includes('\\boxed ')) {
    if (!s.startsWith('\\boxed ')) throw new NotBoxedError(`not a boxed answer: ${s}`);
    return s.slice('\\boxed '.length);
  }
  const left = '\\boxed{';
  if (!s.startsWith(left) || !s.endsWith('}')) throw new NotBoxedError(`not a boxed answer: ${s}`);
  return s.slice(left.length, -1);
}
