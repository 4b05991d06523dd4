/**
 * Partition values: the log stores them as strings keyed by physical column name (protocol
 * "Partition Value Serialization"). This module types them per Delta type and materialises a
 * partition column as an Arrow vector repeating one value.
 *
 * Encodings read: empty string or null → null; integers as decimal digits (`long` → bigint);
 * `float`/`double` as Java prints them, including `NaN`, `Infinity`, `-Infinity`, `1.0E10`;
 * `decimal` as plain decimal text; `boolean` as `true`/`false`; `date` as `YYYY-MM-DD`;
 * `timestamp` as `YYYY-MM-DD HH:MM:SS[.ffffff]` (no zone: read in UTC, or in the zone the
 * `timeZone` option names; the protocol says "the zone of the writer", which the log does not
 * record) or as ISO-8601 with `Z`/offset; `timestamp_ntz` the same, as a wall-clock time;
 * `binary` as the UTF-8 bytes of the string (the protocol shows `\u0001\u0002` escapes, which JSON
 * decodes to those characters; Spark and delta-kernel-rs read the string's UTF-8 bytes).
 */
import { InternalError } from "../errors/argument-errors.js";
import { type Data, makeData, makeVector, type Vector } from "apache-arrow";
import { InvalidPartitionValueError } from "../errors/expression-errors.js";
import { toArrowType } from "../schema/arrow-schema.js";
import { type ColumnMappingMode, physicalName } from "../schema/column-mapping.js";
import { decimalParts, type DataType, type PrimitiveTypeName, type StructType, typeToString } from "../schema/types.js";
import { formatTimestampMicros, isKnownTimeZone, parseTimestampText, timestampToMicros } from "./time.js";
import { formatDate, formatDecimal, isDecimalValue, parseDateText, parseDecimalText, rescaleDecimal, utf8, type Scalar } from "./values.js";

/** Options for reading partition values. */
export interface PartitionValueOptions {
  /** IANA zone for `timestamp` values written without a zone (default UTC). */
  timeZone?: string;
}

/** A partition column: logical name, the key the log uses, and its type. */
export interface PartitionColumn {
  name: string;
  physicalName: string;
  type: PrimitiveTypeName;
}

const INT_RANGES: Record<string, [number, number]> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  integer: [-2147483648, 2147483647],
};

/**
 * Reads one serialised partition value as its column's type (see the module header for the
 * encodings). Throws {@link InvalidPartitionValueError} naming the column when it does not parse.
 */
export function parsePartitionValue(
  raw: string | null | undefined,
  type: DataType,
  column: string,
  options: PartitionValueOptions = {},
): Scalar | null {
  if (raw === null || raw === undefined || raw === "") return null;
  const fail = (detail: string): never => {
    throw new InvalidPartitionValueError(column, typeToString(type), raw, detail);
  };
  if (typeof type !== "string") return fail("partition columns must have a primitive type");
  switch (type) {
    case "string":
      return raw;
    case "binary":
      return utf8(raw);
    case "boolean":
      if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === "true";
      return fail("expected true or false");
    case "byte":
    case "short":
    case "integer": {
      const n = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
      const [lo, hi] = INT_RANGES[type]!;
      return n >= lo && n <= hi ? n : fail(`expected an integer in ${lo}..${hi}`);
    }
    case "long": {
      const n = /^[+-]?\d+$/.test(raw) ? BigInt(raw) : undefined;
      return n !== undefined && BigInt.asIntN(64, n) === n ? n : fail("expected a 64-bit integer");
    }
    case "float":
    case "double":
      return parseFloating(raw, type === "float", fail);
    case "date":
      return parseDateText(raw) ?? fail("expected YYYY-MM-DD");
    case "timestamp":
    case "timestamp_ntz":
      return parseTimestamp(raw, type === "timestamp" ? options.timeZone : undefined, fail);
    case "variant":
      return fail("variant columns cannot be partition columns");
  }
  const decimal = decimalParts(type);
  const parsed = decimal && parseDecimalText(raw);
  if (!decimal || !parsed) return fail("expected decimal text");
  const { unscaled, exact } = rescaleDecimal(parsed, decimal.scale);
  if (!exact) fail(`more than ${decimal.scale} fractional digits`);
  return { unscaled, scale: decimal.scale };
}

function parseFloating(raw: string, isFloat: boolean, fail: (detail: string) => never): number {
  const text = raw.trim();
  let x: number;
  if (/^nan$/i.test(text)) x = NaN;
  else if (/^[+-]?inf(inity)?$/i.test(text)) x = text.startsWith("-") ? -Infinity : Infinity;
  else if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?$/.test(text)) x = Number(text.replace(/[dDfF]$/, ""));
  else return fail("expected a number");
  return isFloat ? Math.fround(x) : x;
}

