/**
 * Encoding JS values as Parquet Variant binary (apache/parquet-format VariantEncoding.md): a
 * `metadata` dictionary of object keys and a `value` whose first byte holds the basic type
 * (primitive, short string, object, array) and its header.
 *
 * {@link encodeVariant} maps JS values: `null` → null; booleans; numbers that are safe integers
 * → the smallest of int8/16/32/64, other numbers (fractions, -0, NaN, ±Infinity, integers past
 * 2^53) → double; `bigint` → int64; strings → short string (under 64 UTF-8 bytes) or string;
 * `Date` → timestamp (µs, UTC); `Uint8Array` → binary; arrays → array; plain objects → object
 * (keys in the dictionary, sorted and unique, so `sorted_strings` is set); the classes of
 * `values.ts` → decimal, date, timestamp(_ntz, nanos), time, uuid. `undefined` is skipped in
 * objects and written as null in arrays (as `JSON.stringify` does). Anything else — a `Map`, a
 * class instance, a function, a symbol, a cyclic structure, a string with a lone surrogate, a
 * bigint outside int64 — throws `InvalidArgumentError` naming the path inside the value.
 *
 * The lower-level builders (`encodeInt`, `encodeObject`, …) are shared with shredded-variant
 * reconstruction (`shredding.ts`). Pure.
 */
import { InvalidArgumentError } from "../errors/argument-errors.js";
import { compareCodePoints } from "../util/strings.js";
import { EncodedVariant, VariantDate, VariantDecimal, VariantTime, VariantTimestamp, VariantUuid } from "./values.js";

/** Variant primitive type ids (the `primitive_header` of basic type 0). */
export const PRIMITIVE = {
  null: 0,
  true: 1,
  false: 2,
  int8: 3,
  int16: 4,
  int32: 5,
  int64: 6,
  double: 7,
  decimal4: 8,
  decimal8: 9,
  decimal16: 10,
  date: 11,
  timestamp: 12,
  timestampNtz: 13,
  float: 14,
  binary: 15,
  string: 16,
  time: 17,
  timestampNanos: 18,
  timestampNtzNanos: 19,
  uuid: 20,
} as const;

/** Basic types (the low 2 bits of a value's first byte). */
export const BASIC = { primitive: 0, shortString: 1, object: 2, array: 3 } as const;

const utf8 = new TextEncoder();
/** With the `u` flag a surrogate pair is one code point, so this matches only unpaired halves. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The variant null value (`00`). */
export const VARIANT_NULL: Uint8Array = Uint8Array.of(0);

/** Metadata of a variant with no object keys (version 1, empty dictionary). */
export const EMPTY_METADATA: Uint8Array = Uint8Array.of(0x11, 0, 0);

/** Bytes needed for an unsigned value (1..4). */
export function unsignedSize(n: number): 1 | 2 | 3 | 4 {
  return n <= 0xff ? 1 : n <= 0xffff ? 2 : n <= 0xffffff ? 3 : 4;
}

function writeUnsigned(out: Uint8Array, at: number, value: number, size: number): void {
  for (let i = 0; i < size; i++) out[at + i] = Math.floor(value / 2 ** (8 * i)) & 0xff;
}

function primitive(id: number, payloadSize = 0): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(1 + payloadSize);
  bytes[0] = id << 2;
  return { bytes, view: new DataView(bytes.buffer) };
}

/** A boolean value. */
export function encodeBoolean(v: boolean): Uint8Array {
  return primitive(v ? PRIMITIVE.true : PRIMITIVE.false).bytes;
}

/** An integer as int8/16/32/64: the given width, or the smallest that holds it. Caller checks the int64 range. */
export function encodeInt(v: bigint, width?: 1 | 2 | 4 | 8): Uint8Array {
  const size = width ?? (v >= -128n && v <= 127n ? 1 : v >= -32768n && v <= 32767n ? 2 : v >= -(2n ** 31n) && v < 2n ** 31n ? 4 : 8);
  const id = size === 1 ? PRIMITIVE.int8 : size === 2 ? PRIMITIVE.int16 : size === 4 ? PRIMITIVE.int32 : PRIMITIVE.int64;
  const { bytes, view } = primitive(id, size);
  if (size === 1) view.setInt8(1, Number(v));
  else if (size === 2) view.setInt16(1, Number(v), true);
  else if (size === 4) view.setInt32(1, Number(v), true);
  else view.setBigInt64(1, v, true);
  return bytes;
}

