/**
 * Decoding Parquet Variant binary (`metadata` + `value`) into JS values or JSON text, and the
 * bounds-checked reading both share with shredded-variant reconstruction.
 *
 * {@link decodeVariant} gives: null, booleans, numbers (int8/16/32, float, double; int64 when it
 * is a safe integer, unless `int64: "bigint"`), bigints (other int64s), strings, `Uint8Array`
 * (binary), arrays, plain objects (keys in the encoded order, which is sorted), and the classes of
 * `values.ts` for decimals, dates, timestamps, times and UUIDs. Malformed bytes — a wrong
 * version, an offset, length or field id out of bounds, an unknown type id — throw
 * {@link MalformedVariantError} saying where. Pure.
 */
import { MalformedVariantError } from "../errors/variant-errors.js";
import { BASIC, PRIMITIVE } from "./encode.js";
import { VariantDate, VariantDecimal, type VariantValue, VariantTime, VariantTimestamp, VariantUuid } from "./values.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A parsed metadata dictionary. */
export interface VariantMetadata {
  /** Number of strings in the dictionary. */
  readonly size: number;
  /** The dictionary claims its strings are unique and sorted. */
  readonly sorted: boolean;
  /** The string with id `id` (throws {@link MalformedVariantError} when out of range). */
  name(id: number): string;
  /** The id of `name`, or undefined when the dictionary lacks it. */
  idOf(name: string): number | undefined;
}

function readUnsigned(bytes: Uint8Array, at: number, size: number, where: string): number {
  if (at + size > bytes.length) throw new MalformedVariantError(where, `needs ${size} bytes at byte ${at}, has ${bytes.length}`);
  let v = 0;
  for (let i = 0; i < size; i++) v += bytes[at + i]! * 2 ** (8 * i);
  return v;
}

/** Parses a metadata dictionary (strings decoded on first use). */
export function parseMetadata(bytes: Uint8Array): VariantMetadata {
  if (bytes.length < 1) throw new MalformedVariantError("metadata", "empty");
  const header = bytes[0]!;
  if ((header & 0x0f) !== 1) throw new MalformedVariantError("metadata", `version ${header & 0x0f}; lakelog reads version 1`);
  const size = ((header >> 6) & 0x03) + 1;
  const count = readUnsigned(bytes, 1, size, "metadata");
  const offsetsAt = 1 + size;
  const start = offsetsAt + (count + 1) * size;
  const end = start + readUnsigned(bytes, offsetsAt + count * size, size, "metadata");
  if (end > bytes.length) throw new MalformedVariantError("metadata", `strings end at byte ${end} of ${bytes.length}`);
  const names: Array<string | undefined> = new Array(count);
  let index: Map<string, number> | undefined;
  const name = (id: number): string => {
    if (!Number.isInteger(id) || id < 0 || id >= count)
      throw new MalformedVariantError("metadata", `field id ${id} outside a dictionary of ${count}`);
    let s = names[id];
    if (s === undefined) {
      const from = start + readUnsigned(bytes, offsetsAt + id * size, size, "metadata");
      const to = start + readUnsigned(bytes, offsetsAt + (id + 1) * size, size, "metadata");
      if (from > to || to > end) throw new MalformedVariantError("metadata", `string ${id} spans bytes ${from}..${to}`);
      s = names[id] = decodeText(bytes.subarray(from, to), "metadata");
    }
    return s;
  };
  return {
    size: count,
    sorted: ((header >> 4) & 1) === 1,
    name,
    idOf(target) {
      if (!index) {
        index = new Map();
        for (let i = count - 1; i >= 0; i--) index.set(name(i), i);
      }
      return index.get(target);
    },
  };
}

function decodeText(bytes: Uint8Array, where: string): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new MalformedVariantError(where, `invalid UTF-8 (${(cause as Error).message})`);
  }
}

/** Byte sizes of primitive payloads that have a fixed size (by type id). */
const FIXED_SIZE: Record<number, number> = {
  [PRIMITIVE.null]: 0,
  [PRIMITIVE.true]: 0,
  [PRIMITIVE.false]: 0,
  [PRIMITIVE.int8]: 1,
  [PRIMITIVE.int16]: 2,
  [PRIMITIVE.int32]: 4,
  [PRIMITIVE.int64]: 8,
  [PRIMITIVE.double]: 8,
  [PRIMITIVE.decimal4]: 5,
  [PRIMITIVE.decimal8]: 9,
  [PRIMITIVE.decimal16]: 17,
  [PRIMITIVE.date]: 4,
  [PRIMITIVE.timestamp]: 8,
  [PRIMITIVE.timestampNtz]: 8,
  [PRIMITIVE.float]: 4,
  [PRIMITIVE.time]: 8,
  [PRIMITIVE.timestampNanos]: 8,
  [PRIMITIVE.timestampNtzNanos]: 8,
  [PRIMITIVE.uuid]: 16,
};

