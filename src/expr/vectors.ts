/**
 * The working form of value evaluation: a typed column of one batch's rows ({@link Col}), read
 * from Arrow data, built from constants, and written back as an Arrow vector of the Arrow type
 * lakelog uses for the Delta type (see `schema/arrow-schema.ts`).
 */
import { Binary, type Data, makeData, makeVector, Null, type Timestamp, TimeUnit, Type, Utf8, type Vector } from "apache-arrow";
import { toArrowType } from "../schema/arrow-schema.js";
import type { DataType } from "../schema/types.js";
import type { ValueType } from "./bound.js";
import type { FoundColumn } from "./columns.js";
import { isValidAt } from "../arrow/data.js";
import { numberOffsets } from "./kernels.js";
import { readScalar } from "./read.js";
import { asDecimalParts, isDecimal, isNumberKind } from "./typing.js";
import { isDecimalValue, rescaleDecimal, type Scalar } from "./values.js";

/**
 * One batch's values of a value expression. `valid[i]` is 1 where row i is not NULL. `values`:
 * a Float64Array for byte, short, integer, float, double and date (days); a Uint8Array of 0/1 for
 * boolean; a BigInt64Array for long and timestamps (µs); otherwise an array of bigint (decimals,
 * the unscaled value at the type's scale), string, or Uint8Array (binary). Values at NULL rows
 * are unspecified.
 */
export interface Col {
  readonly type: ValueType;
  readonly length: number;
  readonly values: Float64Array | Uint8Array | BigInt64Array | unknown[];
  readonly valid: Uint8Array;
}

/** An empty column of `type` with room for `n` rows, all NULL until set. */
export function allocate(type: ValueType, n: number): Col {
  let values: Col["values"];
  if (isNumberKind(type)) values = new Float64Array(n);
  else if (type === "boolean") values = new Uint8Array(n);
  else if (isInt64Kind(type)) values = new BigInt64Array(n);
  else values = new Array<unknown>(n).fill(undefined); // filled: a packed array, not a sparse one
  return { type, length: n, values, valid: new Uint8Array(n) };
}

/** Types held in a BigInt64Array: long and the timestamps (µs). */
export function isInt64Kind(type: ValueType): boolean {
  return type === "long" || type === "timestamp" || type === "timestamp_ntz";
}

/** Row i as a {@link Scalar} (decimals as `{ unscaled, scale }`, booleans as booleans), or null. */
export function getScalar(col: Col, i: number): Scalar | null {
  if (col.valid[i] === 0) return null;
  const v = col.values[i];
  if (col.type === "boolean") return v === 1;
  if (isDecimal(col.type)) return { unscaled: v as bigint, scale: asDecimalParts(col.type)!.scale };
  return v as Scalar;
}

/** Sets row i from a {@link Scalar} of the column's type (null for NULL). */
export function setScalar(col: Col, i: number, v: Scalar | null): void {
  if (v === null) {
    col.valid[i] = 0;
    return;
  }
  col.valid[i] = 1;
  if (col.type === "boolean") (col.values as Uint8Array)[i] = v === true ? 1 : 0;
  else if (isDecimalValue(v)) (col.values as unknown[])[i] = rescaleDecimal(v, asDecimalParts(col.type)!.scale).unscaled;
  else (col.values as unknown[] | Float64Array)[i] = v as never;
}

/** A column holding `value` (a Scalar of `type`, or null) in each of `n` rows. */
export function constantCol(value: Scalar | null, type: ValueType, n: number): Col {
  const col = allocate(type, n);
  if (value === null) return col;
  setScalar(col, 0, value);
  const v = col.values[0];
  if (col.values instanceof Float64Array || col.values instanceof Uint8Array) col.values.fill(v as number);
  else if (col.values instanceof BigInt64Array) col.values.fill(v as bigint);
  else col.values.fill(v);
  col.valid.fill(1);
  return col;
}

/** Reads a batch column of Delta type `type` into a {@link Col}; enclosing null structs make rows NULL. */
export function readCol(found: FoundColumn, type: ValueType): Col {
  const leaf = found.leaf;
  const n = leaf.length;
  const col = allocate(type, n);
  const fast =
    isNumberKind(type) &&
    (leaf.typeId === Type.Int || leaf.typeId === Type.Float || leaf.typeId === Type.Date) &&
    leaf.values.length >= n &&
    !(leaf.values instanceof BigInt64Array);
  if (fast && (leaf.typeId !== Type.Float || leaf.values instanceof Float32Array || leaf.values instanceof Float64Array)) {
    const src = leaf.values as ArrayLike<number>;
    const out = col.values as Float64Array;
    for (let i = 0; i < n; i++) out[i] = src[i]!;
    for (let i = 0; i < n; i++) col.valid[i] = isValidAt(leaf, i) ? 1 : 0;
  } else if (
    isInt64Kind(type) &&
    leaf.values instanceof BigInt64Array &&
    (leaf.typeId === Type.Int || (leaf.type as Timestamp).unit === TimeUnit.MICROSECOND)
  ) {
    (col.values as BigInt64Array).set(leaf.values.subarray(0, n));
    for (let i = 0; i < n; i++) col.valid[i] = isValidAt(leaf, i) ? 1 : 0;
  } else if (type === "string" && (leaf.typeId === Type.Utf8 || leaf.typeId === Type.LargeUtf8)) {
    readStrings(leaf, col);
  } else {
    for (let i = 0; i < n; i++) setScalar(col, i, normalise(readScalar(leaf, i), type));
  }
  for (const a of found.ancestors) for (let i = 0; i < n; i++) if (!isValidAt(a, i)) col.valid[i] = 0;
  return col;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Strings of a Utf8 column; short ASCII values are built without the (slow per call) TextDecoder. */
function readStrings(leaf: Data, col: Col): void {
  const offsets = numberOffsets(leaf);
  const bytes = leaf.values as Uint8Array;
  const out = col.values as unknown[];
  for (let i = 0; i < col.length; i++) {
    if (!isValidAt(leaf, i)) continue;
    col.valid[i] = 1;
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    let ascii = end - start <= 64;
    for (let k = start; ascii && k < end; k++) ascii = bytes[k]! < 0x80;
    out[i] = ascii
      ? String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[])
      : decoder.decode(bytes.subarray(start, end));
  }
}

