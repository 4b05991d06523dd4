/**
 * The Arrow form of Delta schemas: what scans return and what writes accept.
 *
 * timestamp → Timestamp(µs, "UTC"); timestamp_ntz → Timestamp(µs) without zone; date → Date(day);
 * decimal(p,s) → Decimal128(p,s); long → Int64 (bigint values); array → List<element>;
 * map → Map<key, value>; variant → Struct<metadata: Binary, value: Binary> in a field whose metadata
 * names Arrow's canonical extension `arrow.parquet.variant` (so the Arrow schema still says which
 * structs are variants: `fromArrowSchema` maps them back, the scan rebuilds shredded ones).
 */
import {
  Binary,
  Bool,
  type DataType as ArrowType,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  Map_,
  Schema,
  Struct,
  TimeUnit,
  Timestamp,
  Utf8,
} from "apache-arrow";
import { InvalidSchemaError } from "../errors/schema-errors.js";
import { variantField, variantStorageType } from "../variant/arrow.js";
import { decimalParts, type DataType, type StructField, type StructType } from "./types.js";

/** Converts a Delta struct (a table schema) into an Arrow schema with the same field names. */
export function toArrowSchema(schema: StructType): Schema {
  return new Schema(schema.fields.map((f) => toArrowField(f)));
}

/** Converts one Delta field into an Arrow field (nullability kept). */
export function toArrowField(field: StructField, name = field.name): Field {
  return arrowField(name, field.type, field.nullable, name);
}

/** A field of `type`; variants get the extension name in the field metadata. */
function arrowField(name: string, type: DataType, nullable: boolean, path: string): Field {
  return type === "variant" ? variantField(name, nullable) : new Field(name, toArrowType(type, path), nullable);
}

/** Converts a Delta type into the Arrow type lakelog uses for it. */
export function toArrowType(type: DataType, path = ""): ArrowType {
  if (typeof type === "string") return primitiveToArrow(type, path);
  switch (type.type) {
    case "struct":
      return new Struct(type.fields.map((f) => toArrowField(f)));
    case "array":
      return new List(arrowField("element", type.elementType, type.containsNull, `${path}.element`));
    case "map": {
      const entries = new Struct([
        new Field("key", toArrowType(type.keyType, `${path}.key`), false),
        arrowField("value", type.valueType, type.valueContainsNull, `${path}.value`),
      ]);
      return new Map_(new Field("key_value", entries, false), false);
    }
  }
}

function primitiveToArrow(type: string, path: string): ArrowType {
  switch (type) {
    case "string":
      return new Utf8();
    case "long":
      return new Int64();
    case "integer":
      return new Int32();
    case "short":
      return new Int16();
    case "byte":
      return new Int8();
    case "float":
      return new Float32();
    case "double":
      return new Float64();
    case "boolean":
      return new Bool();
    case "binary":
      return new Binary();
    case "date":
      return new DateDay();
    case "timestamp":
      return new Timestamp(TimeUnit.MICROSECOND, "UTC");
    case "timestamp_ntz":
      return new Timestamp(TimeUnit.MICROSECOND, null);
    case "variant":
      return variantStorageType();
  }
  const decimal = decimalParts(type as DataType);
  if (decimal) return new Decimal(decimal.scale, decimal.precision, 128);
  throw new InvalidSchemaError(path, `no Arrow equivalent for type ${type}`);
}
