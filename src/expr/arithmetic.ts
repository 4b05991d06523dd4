/**
 * Arithmetic over evaluated columns, ANSI style: a result outside its type's range is an
 * {@link ArithmeticOverflowError} and a zero divisor a {@link DivisionByZeroError} (for every
 * numeric type, as Spark does with ANSI mode on); NULL in, NULL out. Integers compute exactly
 * (as doubles below 2^53 for the narrow types, bigints for long); decimals exactly at the result
 * scale, rounding half up where the result type has fewer fractional digits.
 */
import { ArithmeticOverflowError, DivisionByZeroError } from "../errors/expression-errors.js";
import type { ValueType } from "./bound.js";
import { divideHalfUp, INTEGRAL_RANGE } from "./cast-value.js";
import type { ArithmeticOp } from "./expression.js";
import { asDecimalParts, isDecimal } from "./typing.js";
import { pow10 } from "./values.js";
import { allocate, type Col } from "./vectors.js";

/** Maps a row of the evaluated batch to the row of the caller's batch, for error messages. */
export type RowOf = (i: number) => number;

/** `left op right` per row; both columns already hold the operand types the binder chose. */
export function arithmetic(op: ArithmeticOp, left: Col, right: Col, type: ValueType, text: string, rowOf: RowOf): Col {
  const n = left.length;
  const out = allocate(type, n);
  if (type === "null") return out;
  for (let i = 0; i < n; i++) out.valid[i] = left.valid[i]! & right.valid[i]!;
  const zero = (i: number) => {
    throw new DivisionByZeroError(text, rowOf(i));
  };
  const overflow = (i: number, detail: string) => {
    throw new ArithmeticOverflowError(text, type, rowOf(i), detail);
  };
  if (isDecimal(type)) decimalArithmetic(op, left, right, out, zero, overflow);
  else if (type === "long") longArithmetic(op, left, right, out, zero, overflow);
  else numberArithmetic(op, left, right, out, zero, overflow);
  return out;
}

function apply(op: ArithmeticOp, a: number, b: number): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b;
    case "%":
      return a % b;
  }
}

function numberArithmetic(
  op: ArithmeticOp,
  left: Col,
  right: Col,
  out: Col,
  zero: (i: number) => void,
  overflow: (i: number, d: string) => void,
): void {
  const a = left.values as Float64Array;
  const b = right.values as Float64Array;
  const r = out.values as Float64Array;
  const divides = op === "/" || op === "%";
  const range = INTEGRAL_RANGE[out.type];
  const [lo, hi] = range ? [Number(range[0]), Number(range[1])] : [-Infinity, Infinity];
  for (let i = 0; i < out.length; i++) {
    if (out.valid[i] === 0) continue;
    if (divides && b[i] === 0) zero(i);
    let v = apply(op, a[i]!, b[i]!);
    if (range) {
      if (v < lo || v > hi) overflow(i, `${a[i]} ${op} ${b[i]} is out of range`);
    } else if (out.type === "float") v = Math.fround(v);
    r[i] = v;
  }
}

const TWO_32 = 4294967296;
const TWO_53 = 2 ** 53;

/**
 * Long arithmetic without a bigint per row where it can: each value is read as two 32-bit words;
 * when both operands and the result are below 2^53 in magnitude (exact as doubles) the result is
 * computed as a double and written back as words. Other rows take the exact bigint path.
 */
