/**
 * Delta data types, shaped exactly like the protocol's schema JSON (`schemaString`), plus the
 * small helpers everything else uses to look at them.
 */

/** Primitive type names as they appear in schema JSON. Decimals carry precision and scale: `decimal(10,2)`. */
export type PrimitiveTypeName =
  | "string"
  | "long"
  | "integer"
  | "short"
  | "byte"
  | "float"
  | "double"
  | "boolean"
  | "binary"
  | "date"
  | "timestamp"
  | "timestamp_ntz"
  | "variant"
  | `decimal(${number},${number})`;

/** The primitive type names without parameters (every {@link PrimitiveTypeName} but `decimal(p,s)`). */
const SIMPLE_TYPE_NAMES: ReadonlySet<string> = new Set<PrimitiveTypeName>([
  "string",
  "long",
  "integer",
  "short",
  "byte",
  "float",
  "double",
  "boolean",
  "binary",
  "date",
  "timestamp",
  "timestamp_ntz",
  "variant",
]);

/** True for a primitive type name without parameters (`long`, `variant`, ...; not `decimal(p,s)`). */
export function isSimpleTypeName(name: string): name is PrimitiveTypeName {
  return SIMPLE_TYPE_NAMES.has(name);
}

/** A named member of a struct. `metadata` holds column mapping, invariants, comments, etc. */
export interface StructField {
  name: string;
  type: DataType;
  nullable: boolean;
  metadata: Record<string, unknown>;
}

export interface StructType {
  type: "struct";
  fields: StructField[];
}

export interface ArrayType {
  type: "array";
  elementType: DataType;
  containsNull: boolean;
}

export interface MapType {
  type: "map";
  keyType: DataType;
  valueType: DataType;
  valueContainsNull: boolean;
}

/** Any Delta data type. */
export type DataType = PrimitiveTypeName | StructType | ArrayType | MapType;

/** Precision and scale of a decimal type name, or undefined for other types. */
export function decimalParts(type: DataType): { precision: number; scale: number } | undefined {
  if (typeof type !== "string") return undefined;
  const m = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  return m ? { precision: Number(m[1]), scale: Number(m[2]) } : undefined;
}

/** True for struct types. */
export function isStruct(type: DataType): type is StructType {
  return typeof type === "object" && type.type === "struct";
}

/**
 * True for the storage form of a variant: a struct of exactly the binary fields `metadata` and
 * `value` (in either order), what Arrow data for a variant column converts to without its extension name.
 */
export function isVariantStorage(type: DataType): boolean {
  if (!isStruct(type) || type.fields.length !== 2) return false;
  const names = type.fields.map((f) => f.name).sort();
  return names[0] === "metadata" && names[1] === "value" && type.fields.every((f) => f.type === "binary");
}

/** True when `type` is, or contains at any depth (struct fields, array elements, map keys and values), a variant. */
export function containsVariant(type: DataType): boolean {
  if (typeof type === "string") return type === "variant";
  if (type.type === "struct") return type.fields.some((f) => containsVariant(f.type));
  if (type.type === "array") return containsVariant(type.elementType);
  return containsVariant(type.keyType) || containsVariant(type.valueType);
}

/** A readable rendering of a type for messages: `long`, `struct<a: int>`, `array<string>`. */
export function typeToString(type: DataType): string {
  if (typeof type === "string") return type;
  switch (type.type) {
    case "struct":
      return `struct<${type.fields.map((f) => `${f.name}: ${typeToString(f.type)}`).join(", ")}>`;
    case "array":
      return `array<${typeToString(type.elementType)}>`;
    case "map":
      return `map<${typeToString(type.keyType)}, ${typeToString(type.valueType)}>`;
  }
}

/** Finds a top-level field by name, case-sensitively first, then case-insensitively (Spark's default resolution). */
export function findField(struct: StructType, name: string): StructField | undefined {
  return struct.fields.find((f) => f.name === name) ?? struct.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
}

/** Calls `visit` on every field, depth first, with its dotted path (map keys and values as `key`/`value`, array elements as `element`). */
export function walkFields(struct: StructType, visit: (field: StructField, path: string[]) => void, prefix: string[] = []): void {
  for (const field of struct.fields) {
    const path = [...prefix, field.name];
    visit(field, path);
    walkType(field.type, visit, path);
  }
}

function walkType(type: DataType, visit: (field: StructField, path: string[]) => void, path: string[]): void {
  if (typeof type === "string") return;
  if (type.type === "struct") walkFields(type, visit, path);
  else if (type.type === "array") walkType(type.elementType, visit, [...path, "element"]);
  else {
    walkType(type.keyType, visit, [...path, "key"]);
    walkType(type.valueType, visit, [...path, "value"]);
  }
}