/** A 64-bit float. */
export function encodeDouble(v: number): Uint8Array {
  const { bytes, view } = primitive(PRIMITIVE.double, 8);
  view.setFloat64(1, v, true);
  return bytes;
}

/** A 32-bit float (the value is rounded to float32). */
export function encodeFloat(v: number): Uint8Array {
  const { bytes, view } = primitive(PRIMITIVE.float, 4);
  view.setFloat32(1, v, true);
  return bytes;
}

/** A decimal as decimal4/8/16 (the given width in bytes, or the smallest for its digits). Undefined when it has over 38 digits. */
export function encodeDecimal(unscaled: bigint, scale: number, width?: 4 | 8 | 16): Uint8Array | undefined {
  const magnitude = unscaled < 0n ? -unscaled : unscaled;
  if (magnitude >= 10n ** 38n || scale < 0 || scale > 38 || !Number.isInteger(scale)) return undefined;
  const size = width ?? (magnitude < 10n ** 9n ? 4 : magnitude < 10n ** 18n ? 8 : 16);
  const id = size === 4 ? PRIMITIVE.decimal4 : size === 8 ? PRIMITIVE.decimal8 : PRIMITIVE.decimal16;
  const { bytes, view } = primitive(id, 1 + size);
  bytes[1] = scale;
  if (size === 4) view.setInt32(2, Number(unscaled), true);
  else if (size === 8) view.setBigInt64(2, unscaled, true);
  else {
    view.setBigUint64(2, BigInt.asUintN(64, unscaled), true);
    view.setBigInt64(10, unscaled >> 64n, true);
  }
  return bytes;
}

/** A date: days since the epoch. */
export function encodeDate(days: number): Uint8Array {
  const { bytes, view } = primitive(PRIMITIVE.date, 4);
  view.setInt32(1, days, true);
  return bytes;
}

/** A timestamp (µs or ns since the epoch, adjusted to UTC or not). */
export function encodeTimestamp(epoch: bigint, unit: "micros" | "nanos" = "micros", adjustedToUtc = true): Uint8Array {
  const id =
    unit === "micros"
      ? adjustedToUtc
        ? PRIMITIVE.timestamp
        : PRIMITIVE.timestampNtz
      : adjustedToUtc
        ? PRIMITIVE.timestampNanos
        : PRIMITIVE.timestampNtzNanos;
  const { bytes, view } = primitive(id, 8);
  view.setBigInt64(1, epoch, true);
  return bytes;
}

/** A time of day without zone (µs since midnight). */
export function encodeTime(micros: bigint): Uint8Array {
  const { bytes, view } = primitive(PRIMITIVE.time, 8);
  view.setBigInt64(1, micros, true);
  return bytes;
}

/** Binary data. */
export function encodeBinary(data: Uint8Array): Uint8Array {
  const { bytes, view } = primitive(PRIMITIVE.binary, 4 + data.length);
  view.setUint32(1, data.length, true);
  bytes.set(data, 5);
  return bytes;
}

/** A string from its UTF-8 bytes: short string under 64 bytes, else the string primitive. */
export function encodeStringBytes(data: Uint8Array): Uint8Array {
  if (data.length < 64) {
    const bytes = new Uint8Array(1 + data.length);
    bytes[0] = (data.length << 2) | BASIC.shortString;
    bytes.set(data, 1);
    return bytes;
  }
  const { bytes, view } = primitive(PRIMITIVE.string, 4 + data.length);
  view.setUint32(1, data.length, true);
  bytes.set(data, 5);
  return bytes;
}

