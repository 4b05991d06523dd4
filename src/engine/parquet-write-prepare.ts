/**
 * Shaping Arrow batches before they are encoded as Parquet: the canonical types lakelog writes
 * (timestamps as INT64 microseconds, the standard names for list and map children), the schema
 * check that keeps every row group of a file identical, and the dictionary-encoding choice.
 * Pure and synchronous.
 */
import {
  type Data,
  type DataType,
  Date_,
  DateUnit,
  Field,
  List,
  Map_,
  type RecordBatch,
  Schema,
  Struct,
  type Timestamp,
  TimestampMicrosecond,
  TimeUnit,
  Type,
  Utf8,
  Binary,
  Vector,
} from "apache-arrow";
import { ParquetWriteError } from "../errors/parquet-errors.js";
import { batchOf, isValidAt, strideOf } from "../arrow/data.js";
import { castData } from "../arrow/cast.js";

/**
 * The type a column is written as: Timestamp of any unit as µs (zone "UTC" when it had one, none
 * otherwise), Date64 as Date32, LargeUtf8/LargeBinary/LargeList as their 32-bit forms, list
 * elements named `element` (the Parquet spec's name; map entries keep Arrow JS's fixed `entries`).
 * Returns `type` itself when nothing changes.
 */
export function writeTypeOf(type: DataType): DataType {
  switch (type.typeId) {
    case Type.Timestamp: {
      const t = type as Timestamp;
      const zone = t.timezone ? "UTC" : undefined;
      return t.unit === TimeUnit.MICROSECOND && (t.timezone ?? undefined) === zone ? type : new TimestampMicrosecond(zone);
    }
    case Type.Date:
      return (type as Date_).unit === DateUnit.DAY ? type : new Date_(DateUnit.DAY);
    case Type.LargeUtf8:
      return new Utf8();
    case Type.LargeBinary:
      return new Binary();
    case Type.List:
    case Type.LargeList: {
      const child = type.children[0] as Field;
      const childType = writeTypeOf(child.type);
      if (type.typeId === Type.List && child.name === "element" && childType === child.type) return type;
      return new List(new Field("element", childType, child.nullable, child.metadata));
    }
    case Type.Map: {
      // Arrow JS names the entries `entries`, `key`, `value` whatever it is given; Parquet
      // readers accept any name for the repeated group, so only the types are rewritten
      const entries = type.children[0] as Field<Struct>;
      const [key, value] = entries.type.children as [Field, Field];
      const keyType = writeTypeOf(key.type);
      const valueType = writeTypeOf(value.type);
      if (keyType === key.type && valueType === value.type) return type;
      const struct = new Struct([
        new Field("key", keyType, false, key.metadata),
        new Field("value", valueType, value.nullable, value.metadata),
      ]);
      return new Map_(
        new Field("entries", struct as Struct<{ key: DataType; value: DataType }>, false, entries.metadata),
        (type as Map_).keysSorted,
      );
    }
    case Type.Struct: {
      let changed = false;
      const fields = type.children.map((f: Field) => {
        const t = writeTypeOf(f.type);
        if (t === f.type) return f;
        changed = true;
        return new Field(f.name, t, f.nullable, f.metadata);
      });
      return changed ? new Struct(fields) : type;
    }
    default:
      return type;
  }
}

/** The schema a file is written with: {@link writeTypeOf} applied to every field. */
export function writeSchemaOf(schema: Schema): Schema {
  const fields = schema.fields.map((f) => {
    const t = writeTypeOf(f.type);
    return t === f.type ? f : new Field(f.name, t, f.nullable, f.metadata);
  });
  return new Schema(fields, schema.metadata);
}

/**
 * Converts `batch` to `schema` (a {@link writeSchemaOf} result), column by column in order.
 * Throws {@link ParquetWriteError} when the batch's columns differ from the schema's in name,
 * count or nullability, or cannot be converted.
 */
export function prepareBatch(batch: RecordBatch, schema: Schema, expectedKey: string): RecordBatch {
  const fields = batch.schema.fields;
  if (fields.length !== schema.fields.length || fields.some((f, i) => f.name !== schema.fields[i]?.name)) {
    throw new ParquetWriteError(
      `a batch has columns [${fields.map((f) => f.name).join(", ")}] where the file has [${schema.fields.map((f) => f.name).join(", ")}]`,
    );
  }
  const key = schemaKey(writeSchemaOf(batch.schema));
  if (key !== expectedKey) throw new ParquetWriteError(`a batch's schema ${key} differs from the file's ${expectedKey}`);
  const columns = schema.fields.map((field, i) => {
    const data = batch.data.children[i] as Data;
    if (data.type === field.type) return data;
    try {
      return castData(data, field.type, field.name);
    } catch (err) {
      throw new ParquetWriteError(`column ${field.name} cannot be written as ${field.type}`, { cause: err });
    }
  });
  return batchOf(schema, columns, batch.numRows);
}

/** A string that is equal for two schemas exactly when names, types and nullability all agree. */
export function schemaKey(schema: Schema): string {
  return schema.fields.map(fieldKey).join(", ");
}

function fieldKey(f: Field): string {
  const children = f.type.children as Field[] | null | undefined;
  const nested = Array.isArray(children) && children.length > 0;
  const type = nested ? `${Type[f.type.typeId]}<${children.map(fieldKey).join(", ")}>` : String(f.type);
  const width = f.type.typeId === Type.Decimal ? `/${(f.type as { bitWidth?: number }).bitWidth}` : "";
  return `${JSON.stringify(f.name)}${f.nullable ? "?" : ""}:${type}${width}`;
}

const SAMPLE = 4_096;

/**
 * Top-level primitive columns whose first `SAMPLE` non-null values are more than half distinct:
 * dictionary encoding only costs time there (measured: a write of unique ids, doubles and
 * timestamps is ~1.8x faster with it off, and the file slightly smaller).
 */
export function highCardinalityColumns(batch: RecordBatch): string[] {
  const out: string[] = [];
  batch.schema.fields.forEach((field, i) => {
    const data = batch.data.children[i] as Data;
    if (!isSampled(field.type)) return;
    const seen = new Set<unknown>();
    // fixed-width values straight from the buffer; others through the vector
    const flat =
      [Type.Int, Type.Float, Type.Date, Type.Timestamp].includes(field.type.typeId) && ArrayBuffer.isView(data.values)
        ? (data.values as unknown as ArrayLike<unknown>)
        : undefined;
    const stride = flat ? strideOf(field.type) : 1;
    const vector = flat ? undefined : new Vector([data]);
    let valid = 0;
    for (let r = 0; r < data.length && valid < SAMPLE; r++) {
      if (!isValidAt(data, r)) continue;
      valid++;
      const v = flat ? flat[(data.offset + r) * stride] : vector!.get(r);
      seen.add(typeof v === "object" && v !== null ? String(v) : v);
    }
    if (valid > 0 && seen.size > valid / 2) out.push(field.name);
  });
  return out;
}

function isSampled(type: DataType): boolean {
  return [Type.Int, Type.Float, Type.Decimal, Type.Date, Type.Timestamp, Type.Utf8, Type.Binary].includes(type.typeId);
}
