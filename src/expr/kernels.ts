/**
 * Comparison kernels over Arrow `Data`: typed-array loops producing three-valued results, one
 * byte per row: 0 = FALSE, 1 = NULL, 2 = TRUE (so AND is min, OR is max, NOT is 2 − x).
 *
 * Each kernel computes the sign of `value − literal` per row and maps it through a 3-entry table
 * for the operator. Values are read straight from the buffers: Int64 and timestamps as pairs of
 * 32-bit words (no bigint per row), decimals as 32-bit words with the top one signed, strings and
 * binary as bytes (code point order), floats with NaN equal to NaN and above every number.
 */
import {
  type Data,
  type Date_,
  DateUnit,
  type Decimal,
  type Dictionary,
  type Float,
  type Int,
  Precision,
  type Timestamp,
  TimeUnit,
  Type,
} from "apache-arrow";
import type { CompareOp } from "./expression.js";
import { isDecimalValue, rescaleDecimal, utf8, type Scalar } from "./values.js";
import { floorDiv } from "../util/bigint.js";

/** Three-valued result byte: FALSE. */
export const FALSE = 0;
/** Three-valued result byte: NULL (unknown). */
export const NULL = 1;
/** Three-valued result byte: TRUE. */
export const TRUE = 2;

/** Result bytes for sign −1, 0, +1 under each operator. */
const TABLES: Record<CompareOp, Uint8Array> = {
  "=": Uint8Array.of(FALSE, TRUE, FALSE),
  "!=": Uint8Array.of(TRUE, FALSE, TRUE),
  "<": Uint8Array.of(TRUE, FALSE, FALSE),
  "<=": Uint8Array.of(TRUE, TRUE, FALSE),
  ">": Uint8Array.of(FALSE, FALSE, TRUE),
  ">=": Uint8Array.of(FALSE, TRUE, TRUE),
};

/** Sets `value` (NULL by default) on every row whose validity bit in `data` is clear. */
export function applyNulls(out: Uint8Array, data: Data, value: number = NULL): void {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return;
  const bits = data.nullBitmap;
  const offset = data.offset;
  const n = out.length;
  let i = 0;
  if ((offset & 7) === 0) {
    // Whole bytes at a time: all-valid bytes (the common case) cost one check for 8 rows.
    for (let byte = offset >> 3; i + 8 <= n; i += 8, byte++) {
      const b = bits[byte]!;
      if (b === 0xff) continue;
      for (let k = 0; k < 8; k++) if (((b >> k) & 1) === 0) out[i + k] = value;
    }
  }
  for (; i < n; i++) {
    const p = offset + i;
    if (((bits[p >> 3]! >> (p & 7)) & 1) === 0) out[i] = value;
  }
}

/**
 * A literal in a column's physical representation may not exist (1.5 s for a seconds column):
 * `x < v` becomes `x <= floor(v)`, `x > v` becomes `x > floor(v)`, `=` is never, `!=` always.
 */
function adjust(op: CompareOp, exact: boolean): CompareOp | "never" | "always" {
  if (exact) return op;
  if (op === "<" || op === "<=") return "<=";
  if (op === ">" || op === ">=") return ">";
  return op === "=" ? "never" : "always";
}

/**
 * `data op literal` for every row of a primitive column, three-valued; nulls of `data` itself
 * are applied. `literal` is the bound value of the column's Delta type. Returns undefined when
 * the Arrow type has no kernel here (the caller falls back to reading values one by one).
 */
export function compareData(data: Data, op: CompareOp, literal: Scalar): Uint8Array | undefined {
  const n = data.length;
  const out = new Uint8Array(n);
  const type = data.type;
  if (isDecimalValue(literal) && type.typeId !== Type.Decimal && type.typeId !== Type.Dictionary) return undefined;
  let done = true;
  switch (type.typeId) {
    case Type.Int:
      if ((type as Int).bitWidth !== 64) numberKernel(data.values, n, TABLES[op], Number(literal), out);
      else if (typeof literal === "bigint" || Number.isInteger(literal))
        done = int64Kernel(data.values, n, op, BigInt(literal as number), out);
      else done = false;
      break;
    case Type.Float:
      if ((type as Float).precision === Precision.HALF) done = false;
      else floatKernel(data.values, n, TABLES[op], Number(literal), out);
      break;
    case Type.Date:
      if ((type as Date_).unit === DateUnit.DAY) numberKernel(data.values, n, TABLES[op], Number(literal), out);
      else done = int64Kernel(data.values, n, op, BigInt(literal as number) * 86_400_000n, out);
      break;
    case Type.Timestamp:
      done = timestampKernel(data as Data<Timestamp>, op, literal as bigint, out);
      break;
    case Type.Decimal:
      done = decimalKernel(data as Data<Decimal>, op, literal, out);
      break;
    case Type.Bool:
      boolKernel(data, TABLES[op], literal === true ? 1 : 0, out);
      break;
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary:
      bytesKernel(data, TABLES[op], typeof literal === "string" ? utf8(literal) : (literal as Uint8Array), out);
      break;
    case Type.Dictionary:
      return dictionaryKernel(data as Data<Dictionary>, op, literal);
    default:
      done = false;
  }
  if (!done) return undefined;
  applyNulls(out, data);
  return out;
}

