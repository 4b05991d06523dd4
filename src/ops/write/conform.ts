/**
 * Conforming a write batch to the table schema: the Arrow batch a writer hands to the Parquet
 * engine must have exactly the table's columns (names, order, nesting) in the Arrow types
 * `toArrowSchema` gives, and no null where the schema forbids one.
 */
import { Data, type DataType as ArrowType, type Field, type RecordBatch, type Schema, Type } from "apache-arrow";
import { batchOf, nullData } from "../../arrow/data.js";
import { castData } from "../../arrow/cast.js";
import { InvalidSchemaError, SchemaMismatchError } from "../../errors/schema-errors.js";
import { toArrowSchema } from "../../schema/arrow-schema.js";
import { formatFieldPath } from "../../schema/field-path.js";
import { type ArrowFieldLike, fromArrowType } from "../../schema/from-arrow.js";
import { isImplicitUpcast } from "../../schema/type-widening.js";
import { type DataType, type MapType, type StructField, type StructType, typeToString } from "../../schema/types.js";
import { plainEncoding } from "./conform-arrow.js";
import { checkNulls } from "./conform-nulls.js";
import { checkVariantRows } from "./conform-variant.js";

/**
 * Returns `batch` as a batch of exactly `target` (the logical table schema after the write, e.g.
 * `planWriteSchema(...).schema`): columns matched by name case-insensitively and renamed to the
 * table's spelling, put in the table's order (also inside structs), missing nullable columns and
 * fields filled with nulls, narrower types cast exactly (integers, float → double, decimals;
 * timestamps of any unit to microseconds; dictionaries, views, half floats, fixed-size lists and
 * large offsets to the plain types). Buffers are shared with the input where no value changes.
 * The input may come from another copy of apache-arrow; the output uses this package's classes.
 *
 * Throws {@link SchemaMismatchError} for an extra column, a missing non-nullable one or a type
 * that does not convert exactly; {@link NullConstraintError} for a null where `target` forbids
 * it (the path names the column, e.g. `a.b`, `tags.element`, `attrs.value`). Pure, synchronous.
 *
 * @example
 * const plan = planWriteSchema({ tableSchema, dataSchema: fromArrowSchema(batch.schema), ...options });
 * const conformed = conformBatch(batch, plan.schema);
 */
export function conformBatch(batch: RecordBatch, target: StructType): RecordBatch {
  const schema = writeArrowSchema(target);
  const columns = conformChildren(
    { children: batch.data.children, fields: batch.schema.fields, length: batch.numRows },
    target,
    schema.fields,
    [],
  );
  checkNulls(columns, target);
  return batchOf(schema, columns, batch.numRows);
}

/** The children of a source struct (or the columns of a batch) with their fields. */
interface StructSource {
  children: readonly Data[];
  fields: readonly ArrowFieldLike[];
  length: number;
}

const arrowSchemas = new WeakMap<StructType, Schema>();

/**
 * `toArrowSchema(target)`, the same object for the same `target` object: conformed batches and the
 * data file writer then share every Arrow type object, so the Parquet writer recognises the
 * batches as already in the file's types and converts nothing. `target` must not be mutated.
 */
export function writeArrowSchema(target: StructType): Schema {
  let schema = arrowSchemas.get(target);
  if (!schema) arrowSchemas.set(target, (schema = toArrowSchema(target)));
  return schema;
}

/** Conforms the children of a struct (or the columns of a batch) to the target struct's fields. */
function conformChildren(source: StructSource, target: StructType, targetFields: readonly Field[], path: string[]): Data[] {
  const { children, fields: sourceFields, length } = source;
  const find = indexSource(sourceFields, path);
  const used = new Set<number>();
  const out = target.fields.map((field, i) => {
    const arrowField = targetFields[i] as Field;
    const index = find(field.name);
    if (index === undefined) return missing(field, arrowField, path, length);
    used.add(index);
    return conformData(children[index] as Data, field.type, arrowField.type, [...path, field.name]);
  });
  sourceFields.forEach((f, i) => {
    if (used.has(i)) return;
    throw new SchemaMismatchError(
      formatFieldPath([...path, f.name]),
      "(absent)",
      String(f.type),
      `the table has no such column (plan the write with schemaMode "merge" to add it)`,
    );
  });
  return out;
}

/** Source field positions by name: exact first, then case-insensitive; names differing only in case are refused. */
function indexSource(fields: readonly ArrowFieldLike[], path: string[]): (name: string) => number | undefined {
  const exact = new Map<string, number>();
  const folded = new Map<string, number>();
  fields.forEach((f, i) => {
    const lower = f.name.toLowerCase();
    const clash = folded.get(lower);
    if (clash !== undefined)
      throw new InvalidSchemaError(
        formatFieldPath([...path, f.name]),
        `the data has columns ${fields[clash]!.name} and ${f.name}, whose names differ only in case`,
      );
    exact.set(f.name, i);
    folded.set(lower, i);
  });
  return (name) => exact.get(name) ?? folded.get(name.toLowerCase());
}

