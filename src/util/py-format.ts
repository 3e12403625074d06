/** Python's fixed-point float formatting (`f"{x:.Nf}"`), for output that must read exactly like verl's. */

/**
 * `format(x, f".{digits}f")` as CPython prints it: correctly rounded with ties to even, `nan`, `inf`,
 * `-inf`, a kept sign on negative zero, and plain digits however large the number.
 * JavaScript's toFixed is also exact except that it breaks ties away from zero and switches to exponent
 * notation from 1e21, so only those cases need work.
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0 || digits > 100) throw new RangeError(`formatFixed: digits must be an integer in [0, 100], got ${digits}`);
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const mag = Math.abs(x);
  if (mag >= 1e21) return `${sign}${BigInt(mag).toString()}${digits > 0 ? '.' + '0'.repeat(digits) : ''}`;
  let text = mag.toFixed(digits);
  if (isExactTie(mag, digits) && Number(text.at(-1)) % 2 === 1) text = oneUnitLess(text);
  return sign + text;
}

/**
 * Whether mag·10^digits ends in exactly .5. That needs mag = odd / 2^(digits+1) (the 5^digits part of the
 * denominator must cancel), and multiplying by a power of two is exact in binary floating point.
 */
function isExactTie(mag: number, digits: number): boolean {
  const scaled = mag * 2 ** (digits + 1);
  return Number.isSafeInteger(scaled) && scaled % 2 === 1;
}

/** "1.063" → "1.062", "10.0" → "9.9": subtract one unit in the last place of a non-negative decimal string. */
function oneUnitLess(text: string): string {
  const dot = text.indexOf('.');
  const fracLen = dot < 0 ? 0 : text.length - dot - 1;
  const units = BigInt(text.replace('.', '')) - 1n;
  const s = units.toString().padStart(fracLen + 1, '0');
  return fracLen === 0 ? s : `${s.slice(0, s.length - fracLen)}.${s.slice(s.length - fracLen)}`;
}
