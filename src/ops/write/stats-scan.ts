/**
 * Min/max scans over Arrow value buffers for the statistics collector: tight loops over typed
 * arrays with an optional validity mask (1 = the row counts). Follows apache-arrow JS's layout:
 * fixed-width value and offset buffers start at the data's first element, validity bits at its
 * `offset`. Pure and synchronous.
 */
import { type Data, Type } from "apache-arrow";
import { hasNulls, isBitSet } from "../../arrow/data.js";

/** The smallest and largest value a scan found (both undefined when no row counted). */
export interface Bounds<T> {
  min: T | undefined;
  max: T | undefined;
}

/**
 * The rows of `data` that are valid and whose ancestors are (`parent`), as a byte mask; undefined
 * when every row is valid.
 */
export function validityMask(data: Data, n: number, parent: Uint8Array | undefined): Uint8Array | undefined {
  if (data.typeId === Type.Null) return new Uint8Array(n);
  if (!hasNulls(data)) return parent;
  const bitmap = data.nullBitmap;
  const mask = new Uint8Array(n);
  const offset = data.offset;
  for (let i = 0; i < n; i++) mask[i] = isBitSet(bitmap, offset + i) ? 1 : 0;
  if (parent) for (let i = 0; i < n; i++) mask[i]! &= parent[i]!;
  return mask;
}

/** Bounds of 8/16/32-bit integers (and day numbers). */
export function scanInt(values: ArrayLike<number>, n: number, mask: Uint8Array | undefined): Bounds<number> {
  let min = Infinity;
  let max = -Infinity;
  let seen = false;
  for (let i = 0; i < n; i++) {
    if (mask && mask[i] === 0) continue;
    const v = values[i]!;
    seen = true;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return seen ? { min, max } : { min: undefined, max: undefined };
}

/** Bounds of floats without NaN (the first of equal values wins: -0.0 vs 0.0), and whether NaN occurred. */
export function scanFloat(values: ArrayLike<number>, n: number, mask: Uint8Array | undefined): Bounds<number> & { sawNaN: boolean } {
  let min: number | undefined;
  let max: number | undefined;
  let sawNaN = false;
  for (let i = 0; i < n; i++) {
    if (mask && mask[i] === 0) continue;
    const v = values[i]!;
    if (v !== v) {
      sawNaN = true;
      continue;
    }
    if (min === undefined) {
      min = v;
      max = v;
    } else {
      if (v < min) min = v;
      if (v > max!) max = v;
    }
  }
  return { min, max, sawNaN };
}

/** Bounds of signed 64-bit values, compared as (high signed, low unsigned) 32-bit word pairs. */
export function scanI64(values: BigInt64Array, n: number, mask: Uint8Array | undefined): Bounds<bigint> {
  const words = new Int32Array(values.buffer, values.byteOffset, n * 2);
  let minAt = -1;
  let maxAt = -1;
  let minHi = 0;
  let minLo = 0;
  let maxHi = 0;
  let maxLo = 0;
  for (let i = 0; i < n; i++) {
    if (mask && mask[i] === 0) continue;
    const hi = words[2 * i + 1]!;
    const lo = words[2 * i]! >>> 0;
    if (minAt < 0) {
      minAt = maxAt = i;
      minHi = maxHi = hi;
      minLo = maxLo = lo;
      continue;
    }
    if (hi < minHi || (hi === minHi && lo < minLo)) {
      minAt = i;
      minHi = hi;
      minLo = lo;
    }
    if (hi > maxHi || (hi === maxHi && lo > maxLo)) {
      maxAt = i;
      maxHi = hi;
      maxLo = lo;
    }
  }
  return minAt < 0 ? { min: undefined, max: undefined } : { min: values[minAt]!, max: values[maxAt]! };
}

/** Bounds of two's-complement decimals of `stride` little-endian 32-bit words each. */
export function scanDecimal(words: Uint32Array, stride: number, n: number, mask: Uint8Array | undefined): Bounds<bigint> {
  let minAt = -1;
  let maxAt = -1;
  for (let i = 0; i < n; i++) {
    if (mask && mask[i] === 0) continue;
    if (minAt < 0) {
      minAt = maxAt = i;
      continue;
    }
    if (compareWords(words, i, minAt, stride) < 0) minAt = i;
    if (compareWords(words, i, maxAt, stride) > 0) maxAt = i;
  }
  if (minAt < 0) return { min: undefined, max: undefined };
  return { min: decimalAt(words, minAt, stride), max: decimalAt(words, maxAt, stride) };
}

function compareWords(words: Uint32Array, a: number, b: number, stride: number): number {
  const top = stride - 1;
  const x = words[a * stride + top]! | 0;
  const y = words[b * stride + top]! | 0;
  if (x !== y) return x < y ? -1 : 1;
  for (let k = top - 1; k >= 0; k--) {
    const p = words[a * stride + k]!;
    const q = words[b * stride + k]!;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

function decimalAt(words: Uint32Array, i: number, stride: number): bigint {
  let v = 0n;
  for (let k = stride - 1; k >= 0; k--) v = (v << 32n) | BigInt(words[i * stride + k]!);
  return BigInt.asIntN(32 * stride, v);
}

/** Bounds of variable-length values in unsigned byte order (for UTF-8: code point order), copied out. */
export function scanBytes(offsets: Int32Array, bytes: Uint8Array, n: number, mask: Uint8Array | undefined): Bounds<Uint8Array> {
  let minAt = -1;
  let maxAt = -1;
  // first bytes of the current bounds (-1: empty string), so most rows are decided by one byte
  let minFirst = 0;
  let maxFirst = 0;
  for (let i = 0; i < n; i++) {
    if (mask && mask[i] === 0) continue;
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    const first = end > start ? bytes[start]! : -1;
    if (minAt < 0) {
      minAt = maxAt = i;
      minFirst = maxFirst = first;
      continue;
    }
    if (first <= minFirst && compareRanges(bytes, start, end, offsets[minAt]!, offsets[minAt + 1]!) < 0) {
      minAt = i;
      minFirst = first;
    } else if (first >= maxFirst && compareRanges(bytes, start, end, offsets[maxAt]!, offsets[maxAt + 1]!) > 0) {
      maxAt = i;
      maxFirst = first;
    }
  }
  if (minAt < 0) return { min: undefined, max: undefined };
  return { min: bytes.slice(offsets[minAt]!, offsets[minAt + 1]!), max: bytes.slice(offsets[maxAt]!, offsets[maxAt + 1]!) };
}

function compareRanges(bytes: Uint8Array, a: number, aEnd: number, b: number, bEnd: number): number {
  const la = aEnd - a;
  const lb = bEnd - b;
  const len = la < lb ? la : lb;
  for (let k = 0; k < len; k++) {
    const x = bytes[a + k]!;
    const y = bytes[b + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return la - lb;
}
