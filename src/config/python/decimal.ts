/**
 * The sliver of Python's `decimal` Hydra uses for float `range()` sweeps: exact conversion from float and
 * addition rounded to the default context (28 significant digits, half-even), so sweep values match Hydra's.
 */

export class Decimal {
  /** value = coefficient × 10^exponent */
  private constructor(
    readonly coefficient: bigint,
    readonly exponent: number,
  ) {}

  static fromInt(n: bigint): Decimal {
    return new Decimal(n, 0);
  }

  /** Exact value of a finite double (Python's Decimal(float)). */
  static fromFloat(x: number): Decimal {
    if (!Number.isFinite(x)) throw new RangeError('cannot convert non-finite float to Decimal');
    if (Number.isInteger(x)) return new Decimal(BigInt(x), 0);
    const buf = new DataView(new ArrayBuffer(8));
    buf.setFloat64(0, x);
    const bits = buf.getBigUint64(0);
    const negative = bits >> 63n === 1n;
    const expBits = Number((bits >> 52n) & 0x7ffn);
    const fraction = bits & ((1n << 52n) - 1n);
    let mantissa = expBits === 0 ? fraction : fraction | (1n << 52n);
    let exp2 = (expBits === 0 ? 1 : expBits) - 1075;
    while (mantissa % 2n === 0n && exp2 < 0) {
      mantissa /= 2n;
      exp2++;
    }
    // m × 2^e with e < 0 equals (m × 5^-e) × 10^e.
    const coefficient = mantissa * 5n ** BigInt(-exp2);
    return new Decimal(negative ? -coefficient : coefficient, exp2);
  }

  static from(value: bigint | number): Decimal {
    return typeof value === 'bigint' ? Decimal.fromInt(value) : Decimal.fromFloat(value);
  }

  private aligned(other: Decimal): [bigint, bigint, number] {
    const exp = Math.min(this.exponent, other.exponent);
    return [this.coefficient * 10n ** BigInt(this.exponent - exp), other.coefficient * 10n ** BigInt(other.exponent - exp), exp];
  }

  compare(other: Decimal): number {
    const [a, b] = this.aligned(other);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  isZero(): boolean {
    return this.coefficient === 0n;
  }

  /** Sum rounded to `precision` significant digits, ties to even (Python's default context). */
  add(other: Decimal, precision = 28): Decimal {
    const [a, b, exp] = this.aligned(other);
    return Decimal.round(a + b, exp, precision);
  }

  private static round(coefficient: bigint, exponent: number, precision: number): Decimal {
    const negative = coefficient < 0n;
    let mag = negative ? -coefficient : coefficient;
    const digits = mag.toString().length;
    if (digits <= precision) return new Decimal(coefficient, exponent);
    const drop = digits - precision;
    const divisor = 10n ** BigInt(drop);
    let quotient = mag / divisor;
    const remainder = mag % divisor;
    const twice = remainder * 2n;
    if (twice > divisor || (twice === divisor && quotient % 2n === 1n)) quotient += 1n;
    mag = quotient;
    return new Decimal(negative ? -mag : mag, exponent + drop);
  }

  /** Correctly rounded conversion to a double (Python's float(Decimal)). */
  toFloat(): number {
    return Number(`${this.coefficient.toString()}e${this.exponent}`);
  }

  /** Python's str(Decimal) for the values range() produces (plain notation for non-positive exponents). */
  toString(): string {
    if (this.exponent > 0) return `${this.coefficient}E+${this.exponent}`;
    const negative = this.coefficient < 0n;
    const digits = (negative ? -this.coefficient : this.coefficient).toString();
    if (this.exponent === 0) return `${negative ? '-' : ''}${digits}`;
    const places = -this.exponent;
    const padded = digits.padStart(places + 1, '0');
    return `${negative ? '-' : ''}${padded.slice(0, padded.length - places)}.${padded.slice(padded.length - places)}`;
  }
}