/**
 * `data IN (literals)` for columns held as JS numbers (ints up to 32 bits, floats, day dates):
 * one pass, a linear scan for short lists and a hash set for long ones. Nulls of `data` are
 * applied. Undefined for other Arrow types.
 */
export function inNumbers(data: Data, literals: readonly Scalar[]): Uint8Array | undefined {
  const type = data.type;
  const numeric =
    (type.typeId === Type.Int && (type as Int).bitWidth <= 32) ||
    (type.typeId === Type.Float && (type as Float).precision !== Precision.HALF) ||
    (type.typeId === Type.Date && (type as Date_).unit === DateUnit.DAY);
  if (!numeric || literals.some((l) => typeof l !== "number" && typeof l !== "bigint")) return undefined;
  const values = data.values as ArrayLike<number>;
  const lits = Float64Array.from(literals, Number);
  const out = new Uint8Array(data.length);
  const hasNaN = lits.some(Number.isNaN);
  if (lits.length <= 8) {
    for (let i = 0; i < out.length; i++) {
      const a = values[i]!;
      let r = a !== a && hasNaN ? TRUE : FALSE;
      for (let k = 0; k < lits.length; k++) if (a === lits[k]) r = TRUE;
      out[i] = r;
    }
  } else {
    const set = new Set<number>(lits);
    for (let i = 0; i < out.length; i++) out[i] = set.has(values[i]!) ? TRUE : FALSE;
  }
  applyNulls(out, data);
  return out;
}

function constantResult(out: Uint8Array, value: number): boolean {
  out.fill(value);
  return true;
}

/**
 * Sign index without branches: `!(a < x) + !(a <= x)` is 0 below, 1 equal, 2 above; a NaN `a`
 * gets 2 (above every number, as Spark orders it).
 */
function numberKernel(v: ArrayLike<number>, n: number, t: Uint8Array, x: number, out: Uint8Array): void {
  for (let i = 0; i < n; i++) {
    const a = v[i]!;
    out[i] = t[+!(a < x) + +!(a <= x)]!;
  }
}

