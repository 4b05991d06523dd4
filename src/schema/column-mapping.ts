/**
 * Column mapping (`delta.columnMapping.mode` = `name` | `id`): data files, partition values and
 * statistics use each field's physical name; users see logical names.
 */
import { InvalidSchemaError } from "../errors/schema-errors.js";
import type { DataType, StructField, StructType } from "./types.js";

/** The table's column mapping mode. */
export type ColumnMappingMode = "none" | "name" | "id";

export const PHYSICAL_NAME_KEY = "delta.columnMapping.physicalName";
export const FIELD_ID_KEY = "delta.columnMapping.id";

/** Reads the mode from table properties; unknown values are refused. */
export function columnMappingMode(configuration: Record<string, string>): ColumnMappingMode {
  const mode = configuration["delta.columnMapping.mode"] ?? "none";
  if (mode === "none" || mode === "name" || mode === "id") return mode;
  throw new InvalidSchemaError("", `unknown delta.columnMapping.mode ${JSON.stringify(mode)}`);
}

/** The physical name of a field under the given mode (its logical name when mapping is off). */
export function physicalName(field: StructField, mode: ColumnMappingMode): string {
  if (mode === "none") return field.name;
  const name = field.metadata[PHYSICAL_NAME_KEY];
  if (typeof name !== "string" || name === "") {
    throw new InvalidSchemaError(field.name, `column mapping mode ${mode} but the field has no ${PHYSICAL_NAME_KEY}`);
  }
  return name;
}

/** The column mapping field id, if the field has one. */
export function fieldId(field: StructField): number | undefined {
  const id = field.metadata[FIELD_ID_KEY];
  return typeof id === "number" ? id : undefined;
}

/**
 * The schema as stored in data files: every field renamed to its physical name, recursively.
 * Returns the schema itself when mapping is off.
 */
export function toPhysicalSchema(schema: StructType, mode: ColumnMappingMode): StructType {
  if (mode === "none") return schema;
  return mapStruct(schema, mode);
}

function mapStruct(struct: StructType, mode: ColumnMappingMode): StructType {
  return { type: "struct", fields: struct.fields.map((f) => ({ ...f, name: physicalName(f, mode), type: mapType(f.type, mode) })) };
}

function mapType(type: DataType, mode: ColumnMappingMode): DataType {
  if (typeof type === "string") return type;
  switch (type.type) {
    case "struct":
      return mapStruct(type, mode);
    case "array":
      return { ...type, elementType: mapType(type.elementType, mode) };
    case "map":
      return { ...type, keyType: mapType(type.keyType, mode), valueType: mapType(type.valueType, mode) };
  }
}

/**
 * Gives every field without one a column mapping id (counting up from `maxColumnId`) and a
 * physical name `col-<uuid>`, nested fields included. Returns the new schema and the highest id,
 * to store as `delta.columnMapping.maxColumnId`.
 */
export function assignColumnMapping(
  schema: StructType,
  maxColumnId: number,
  newName: () => string,
): { schema: StructType; maxColumnId: number } {
  let max = maxColumnId;
  const assignStruct = (struct: StructType): StructType => ({
    type: "struct",
    fields: struct.fields.map((f) => {
      const metadata = { ...f.metadata };
      if (typeof metadata[FIELD_ID_KEY] !== "number") metadata[FIELD_ID_KEY] = ++max;
      else max = Math.max(max, metadata[FIELD_ID_KEY] as number);
      if (typeof metadata[PHYSICAL_NAME_KEY] !== "string") metadata[PHYSICAL_NAME_KEY] = newName();
      return { ...f, metadata, type: assignType(f.type) };
    }),
  });
  const assignType = (type: DataType): DataType => {
    if (typeof type === "string") return type;
    if (type.type === "struct") return assignStruct(type);
    if (type.type === "array") return { ...type, elementType: assignType(type.elementType) };
    return { ...type, keyType: assignType(type.keyType), valueType: assignType(type.valueType) };
  };
  const out = assignStruct(schema);
  return { schema: out, maxColumnId: max };
}
