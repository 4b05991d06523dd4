/**
 * Schema enforcement for writes: what the table schema and partitioning are after a write, or a
 * typed error saying why the data cannot be written. Pure; no I/O.
 *
 * Without `schemaMode` the data must fit the table (Delta's default): columns matched
 * case-insensitively, missing nullable columns allowed (written as nulls), missing non-nullable
 * ones, extra columns and incompatible types refused; narrower types the writer casts exactly
 * (see `type-widening.ts`) are accepted. `schemaMode: "merge"` evolves the table
 * (`merge.ts`); `schemaMode: "overwrite"` (with `mode: "overwrite"` only) replaces the schema and
 * is the only way to change the partition columns.
 */
import { InvalidOperationError } from "../errors/argument-errors.js";
import { InvalidSchemaError, SchemaMismatchError } from "../errors/schema-errors.js";
import { formatFieldPath } from "./field-path.js";
import { indexFields, mergeSchemas, type TypeChange } from "./merge.js";
import { isImplicitUpcast, isSchemaEvolutionWidening } from "./type-widening.js";
import { type DataType, isStruct, isVariantStorage, type StructField, type StructType, typeToString } from "./types.js";

/** Input of {@link planWriteSchema}. */
export interface WriteSchemaRequest {
  /** The table's current schema; undefined when the write creates the table. */
  readonly tableSchema?: StructType;
  /** The schema of the data (see `fromArrowSchema`). */
  readonly dataSchema: StructType;
  readonly mode: "append" | "overwrite";
  readonly schemaMode?: "merge" | "overwrite";
  /** The table's partition columns (ignored when the table does not exist yet). */
  readonly partitionColumns: readonly string[];
  /** Partition columns the write asks for; undefined keeps the table's. */
  readonly newPartitionColumns?: readonly string[];
  /** The table has type widening enabled (`typeWidening` feature and `delta.enableTypeWidening=true`). */
  readonly typeWidening: boolean;
  /** IcebergCompatV1/V2 is on: widenings Iceberg cannot follow are refused. */
  readonly icebergCompat?: boolean;
  /** Column mapping is on: names with ` ,;{}()\n\t=` are allowed for new columns. */
  readonly columnMapping?: boolean;
}

/** The outcome of {@link planWriteSchema}. */
export interface WriteSchemaPlan {
  /** The logical table schema after the write (the data must be conformed to it). */
  readonly schema: StructType;
  /** The write must commit a new `metaData` (schema or partitioning differs, or the table is new). */
  readonly changed: boolean;
  /** Partition columns after the write, spelled as in `schema`. */
  readonly partitionColumns: string[];
  /**
   * Fields that are new: they (and everything nested in them) need column mapping ids and
   * physical names on column-mapping tables. Every top-level field when the table is created or
   * its schema overwritten.
   */
  readonly added: readonly (readonly string[])[];
  /** Columns whose type was widened (record nothing more: `delta.typeChanges` is already in `schema`). */
  readonly typeChanges: readonly TypeChange[];
}

/**
 * Decides the table schema and partitioning after a write (see the module notes).
 * Throws {@link SchemaMismatchError} (column path, table type, data type) when the data does not
 * fit and the mode does not allow the change, or when the partitioning changes without
 * `schemaMode: "overwrite"`; {@link InvalidSchemaError} for invalid partition columns or names.
 *
 * @example
 * const plan = planWriteSchema({
 *   tableSchema: snapshot.schema, dataSchema: fromArrowSchema(batch.schema),
 *   mode: "append", schemaMode: "merge", partitionColumns: snapshot.partitionColumns, typeWidening: false,
 * });
 * const conformed = conformBatch(batch, plan.schema);
 */
export function planWriteSchema(request: WriteSchemaRequest): WriteSchemaPlan {
  const { tableSchema, dataSchema, mode, schemaMode } = request;
  if (schemaMode === "overwrite" && mode !== "overwrite") {
    throw new InvalidOperationError("write", `schemaMode "overwrite" needs mode "overwrite" (got mode ${JSON.stringify(mode)})`);
  }
  if (!tableSchema || schemaMode === "overwrite") return replaceSchema(request);
  if (schemaMode === "merge") {
    const merged = mergeSchemas(tableSchema, dataSchema, request);
    for (const path of merged.added) {
      const field = fieldAt(merged.schema, path);
      visitStructs(field.type, [...path], assertUniqueNames);
      checkNewNames(field, path.slice(0, -1), request);
    }
    const partitionColumns = keepPartitioning(request, merged.schema);
    const widenedPartition = merged.typeChanges.find((c) => c.path.length === 1 && partitionColumns.includes(c.path[0] as string));
    if (widenedPartition) {
      const { path, fromType, toType } = widenedPartition;
      throw new SchemaMismatchError(
        formatFieldPath(path),
        typeToString(fromType),
        typeToString(toType),
        "lakelog does not widen the type of a partition column (its values in the log keep the old type's text); cast the data to the column's type",
      );
    }
    return {
      schema: merged.schema,
      changed: merged.schema !== tableSchema,
      partitionColumns,
      added: merged.added,
      typeChanges: merged.typeChanges,
    };
  }
  fitStruct(tableSchema, dataSchema, []);
  return { schema: tableSchema, changed: false, partitionColumns: keepPartitioning(request, tableSchema), added: [], typeChanges: [] };
}