/** The layout of an object or array value at `at`. */
export interface ContainerLayout {
  count: number;
  /** Where field ids start (objects only). */
  idsAt: number;
  idSize: number;
  offsetsAt: number;
  offsetSize: number;
  /** Where the element values start. */
  dataAt: number;
  /** One past the last byte of the value. */
  end: number;
}

/** Reads the header of an object (`basic` 2) or array (`basic` 3) at `at`, bounds-checked. */
export function containerLayout(bytes: Uint8Array, at: number): ContainerLayout {
  const where = `value at byte ${at}`;
  const first = bytes[at]!;
  const basic = first & 0x03;
  const header = first >> 2;
  const offsetSize = (header & 0x03) + 1;
  const idSize = basic === BASIC.object ? ((header >> 2) & 0x03) + 1 : 0;
  const large = basic === BASIC.object ? (header >> 4) & 1 : (header >> 2) & 1;
  const countSize = large ? 4 : 1;
  const count = readUnsigned(bytes, at + 1, countSize, where);
  const idsAt = at + 1 + countSize;
  const offsetsAt = idsAt + count * idSize;
  const dataAt = offsetsAt + (count + 1) * offsetSize;
  const end = dataAt + readUnsigned(bytes, offsetsAt + count * offsetSize, offsetSize, where);
  if (end > bytes.length) throw new MalformedVariantError(where, `ends at byte ${end} of ${bytes.length}`);
  return { count, idsAt, idSize, offsetsAt, offsetSize, dataAt, end };
}

/** The start of element/field `i` of a container. */
export function elementStart(bytes: Uint8Array, layout: ContainerLayout, i: number): number {
  const at = layout.dataAt + readUnsigned(bytes, layout.offsetsAt + i * layout.offsetSize, layout.offsetSize, "value");
  if (at >= layout.end)
    throw new MalformedVariantError(`value at byte ${at}`, `element ${i} starts past its container (byte ${layout.end})`);
  return at;
}

/** The dictionary id of field `i` of an object. */
export function fieldId(bytes: Uint8Array, layout: ContainerLayout, i: number): number {
  return readUnsigned(bytes, layout.idsAt + i * layout.idSize, layout.idSize, "value");
}

/** The number of bytes of the value starting at `at` (bounds-checked). */
export function valueSize(bytes: Uint8Array, at: number): number {
  if (at >= bytes.length) throw new MalformedVariantError(`value at byte ${at}`, `past the end (${bytes.length} bytes)`);
  const first = bytes[at]!;
  const basic = first & 0x03;
  const header = first >> 2;
  let size: number;
  if (basic === BASIC.shortString) size = 1 + header;
  else if (basic === BASIC.object || basic === BASIC.array) size = containerLayout(bytes, at).end - at;
  else if (header === PRIMITIVE.binary || header === PRIMITIVE.string) size = 5 + readUnsigned(bytes, at + 1, 4, `value at byte ${at}`);
  else {
    const fixed = FIXED_SIZE[header];
    if (fixed === undefined) throw new MalformedVariantError(`value at byte ${at}`, `unknown primitive type id ${header}`);
    size = 1 + fixed;
  }
  if (at + size > bytes.length) throw new MalformedVariantError(`value at byte ${at}`, `needs ${size} bytes, ${bytes.length - at} left`);
  return size;
}

/** Options of {@link decodeVariant}. */
export interface DecodeVariantOptions {
  /** `auto` (default): int64 values that are safe integers become numbers, others bigints; `bigint`: always bigints. */
  int64?: "auto" | "bigint";
}

/**
 * Decodes a variant into a JS value (see the module notes). Throws {@link MalformedVariantError}.
 *
 * @example
 * const row = table.getChild("payload")!.get(0); // { metadata, value }
 * decodeVariant(row.metadata, row.value); // { event: "click", n: 3 }
 */
export function decodeVariant(metadata: Uint8Array, value: Uint8Array, options: DecodeVariantOptions = {}): VariantValue {
  const dictionary = parseMetadata(metadata);
  const bigints = options.int64 === "bigint";
  const decode = (at: number): VariantValue => {
    const size = valueSize(value, at);
    const first = value[at]!;
    const basic = first & 0x03;
    const header = first >> 2;
    if (basic === BASIC.shortString) return decodeText(value.subarray(at + 1, at + size), `value at byte ${at}`);
    if (basic === BASIC.array) {
      const layout = containerLayout(value, at);
      return Array.from({ length: layout.count }, (_, i) => decode(elementStart(value, layout, i)));
    }
    if (basic === BASIC.object) {
      const layout = containerLayout(value, at);
      const entries: Array<[string, VariantValue]> = [];
      for (let i = 0; i < layout.count; i++)
        entries.push([dictionary.name(fieldId(value, layout, i)), decode(elementStart(value, layout, i))]);
      // fromEntries defines own properties, so a key "__proto__" stays a key
      return Object.fromEntries(entries) as { [key: string]: VariantValue };
    }
    return decodePrimitive(value, at, header, bigints);
  };
  return decode(0);
}

