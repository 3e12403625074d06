/**
 * Symbolic dimensions. A dimension is a number or a string naming a polynomial in symbols with integer
 * coefficients ('B', 'T', 'B*T', 'P+T', 'T-1'). Polynomials let reshape/slice/concat infer shapes such as
 * [B*T, V] or [B, T-1] while the graph stays valid for every batch and sequence length.
 */
export type Dim = number | string;

/** A polynomial: monomial key (sorted symbols joined by '*', '' for the constant) → coefficient. */
type Poly = Map<string, number>;

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isSymbolName(s: string): boolean {
  return SYMBOL.test(s);
}

function polyOf(d: Dim): Poly {
  if (typeof d === 'number') return d === 0 ? new Map() : new Map([['', d]]);
  return parsePoly(d);
}

const parseCache = new Map<string, Poly>();

function parsePoly(text: string): Poly {
  const cached = parseCache.get(text);
  if (cached) return cached;
  const poly: Poly = new Map();
  const src = text.replace(/\s+/g, '');
  // Terms are separated by + or - at the top level (no parentheses in the canonical form).
  const terms = src.match(/[+-]?[^+-]+/g);
  if (!terms || terms.join('') !== src) throw new Error(`bad symbolic dimension '${text}'`);
  for (const term of terms) {
    let sign = 1;
    let body = term;
    if (body[0] === '+' || body[0] === '-') {
      sign = body[0] === '-' ? -1 : 1;
      body = body.slice(1);
    }
    let coef = sign;
    const syms: string[] = [];
    for (const f of body.split('*')) {
      if (/^\d+$/.test(f)) coef *= Number(f);
      else if (SYMBOL.test(f)) syms.push(f);
      else throw new Error(`bad symbolic dimension '${text}'`);
    }
    addTerm(poly, syms.sort().join('*'), coef);
  }
  parseCache.set(text, poly);
  return poly;
}

function addTerm(p: Poly, key: string, coef: number): void {
  const v = (p.get(key) ?? 0) + coef;
  if (v === 0) p.delete(key);
  else p.set(key, v);
}

function toDim(p: Poly): Dim {
  if (p.size === 0) return 0;
  if (p.size === 1 && p.has('')) return p.get('') as number;
  // Highest-degree terms first, then alphabetical; the constant last.
  const keys = [...p.keys()].sort((a, b) => {
    if (a === '') return 1;
    if (b === '') return -1;
    const da = a.split('*').length;
    const db = b.split('*').length;
    return db - da || (a < b ? -1 : a > b ? 1 : 0);
  });
  let out = '';
  for (const k of keys) {
    const c = p.get(k) as number;
    const mag = Math.abs(c);
    const body = k === '' ? String(mag) : mag === 1 ? k : `${mag}*${k}`;
    out += out === '' ? (c < 0 ? `-${body}` : body) : c < 0 ? `-${body}` : `+${body}`;
  }
  return out;
}

/** Canonical form, so equal polynomials compare equal as strings. */
export function normDim(d: Dim): Dim {
  return typeof d === 'number' ? d : toDim(parsePoly(d));
}

export function dimEq(a: Dim, b: Dim): boolean {
  return normDim(a) === normDim(b);
}

export function dimAdd(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  const p = new Map(polyOf(a));
  for (const [k, c] of polyOf(b)) addTerm(p, k, c);
  return toDim(p);
}

export function dimSub(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const p = new Map(polyOf(a));
  for (const [k, c] of polyOf(b)) addTerm(p, k, -c);
  return toDim(p);
}

export function dimMul(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  const p: Poly = new Map();
  for (const [ka, ca] of polyOf(a)) {
    for (const [kb, cb] of polyOf(b)) {
      const syms = [...(ka ? ka.split('*') : []), ...(kb ? kb.split('*') : [])].sort();
      addTerm(p, syms.join('*'), ca * cb);
    }
  }
  return toDim(p);
}

export function dimProduct(dims: readonly Dim[]): Dim {
  return dims.reduce<Dim>((acc, d) => dimMul(acc, d), 1);
}

/** Exact division a / b where b is a single term; undefined when it does not divide evenly. */
export function dimDiv(a: Dim, b: Dim): Dim | undefined {
  if (typeof a === 'number' && typeof b === 'number') return b !== 0 && a % b === 0 ? a / b : undefined;
  const pb = polyOf(b);
  if (pb.size !== 1) {
    // Division by a polynomial: only the trivial case a == b·k for a numeric k is needed in practice.
    if (dimEq(a, b)) return 1;
    return undefined;
  }
  const [[kb, cb]] = [...pb];
  const bsyms = kb ? kb.split('*') : [];
  const out: Poly = new Map();
  for (const [ka, ca] of polyOf(a)) {
    if (ca % cb !== 0) return undefined;
    const syms = ka ? ka.split('*') : [];
    for (const s of bsyms) {
      const i = syms.indexOf(s);
      if (i < 0) return undefined;
      syms.splice(i, 1);
    }
    addTerm(out, syms.join('*'), ca / cb);
  }
  return toDim(out);
}

/** The symbols a dimension mentions. */
export function dimSymbols(d: Dim): string[] {
  if (typeof d === 'number') return [];
  const out = new Set<string>();
  for (const k of parsePoly(d).keys()) for (const s of k ? k.split('*') : []) out.add(s);
  return [...out];
}

/** Terms of a dimension as [coefficient, symbols[]], for building runtime shape arithmetic. */
export function dimTerms(d: Dim): Array<[number, string[]]> {
  return [...polyOf(d)].map(([k, c]) => [c, k ? k.split('*') : []]);
}

/** Evaluate a dimension given symbol values; throws when a symbol is unbound. */
export function evalDim(d: Dim, bindings: ReadonlyMap<string, number>): number {
  if (typeof d === 'number') return d;
  let total = 0;
  for (const [c, syms] of dimTerms(d)) {
    let v = c;
    for (const s of syms) {
      const b = bindings.get(s);
      if (b === undefined) throw new Error(`symbol '${s}' is not bound`);
      v *= b;
    }
    total += v;
  }
  return total;
}

export function formatShape(dims: readonly Dim[]): string {
  return `[${dims.map((d) => String(d)).join(', ')}]`;
}
