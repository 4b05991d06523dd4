/**
 * Arrow → Delta: the Delta type of the data a caller offers for writing.
 *
 * | Arrow | Delta |
 * |---|---|
 * | Int8, Int16, Int32, Int64 | byte, short, integer, long |
 * | Uint8, Uint16, Uint32 | short, integer, long (the next wider signed type) |
 * | Uint64 | decimal(20,0) (every value fits, as Spark reads Parquet UINT_64) |
 * | Float16, Float32 / Float64 | float / double |
 * | Utf8, LargeUtf8, Utf8View | string |
 * | Binary, LargeBinary, FixedSizeBinary, BinaryView | binary |
 * | Bool | boolean |
 * | Date32, Date64 | date |
 * | Timestamp (any unit) with a time zone / without | timestamp / timestamp_ntz |
 * | Decimal128, Decimal256 with precision ≤ 38 | decimal(p,s) |
 * | Struct, List/LargeList/FixedSizeList, Map | struct, array, map (nullability from the child fields) |
 * | Dictionary | its value type |
 * | a Struct field named `arrow.parquet.variant` in `ARROW:extension:name` | variant |
 *
 * Anything else (Null, Time, Duration, Interval, Union, decimals wider than 38 digits) throws
 * {@link InvalidSchemaError} naming the field. Arrow objects are read by `typeId` and plain
 * properties, never `instanceof`, so data built with another copy of apache-arrow converts too.
 * Arrow field metadata is not carried over (Delta field metadata holds protocol keys).
 */
import { Precision, Type } from "apache-arrow";
import { InvalidSchemaError } from "../errors/schema-errors.js";
import { isVariantField } from "../variant/arrow.js";
import { formatFieldPath } from "./field-path.js";
import type { DataType, StructField, StructType } from "./types.js";

/** The parts of an Arrow field this module reads. */
export interface ArrowFieldLike {
  readonly name: string;
  readonly type: ArrowTypeLike;
  readonly nullable: boolean;
  /** Field metadata; only the variant extension name is read. */
  readonly metadata?: ReadonlyMap<string, string> | null;
}

/** The parts of an Arrow data type this module reads (any apache-arrow copy's `DataType` fits). */
export interface ArrowTypeLike {
  readonly typeId: number;
  readonly children?: readonly ArrowFieldLike[] | null;
  readonly bitWidth?: number;
  readonly isSigned?: boolean;
  readonly precision?: number;
  readonly scale?: number;
  readonly timezone?: string | null;
  readonly dictionary?: ArrowTypeLike;
  toString(): string;
}

/** The parts of an Arrow schema this module reads. */
export interface ArrowSchemaLike {
  readonly fields: readonly ArrowFieldLike[];
}

/**
 * The Delta schema of an Arrow schema: same names and order, nullability kept, types mapped as
 * the module notes say. Throws {@link InvalidSchemaError} for a type with no Delta equivalent.
 *
 * @example
 * const dataSchema = fromArrowSchema(batch.schema);
 */
export function fromArrowSchema(schema: ArrowSchemaLike): StructType {
  return { type: "struct", fields: schema.fields.map((f) => fromArrowField(f, [])) };
}

/** One Arrow field as a Delta field (empty metadata). `parent` is the path above it, for errors. */
export function fromArrowField(field: ArrowFieldLike, parent: readonly string[] = []): StructField {
  const path = [...parent, field.name];
  return { name: field.name, type: fieldType(field, path), nullable: field.nullable, metadata: {} };
}

/** The Delta type of a field: variant when the field says so, else its Arrow type's. */
function fieldType(field: ArrowFieldLike, path: readonly string[]): DataType {
  return isVariantField(field) && field.type.typeId === Type.Struct ? "variant" : fromArrowType(field.type, path);
}

/** The Delta type of an Arrow type; `path` names the field in errors. */
export function fromArrowType(type: ArrowTypeLike, path: readonly string[] = []): DataType {
  switch (type.typeId) {
    case Type.Int:
      return intType(type, path);
    case Type.Float:
      return type.precision === Precision.DOUBLE ? "double" : "float";
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Utf8View:
      return "string";
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
    case Type.BinaryView:
      return "binary";
    case Type.Bool:
      return "boolean";
    case Type.Date:
      return "date";
    case Type.Timestamp:
      return type.timezone ? "timestamp" : "timestamp_ntz";
    case Type.Decimal:
      return decimalType(type, path);
    case Type.Struct:
      return { type: "struct", fields: childFields(type, path).map((f) => fromArrowField(f, path)) };
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList: {
      const element = onlyChild(type, path);
      return { type: "array", elementType: fieldType(element, [...path, "element"]), containsNull: element.nullable };
    }
    case Type.Map:
      return mapType(type, path);
    case Type.Dictionary:
      if (!type.dictionary) throw unsupported(type, path, "a dictionary type without a value type");
      return fromArrowType(type.dictionary, path);
    default:
      throw unsupported(type, path, hint(type.typeId));
  }
}

function intType(type: ArrowTypeLike, path: readonly string[]): DataType {
  const bits = type.bitWidth ?? 0;
  if (type.isSigned) {
    const signed: Record<number, DataType> = { 8: "byte", 16: "short", 32: "integer", 64: "long" };
    const mapped = signed[bits];
    if (mapped) return mapped;
  } else {
    const unsigned: Record<number, DataType> = { 8: "short", 16: "integer", 32: "long", 64: "decimal(20,0)" };
    const mapped = unsigned[bits];
    if (mapped) return mapped;
  }
  throw unsupported(type, path, `an integer of ${bits} bits`);
}

function decimalType(type: ArrowTypeLike, path: readonly string[]): DataType {
  const precision = type.precision ?? 0;
  const scale = type.scale ?? 0;
  if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
    throw unsupported(type, path, `decimal(${precision},${scale}) is outside Delta's precision 1..38, scale 0..precision`);
  }
  return `decimal(${precision},${scale})`;
}

function mapType(type: ArrowTypeLike, path: readonly string[]): DataType {
  const entries = onlyChild(type, path);
  const kv = childFields(entries.type, path);
  const key = kv[0];
  const value = kv[1];
  if (!key || !value || kv.length !== 2) throw unsupported(type, path, "map entries must be a struct of key and value");
  return {
    type: "map",
    keyType: fromArrowType(key.type, [...path, "key"]),
    valueType: fieldType(value, [...path, "value"]),
    valueContainsNull: value.nullable,
  };
}

function childFields(type: ArrowTypeLike, path: readonly string[]): readonly ArrowFieldLike[] {
  if (!Array.isArray(type.children)) throw unsupported(type, path, "a nested type without child fields");
  return type.children;
}

function onlyChild(type: ArrowTypeLike, path: readonly string[]): ArrowFieldLike {
  const child = childFields(type, path)[0];
  if (!child) throw unsupported(type, path, "a nested type without child fields");
  return child;
}

function hint(typeId: number): string {
  switch (typeId) {
    case Type.Null:
      return "an all-null column has no type: give the column a type (e.g. build it with vectorFromArray(values, new Utf8()))";
    case Type.Time:
      return "Delta has no time-of-day type: convert to a string or an integer";
    case Type.Duration:
    case Type.Interval:
      return "Delta has no interval type: convert to an integer";
    case Type.Union:
      return "Delta has no union type";
    default:
      return "no Delta equivalent";
  }
}

function unsupported(type: ArrowTypeLike, path: readonly string[], detail: string): InvalidSchemaError {
  return new InvalidSchemaError(formatFieldPath(path), `Arrow type ${String(type)} cannot be stored in a Delta table: ${detail}`);
}
