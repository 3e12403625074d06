/**
 * Python float formatting and parsing, reproduced exactly because config output is compared byte for byte
 * with what Python prints.
 */

/** Python `repr(float)` (== `str(float)`): shortest round-trip digits, exponent form below 1e-4 or from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument yields the shortest digits that round-trip, like Python's repr.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(expText);
  const pointPos = exponent + 1; // position of the decimal point relative to the digit string
  if (pointPos <= -4 || pointPos > 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const expAbs = Math.abs(exponent).toString().padStart(2, '0');
    return `${sign}${digits[0]}${frac}e${exponent < 0 ? '-' : '+'}${expAbs}`;
  }
  if (pointPos <= 0) return `${sign}0.${'0'.repeat(-pointPos)}${digits}`;
  if (pointPos >= digits.length) return `${sign}${digits}${'0'.repeat(pointPos - digits.length)}.0`;
  return `${sign}${digits.slice(0, pointPos)}.${digits.slice(pointPos)}`;
}

/** How PyYAML writes a float scalar: `.inf`/`.nan`, and `.0` inserted when the repr has an exponent but no dot. */
export function yamlFloatText(x: number): string {
  if (Number.isNaN(x)) return '.nan';
  if (x === Infinity) return '.inf';
  if (x === -Infinity) return '-.inf';
  const text = pyFloatRepr(x).toLowerCase();
  if (!text.includes('.') && text.includes('e')) return text.replace('e', '.0e');
  return text;
}

// Characters Python's str.isspace() accepts; int() and float() strip them around their argument.
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP_RE = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');
const PY_SPACE_RE = new RegExp(`^[${PY_SPACE}]$`);

/** Python `str.strip()` with no argument. */
export function pyStrip(s: string): string {
  return s.replace(PY_STRIP_RE, '');
}

export function isPySpace(ch: string): boolean {
  return PY_SPACE_RE.test(ch);
}

const DECIMAL_DIGIT_RE = /\p{Nd}/u;

/**
 * Replace Unicode decimal digits by ASCII ones, as Python's int()/float() accept any of them. Every Unicode
 * decimal-digit run is made of whole 0..9 sets, so a digit's value is its offset in its run modulo 10.
 */
function asciiDigits(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x80 || !DECIMAL_DIGIT_RE.test(ch)) {
      out += ch;
      continue;
    }
    let start = cp;
    while (start > 0 && DECIMAL_DIGIT_RE.test(String.fromCodePoint(start - 1))) start--;
    out += String((cp - start) % 10);
  }
  return out;
}

const PY_INT_RE = /^[+-]?[0-9](?:_?[0-9])*$/;

/** Python `int(s)` (base 10) or undefined where Python raises ValueError. */
export function parsePyInt(s: string): bigint | undefined {
  const t = asciiDigits(pyStrip(s));
  if (!PY_INT_RE.test(t)) return undefined;
  return BigInt(t.replace(/_/g, ''));
}

const DIGITPART = '[0-9](?:_?[0-9])*';
const PY_FLOAT_RE = new RegExp(
  `^[+-]?(?:(?:(?:${DIGITPART})?\\.${DIGITPART}|${DIGITPART}\\.?)(?:[eE][+-]?${DIGITPART})?|inf|infinity|nan)$`,
  'i',
);

/** Python `float(s)` or undefined where Python raises ValueError. */
export function parsePyFloat(s: string): number | undefined {
  const t = asciiDigits(pyStrip(s));
  if (!PY_FLOAT_RE.test(t)) return undefined;
  const lower = t.toLowerCase().replace(/_/g, '');
  const body = lower.replace(/^[+-]/, '');
  const negative = lower.startsWith('-');
  if (body === 'inf' || body === 'infinity') return negative ? -Infinity : Infinity;
  if (body === 'nan') return NaN;
  return Number(lower);
}

/** Python `int(x)` for a float: truncation toward zero, exact for large magnitudes. */
export function truncFloatToInt(x: number): bigint {
  if (Number.isNaN(x)) throw new RangeError('cannot convert float NaN to integer');
  if (!Number.isFinite(x)) throw new RangeError('cannot convert float infinity to integer');
  return BigInt(Math.trunc(x));
}

/** Correctly rounded bigint → float, like Python's `float(int)` (raises on overflow). */
export function bigintToFloat(n: bigint): number {
  const x = Number(n);
  if (!Number.isFinite(x)) throw new RangeError('int too large to convert to float');
  return x;
}