function missing(field: StructField, arrowField: Field, path: string[], length: number): Data {
  if (!field.nullable) {
    throw new SchemaMismatchError(
      formatFieldPath([...path, field.name]),
      `${typeToString(field.type)} not null`,
      "(absent)",
      "the column is not nullable but the data lacks it",
    );
  }
  return nullData(arrowField.type, length);
}

/** One column (or nested value) converted to `type` / `arrowType`. */
function conformData(source: Data, type: DataType, arrowType: ArrowType, path: string[]): Data {
  if (source.typeId === Type.Null) return nullData(arrowType, source.length);
  const data = plainEncoding(source);
  if (type === "variant") return conformVariant(data, arrowType, path);
  if (typeof type === "string") return conformLeaf(data, type, arrowType, path);
  switch (type.type) {
    case "struct": {
      if (data.typeId !== Type.Struct) break;
      const children = conformChildren(
        { children: data.children, fields: data.type.children as ArrowFieldLike[], length: data.length },
        type,
        arrowType.children,
        path,
      );
      return new Data(arrowType, data.offset, data.length, data.nullCount, [undefined, undefined, data.nullBitmap] as never, children);
    }
    case "array": {
      if (data.typeId !== Type.List && data.typeId !== Type.LargeList) break;
      const element = conformData(data.children[0] as Data, type.elementType, (arrowType.children[0] as Field).type, [...path, "element"]);
      return new Data(arrowType, data.offset, data.length, data.nullCount, [listOffsets(data, path), undefined, data.nullBitmap] as never, [
        element,
      ]);
    }
    case "map": {
      if (data.typeId !== Type.Map) break;
      return conformMap(data, type, arrowType, path);
    }
  }
  throw new SchemaMismatchError(
    formatFieldPath(path),
    typeToString(type),
    describeSource(data, path),
    "the data type cannot be written to this column",
  );
}

/**
 * A variant column: a struct of exactly `metadata` and `value` (binary of any Arrow encoding),
 * each non-null row holding a valid variant encoding; written unshredded (`typed_value` refused).
 */
function conformVariant(data: Data, arrowType: ArrowType, path: string[]): Data {
  const fields = data.typeId === Type.Struct ? (data.type.children as ArrowFieldLike[]) : [];
  const at = (name: string) => fields.findIndex((f) => f.name === name);
  if (fields.length !== 2 || at("metadata") < 0 || at("value") < 0) {
    throw new SchemaMismatchError(
      formatFieldPath(path),
      "variant",
      describeSource(data, path),
      "a variant column takes a struct of binary metadata and value (encodeVariant gives one; a shredded typed_value cannot be written)",
    );
  }
  const children = (arrowType.children as Field[]).map((f) =>
    castData(plainEncoding(data.children[at(f.name)] as Data), f.type, formatFieldPath([...path, f.name])),
  );
  checkVariantRows(data, children[0] as Data, children[1] as Data, formatFieldPath(path));
  return new Data(arrowType, data.offset, data.length, data.nullCount, [undefined, undefined, data.nullBitmap] as never, children);
}

function conformLeaf(data: Data, type: DataType, arrowType: ArrowType, path: string[]): Data {
  const from = fromArrowType(data.type, path);
  if (from !== type && !isImplicitUpcast(from, type)) {
    throw new SchemaMismatchError(
      formatFieldPath(path),
      typeToString(type),
      typeToString(from),
      "the data type cannot be written to this column (cast the data to the column's type)",
    );
  }
  return castData(data, arrowType, formatFieldPath(path));
}

function conformMap(data: Data, type: MapType, arrowType: ArrowType, path: string[]): Data {
  const { keyType, valueType } = type;
  const entries = data.children[0] as Data;
  const entriesType = (arrowType.children[0] as Field).type as ArrowType;
  const [keyField, valueField] = entriesType.children as [Field, Field];
  const key = conformData(entries.children[0] as Data, keyType, keyField.type, [...path, "key"]);
  const value = conformData(entries.children[1] as Data, valueType, valueField.type, [...path, "value"]);
  const newEntries = new Data(
    entriesType,
    entries.offset,
    entries.length,
    entries.nullCount,
    [undefined, undefined, entries.nullBitmap] as never,
    [key, value],
  );
  return new Data(arrowType, data.offset, data.length, data.nullCount, [data.valueOffsets, undefined, data.nullBitmap] as never, [
    newEntries,
  ]);
}

/** 32-bit list offsets (LargeList offsets narrowed; over 2^31 elements in one batch is refused). */
function listOffsets(data: Data, path: string[]): Int32Array {
  if (data.typeId === Type.List) return data.valueOffsets as Int32Array;
  const large = data.valueOffsets as unknown as BigInt64Array;
  const out = new Int32Array(data.length + 1);
  for (let i = 0; i <= data.length; i++) {
    const v = large[i]!;
    if (v > 2147483647n)
      throw new SchemaMismatchError(
        formatFieldPath(path),
        "array",
        "large list",
        "more than 2^31 list elements in one batch (write smaller batches)",
      );
    out[i] = Number(v);
  }
  return out;
}

function describeSource(data: Data, path: string[]): string {
  try {
    return typeToString(fromArrowType(data.type, path));
  } catch {
    return String(data.type);
  }
}