/** A Utf8 vector of the strings of `col`, encoded into one buffer. */
function stringData(col: Col, nullBitmap: Uint8Array | undefined, nullCount: number): Data {
  const offsets = new Int32Array(col.length + 1);
  let bytes = new Uint8Array(Math.max(16, col.length * 8));
  let size = 0;
  for (let i = 0; i < col.length; i++) {
    if (col.valid[i]) {
      const text = col.values[i] as string;
      if (bytes.length - size < text.length * 3) {
        const grown = new Uint8Array(Math.max(bytes.length * 2, size + text.length * 3));
        grown.set(bytes.subarray(0, size));
        bytes = grown;
      }
      size += encoder.encodeInto(text, bytes.subarray(size)).written;
    }
    offsets[i + 1] = size;
  }
  return makeData({ type: new Utf8(), length: col.length, nullCount, nullBitmap, valueOffsets: offsets, data: bytes.subarray(0, size) });
}

/** A value read from Arrow in the representation of `type` (an Int32 column bound as long gives bigints). */
function normalise(v: Scalar | null, type: ValueType): Scalar | null {
  if (v === null) return null;
  if ((type === "long" || type === "timestamp" || type === "timestamp_ntz") && typeof v === "number") return BigInt(v);
  if (isNumberKind(type) && typeof v === "bigint") return Number(v);
  return v;
}

/** The Arrow vector of a column: the Arrow type lakelog uses for its Delta type (Null for `null`). */
export function toVector(col: Col): Vector {
  const n = col.length;
  let nullCount = 0;
  for (let i = 0; i < n; i++) nullCount += 1 - col.valid[i]!;
  if (col.type === "null") return makeVector(makeData({ type: new Null(), length: n }));
  const type = toArrowType(col.type as DataType);
  const nullBitmap = nullCount === 0 ? undefined : packBits(col.valid);
  const base = { type, length: n, nullCount, nullBitmap } as const;
  let data: Data;
  switch (col.type) {
    case "string":
      data = stringData(col, nullBitmap, nullCount);
      break;
    case "binary":
      data = binaryData(col, nullBitmap, nullCount);
      break;
    case "boolean":
      data = makeData({ ...base, type: type as never, data: packBits(col.values as Uint8Array) } as never);
      break;
    case "byte":
      data = makeData({ ...base, type: type as never, data: Int8Array.from(col.values as Float64Array) } as never);
      break;
    case "short":
      data = makeData({ ...base, type: type as never, data: Int16Array.from(col.values as Float64Array) } as never);
      break;
    case "integer":
    case "date":
      data = makeData({ ...base, type: type as never, data: Int32Array.from(col.values as Float64Array) } as never);
      break;
    case "float":
      data = makeData({ ...base, type: type as never, data: Float32Array.from(col.values as Float64Array) } as never);
      break;
    case "double":
      data = makeData({ ...base, type: type as never, data: Float64Array.from(col.values as Float64Array) } as never);
      break;
    case "long":
    case "timestamp":
    case "timestamp_ntz":
      data = makeData({ ...base, type: type as never, data: col.values as BigInt64Array } as never);
      break;
    default:
      data = makeData({ ...base, type: type as never, data: decimalWords(col) } as never);
  }
  return makeVector(data);
}

function packBits(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / 8));
  for (let i = 0; i < bytes.length; i++) if (bytes[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

function decimalWords(col: Col): Uint32Array {
  const out = new Uint32Array(col.length * 4);
  for (let i = 0; i < col.length; i++) {
    if (!col.valid[i]) continue;
    let rest = BigInt.asUintN(128, col.values[i] as bigint);
    for (let k = 0; k < 4; k++, rest >>= 32n) out[i * 4 + k] = Number(rest & 0xffffffffn);
  }
  return out;
}

function binaryData(col: Col, nullBitmap: Uint8Array | undefined, nullCount: number): Data {
  const offsets = new Int32Array(col.length + 1);
  let size = 0;
  for (let i = 0; i < col.length; i++) {
    if (col.valid[i]) size += (col.values[i] as Uint8Array).length;
    offsets[i + 1] = size;
  }
  const bytes = new Uint8Array(size);
  for (let i = 0; i < col.length; i++) if (col.valid[i]) bytes.set(col.values[i] as Uint8Array, offsets[i]!);
  return makeData({ type: new Binary(), length: col.length, nullCount, nullBitmap, valueOffsets: offsets, data: bytes });
}