/** A UUID from its 16 big-endian bytes. */
export function encodeUuid(data: Uint8Array): Uint8Array {
  const { bytes } = primitive(PRIMITIVE.uuid, 16);
  bytes.set(data.subarray(0, 16), 1);
  return bytes;
}

/** An array of already-encoded element values. */
export function encodeArray(elements: readonly Uint8Array[]): Uint8Array {
  const n = elements.length;
  const total = elements.reduce((sum, e) => sum + e.length, 0);
  const large = n > 255;
  const offsetSize = unsignedSize(total);
  const countSize = large ? 4 : 1;
  const start = 1 + countSize + (n + 1) * offsetSize;
  const out = new Uint8Array(start + total);
  out[0] = ((((large ? 1 : 0) << 2) | (offsetSize - 1)) << 2) | BASIC.array;
  writeUnsigned(out, 1, n, countSize);
  let offset = 0;
  elements.forEach((e, i) => {
    writeUnsigned(out, 1 + countSize + i * offsetSize, offset, offsetSize);
    out.set(e, start + offset);
    offset += e.length;
  });
  writeUnsigned(out, 1 + countSize + n * offsetSize, offset, offsetSize);
  return out;
}

/** One field of an object to encode: its dictionary id and its encoded value. */
export interface ObjectField {
  id: number;
  value: Uint8Array;
}

/**
 * An object of already-encoded fields, which must be in the order of their names (code-point
 * order, the same as UTF-8 byte order) with no name twice; `dictionarySize` sizes the field ids.
 */
export function encodeObject(fields: readonly ObjectField[], dictionarySize: number): Uint8Array {
  const n = fields.length;
  const total = fields.reduce((sum, f) => sum + f.value.length, 0);
  const large = n > 255;
  const idSize = unsignedSize(Math.max(0, dictionarySize - 1));
  const offsetSize = unsignedSize(total);
  const countSize = large ? 4 : 1;
  const idsAt = 1 + countSize;
  const offsetsAt = idsAt + n * idSize;
  const start = offsetsAt + (n + 1) * offsetSize;
  const out = new Uint8Array(start + total);
  out[0] = ((((large ? 1 : 0) << 4) | ((idSize - 1) << 2) | (offsetSize - 1)) << 2) | BASIC.object;
  writeUnsigned(out, 1, n, countSize);
  let offset = 0;
  fields.forEach((f, i) => {
    writeUnsigned(out, idsAt + i * idSize, f.id, idSize);
    writeUnsigned(out, offsetsAt + i * offsetSize, offset, offsetSize);
    out.set(f.value, start + offset);
    offset += f.value.length;
  });
  writeUnsigned(out, offsetsAt + n * offsetSize, offset, offsetSize);
  return out;
}

/** Metadata for a dictionary of `names` (flagged sorted when they are unique and in code-point order). */
export function encodeMetadata(names: readonly string[], sorted: boolean): Uint8Array {
  const encoded = names.map((s) => utf8.encode(s));
  const total = encoded.reduce((sum, b) => sum + b.length, 0);
  const size = unsignedSize(Math.max(total, names.length));
  const start = 1 + size + (names.length + 1) * size;
  const out = new Uint8Array(start + total);
  out[0] = 1 | ((sorted ? 1 : 0) << 4) | ((size - 1) << 6);
  writeUnsigned(out, 1, names.length, size);
  let offset = 0;
  encoded.forEach((b, i) => {
    writeUnsigned(out, 1 + size + i * size, offset, size);
    out.set(b, start + offset);
    offset += b.length;
  });
  writeUnsigned(out, 1 + size + names.length * size, offset, size);
  return out;
}

/**
 * Encodes a JS value as a variant (see the module notes for the mapping). `path` names the value
 * in errors (e.g. the column: `payload`; inner paths are appended as `payload.a[2]`).
 * Throws {@link InvalidArgumentError} for a value with no variant form.
 *
 * @example
 * const { metadata, value } = encodeVariant({ event: "click", at: new Date(), tags: ["a", "b"] });
 */
