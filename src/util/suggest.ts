/** "Did you mean" suggestions: the closest known names by edit distance. */

/** Levenshtein distance (insert, delete, substitute each cost 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1] + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
      cur[j] = Math.min(sub, prev[j] + 1, cur[j - 1] + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/**
 * Known names close enough to `name` to be a likely typo, best first. "Close enough" scales with length so
 * that short names need a near-exact match; a case-only or `-`/`_` difference always qualifies.
 */
export function closestNames(name: string, known: Iterable<string>, max = 3): string[] {
  const norm = (s: string) => s.toLowerCase().replace(/-/g, '_');
  const scored: Array<[string, number]> = [];
  for (const k of known) {
    const d = norm(k) === norm(name) ? 0 : editDistance(name, k);
    const limit = Math.max(1, Math.floor(Math.max(name.length, k.length) / 3));
    if (d <= limit) scored.push([k, d]);
  }
  scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]));
  return scored.slice(0, max).map(([k]) => k);
}

/** " Did you mean 'x'?" or " Did you mean one of 'x', 'y'?" or "" when nothing is close. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const c = closestNames(name, known);
  if (c.length === 0) return '';
  if (c.length === 1) return ` Did you mean '${c[0]}'?`;
  return ` Did you mean one of ${c.map((x) => `'${x}'`).join(', ')}?`;
}