function decodePrimitive(bytes: Uint8Array, at: number, id: number, bigints: boolean): VariantValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at + 1, bytes.length - at - 1);
  switch (id) {
    case PRIMITIVE.null:
      return null;
    case PRIMITIVE.true:
      return true;
    case PRIMITIVE.false:
      return false;
    case PRIMITIVE.int8:
      return view.getInt8(0);
    case PRIMITIVE.int16:
      return view.getInt16(0, true);
    case PRIMITIVE.int32:
      return view.getInt32(0, true);
    case PRIMITIVE.int64: {
      const v = view.getBigInt64(0, true);
      return !bigints && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    case PRIMITIVE.double:
      return view.getFloat64(0, true);
    case PRIMITIVE.float:
      return view.getFloat32(0, true);
    case PRIMITIVE.decimal4:
      return new VariantDecimal(BigInt(view.getInt32(1, true)), view.getUint8(0));
    case PRIMITIVE.decimal8:
      return new VariantDecimal(view.getBigInt64(1, true), view.getUint8(0));
    case PRIMITIVE.decimal16:
      return new VariantDecimal((view.getBigInt64(9, true) << 64n) | view.getBigUint64(1, true), view.getUint8(0));
    case PRIMITIVE.date:
      return new VariantDate(view.getInt32(0, true));
    case PRIMITIVE.timestamp:
      return new VariantTimestamp(view.getBigInt64(0, true), "micros", true);
    case PRIMITIVE.timestampNtz:
      return new VariantTimestamp(view.getBigInt64(0, true), "micros", false);
    case PRIMITIVE.timestampNanos:
      return new VariantTimestamp(view.getBigInt64(0, true), "nanos", true);
    case PRIMITIVE.timestampNtzNanos:
      return new VariantTimestamp(view.getBigInt64(0, true), "nanos", false);
    case PRIMITIVE.time:
      return new VariantTime(view.getBigInt64(0, true));
    case PRIMITIVE.binary:
      return bytes.slice(at + 5, at + 5 + view.getUint32(0, true));
    case PRIMITIVE.string:
      return decodeText(bytes.subarray(at + 5, at + 5 + view.getUint32(0, true)), `value at byte ${at}`);
    case PRIMITIVE.uuid:
      return new VariantUuid(bytes.slice(at + 1, at + 17));
  }
  throw new MalformedVariantError(`value at byte ${at}`, `unknown primitive type id ${id}`);
}

/**
 * Checks that `value` decodes against the dictionary `metadata` exactly as {@link decodeVariant}
 * would (bounds, type ids, field ids, UTF-8), without building JS values: for writers that only
 * need to know the bytes are sound. Pass a parsed dictionary to reuse it across rows.
 * Throws {@link MalformedVariantError}.
 */
export function validateVariant(metadata: Uint8Array | VariantMetadata, value: Uint8Array): void {
  const dictionary = metadata instanceof Uint8Array ? parseMetadata(metadata) : metadata;
  const check = (at: number): void => {
    const size = valueSize(value, at);
    const first = value[at]!;
    const basic = first & 0x03;
    const header = first >> 2;
    if (basic === BASIC.shortString) decodeText(value.subarray(at + 1, at + size), `value at byte ${at}`);
    else if (basic === BASIC.primitive && header === PRIMITIVE.string) decodeText(value.subarray(at + 5, at + size), `value at byte ${at}`);
    else if (basic === BASIC.array || basic === BASIC.object) {
      const layout = containerLayout(value, at);
      for (let i = 0; i < layout.count; i++) {
        if (basic === BASIC.object) dictionary.name(fieldId(value, layout, i));
        check(elementStart(value, layout, i));
      }
    }
  };
  check(0);
}

/**
 * The variant as JSON text: decimals and int64s as exact numbers, NaN and ±Infinity as strings,
 * binary as a base64 string, dates, timestamps, times and UUIDs as their ISO/canonical strings.
 * Throws {@link MalformedVariantError}.
 */
export function variantToJson(metadata: Uint8Array, value: Uint8Array): string {
  return toJson(decodeVariant(metadata, value, { int64: "bigint" }));
}

function toJson(v: VariantValue): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return String(v);
    case "bigint":
      return v.toString();
    case "number":
      return Number.isFinite(v) ? JSON.stringify(v) : JSON.stringify(String(v));
    case "string":
      return JSON.stringify(v);
  }
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64"));
  if (v instanceof VariantDecimal) return v.toString();
  if (v instanceof VariantDate || v instanceof VariantTimestamp || v instanceof VariantTime || v instanceof VariantUuid)
    return JSON.stringify(v.toString());
  if (Array.isArray(v)) return `[${v.map(toJson).join(",")}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`)
    .join(",")}}`;
}