/** A new table, or `schemaMode: "overwrite"`: the data schema becomes the table schema. */
function replaceSchema(request: WriteSchemaRequest): WriteSchemaPlan {
  const { tableSchema, dataSchema } = request;
  if (dataSchema.fields.length === 0) throw new InvalidSchemaError("", "the data has no columns; a Delta table needs at least one");
  assertUniqueNames(dataSchema, []);
  for (const field of dataSchema.fields) checkNewNames(field, [], request);
  const asked = request.newPartitionColumns ?? (tableSchema ? request.partitionColumns : []);
  const partitionColumns = resolvePartitionColumns(dataSchema, asked);
  if (tableSchema && sameShape(tableSchema, dataSchema)) {
    // the same columns again: keep the table's field metadata (column mapping, comments, invariants)
    return {
      schema: tableSchema,
      changed: !sameList(partitionColumns, request.partitionColumns),
      partitionColumns,
      added: [],
      typeChanges: [],
    };
  }
  return { schema: dataSchema, changed: true, partitionColumns, added: dataSchema.fields.map((f) => [f.name]), typeChanges: [] };
}

/** Same names (exact spelling), order, types and nullability at every depth; field metadata ignored. */
function sameShape(a: DataType, b: DataType): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (isStruct(a) && isStruct(b)) {
    return (
      a.fields.length === b.fields.length &&
      a.fields.every((f, i) => {
        const g = b.fields[i] as StructField;
        return f.name === g.name && f.nullable === g.nullable && sameShape(f.type, g.type);
      })
    );
  }
  if (a.type === "array" && b.type === "array") return a.containsNull === b.containsNull && sameShape(a.elementType, b.elementType);
  if (a.type === "map" && b.type === "map")
    return a.valueContainsNull === b.valueContainsNull && sameShape(a.keyType, b.keyType) && sameShape(a.valueType, b.valueType);
  return false;
}

