/**
 * Converting what the Parquet reader yields into the Arrow types the caller asks for.
 *
 * The reader returns types as the file encodes them (Timestamp in ms, µs or ns, "+00:00" or no
 * zone, INT96 as Timestamp(µs, "UTC"), LargeUtf8 from some writers, Int8 for a column a later
 * schema widened to Int64...). {@link normalizeBatch} takes the schema the table wants and
 * returns a batch of exactly that schema: columns matched by name, missing nullable columns
 * filled with nulls, every value converted by {@link castData}. Pure and synchronous.
 *
 * Supported conversions (anything else throws {@link ParquetCastError}):
 * - identical types: no copy;
 * - Int of any width to a wider (or, range-checked, narrower) Int; Int or Float to Float;
 * - Timestamp of any unit/zone, Date32/Date64 to Timestamp of any unit with the target's zone
 *   (ns to µs floors, as Spark does); Date64 to Date32;
 * - Decimal(p,s) to Decimal(p',s') when s' ≥ s (range-checked against p'); Int to Decimal;
 * - Utf8/Binary/LargeUtf8/LargeBinary/FixedSizeBinary to Utf8 or Binary;
 * - Struct to Struct by child name (missing nullable children become null, extra ones dropped),
 *   List/LargeList to List, Map to Map (entries by position), each child converted recursively;
 * - a Null column to anything (all null).
 */
import { Data, type DataType, type Field, type RecordBatch, type Schema, Type } from "apache-arrow";
import { ParquetCastError } from "../errors/parquet-errors.js";
import { batchOf, isNested, nullData } from "./data.js";
import { castBinary, castDate, castDecimal, castInt, castTimestamp, relabel, sameLeafType } from "./cast-leaf.js";

/**
 * Returns a batch with exactly `target`'s fields (names, order, types, nullability, metadata):
 * each field taken from the batch column of the same name and converted with {@link castData},
 * or all null when the batch has no such column and the field is nullable.
 * Throws {@link ParquetCastError} for a missing non-nullable column or an impossible conversion.
 *
 * @example
 * for await (const raw of file.readBatches({ columns: target.fields.map((f) => f.name) })) {
 *   yield normalizeBatch(raw, target);
 * }
 */
export function normalizeBatch(batch: RecordBatch, target: Schema): RecordBatch {
  const byName = new Map<string, number>();
  batch.schema.fields.forEach((f, i) => byName.has(f.name) || byName.set(f.name, i));
  const columns = target.fields.map((field) => {
    const index = byName.get(field.name);
    if (index === undefined) return missing(field, batch.numRows, field.name);
    return castData(batch.data.children[index] as Data, field.type, field.name);
  });
  return batchOf(target, columns, batch.numRows);
}

/**
 * Converts one column to `target` (see the module notes for what converts to what). The result's
 * type is `target` itself; buffers are shared with the input where no value changes.
 * `path` names the column in errors.
 */
export function castData(data: Data, target: DataType, path = "(column)"): Data {
  if (data.typeId === Type.Null) return nullData(target, data.length);
  if (isNested(target)) return castNested(data, target, path);
  if (isNested(data.type)) throw new ParquetCastError(path, String(data.type), String(target), "a nested value cannot become a primitive");
  if (sameLeafType(data.type, target)) return data.type === target ? data : relabel(data, target);
  switch (target.typeId) {
    case Type.Int:
    case Type.Float:
      if (data.typeId === Type.Float && target.typeId === Type.Int) break;
      return data.typeId === Type.Float ? castFloatToFloat(data, target) : castInt(data, target, path);
    case Type.Timestamp:
      return castTimestamp(data, target, path);
    case Type.Date:
      return castDate(data, target, path);
    case Type.Decimal:
      return castDecimal(data, target, path);
    case Type.Utf8:
    case Type.Binary:
      return castBinary(data, target, path);
    case Type.Bool:
      if (data.typeId === Type.Bool) return relabel(data, target);
      break;
  }
  throw new ParquetCastError(path, String(data.type), String(target), "no conversion between these types");
}

function castFloatToFloat(data: Data, target: DataType): Data {
  const out = new (target.ArrayType as new (n: number) => Float32Array | Float64Array)(data.length);
  out.set((data.values as Float32Array | Float64Array).subarray(0, data.length));
  return new Data(target, data.offset, data.length, data.nullCount, [undefined as never, out as never, data.nullBitmap]);
}

function castNested(data: Data, target: DataType, path: string): Data {
  switch (target.typeId) {
    case Type.Struct:
      if (data.typeId !== Type.Struct) break;
      return castStruct(data, target, path);
    case Type.List:
      if (data.typeId === Type.List) return withCastChild(data, target, data.valueOffsets, path);
      if (data.typeId === Type.LargeList) return withCastChild(data, target, narrowOffsets(data, target, path), path);
      break;
    case Type.Map:
      if (data.typeId !== Type.Map) break;
      return castMap(data, target, path);
  }
  throw new ParquetCastError(path, String(data.type), String(target), "no conversion between these types");
}

function castStruct(data: Data, target: DataType, path: string): Data {
  const source = new Map<string, number>();
  data.type.children.forEach((f: Field, i: number) => source.has(f.name) || source.set(f.name, i));
  const children = target.children.map((field: Field) => {
    const childPath = `${path}.${field.name}`;
    const index = source.get(field.name);
    const child = index === undefined ? undefined : data.children[index];
    // Arrow JS may decode an empty struct without child arrays
    if (!child) return index === undefined || data.length > 0 ? missing(field, data.length, childPath) : nullData(field.type, 0);
    return castData(child, field.type, childPath);
  });
  return new Data(target, data.offset, data.length, data.nullCount, [undefined as never, undefined as never, data.nullBitmap], children);
}

function castMap(data: Data, target: DataType, path: string): Data {
  const entries = data.children[0] as Data;
  const targetEntries = (target.children[0] as Field).type as DataType;
  const kv = targetEntries.children.map((field: Field, i: number) => {
    const child = entries.children[i];
    if (!child) throw new ParquetCastError(path, String(data.type), String(target), "map entries lack a key or value");
    return castData(child, field.type, `${path}.${field.name}`);
  });
  const newEntries = new Data(
    targetEntries,
    entries.offset,
    entries.length,
    entries.nullCount,
    [undefined as never, undefined as never, entries.nullBitmap],
    kv,
  );
  return new Data(target, data.offset, data.length, data.nullCount, [data.valueOffsets, undefined as never, data.nullBitmap], [newEntries]);
}

function withCastChild(data: Data, target: DataType, offsets: Int32Array, path: string): Data {
  const field = target.children[0] as Field;
  const child = castData(data.children[0] as Data, field.type, `${path}.${field.name}`);
  return new Data(target, data.offset, data.length, data.nullCount, [offsets, undefined as never, data.nullBitmap], [child]);
}

function narrowOffsets(data: Data, target: DataType, path: string): Int32Array {
  const large = data.valueOffsets as unknown as BigInt64Array;
  const out = new Int32Array(large.length);
  for (let i = 0; i < large.length; i++) {
    const v = large[i] as bigint;
    if (v > 2147483647n) throw new ParquetCastError(path, String(data.type), String(target), "more than 2^31 list elements in one batch");
    out[i] = Number(v);
  }
  return out;
}

function missing(field: Field, length: number, path: string): Data {
  if (!field.nullable) throw new ParquetCastError(path, "(absent)", String(field.type), "the column is missing and not nullable");
  return nullData(field.type, length);
}
