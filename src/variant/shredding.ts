/**
 * Reading shredded variants (apache/parquet-format VariantShredding.md): a variant column stored
 * as `struct<metadata, value (optional), typed_value (optional)>` is turned back into the
 * unshredded `{metadata, value}` pair, row by row, so every reader sees one form.
 *
 * Rules, per `value` / `typed_value` pair (the top level, each shredded object field, each
 * shredded array element):
 * - `typed_value` non-null wins: a primitive is encoded as its variant type (boolean, int8..int64,
 *   float, double, decimal4/8/16 by precision, date, timestamp(_ntz) µs or ns, time, binary,
 *   string, uuid); a list becomes an array of its reconstructed elements; a struct becomes an
 *   object of its present fields, merged with the fields of `value` when that is also set (a
 *   partially shredded object; a field in both takes the shredded one);
 * - else `value` as it is;
 * - else the value is missing: an object field is left out; anywhere else it reads as variant null.
 *
 * A `value` beside a non-null primitive or array `typed_value`, a partially shredded `value` that
 * is not an object, or a shredded field name absent from the metadata throws
 * {@link MalformedVariantError}; a `typed_value` of an Arrow type the specification does not list
 * (unsigned integers, views, intervals, maps...) throws {@link UnsupportedFeatureError} naming
 * `variantShredding` — never a guessed value. Pure.
 */
import { type Data, type DataType, type Decimal, type Field, type Int, type Timestamp, TimeUnit, Type } from "apache-arrow";
import { isValidAt, withChildren } from "../arrow/data.js";
import { UnsupportedFeatureError } from "../errors/log-errors.js";
import { MalformedVariantError } from "../errors/variant-errors.js";
import { compareCodePoints } from "../util/strings.js";
import { childIndex, isVariantField, variantData } from "./arrow.js";
import { containerLayout, elementStart, fieldId, parseMetadata, valueSize, type VariantMetadata } from "./decode.js";
import {
  encodeArray,
  encodeBinary,
  encodeBoolean,
  encodeDate,
  encodeDecimal,
  encodeDouble,
  encodeFloat,
  encodeInt,
  encodeObject,
  encodeStringBytes,
  encodeTime,
  encodeTimestamp,
  encodeUuid,
  type ObjectField,
  VARIANT_NULL,
  BASIC,
} from "./encode.js";

/** Reconstructs the value of one row of a `value`/`typed_value` pair; undefined = missing. */
type Rebuild = (metadata: VariantMetadata, row: number) => Uint8Array | undefined;

/**
 * Returns `data` (a column read from `file`) with every shredded variant below `target` — the
 * Arrow field the caller wants, whose variant fields carry the extension name
 * (`arrow.parquet.variant`) — rebuilt as an unshredded `{metadata, value}` struct. Data with no
 * `typed_value` anywhere is returned as it is (the same object). Throws as the module notes say.
 */
export function unshredColumn(data: Data, target: Field, file: string): Data {
  return walk(data, target, file, target.name);
}

function walk(data: Data, target: Field, file: string, path: string): Data {
  if (isVariantField(target)) return childIndex(data.type, "typed_value") >= 0 ? unshredVariant(data, target.type, file, path) : data;
  const type = target.type;
  if (type.typeId === Type.Struct && data.typeId === Type.Struct) {
    let changed = false;
    const children = (data.type.children as Field[]).map((f, i) => {
      const wanted = (type.children as Field[]).find((t) => t.name === f.name);
      const child = data.children[i] as Data;
      const next = wanted ? walk(child, wanted, file, `${path}.${f.name}`) : child;
      if (next !== child) changed = true;
      return next;
    });
    return changed ? withChildren(data, children) : data;
  }
  if (
    (type.typeId === Type.List && (data.typeId === Type.List || data.typeId === Type.LargeList)) ||
    (type.typeId === Type.Map && data.typeId === Type.Map)
  ) {
    const child = data.children[0] as Data;
    const next = walk(child, type.children[0] as Field, file, path);
    return next === child ? data : withChildren(data, [next]);
  }
  return data;
}

