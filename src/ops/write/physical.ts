/**
 * The Arrow schema data files are written with, and moving batches onto it. Files hold the data
 * columns only (no partition columns); under column mapping every field, nested ones included,
 * carries its physical name, and fields with a column mapping id carry it as Parquet field id
 * (`PARQUET:field_id`, which the engine writes into the file schema), as Spark writes them.
 * Renaming rebuilds only the `Data` tree's types: buffers are shared. Pure and synchronous.
 */
import { type DataType as ArrowType, Data, Field, List, Map_, RecordBatch, Schema, Struct } from "apache-arrow";
import { toArrowType } from "../../schema/arrow-schema.js";
import { type ColumnMappingMode, fieldId, physicalName } from "../../schema/column-mapping.js";
import type { DataType, StructField } from "../../schema/types.js";

const FIELD_ID_KEY = "PARQUET:field_id";

/** The Arrow schema of a data file: `fields` (the table's data columns) under their physical names. */
export function fileSchemaOf(fields: readonly StructField[], mode: ColumnMappingMode): Schema {
  return new Schema(fields.map((f) => fileField(f, mode)));
}

function fileField(field: StructField, mode: ColumnMappingMode): Field {
  const metadata = new Map<string, string>();
  const id = mode === "none" ? undefined : fieldId(field);
  if (id !== undefined) metadata.set(FIELD_ID_KEY, String(id));
  return new Field(physicalName(field, mode), fileType(field.type, mode), field.nullable, metadata);
}

function fileType(type: DataType, mode: ColumnMappingMode): ArrowType {
  if (mode === "none" || typeof type === "string") return toArrowType(type);
  switch (type.type) {
    case "struct":
      return new Struct(type.fields.map((f) => fileField(f, mode)));
    case "array":
      return new List(new Field("element", fileType(type.elementType, mode), type.containsNull));
    case "map": {
      const entries = new Struct([
        new Field("key", fileType(type.keyType, mode), false),
        new Field("value", fileType(type.valueType, mode), type.valueContainsNull),
      ]);
      return new Map_(new Field("key_value", entries, false), false);
    }
  }
}

/**
 * `batch` (the data columns in the table's Arrow form) relabelled with the file schema: same
 * buffers, the types and names of `schema`. Returns `batch` when nothing changes.
 */
export function toFileBatch(batch: RecordBatch, schema: Schema): RecordBatch {
  if (sameNames(batch.schema, schema)) return batch;
  const columns = batch.data.children.map((d, i) => retype(d, (schema.fields[i] as Field).type));
  const data = new Data(new Struct(schema.fields), batch.data.offset, batch.numRows, 0, [undefined, undefined, undefined], columns);
  return new RecordBatch(schema, data);
}

function retype(data: Data, type: ArrowType): Data {
  const childTypes = (type.children ?? []) as Field[];
  const children = data.children.map((c, i) => retype(c, (childTypes[i] as Field).type));
  return new Data(type, data.offset, data.length, data.nullCount, data.buffers, children, data.dictionary);
}

/** True when both schemas have the same names and field ids all the way down. */
function sameNames(a: Schema, b: Schema): boolean {
  const fieldsEqual = (x: readonly Field[], y: readonly Field[]): boolean =>
    x.length === y.length &&
    x.every((f, i) => {
      const g = y[i]!;
      return (
        f.name === g.name &&
        f.metadata.get(FIELD_ID_KEY) === g.metadata.get(FIELD_ID_KEY) &&
        fieldsEqual((f.type.children ?? []) as Field[], (g.type.children ?? []) as Field[])
      );
    });
  return fieldsEqual(a.fields, b.fields);
}