function parseTimestamp(raw: string, timeZone: string | undefined, fail: (detail: string) => never): bigint {
  const parsed = parseTimestampText(raw);
  if (!parsed) return fail("expected YYYY-MM-DD HH:MM:SS[.ffffff] or ISO-8601");
  if (timeZone !== undefined && parsed.offsetMinutes === undefined && !isKnownTimeZone(timeZone)) fail(`unknown time zone ${timeZone}`);
  return timestampToMicros(parsed, timeZone);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Writes a typed partition value the way the log stores it (the inverse of
 * {@link parsePartitionValue}): null (and the empty string, which reads back as null) → null;
 * `timestamp` as ISO-8601 UTC with 6 fractional digits and `Z` (the protocol's recommended form);
 * `timestamp_ntz` as `YYYY-MM-DD HH:MM:SS.ffffff`; `binary` as its UTF-8 text (a TypeError when
 * the bytes are not UTF-8, since they would not read back).
 */
export function serializePartitionValue(value: Scalar | null, type: PrimitiveTypeName): string | null {
  if (value === null || value === "") return null;
  switch (type) {
    case "string":
    case "boolean":
    case "byte":
    case "short":
    case "integer":
    case "long":
    case "float":
    case "double":
      return String(value);
    case "binary": {
      const text = strictUtf8.decode(value as Uint8Array);
      return text === "" ? null : text; // an empty value reads back as null, as for strings
    }
    case "date":
      return formatDate(value as number);
    case "timestamp":
      return formatTimestampMicros(value as bigint);
    case "timestamp_ntz":
      return formatTimestampMicros(value as bigint, false).replace("T", " ");
  }
  const decimal = decimalParts(type);
  if (!decimal || !isDecimalValue(value)) throw new InternalError(`serializePartitionValue: cannot write ${String(value)} as ${type}`);
  return formatDecimal({ unscaled: rescaleDecimal(value, decimal.scale).unscaled, scale: decimal.scale });
}

/**
 * The partition columns of a table in `metaData.partitionColumns` order, with the physical name
 * the log keys their values by. Names are matched to the schema case-insensitively; a partition
 * column missing from the schema or not primitive throws {@link InvalidPartitionValueError}.
 */
export function partitionColumnsOf(
  schema: StructType,
  partitionColumns: readonly string[],
  mode: ColumnMappingMode = "none",
): PartitionColumn[] {
  return partitionColumns.map((name) => {
    const field = schema.fields.find((f) => f.name === name) ?? schema.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (!field || typeof field.type !== "string") {
      throw new InvalidPartitionValueError(
        name,
        field ? typeToString(field.type) : "missing",
        "",
        "partition column is not a primitive column of the schema",
      );
    }
    return { name: field.name, physicalName: physicalName(field, mode), type: field.type };
  });
}

/**
 * A file's partition values typed, keyed by logical column name (a missing key reads as null).
 * Throws {@link InvalidPartitionValueError} for a value that does not parse.
 */
export function partitionValuesToRow(
  partitionValues: Readonly<Record<string, string | null>>,
  columns: readonly PartitionColumn[],
  options: PartitionValueOptions = {},
): Record<string, Scalar | null> {
  const row: Record<string, Scalar | null> = {};
  for (const c of columns) row[c.name] = parsePartitionValue(partitionValues[c.physicalName], c.type, c.physicalName, options);
  return row;
}

/**
 * An Arrow vector of `length` rows all holding `value` (or all null), with the Arrow type
 * `toArrowType(type)` gives: how a scan materialises a partition column into its batches.
 * `value` must be of the type's Scalar form (see {@link Scalar}).
 */
export function partitionVector(value: Scalar | null, type: PrimitiveTypeName, length: number): Vector {
  return makeVector(partitionData(value, type, length));
}

/** makeData over props assembled per type (the overloads cannot be picked from a runtime type). */
function build(props: Record<string, unknown>): Data {
  return makeData(props as never) as Data;
}

function partitionData(value: Scalar | null, type: PrimitiveTypeName, length: number): Data {
  const arrowType = toArrowType(type) as never;
  const isNull = value === null;
  const nullBitmap = isNull ? new Uint8Array(((length + 63) & ~63) >> 3) : undefined;
  const nullCount = isNull ? length : 0;
  const base = { type: arrowType, length, nullCount, nullBitmap };
  switch (type) {
    case "string":
    case "binary": {
      const bytes = isNull ? new Uint8Array(0) : typeof value === "string" ? utf8(value) : (value as Uint8Array);
      const data = new Uint8Array(bytes.length * length);
      for (let i = 0; i < length; i++) data.set(bytes, i * bytes.length);
      const valueOffsets = Int32Array.from({ length: length + 1 }, (_, i) => i * bytes.length);
      return build({ ...base, data, valueOffsets });
    }
    case "boolean":
      return build({ ...base, data: new Uint8Array(((length + 63) & ~63) >> 3).fill(value === true ? 0xff : 0) });
    case "long":
    case "timestamp":
    case "timestamp_ntz":
      return build({ ...base, data: new BigInt64Array(length).fill(isNull ? 0n : BigInt(value as bigint)) });
    case "byte":
      return build({ ...base, data: new Int8Array(length).fill(isNull ? 0 : Number(value)) });
    case "short":
      return build({ ...base, data: new Int16Array(length).fill(isNull ? 0 : Number(value)) });
    case "integer":
    case "date":
      return build({ ...base, data: new Int32Array(length).fill(isNull ? 0 : Number(value)) });
    case "float":
      return build({ ...base, data: new Float32Array(length).fill(isNull ? 0 : Number(value)) });
    case "double":
      return build({ ...base, data: new Float64Array(length).fill(isNull ? 0 : Number(value)) });
  }
  const decimal = decimalParts(type);
  if (!decimal || (!isNull && !isDecimalValue(value)))
    throw new InternalError(`partitionVector: cannot build a ${type} column from ${String(value)}`);
  const words = new Uint32Array(4 * length);
  if (!isNull) {
    let rest = BigInt.asUintN(128, rescaleDecimal(value as never, decimal.scale).unscaled);
    const pattern = new Uint32Array(4);
    for (let k = 0; k < 4; k++, rest >>= 32n) pattern[k] = Number(rest & 0xffffffffn);
    for (let i = 0; i < length; i++) words.set(pattern, i * 4);
  }
  return build({ ...base, data: words });
}
