/**
 * Exact text for every Delta value as it comes out of a scan (Arrow `Data`): decimals with their
 * scale, timestamps in ISO-8601 with microseconds when present (`Z` for `timestamp`, no zone for
 * `timestamp_ntz`), dates as `YYYY-MM-DD`, binary as hex or base64, nested values as JSON.
 *
 * Each column gets a renderer compiled once from its Arrow type; rendering a cell is then a
 * switch-free call, which keeps million-row exports fast.
 */
import {
  TimeUnit,
  Type,
  makeVector,
  type Data,
  type DataType,
  type DateDay,
  type Decimal,
  type Field,
  type FixedSizeBinary,
  type Timestamp,
} from "apache-arrow";
import { isVariantField, variantToJson } from "../../index.js";

/** How binary values are spelled. */
export type BinaryEncoding = "hex" | "base64";

/** Renders cell `i` of one column chunk. */
export interface ColumnRenderer {
  /** Plain text of the value, or `null` for a null (CSV, table). */
  text(i: number): string | null;
  /** The value as JSON text (`null` for a null). */
  json(i: number): string;
}

/** Builds renderers for the chunks of one column; compile once per column, bind once per batch. */
export type RendererFactory = (data: Data) => ColumnRenderer;

const NANOS_PER_UNIT = [1_000_000_000n, 1_000_000n, 1_000n, 1n]; // TimeUnit SECOND, MILLISECOND, MICROSECOND, NANOSECOND

/** A factory of renderers for columns of `type`, or of a field's column (a variant field renders as JSON). */
export function rendererFor(typeOrField: DataType | Field, binary: BinaryEncoding = "hex"): RendererFactory {
  const field = "nullable" in typeOrField ? (typeOrField as Field) : undefined; // a Field (it also has typeId)
  const type = field ? field.type : (typeOrField as DataType);
  const json = field ? fieldJson(field, binary) : jsonValueFor(type, binary);
  const plain: PlainText = field && isVariantField(field) ? variantJson(type as DataType<Type.Struct>) : plainTextFor(type, binary);
  return (data) => {
    // validity read from the bitmap directly (Data.getValid checks the type on every call)
    const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
    const offset = data.offset;
    return {
      text: bitmap
        ? (i) => (((bitmap[(offset + i) >> 3] ?? 0) & (1 << ((offset + i) & 7))) !== 0 ? plain(data, i) : null)
        : (i) => plain(data, i),
      json: (i) => json(data, i),
    };
  };
}

type PlainText = (data: Data, i: number) => string;

function plainTextFor(type: DataType, binary: BinaryEncoding): PlainText {
  switch (type.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
      return utf8At;
    case Type.Int:
      return intText(type);
    case Type.Float:
      return isSingle(type) ? (d, i) => float32Text(d.values[i] as number) : (d, i) => String(d.values[i] as number);
    case Type.Bool:
      return (d, i) => String(boolAt(d, i));
    case Type.Struct:
    case Type.List:
    case Type.LargeList:
    case Type.Map:
      return jsonValueFor(type, binary);
    default:
      return scalarText(type, binary);
  }
}

const UTF8 = new TextDecoder();

/** The string at `i` of a Utf8 column (offsets are sliced with the data, the value bytes are not). */
function utf8At(d: Data, i: number): string {
  const offsets = d.valueOffsets as Int32Array | BigInt64Array;
  return UTF8.decode((d.values as Uint8Array).subarray(Number(offsets[i]), Number(offsets[i + 1])));
}

function bytesAt(d: Data, i: number): Uint8Array {
  if (d.type.typeId === Type.FixedSizeBinary) {
    const width = (d.type as FixedSizeBinary).byteWidth;
    return (d.values as Uint8Array).subarray(i * width, (i + 1) * width);
  }
  const offsets = d.valueOffsets as Int32Array | BigInt64Array;
  return (d.values as Uint8Array).subarray(Number(offsets[i]), Number(offsets[i + 1]));
}