function longArithmetic(
  op: ArithmeticOp,
  left: Col,
  right: Col,
  out: Col,
  zero: (i: number) => void,
  overflow: (i: number, d: string) => void,
): void {
  const a = left.values as BigInt64Array;
  const b = right.values as BigInt64Array;
  const r = out.values as BigInt64Array;
  const aw = new Int32Array(a.buffer, a.byteOffset, a.length * 2);
  const bw = new Int32Array(b.buffer, b.byteOffset, b.length * 2);
  const rw = new Int32Array(r.buffer, r.byteOffset, r.length * 2);
  const [lo, hi] = INTEGRAL_RANGE.long!;
  const divides = op === "/" || op === "%";
  for (let i = 0; i < out.length; i++) {
    if (out.valid[i] === 0) continue;
    const xh = aw[2 * i + 1]!;
    const yh = bw[2 * i + 1]!;
    if (xh > -2097152 && xh < 2097152 && yh > -2097152 && yh < 2097152 && !divides) {
      const x = xh * TWO_32 + (aw[2 * i]! >>> 0);
      const y = yh * TWO_32 + (bw[2 * i]! >>> 0);
      const v = op === "+" ? x + y : op === "-" ? x - y : x * y;
      if (v > -TWO_53 && v < TWO_53) {
        const high = Math.floor(v / TWO_32);
        rw[2 * i] = v - high * TWO_32;
        rw[2 * i + 1] = high;
        continue;
      }
    }
    const x = a[i]!;
    const y = b[i]!;
    if (divides && y === 0n) zero(i);
    const v = op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : x % y;
    if (v < lo || v > hi) overflow(i, `${x} ${op} ${y} is out of range`);
    r[i] = v;
  }
}

function decimalArithmetic(
  op: ArithmeticOp,
  left: Col,
  right: Col,
  out: Col,
  zero: (i: number) => void,
  overflow: (i: number, d: string) => void,
): void {
  const s1 = asDecimalParts(left.type)!.scale;
  const s2 = asDecimalParts(right.type)!.scale;
  const { precision, scale } = asDecimalParts(out.type)!;
  const limit = pow10(precision);
  const a = left.values as bigint[];
  const b = right.values as bigint[];
  const r = out.values as bigint[];
  const common = Math.max(s1, s2);
  // Each operation yields an exact value at `exactScale`, then moves to the result scale.
  const exactScale = op === "*" ? s1 + s2 : op === "/" ? scale : common;
  const up1 = pow10(common - s1);
  const up2 = pow10(common - s2);
  for (let i = 0; i < out.length; i++) {
    if (out.valid[i] === 0) continue;
    const x = a[i]!;
    const y = b[i]!;
    let v: bigint;
    if ((op === "/" || op === "%") && y === 0n) zero(i);
    switch (op) {
      case "+":
        v = x * up1 + y * up2;
        break;
      case "-":
        v = x * up1 - y * up2;
        break;
      case "*":
        v = x * y;
        break;
      case "/":
        v = divideHalfUp(x * pow10(s2 + scale), y * pow10(s1));
        break;
      case "%":
        v = (x * up1) % (y * up2);
        break;
    }
    if (exactScale > scale) v = divideHalfUp(v, pow10(exactScale - scale));
    else if (exactScale < scale) v *= pow10(scale - exactScale);
    if ((v < 0n ? -v : v) >= limit) overflow(i, `the result needs more than ${precision} digits`);
    r[i] = v;
  }
}

/** `-x` per row (the most negative integer of a type has no negation: overflow). */
export function negate(child: Col, text: string, rowOf: RowOf): Col {
  return signed(
    child,
    text,
    rowOf,
    "-",
    (v) => -v,
    (v) => -v,
  );
}

/** `abs(x)` per row, with the same overflow rule as negation. */
export function absolute(child: Col, text: string, rowOf: RowOf): Col {
  return signed(child, text, rowOf, "abs", Math.abs, (v) => (v < 0n ? -v : v));
}

/** A sign change per row; the most negative value of an integral type overflows (no bigint per row for numbers). */
function signed(
  child: Col,
  text: string,
  rowOf: RowOf,
  name: string,
  onNumber: (v: number) => number,
  onBigint: (v: bigint) => bigint,
): Col {
  const out = allocate(child.type, child.length);
  out.valid.set(child.valid);
  const min = INTEGRAL_RANGE[child.type]?.[0];
  const minNumber = min === undefined ? NaN : Number(min);
  const values = out.values as unknown[];
  for (let i = 0; i < child.length; i++) {
    if (out.valid[i] === 0) continue;
    const v = child.values[i] as number | bigint;
    if (v === min || v === minNumber) throw new ArithmeticOverflowError(text, child.type, rowOf(i), `${name}(${v}) is out of range`);
    values[i] = typeof v === "bigint" ? onBigint(v) : onNumber(v);
  }
  return out;
}