/** Partition columns stay as they are unless asked otherwise, which needs a schema overwrite. */
function keepPartitioning(request: WriteSchemaRequest, schema: StructType): string[] {
  const current = resolvePartitionColumns(schema, request.partitionColumns);
  if (request.newPartitionColumns === undefined) return current;
  const asked = resolvePartitionColumns(schema, request.newPartitionColumns);
  if (!sameList(asked, current)) {
    throw new SchemaMismatchError(
      "(partition columns)",
      `[${current.join(", ")}]`,
      `[${asked.join(", ")}]`,
      'the partition columns can change only with mode "overwrite" and schemaMode "overwrite"',
    );
  }
  return current;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Checks partition columns against a schema and returns them spelled as the schema spells them:
 * each must be a distinct top-level column of a primitive type, and at least one column must be
 * left for the data files. Throws {@link InvalidSchemaError}.
 */
export function resolvePartitionColumns(schema: StructType, columns: readonly string[]): string[] {
  const find = indexFields(schema, []);
  const seen = new Set<string>();
  const resolved = columns.map((name) => {
    const field = find(name);
    if (!field)
      throw new InvalidSchemaError(
        formatFieldPath([name]),
        `partition column not found (columns are: ${schema.fields.map((f) => f.name).join(", ")})`,
      );
    if (seen.has(field.name)) throw new InvalidSchemaError(formatFieldPath([name]), "partition column listed twice");
    if (typeof field.type !== "string" || field.type === "variant") {
      throw new InvalidSchemaError(formatFieldPath([name]), `a ${typeToString(field.type)} column cannot be a partition column`);
    }
    seen.add(field.name);
    return field.name;
  });
  if (resolved.length > 0 && resolved.length === schema.fields.length) {
    throw new InvalidSchemaError("", "every column is a partition column; Delta needs at least one data column");
  }
  return resolved;
}

/** Without `schemaMode`: every data column must exist in the table with a type the writer can cast exactly. */
function fitStruct(table: StructType, data: StructType, path: string[]): void {
  const findData = indexFields(data, path);
  const findTable = indexFields(table, path);
  for (const dataField of data.fields) {
    const tableField = findTable(dataField.name);
    if (!tableField) {
      throw new SchemaMismatchError(
        formatFieldPath([...path, dataField.name]),
        "(absent)",
        typeToString(dataField.type),
        `the table has no such column (write with schemaMode "merge" to add it)`,
      );
    }
    fitType(tableField.type, dataField.type, [...path, tableField.name]);
  }
  for (const tableField of table.fields) {
    // generated and identity columns the data omits are computed by the writer
    const computed = "delta.generationExpression" in tableField.metadata || "delta.identity.start" in tableField.metadata;
    if (tableField.nullable || computed || findData(tableField.name)) continue;
    throw new SchemaMismatchError(
      formatFieldPath([...path, tableField.name]),
      `${typeToString(tableField.type)} not null`,
      "(absent)",
      "the column is not nullable but the data lacks it",
    );
  }
}

function fitType(table: DataType, data: DataType, path: string[]): void {
  if (table === "variant" && isVariantStorage(data)) return;
  if (typeof table === "string" || typeof data === "string") return fitPrimitive(table, data, path);
  if (isStruct(table) && isStruct(data)) return fitStruct(table, data, path);
  if (table.type === "array" && data.type === "array") return fitType(table.elementType, data.elementType, [...path, "element"]);
  if (table.type === "map" && data.type === "map") {
    fitType(table.keyType, data.keyType, [...path, "key"]);
    return fitType(table.valueType, data.valueType, [...path, "value"]);
  }
  throw mismatch(path, table, data, "the data type cannot be written to this column (cast the data to the column's type)");
}

function fitPrimitive(table: DataType, data: DataType, path: string[]): void {
  if (table === data || isImplicitUpcast(data, table)) return;
  if (isSchemaEvolutionWidening(table, data)) {
    throw mismatch(
      path,
      table,
      data,
      `the data type is wider than the column's (write with schemaMode "merge" on a table with type widening enabled to widen the column, or cast the data to ${typeToString(table)})`,
    );
  }
  throw mismatch(path, table, data, "the data type cannot be written to this column (cast the data to the column's type)");
}

function mismatch(path: readonly string[], table: DataType, data: DataType, detail: string): SchemaMismatchError {
  return new SchemaMismatchError(formatFieldPath(path), typeToString(table), typeToString(data), detail);
}

/** Throws {@link InvalidSchemaError} when two fields of one struct (at any depth) differ only in case. */
export function assertUniqueNames(struct: StructType, path: string[]): void {
  indexFields(struct, path);
  for (const field of struct.fields) visitStructs(field.type, [...path, field.name], assertUniqueNames);
}

function visitStructs(type: DataType, path: string[], visit: (s: StructType, path: string[]) => void): void {
  if (typeof type === "string") return;
  if (type.type === "struct") visit(type, path);
  else if (type.type === "array") visitStructs(type.elementType, [...path, "element"], visit);
  else {
    visitStructs(type.keyType, [...path, "key"], visit);
    visitStructs(type.valueType, [...path, "value"], visit);
  }
}

/** Characters Delta refuses in column names unless column mapping is on (they break Parquet and Hive paths). */
const INVALID_NAME_CHARS = /[ ,;{}()\n\t=]/;

function checkNewNames(field: StructField, parent: readonly string[], request: WriteSchemaRequest): void {
  const path = [...parent, field.name];
  if (field.name === "") throw new InvalidSchemaError(formatFieldPath(path), "a column name cannot be empty (name the column)");
  if (request.columnMapping) {
    visitStructs(field.type, path, (struct, p) => struct.fields.forEach((f) => checkNewNames(f, p, request)));
    return;
  }
  if (INVALID_NAME_CHARS.test(field.name)) {
    throw new InvalidSchemaError(
      formatFieldPath(path),
      String.raw`the column name contains one of " ,;{}()\n\t=", which Delta allows only with column mapping (rename the column, or enable delta.columnMapping.mode = name)`,
    );
  }
  visitStructs(field.type, path, (struct, p) => struct.fields.forEach((f) => checkNewNames(f, p, request)));
}

/** The field at a path of names (with `element`/`key`/`value` steps through arrays and maps). */
function fieldAt(schema: StructType, path: readonly string[]): StructField {
  let type: DataType = schema;
  let field: StructField | undefined;
  for (const step of path) {
    if (typeof type === "string") break;
    if (type.type === "array" && step === "element") type = type.elementType;
    else if (type.type === "map" && (step === "key" || step === "value")) type = step === "key" ? type.keyType : type.valueType;
    else if (type.type === "struct") {
      field = type.fields.find((f) => f.name === step);
      if (!field) break;
      type = field.type;
    }
  }
  if (!field || field.name !== path[path.length - 1])
    throw new InvalidSchemaError(formatFieldPath(path), "internal error: merged field not found");
  return field;
}
