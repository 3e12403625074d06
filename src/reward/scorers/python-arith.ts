/**
 * Evaluate an arithmetic expression the way Python's eval() would for the countdown task: decimal int and
 * float literals, unary + and -, +, -, *, /, //, ** and parentheses, with Python's int/float semantics
 * (exact big integers, true division, floor division, ZeroDivisionError, OverflowError). Anything Python
 * would reject or fail on returns null.
 */

type Num = { int: bigint } | { float: number };

class EvalFailure extends Error {}

/** Results with more bits than this are treated as a failure (Python would grind through them; no target is that large). */
const MAX_INT_BITS = 4096;

function toFloat(x: Num): number {
  if ('float' in x) return x.float;
  const f = Number(x.int);
  if (!Number.isFinite(f)) throw new EvalFailure('int too large to convert to float');
  return f;
}

function floatResult(v: number, inputsFinite: boolean, op: string): Num {
  if (Number.isNaN(v) && inputsFinite) throw new EvalFailure(`${op}: not a real number`);
  return { float: v };
}

function checkBits(v: bigint): Num {
  const abs = v < 0n ? -v : v;
  if (abs.toString(2).length > MAX_INT_BITS) throw new EvalFailure('integer too large');
  return { int: v };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function binary(op: string, a: Num, b: Num): Num {
  if ('int' in a && 'int' in b) {
    const x = a.int;
    const y = b.int;
    switch (op) {
      case '+':
        return checkBits(x + y);
      case '-':
        return checkBits(x - y);
      case '*':
        return checkBits(x * y);
      case '//':
        if (y === 0n) throw new EvalFailure('integer division by zero');
        return { int: floorDiv(x, y) };
      case '/':
        if (y === 0n) throw new EvalFailure('division by zero');
        return { float: toFloat(a) / toFloat(b) };
      case '**':
        if (y >= 0n) {
          const bits = (x < 0n ? -x : x).toString(2).length;
          if (x !== 0n && x !== 1n && x !== -1n && BigInt(bits) * y > BigInt(MAX_INT_BITS)) throw new EvalFailure('integer too large');
          return { int: x ** y };
        }
        if (x === 0n) throw new EvalFailure('0 cannot be raised to a negative power');
        return { float: toFloat(a) ** toFloat(b) };
    }
  }
  const x = toFloat(a);
  const y = toFloat(b);
  const finite = Number.isFinite(x) && Number.isFinite(y);
  switch (op) {
    case '+':
      return floatResult(x + y, finite, op);
    case '-':
      return floatResult(x - y, finite, op);
    case '*':
      return floatResult(x * y, finite, op);
    case '/':
      if (y === 0) throw new EvalFailure('float division by zero');
      return floatResult(x / y, finite, op);
    case '//':
      if (y === 0) throw new EvalFailure('float floor division by zero');
      return floatResult(Math.floor(x / y), finite, op);
    case '**': {
      if (x === 0 && y < 0) throw new EvalFailure('0.0 cannot be raised to a negative power');
      // A negative base with a non-integral exponent gives a complex number in Python; not a countdown answer.
      if (x < 0 && !Number.isInteger(y) && Number.isFinite(y)) throw new EvalFailure('complex result');
      const v = x ** y;
      if (!Number.isFinite(v) && finite) throw new EvalFailure('numerical result out of range');
      return { float: v };
    }
  }
  throw new EvalFailure(`unknown operator ${op}`);
}

type Token = { kind: 'num'; value: Num } | { kind: 'op'; op: string };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\f') {
      i++;
      continue;
    }
    if (src.startsWith('**', i) || src.startsWith('//', i)) {
      tokens.push({ kind: 'op', op: src.slice(i, i + 2) });
      i += 2;
      continue;
    }
    if ('+-*/()'.includes(c)) {
      tokens.push({ kind: 'op', op: c });
      i++;
      continue;
    }
    const m = /^(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)/.exec(src.slice(i));
    if (!m) throw new EvalFailure(`unexpected character '${c}'`);
    const text = m[0];
    if (text.includes('.')) {
      tokens.push({ kind: 'num', value: { float: Number(text) } });
    } else {
      // Python rejects leading zeros in a non-zero decimal integer ("012"), but "0" and "000" are fine.
      if (text.length > 1 && text[0] === '0' && /[1-9]/.test(text)) throw new EvalFailure('leading zeros in decimal integer literal');
      tokens.push({ kind: 'num', value: { int: BigInt(text) } });
    }
    i += text.length;
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Num {
    const v = this.expr();
    if (this.pos !== this.tokens.length) throw new EvalFailure('invalid syntax');
    return v;
  }

  private peekOp(...ops: string[]): string | null {
    const t = this.tokens[this.pos];
    return t && t.kind === 'op' && ops.includes(t.op) ? t.op : null;
  }

  private expr(): Num {
    let v = this.term();
    for (let op = this.peekOp('+', '-'); op; op = this.peekOp('+', '-')) {
      this.pos++;
      v = binary(op, v, this.term());
    }
    return v;
  }

  private term(): Num {
    let v = this.factor();
    for (let op = this.peekOp('*', '/', '//'); op; op = this.peekOp('*', '/', '//')) {
      this.pos++;
      v = binary(op, v, this.factor());
    }
    return v;
  }

  private factor(): Num {
    const op = this.peekOp('+', '-');
    if (op) {
      this.pos++;
      const v = this.factor();
      if (op === '+') return v;
      return 'int' in v ? { int: -v.int } : { float: -v.float };
    }
    return this.power();
  }

  private power(): Num {
    const base = this.atom();
    if (this.peekOp('**')) {
      this.pos++;
      return binary('**', base, this.factor());
    }
    return base;
  }

  private atom(): Num {
    const t = this.tokens[this.pos];
    if (!t) throw new EvalFailure('unexpected end of expression');
    if (t.kind === 'num') {
      this.pos++;
      return t.value;
    }
    if (t.op === '(') {
      this.pos++;
      const v = this.expr();
      if (!this.peekOp(')')) throw new EvalFailure("'(' was never closed");
      this.pos++;
      return v;
    }
    throw new EvalFailure('invalid syntax');
  }
}

/** The value of `expression` as Python's eval() computes it, or null where Python would raise. */
export function evalPythonArithmetic(expression: string): number | null {
  try {
    const v = new Parser(tokenize(expression)).parse();
    return 'int' in v ? toFloat(v) : v.float;
  } catch (err) {
    if (err instanceof EvalFailure) return null;
    throw err;
  }
}
