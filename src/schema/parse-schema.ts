/**
 * Parsing and validation of `metaData.schemaString`.
 */
import { InvalidSchemaError } from "../errors/schema-errors.js";
import { type DataType, isSimpleTypeName, type PrimitiveTypeName, type StructField, type StructType } from "./types.js";

/** Parses a schema JSON string into a validated {@link StructType}; throws {@link InvalidSchemaError}. */
export function parseSchemaString(schemaString: string): StructType {
  let json: unknown;
  try {
    json = JSON.parse(schemaString);
  } catch (cause) {
    throw new InvalidSchemaError("", `schemaString is not JSON (${(cause as Error).message})`);
  }
  const type = parseDataType(json, "");
  if (typeof type !== "object" || type.type !== "struct") throw new InvalidSchemaError("", "the top-level schema must be a struct");
  return type;
}

/** Validates one type in schema JSON form and returns it normalised (decimal spelling). */
export function parseDataType(json: unknown, path: string): DataType {
  if (typeof json === "string") return parsePrimitive(json, path);
  if (typeof json !== "object" || json === null) throw new InvalidSchemaError(path, `expected a type, got ${JSON.stringify(json)}`);
  const obj = json as Record<string, unknown>;
  switch (obj.type) {
    case "struct":
      return parseStruct(obj, path);
    case "array":
      return {
        type: "array",
        elementType: parseDataType(obj.elementType, `${path}.element`),
        containsNull: obj.containsNull !== false,
      };
    case "map":
      return {
        type: "map",
        keyType: parseDataType(obj.keyType, `${path}.key`),
        valueType: parseDataType(obj.valueType, `${path}.value`),
        valueContainsNull: obj.valueContainsNull !== false,
      };
    default:
      throw new InvalidSchemaError(path, `unknown complex type ${JSON.stringify(obj.type)}`);
  }
}

function parseStruct(obj: Record<string, unknown>, path: string): StructType {
  if (!Array.isArray(obj.fields)) throw new InvalidSchemaError(path, "struct without a fields array");
  const seen = new Set<string>();
  const fields = obj.fields.map((f: unknown): StructField => {
    const field = f as Record<string, unknown> | null;
    if (!field || typeof field.name !== "string") throw new InvalidSchemaError(path, "struct field without a name");
    const fieldPath = path ? `${path}.${field.name}` : field.name;
    const lower = field.name.toLowerCase();
    if (seen.has(lower)) throw new InvalidSchemaError(fieldPath, "duplicate field name (names are case-insensitive)");
    seen.add(lower);
    const metadata = field.metadata;
    return {
      name: field.name,
      type: parseDataType(field.type, fieldPath),
      nullable: field.nullable !== false,
      metadata: typeof metadata === "object" && metadata !== null ? (metadata as Record<string, unknown>) : {},
    };
  });
  return { type: "struct", fields };
}

function parsePrimitive(name: string, path: string): PrimitiveTypeName {
  if (isSimpleTypeName(name)) return name;
  if (name === "decimal") return "decimal(10,0)";
  const m = /^decimal\(\s*(\d+)\s*,\s*(-?\d+)\s*\)$/.exec(name);
  if (m) {
    const precision = Number(m[1]);
    const scale = Number(m[2]);
    if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
      throw new InvalidSchemaError(path, `decimal(${precision},${scale}) is outside precision 1..38, scale 0..precision`);
    }
    return `decimal(${precision},${scale})`;
  }
  throw new InvalidSchemaError(path, `unknown type ${JSON.stringify(name)}`);
}