/** Booleans are bit-packed and not sliced: the bit is at `offset + i`. */
function boolAt(d: Data, i: number): boolean {
  const bit = d.offset + i;
  return ((d.values as Uint8Array)[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

function isSingle(type: DataType): boolean {
  return (type as DataType & { precision?: number }).precision === 1; // Precision.SINGLE
}

/** The shortest decimal text that reads back as the same float32 (0.234, not 0.23399999737739563). */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let digits = 1; digits <= 9; digits++) {
    const text = String(Number(v.toPrecision(digits)));
    if (Math.fround(Number(text)) === v) return text;
  }
  return String(v);
}

function numberText(v: number | bigint): string {
  return typeof v === "bigint" ? v.toString() : String(v);
}

/** Text of an integer column; 64-bit values are read without a bigint per row when they fit a double exactly. */
function intText(type: DataType): PlainText {
  if ((type as DataType & { bitWidth?: number }).bitWidth !== 64) return (d, i) => String(d.values[i] as number);
  const at = int64Reader();
  return (d, i) => numberText(at(d.values as BigInt64Array | BigUint64Array, i));
}

/**
 * Reads element `i` of a 64-bit integer array as a number when it is a safe integer, else as a
 * bigint. Reading a BigInt64Array element allocates a bigint; reading its two 32-bit words does
 * not, which matters at a million rows. The word view is made once per array (per batch).
 */
function int64Reader(): (values: BigInt64Array | BigUint64Array, i: number) => number | bigint {
  let last: BigInt64Array | BigUint64Array | undefined;
  let words: Int32Array<ArrayBufferLike> = new Int32Array(0);
  let signed = true;
  return (values, i) => {
    if (values !== last) {
      last = values;
      words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
      signed = values instanceof BigInt64Array;
    }
    const lo = words[2 * i]! >>> 0;
    const hi = words[2 * i + 1]!;
    // little-endian words; |value| < 2^53 exactly when the high word is within ±2^21
    if (signed ? hi >= -0x200000 && hi < 0x200000 : hi >= 0 && hi < 0x200000) return hi * 0x1_0000_0000 + lo;
    return values[i]!;
  };
}

/** Text of scalars that are not strings, numbers or booleans (read straight from the buffers). */
function scalarText(type: DataType, binary: BinaryEncoding): (data: Data, i: number) => string {
  switch (type.typeId) {
    case Type.Decimal: {
      const scale = (type as Decimal).scale;
      return (d, i) => decimalText(d.values as Uint32Array, d.stride, i, scale);
    }
    case Type.Timestamp: {
      const t = type as Timestamp;
      const perUnit = NANOS_PER_UNIT[t.unit]!;
      const zoned = t.timezone !== null && t.timezone !== undefined && t.timezone !== "";
      const at = int64Reader();
      if (t.unit !== TimeUnit.MICROSECOND) return (d, i) => timestampText(BigInt(at(d.values as BigInt64Array, i)) * perUnit, zoned);
      return (d, i) => {
        const v = at(d.values as BigInt64Array, i);
        return typeof v === "number" ? microsText(v, zoned) : timestampText(v * perUnit, zoned);
      };
    }
    case Type.Date: {
      const t = type as DateDay;
      // DateDay holds days (Int32); DateMillisecond holds ms (Int64)
      return t.unit === 0
        ? (d, i) => dateText((d.values as Int32Array)[i]! * 86_400_000)
        : (d, i) => dateText(Number((d.values as BigInt64Array)[i]!));
    }
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return (d, i) => binaryText(bytesAt(d, i), binary);
    case Type.Null:
      return () => "";
    default:
      return (d, i) => String(makeVector(d).get(i));
  }
}

/** A 128/256-bit two's-complement decimal as text with exactly `scale` fraction digits. */
export function decimalText(words: Uint32Array, stride: number, index: number, scale: number): string {
  let value = 0n;
  const base = index * stride;
  for (let k = stride - 1; k >= 0; k--) value = (value << 32n) | BigInt(words[base + k]!);
  const bits = BigInt(stride * 32);
  if (value >> (bits - 1n)) value -= 1n << bits;
  return scaledText(value, scale);
}

/** `unscaled × 10^-scale` as exact decimal text: (-234234223423, 5) → "-2342342.23423". */
export function scaledText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) return `${negative ? "-" : ""}${digits}${"0".repeat(-scale)}`;
  const padded = digits.padStart(scale + 1, "0");
  return `${negative ? "-" : ""}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

const MS_PER_DAY = 86_400_000;
/** The `YYYY-MM-DDT` of the day last rendered: rows of one day share it (most exports are sorted by time). */
let cachedDay = NaN;
let cachedDayText = "";

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * {@link timestampText} of a safe-integer count of microseconds, in doubles (Delta's timestamp
 * unit): the date part is formatted once per day, the time of day from integer arithmetic,
 * without a Date or a bigint per row.
 */
function microsText(micros: number, zoned: boolean): string {
  let ms = Math.floor(micros / 1000);
  let rest = micros - ms * 1000;
  if (rest < 0) [ms, rest] = [ms - 1, rest + 1000];
  else if (rest >= 1000) [ms, rest] = [ms + 1, rest - 1000];
  const day = Math.floor(ms / MS_PER_DAY);
  if (day !== cachedDay) {
    const date = new Date(day * MS_PER_DAY);
    if (Number.isNaN(date.getTime())) return timestampText(BigInt(micros) * 1000n, zoned);
    const iso = date.toISOString();
    cachedDayText = iso.slice(0, iso.indexOf("T") + 1);
    cachedDay = day;
  }
  let t = ms - day * MS_PER_DAY;
  const h = Math.floor(t / 3_600_000);
  t -= h * 3_600_000;
  const m = Math.floor(t / 60_000);
  t -= m * 60_000;
  const sec = Math.floor(t / 1000);
  let text = `${cachedDayText}${two(h)}:${two(m)}:${two(sec)}.${three(t - sec * 1000)}`;
  if (rest !== 0) text += three(rest);
  return zoned ? `${text}Z` : text;
}

/**
 * Nanoseconds since the epoch as ISO-8601: milliseconds always, microseconds or nanoseconds when
 * present; a `Z` suffix for zoned (UTC-adjusted) timestamps, none for timestamp_ntz.
 */
export function timestampText(nanos: bigint, zoned: boolean): string {
  const ms = nanos >= 0n ? nanos / 1_000_000n : -((-nanos + 999_999n) / 1_000_000n);
  const rest = Number(nanos - ms * 1_000_000n); // 0..999999
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return nanos.toString();
  let iso = date.toISOString().slice(0, -1); // without the Z
  if (rest !== 0) iso += rest % 1000 === 0 ? String(rest / 1000).padStart(3, "0") : String(rest).padStart(6, "0");
  return zoned ? `${iso}Z` : iso;
}

function dateText(ms: number): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return String(ms / 86_400_000);
  const iso = date.toISOString();
  return iso.slice(0, iso.indexOf("T"));
}

/** Bytes as lower-case hex or base64. */
export function binaryText(bytes: Uint8Array, encoding: BinaryEncoding): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(encoding);
}

type JsonValue = (data: Data, i: number) => string;

/** JSON text of the value at `i` (null → `null`). */
function jsonValueFor(type: DataType, binary: BinaryEncoding): JsonValue {
  const inner = jsonNonNull(type, binary);
  return (d, i) => (d.getValid(i) ? inner(d, i) : "null");
}

function jsonNonNull(type: DataType, binary: BinaryEncoding): JsonValue {
  switch (type.typeId) {
    case Type.Int:
      return intText(type);
    case Type.Float: {
      const text = isSingle(type) ? float32Text : String;
      return (d, i) => {
        const v = d.values[i] as number;
        return Number.isFinite(v) ? text(v) : JSON.stringify(String(v));
      };
    }
    case Type.Decimal: {
      const scale = (type as Decimal).scale;
      return (d, i) => decimalText(d.values as Uint32Array, d.stride, i, scale);
    }
    case Type.Bool:
      return (d, i) => String(boolAt(d, i));
    case Type.Struct:
      return structJson(type as DataType<Type.Struct>, binary);
    case Type.List:
    case Type.LargeList:
      return listJson(type as DataType<Type.List>, binary);
    case Type.Map:
      return mapJson(type as DataType<Type.Map>, binary);
    case Type.Utf8:
    case Type.LargeUtf8:
      return (d, i) => JSON.stringify(utf8At(d, i));
    default: {
      const text = scalarText(type, binary);
      return (d, i) => JSON.stringify(text(d, i));
    }
  }
}

/** JSON of a field's values: a variant field's as the JSON of its decoded value, others by type. */
function fieldJson(field: Field, binary: BinaryEncoding): JsonValue {
  if (!isVariantField(field)) return jsonValueFor(field.type, binary);
  const inner = variantJson(field.type as DataType<Type.Struct>);
  return (d, i) => (d.getValid(i) ? inner(d, i) : "null");
}

/** A variant (struct of binary `metadata` and `value`) as the JSON text of its value. */
function variantJson(type: DataType<Type.Struct>): JsonValue {
  const metadata = type.children.findIndex((f: Field) => f.name === "metadata");
  const value = type.children.findIndex((f: Field) => f.name === "value");
  return (d, i) => variantToJson(bytesAt(d.children[metadata]!, i), bytesAt(d.children[value]!, i));
}

function structJson(type: DataType<Type.Struct>, binary: BinaryEncoding): JsonValue {
  const fields = type.children.map((f: Field) => ({ key: JSON.stringify(f.name), value: fieldJson(f, binary) }));
  return (d, i) => `{${fields.map((f, k) => `${f.key}:${f.value(d.children[k]!, i)}`).join(",")}}`;
}

function listJson(type: DataType<Type.List>, binary: BinaryEncoding): JsonValue {
  const element = fieldJson(type.children[0]!, binary);
  return (d, i) => {
    const offsets = d.valueOffsets as Int32Array;
    const child = d.children[0]!;
    const parts: string[] = [];
    for (let j = Number(offsets[i]); j < Number(offsets[i + 1]); j++) parts.push(element(child, j));
    return `[${parts.join(",")}]`;
  };
}

/** A map as a JSON object keyed by the keys' text (keys of a Delta map are never null). */
function mapJson(type: DataType<Type.Map>, binary: BinaryEncoding): JsonValue {
  const entries = type.children[0]!.type as DataType<Type.Struct>;
  const keyText = plainTextFor(entries.children[0]!.type, binary);
  const value = fieldJson(entries.children[1]!, binary);
  return (d, i) => {
    const offsets = d.valueOffsets as Int32Array;
    const entry = d.children[0]!;
    const keys = entry.children[0]!;
    const values = entry.children[1]!;
    const parts: string[] = [];
    for (let j = offsets[i]!; j < offsets[i + 1]!; j++) parts.push(`${JSON.stringify(keyText(keys, j))}:${value(values, j)}`);
    return `{${parts.join(",")}}`;
  };
}
