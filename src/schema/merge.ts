/**
 * Schema evolution for `schemaMode: "merge"` writes: the table schema grown to take the data.
 *
 * Rules (Delta's `SchemaMergingUtils.mergeSchemas`, with type widening as in `TypeWidening`):
 * - columns are matched case-insensitively; the table's name, order, nullability and metadata win;
 * - data columns the table lacks are appended at the end of their struct (nested structs too,
 *   also inside arrays and maps); the new field itself is nullable (existing rows have no value),
 *   what is nested inside it keeps the data's nullability;
 * - arrays and maps merge element-wise, keeping the table's `containsNull`/`valueContainsNull`;
 * - a narrower data type is cast by the writer ({@link isImplicitUpcast}); a wider one widens the
 *   table column only when type widening is enabled and the change is in Delta's automatic set
 *   ({@link isSchemaEvolutionWidening}); the change is recorded in `delta.typeChanges` on the
 *   nearest enclosing struct field, as the Type Widening protocol requires;
 * - anything else is a {@link SchemaMismatchError}: narrowing never happens.
 */
import { InvalidSchemaError, SchemaMismatchError } from "../errors/schema-errors.js";
import { formatFieldPath } from "./field-path.js";
import { isIcebergIncompatibleChange, isImplicitUpcast, isSchemaEvolutionWidening, isSupportedTypeChange } from "./type-widening.js";
import { type DataType, isStruct, isVariantStorage, type StructField, type StructType, typeToString } from "./types.js";

/** Field metadata key of the type change history (Type Widening protocol). */
export const TYPE_CHANGES_KEY = "delta.typeChanges";

/** One column type widened by a write. */
export interface TypeChange {
  /** Path of the changed type: field names, plus `element`/`key`/`value` inside arrays and maps. */
  readonly path: readonly string[];
  readonly fromType: DataType;
  readonly toType: DataType;
}

/** Options of {@link mergeSchemas}. */
export interface MergeOptions {
  /** The table has type widening enabled (`typeWidening` feature and `delta.enableTypeWidening=true`). */
  readonly typeWidening: boolean;
  /** IcebergCompatV1/V2 is on: type changes Iceberg cannot follow are refused. */
  readonly icebergCompat?: boolean;
}

/** The merged schema and what changed. */
export interface MergeResult {
  /** The table schema after the write; the input table schema object itself when nothing changed. */
  readonly schema: StructType;
  /** Paths of the fields the merge added (fields nested inside them are new too). */
  readonly added: readonly (readonly string[])[];
  /** Columns whose type the merge widened. */
  readonly typeChanges: readonly TypeChange[];
}

interface Context extends MergeOptions {
  added: string[][];
  typeChanges: TypeChange[];
}

/** A pending `delta.typeChanges` entry for the struct field being merged. */
interface FieldTypeChange {
  fromType: string;
  toType: string;
  fieldPath?: string;
}

/**
 * Merges the data schema into the table schema (see the module notes). Pure.
 * Throws {@link SchemaMismatchError} naming the column path and both types when the data cannot
 * be taken, and {@link InvalidSchemaError} when the data has names that differ only in case.
 *
 * @example
 * const { schema, added } = mergeSchemas(snapshot.schema, fromArrowSchema(batch.schema), { typeWidening: false });
 */
export function mergeSchemas(table: StructType, data: StructType, options: MergeOptions): MergeResult {
  const ctx: Context = { ...options, added: [], typeChanges: [] };
  const schema = mergeStruct(table, data, [], ctx);
  return { schema, added: ctx.added, typeChanges: ctx.typeChanges };
}

/**
 * Looks up data fields by table name: exact spelling first, then case-insensitively (Spark's
 * resolution). Throws when two data fields differ only in case.
 */
export function indexFields(struct: StructType, path: readonly string[]): (name: string) => StructField | undefined {
  const exact = new Map<string, StructField>();
  const folded = new Map<string, StructField>();
  for (const field of struct.fields) {
    const lower = field.name.toLowerCase();
    const clash = folded.get(lower);
    if (clash)
      throw new InvalidSchemaError(
        formatFieldPath([...path, field.name]),
        `the data has columns ${clash.name} and ${field.name}, whose names differ only in case (Delta column names are case-insensitive)`,
      );
    exact.set(field.name, field);
    folded.set(lower, field);
  }
  return (name) => exact.get(name) ?? folded.get(name.toLowerCase());
}