function floatKernel(v: ArrayLike<number>, n: number, t: Uint8Array, x: number, out: Uint8Array): void {
  if (Number.isNaN(x)) {
    // Everything is below NaN except NaN, which equals it.
    for (let i = 0; i < n; i++) {
      const a = v[i]!;
      out[i] = t[a === a ? 0 : 1]!;
    }
    return;
  }
  numberKernel(v, n, t, x, out); // NaN values land on 2: above every number
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function int64Kernel(
  values: BigInt64Array | BigUint64Array,
  n: number,
  op: CompareOp | "never" | "always",
  x: bigint,
  out: Uint8Array,
): boolean {
  if (op === "never") return constantResult(out, FALSE);
  if (op === "always") return constantResult(out, TRUE);
  const t = TABLES[op];
  if (values instanceof BigUint64Array) return false;
  if (x > INT64_MAX) return constantResult(out, t[0]!);
  if (x < INT64_MIN) return constantResult(out, t[2]!);
  const words = new Int32Array(values.buffer, values.byteOffset, n * 2);
  const xHi = Number(BigInt.asIntN(32, x >> 32n));
  const xLo = Number(BigInt.asUintN(32, x));
  for (let i = 0; i < n; i++) {
    const hi = words[2 * i + 1]!;
    if (hi !== xHi) {
      out[i] = t[hi < xHi ? 0 : 2]!;
      continue;
    }
    const lo = words[2 * i]! >>> 0;
    out[i] = t[lo < xLo ? 0 : lo === xLo ? 1 : 2]!;
  }
  return true;
}

/** Timestamps in any unit against a literal in microseconds (converted exactly, or adjusted). */
function timestampKernel(data: Data<Timestamp>, op: CompareOp, micros: bigint, out: Uint8Array): boolean {
  if (typeof micros !== "bigint") return false;
  let x = micros;
  let exact = true;
  switch (data.type.unit) {
    case TimeUnit.SECOND:
      x = floorDiv(micros, 1_000_000n);
      exact = x * 1_000_000n === micros;
      break;
    case TimeUnit.MILLISECOND:
      x = floorDiv(micros, 1000n);
      exact = x * 1000n === micros;
      break;
    case TimeUnit.NANOSECOND:
      x = micros * 1000n;
      break;
  }
  return int64Kernel(data.values as BigInt64Array, data.length, adjust(op, exact), x, out);
}

function decimalKernel(data: Data<Decimal>, op: CompareOp, literal: Scalar, out: Uint8Array): boolean {
  if (!isDecimalValue(literal)) return false;
  const stride = data.stride;
  const { unscaled, exact } = rescaleDecimal(literal, data.type.scale);
  const adjusted = adjust(op, exact);
  if (adjusted === "never") return constantResult(out, FALSE);
  if (adjusted === "always") return constantResult(out, TRUE);
  const t = TABLES[adjusted];
  const bits = BigInt(32 * stride);
  const limit = 1n << (bits - 1n);
  if (unscaled >= limit) return constantResult(out, t[0]!);
  if (unscaled < -limit) return constantResult(out, t[2]!);
  const x = new Uint32Array(stride);
  let rest = BigInt.asUintN(Number(bits), unscaled);
  for (let k = 0; k < stride; k++, rest >>= 32n) x[k] = Number(rest & 0xffffffffn);
  const xTop = x[stride - 1]! | 0;
  const v = data.values as Uint32Array;
  for (let i = 0, base = 0; i < data.length; i++, base += stride) {
    const top = v[base + stride - 1]! | 0;
    let c = top < xTop ? 0 : top > xTop ? 2 : 1;
    for (let k = stride - 2; c === 1 && k >= 0; k--) {
      const a = v[base + k]!;
      const b = x[k]!;
      c = a < b ? 0 : a > b ? 2 : 1;
    }
    out[i] = t[c]!;
  }
  return true;
}

function boolKernel(data: Data, t: Uint8Array, x: number, out: Uint8Array): void {
  const bits = data.values as Uint8Array;
  const offset = data.offset;
  for (let i = 0; i < data.length; i++) {
    const p = offset + i;
    out[i] = t[((bits[p >> 3]! >> (p & 7)) & 1) - x + 1]!;
  }
}

/** The offsets of a variable-width column as numbers (Large types have bigint offsets). */
export function numberOffsets(data: Data): Int32Array | Float64Array {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  if (offsets instanceof Int32Array) return offsets;
  return Float64Array.from(offsets.subarray(0, data.length + 1), Number);
}

function bytesKernel(data: Data, t: Uint8Array, lit: Uint8Array, out: Uint8Array): void {
  const offsets = numberOffsets(data);
  const bytes = data.values as Uint8Array;
  const litLen = lit.length;
  for (let i = 0; i < data.length; i++) {
    const start = offsets[i]!;
    const len = offsets[i + 1]! - start;
    const m = len < litLen ? len : litLen;
    let c = 1;
    for (let k = 0; k < m; k++) {
      const a = bytes[start + k]!;
      const b = lit[k]!;
      if (a !== b) {
        c = a < b ? 0 : 2;
        break;
      }
    }
    if (c === 1 && len !== litLen) c = len < litLen ? 0 : 2;
    out[i] = t[c]!;
  }
}

function dictionaryKernel(data: Data<Dictionary>, op: CompareOp, literal: Scalar): Uint8Array | undefined {
  const dictionary = data.dictionary;
  if (!dictionary || dictionary.data.length !== 1) return undefined;
  const perEntry = compareData(dictionary.data[0]!, op, literal);
  if (!perEntry) return undefined;
  const out = new Uint8Array(data.length);
  const indices = data.values as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) out[i] = perEntry[Number(indices[i])]!;
  applyNulls(out, data);
  return out;
}