export function encodeVariant(input: unknown, path = "variant"): EncodedVariant {
  const keys = new Set<string>();
  collectKeys(input, path, keys, new Set());
  const names = [...keys].sort(compareCodePoints);
  const ids = new Map(names.map((name, i) => [name, i]));
  return new EncodedVariant(encodeMetadata(names, true), encodeValue(input, ids));
}

function refuse(path: string, received: string, expected = "a JSON-like value"): never {
  throw new InvalidArgumentError(`variant value at ${path}`, received, expected);
}

function checkString(s: string, path: string): void {
  if (LONE_SURROGATE.test(s)) refuse(path, "a string with a lone UTF-16 surrogate", "well-formed text (variant strings are UTF-8)");
}

/** Validates the value (throwing with its path) and gathers every object key. */
function collectKeys(v: unknown, path: string, keys: Set<string>, ancestors: Set<object>): void {
  if (v === null || v === undefined || typeof v === "boolean" || typeof v === "number") return;
  if (typeof v === "string") return checkString(v, path);
  if (typeof v === "bigint") {
    if (v < INT64_MIN || v > INT64_MAX) refuse(path, `bigint ${v}`, "a bigint within the int64 range");
    return;
  }
  if (typeof v !== "object") return refuse(path, `a ${typeof v}`);
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) refuse(path, "an invalid Date");
    return;
  }
  if (v instanceof Uint8Array || isTypedScalar(v)) {
    if (v instanceof VariantDecimal && encodeDecimal(v.unscaled, v.scale) === undefined)
      refuse(path, `decimal ${v.toString()} (scale ${v.scale})`, "a decimal of at most 38 digits and scale 0..38");
    return;
  }
  if (ancestors.has(v)) refuse(path, "a cyclic structure");
  ancestors.add(v);
  if (Array.isArray(v)) v.forEach((e, i) => collectKeys(e, `${path}[${i}]`, keys, ancestors));
  else if (isPlainObject(v)) {
    for (const [key, value] of Object.entries(v)) {
      if (value === undefined) continue;
      checkString(key, `${path}.${key}`);
      keys.add(key);
      collectKeys(value, `${path}.${key}`, keys, ancestors);
    }
  } else refuse(path, `a ${(v as { constructor?: { name?: string } }).constructor?.name ?? "non-plain"} object`);
  ancestors.delete(v);
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function isTypedScalar(v: object): boolean {
  return (
    v instanceof VariantDecimal ||
    v instanceof VariantDate ||
    v instanceof VariantTimestamp ||
    v instanceof VariantTime ||
    v instanceof VariantUuid
  );
}

/** Encodes a value already checked by {@link collectKeys}. */
function encodeValue(v: unknown, ids: ReadonlyMap<string, number>): Uint8Array {
  if (v === null || v === undefined) return VARIANT_NULL;
  switch (typeof v) {
    case "boolean":
      return encodeBoolean(v);
    case "number":
      return Number.isSafeInteger(v) && !Object.is(v, -0) ? encodeInt(BigInt(v)) : encodeDouble(v);
    case "bigint":
      return encodeInt(v, 8);
    case "string":
      return encodeStringBytes(utf8.encode(v));
  }
  if (v instanceof Date) return encodeTimestamp(BigInt(v.getTime()) * 1000n);
  if (v instanceof Uint8Array) return encodeBinary(v);
  if (v instanceof VariantDecimal) return encodeDecimal(v.unscaled, v.scale)!;
  if (v instanceof VariantDate) return encodeDate(v.days);
  if (v instanceof VariantTimestamp) return encodeTimestamp(v.epoch, v.unit, v.adjustedToUtc);
  if (v instanceof VariantTime) return encodeTime(v.micros);
  if (v instanceof VariantUuid) return encodeUuid(v.bytes);
  if (Array.isArray(v)) return encodeArray(v.map((e) => encodeValue(e, ids)));
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => compareCodePoints(a, b));
  return encodeObject(
    entries.map(([key, value]) => ({ id: ids.get(key)!, value: encodeValue(value, ids) })),
    ids.size,
  );
}
