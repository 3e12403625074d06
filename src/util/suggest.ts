/** "Did you mean" suggestions: the closest known names by edit distance. */

/** Edit distance with insert, delete, substitute and adjacent transposition each costing 1 (OSA). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push(new Array<number>(b.length + 1).fill(0));
  for (let i = 0; i <= a.length; i++) rows[i][0] = i;
  for (let j = 0; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i][j] = d;
    }
  }
  return rows[a.length][b.length];
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