function mergeStruct(table: StructType, data: StructType, path: string[], ctx: Context): StructType {
  const find = indexFields(data, path);
  const used = new Set<StructField>();
  let changed = false;
  const fields = table.fields.map((tableField) => {
    const dataField = find(tableField.name);
    if (!dataField) return tableField;
    used.add(dataField);
    const pending: FieldTypeChange[] = [];
    const type = mergeType(tableField.type, dataField.type, [...path, tableField.name], [], ctx, pending);
    if (type === tableField.type) return tableField;
    changed = true;
    return { ...tableField, type, metadata: pending.length > 0 ? withTypeChanges(tableField.metadata, pending) : tableField.metadata };
  });
  for (const dataField of data.fields) {
    if (used.has(dataField)) continue;
    changed = true;
    fields.push({ name: dataField.name, type: dataField.type, nullable: true, metadata: { ...dataField.metadata } });
    ctx.added.push([...path, dataField.name]);
  }
  return changed ? { type: "struct", fields } : table;
}

/**
 * Merges one type. `fieldPath` is the path of the nearest struct field, `inner` the steps below
 * it through arrays and maps (`element`, `key`, `value`), which is where type changes are recorded.
 */
function mergeType(
  table: DataType,
  data: DataType,
  fieldPath: string[],
  inner: string[],
  ctx: Context,
  pending: FieldTypeChange[],
): DataType {
  const path = [...fieldPath, ...inner];
  // already-encoded variant data (a struct of binary metadata and value) fits a variant column
  if (table === "variant" && isVariantStorage(data)) return table;
  if (typeof table === "string" || typeof data === "string") return mergePrimitive(table, data, fieldPath, inner, ctx, pending);
  if (isStruct(table) && isStruct(data)) return mergeStruct(table, data, path, ctx);
  if (table.type === "array" && data.type === "array") {
    const elementType = mergeType(table.elementType, data.elementType, fieldPath, [...inner, "element"], ctx, pending);
    return elementType === table.elementType ? table : { ...table, elementType };
  }
  if (table.type === "map" && data.type === "map") {
    const keyType = mergeType(table.keyType, data.keyType, fieldPath, [...inner, "key"], ctx, pending);
    const valueType = mergeType(table.valueType, data.valueType, fieldPath, [...inner, "value"], ctx, pending);
    return keyType === table.keyType && valueType === table.valueType ? table : { ...table, keyType, valueType };
  }
  throw incompatible(path, table, data);
}

function mergePrimitive(
  table: DataType,
  data: DataType,
  fieldPath: string[],
  inner: string[],
  ctx: Context,
  pending: FieldTypeChange[],
): DataType {
  const path = [...fieldPath, ...inner];
  if (table === data || isImplicitUpcast(data, table)) return table;
  if (isSchemaEvolutionWidening(table, data)) {
    if (!ctx.typeWidening) {
      throw new SchemaMismatchError(
        formatFieldPath(path),
        typeToString(table),
        typeToString(data),
        `the data type is wider than the column's; widening the column needs type widening on the table (table property delta.enableTypeWidening = true), or cast the data to ${typeToString(table)}`,
      );
    }
    if (ctx.icebergCompat && isIcebergIncompatibleChange(table, data)) {
      throw new SchemaMismatchError(
        formatFieldPath(path),
        typeToString(table),
        typeToString(data),
        "Iceberg compatibility is enabled and Iceberg cannot follow this type change (cast the data to the column's type)",
      );
    }
    const entry: FieldTypeChange = { fromType: table as string, toType: data as string };
    if (inner.length > 0) entry.fieldPath = inner.join(".");
    pending.push(entry);
    ctx.typeChanges.push({ path, fromType: table, toType: data });
    return data;
  }
  if (isSupportedTypeChange(table, data)) {
    throw new SchemaMismatchError(
      formatFieldPath(path),
      typeToString(table),
      typeToString(data),
      `Delta applies this type change only when asked explicitly, never during a write (to avoid turning integers into fractional types by accident); cast the data to ${typeToString(table)}`,
    );
  }
  throw incompatible(path, table, data);
}

function incompatible(path: readonly string[], table: DataType, data: DataType): SchemaMismatchError {
  return new SchemaMismatchError(
    formatFieldPath(path),
    typeToString(table),
    typeToString(data),
    "the data type cannot be written to this column (cast the data to the column's type)",
  );
}

function withTypeChanges(metadata: Record<string, unknown>, entries: FieldTypeChange[]): Record<string, unknown> {
  const history = metadata[TYPE_CHANGES_KEY];
  const previous = Array.isArray(history) ? (history as unknown[]) : [];
  return { ...metadata, [TYPE_CHANGES_KEY]: [...previous, ...entries] };
}