/** One variant column: metadata per row, the top-level pair rebuilt, missing read as variant null. */
function unshredVariant(data: Data, storage: DataType, file: string, path: string): Data {
  const metadataIndex = childIndex(data.type, "metadata");
  if (metadataIndex < 0) throw new MalformedVariantError(`${file}: ${path}`, "a shredded variant without a metadata field");
  const metadataColumn = data.children[metadataIndex] as Data;
  const rebuild = compilePair(data, file, path);
  const rows: Array<{ metadata: Uint8Array; value: Uint8Array } | undefined> = new Array(data.length);
  let lastBytes: Uint8Array | undefined;
  let lastParsed: VariantMetadata | undefined;
  for (let i = 0; i < data.length; i++) {
    if (!isValidAt(data, i)) continue;
    const metadata = binaryAt(metadataColumn, i);
    if (!metadata) throw new MalformedVariantError(`${file}: ${path}`, `row ${i} has a null metadata`);
    if (!lastParsed || !sameBytes(lastBytes!, metadata)) {
      lastParsed = parseMetadata(metadata);
      lastBytes = metadata;
    }
    rows[i] = { metadata: metadata.slice(), value: rebuild(lastParsed, i) ?? VARIANT_NULL };
  }
  return variantData(storage, rows);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The bytes of row `i` of a Binary/Utf8 (or Large) column, or undefined when null. */
function binaryAt(data: Data, i: number): Uint8Array | undefined {
  if (!isValidAt(data, i)) return undefined;
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  return (data.values as Uint8Array).subarray(Number(offsets[i]), Number(offsets[i + 1]));
}

/** The rebuild of a group holding `value` and/or `typed_value` (a variant, a shredded field or element). */
function compilePair(group: Data, file: string, path: string): Rebuild {
  const valueIndex = childIndex(group.type, "value");
  const typedIndex = childIndex(group.type, "typed_value");
  const valueColumn = valueIndex >= 0 ? (group.children[valueIndex] as Data) : undefined;
  const typedColumn = typedIndex >= 0 ? (group.children[typedIndex] as Data) : undefined;
  if (valueColumn && valueColumn.typeId !== Type.Binary && valueColumn.typeId !== Type.LargeBinary)
    throw new MalformedVariantError(`${file}: ${path}.value`, `a value column of type ${valueColumn.type}, not binary`);
  const typed = typedColumn ? compileTyped(typedColumn, file, `${path}.typed_value`) : undefined;
  return (metadata, row) => {
    const value = valueColumn && isValidAt(group, row) ? binaryAt(valueColumn, row) : undefined;
    if (typed && typedColumn && isValidAt(group, row) && isValidAt(typedColumn, row)) return typed(metadata, row, value);
    return value;
  };
}

type TypedRebuild = (metadata: VariantMetadata, row: number, value: Uint8Array | undefined) => Uint8Array;

function compileTyped(typed: Data, file: string, path: string): TypedRebuild {
  if (typed.typeId === Type.Struct) return compileObject(typed, file, path);
  if (typed.typeId === Type.List || typed.typeId === Type.LargeList) {
    const element = compilePair(typed.children[0] as Data, file, `${path}.element`);
    const offsets = typed.valueOffsets as Int32Array | BigInt64Array;
    return (metadata, row, value) => {
      if (value) throw new MalformedVariantError(`${file}: ${path}`, `row ${row} has both a shredded array and a value`);
      const out: Uint8Array[] = [];
      for (let j = Number(offsets[row]); j < Number(offsets[row + 1]); j++) out.push(element(metadata, j) ?? VARIANT_NULL);
      return encodeArray(out);
    };
  }
  const encode = primitiveEncoder(typed, file, path);
  return (_metadata, row, value) => {
    if (value) throw new MalformedVariantError(`${file}: ${path}`, `row ${row} has both a shredded ${typed.type} and a value`);
    return encode(row);
  };
}

function compileObject(typed: Data, file: string, path: string): TypedRebuild {
  const fields = (typed.type.children as Field[]).map((f, k) => ({
    name: f.name,
    rebuild: compilePair(typed.children[k] as Data, file, `${path}.${f.name}`),
  }));
  const names = new Set(fields.map((f) => f.name));
  return (metadata, row, value) => {
    const present: Array<ObjectField & { name: string }> = [];
    for (const f of fields) {
      const bytes = f.rebuild(metadata, row);
      if (bytes === undefined) continue;
      const id = metadata.idOf(f.name);
      if (id === undefined)
        throw new MalformedVariantError(`${file}: ${path}`, `shredded field ${JSON.stringify(f.name)} is not in the metadata`);
      present.push({ name: f.name, id, value: bytes });
    }
    if (value) {
      if (value.length === 0 || (value[0]! & 0x03) !== BASIC.object)
        throw new MalformedVariantError(`${file}: ${path}`, `row ${row} has a shredded object beside a value that is not an object`);
      const layout = containerLayout(value, 0);
      for (let i = 0; i < layout.count; i++) {
        const id = fieldId(value, layout, i);
        const name = metadata.name(id);
        if (names.has(name)) continue;
        const start = elementStart(value, layout, i);
        present.push({ name, id, value: value.subarray(start, start + valueSize(value, start)) });
      }
    }
    present.sort((a, b) => compareCodePoints(a.name, b.name));
    return encodeObject(present, metadata.size);
  };
}

/** The variant encoding of row `i` of a shredded primitive column, by its Arrow type. */
function primitiveEncoder(data: Data, file: string, path: string): (row: number) => Uint8Array {
  const type = data.type;
  const values = data.values as unknown;
  switch (type.typeId) {
    case Type.Bool:
      return (i) => encodeBoolean(((data.values as Uint8Array)[(data.offset + i) >> 3]! & (1 << ((data.offset + i) & 7))) !== 0);
    case Type.Int: {
      const { bitWidth, isSigned } = type as Int;
      if (!isSigned) break;
      const width = (bitWidth / 8) as 1 | 2 | 4 | 8;
      return (i) => encodeInt(BigInt((values as Int32Array | BigInt64Array)[i]!), width);
    }
    case Type.Float:
      if ((type as unknown as { precision: number }).precision === 1) return (i) => encodeFloat((values as Float32Array)[i]!);
      if ((type as unknown as { precision: number }).precision === 2) return (i) => encodeDouble((values as Float64Array)[i]!);
      break;
    case Type.Decimal: {
      const { precision, scale } = type as Decimal;
      const width = precision <= 9 ? 4 : precision <= 18 ? 8 : 16;
      const words = values as Uint32Array;
      const stride = (type as Decimal).bitWidth / 32;
      if (stride !== 4) break;
      return (i) => {
        let v = 0n;
        for (let k = 3; k >= 0; k--) v = (v << 32n) | BigInt(words[i * 4 + k]!);
        return encodeDecimal(BigInt.asIntN(128, v), scale, width)!;
      };
    }
    case Type.Date:
      if ((type as unknown as { unit: number }).unit === 0) return (i) => encodeDate((values as Int32Array)[i]!);
      return (i) => encodeDate(Math.floor(Number((values as BigInt64Array | Float64Array)[i]!) / 86_400_000));
    case Type.Timestamp: {
      const t = type as Timestamp;
      const utc = !!t.timezone;
      const v = values as BigInt64Array;
      if (t.unit === TimeUnit.NANOSECOND) return (i) => encodeTimestamp(v[i]!, "nanos", utc);
      const perMicro = t.unit === TimeUnit.MICROSECOND ? 1n : t.unit === TimeUnit.MILLISECOND ? 1000n : 1_000_000n;
      return (i) => encodeTimestamp(v[i]! * perMicro, "micros", utc);
    }
    case Type.Time:
      if ((type as unknown as { unit: number }).unit === TimeUnit.MICROSECOND) return (i) => encodeTime((values as BigInt64Array)[i]!);
      break;
    case Type.Utf8:
    case Type.LargeUtf8:
      return (i) => encodeStringBytes(binaryAt(data, i)!);
    case Type.Binary:
    case Type.LargeBinary:
      return (i) => encodeBinary(binaryAt(data, i)!.slice());
    case Type.FixedSizeBinary:
      if ((type as unknown as { byteWidth: number }).byteWidth === 16)
        return (i) => encodeUuid((values as Uint8Array).subarray(i * 16, i * 16 + 16));
      break;
  }
  throw new UnsupportedFeatureError(
    file,
    "read",
    ["variantShredding"],
    `the shredded variant field ${path} has type ${type}, which lakelog cannot turn back into a variant`,
  );
}
