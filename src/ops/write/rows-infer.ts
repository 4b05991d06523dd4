/**
 * Inferring an Arrow schema from plain-object rows. Rules, per column (a key of any row; columns
 * in order of first appearance), looking at every row:
 *
 * | JS values                                   | column type                                     |
 * |---------------------------------------------|-------------------------------------------------|
 * | numbers that are all integers within ±2^63, and/or bigints | `long` (Int64)                    |
 * | numbers with a fraction, NaN or ±Infinity among them       | `double` (with bigints: an error) |
 * | strings                                     | `string`                                        |
 * | booleans                                    | `boolean`                                       |
 * | `Date`s                                     | `timestamp` (µs, UTC)                           |
 * | `Uint8Array`s (`Buffer` too)                | `binary`                                        |
 * | plain objects                               | `struct` of their keys, each inferred the same way |
 * | arrays                                      | `array` of the elements' common type            |
 * | `Map`s                                      | `map` of the keys' and values' common types     |
 * | `EncodedVariant`s (from `encodeVariant`)    | `variant`                                       |
 * | `null`, `undefined`, missing keys           | null in a nullable column typed by the other rows |
 *
 * Every inferred column is nullable. A column that is null in every row (or an array/map that is
 * always empty), or whose values mix kinds with no common type (a string and a number, an
 * object and an array, a fractional number and a bigint), is refused with a
 * {@link SchemaInferenceError} naming it. Pure.
 */
import { Binary, Bool, type DataType, Field, Float64, Int64, List, Map_, Schema, Struct, TimestampMicrosecond, Utf8 } from "apache-arrow";
import { EncodedVariant, variantField, variantStorageType } from "../../variant/index.js";
import { SchemaInferenceError } from "./errors.js";

/** What the values seen so far in one column say about its type. */
type Seen =
  | { kind: "null" }
  | { kind: "long"; bigint: boolean }
  | { kind: "double" }
  | { kind: "string" | "boolean" | "timestamp" | "binary" | "variant" }
  | { kind: "struct"; fields: Map<string, Seen> }
  | { kind: "list"; element: Seen }
  | { kind: "map"; key: Seen; value: Seen };

const NULL: Seen = { kind: "null" };
const INT64_LIMIT = 2 ** 63;

/** True for `{...}` objects (prototype Object or null), the values that become structs. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A short description of a JS value's kind for messages. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (v instanceof Date) return "Date";
  if (v instanceof Uint8Array) return "Uint8Array";
  if (v instanceof Map) return "Map";
  if (typeof v === "object") return isPlainObject(v) ? "object" : (v.constructor?.name ?? "object");
  return typeof v;
}

/** What one value says, on its own. */
function observe(v: unknown, path: string): Seen {
  if (v === null || v === undefined) return NULL;
  switch (typeof v) {
    case "number":
      return Number.isInteger(v) && Math.abs(v) < INT64_LIMIT ? { kind: "long", bigint: false } : { kind: "double" };
    case "bigint":
      return { kind: "long", bigint: true };
    case "string":
      return { kind: "string" };
    case "boolean":
      return { kind: "boolean" };
  }
  if (v instanceof Date) return { kind: "timestamp" };
  if (v instanceof EncodedVariant) return { kind: "variant" };
  if (v instanceof Uint8Array) return { kind: "binary" };
  if (Array.isArray(v))
    return { kind: "list", element: v.reduce<Seen>((seen, e) => merge(seen, observe(e, `${path}.element`), `${path}.element`), NULL) };
  if (v instanceof Map) {
    let key = NULL;
    let value = NULL;
    for (const [k, x] of v) {
      key = merge(key, observe(k, `${path}.key`), `${path}.key`);
      value = merge(value, observe(x, `${path}.value`), `${path}.value`);
    }
    return { kind: "map", key, value };
  }
  if (isPlainObject(v)) return { kind: "struct", fields: observeRow(v, path, new Map()) };
  throw new SchemaInferenceError(path, `values of kind ${describeValue(v)} are not supported`);
}

/** Merges the keys of `row` into `fields` (the struct seen so far). */
function observeRow(row: Record<string, unknown>, prefix: string, fields: Map<string, Seen>): Map<string, Seen> {
  for (const key of Object.keys(row)) {
    const path = prefix ? `${prefix}.${key}` : key;
    fields.set(key, merge(fields.get(key) ?? NULL, observe(row[key], path), path));
  }
  return fields;
}

/** The common type of two observations, or a {@link SchemaInferenceError} naming `path`. */
function merge(a: Seen, b: Seen, path: string): Seen {
  if (a.kind === "null") return b;
  if (b.kind === "null") return a;
  const conflict = () => new SchemaInferenceError(path, `values mix ${a.kind} and ${b.kind}`);
  if ((a.kind === "long" || a.kind === "double") && (b.kind === "long" || b.kind === "double")) {
    if (a.kind === "long" && b.kind === "long") return { kind: "long", bigint: a.bigint || b.bigint };
    if ((a.kind === "long" && a.bigint) || (b.kind === "long" && b.bigint))
      throw new SchemaInferenceError(path, "values mix bigints and fractional numbers");
    return { kind: "double" };
  }
  if (a.kind !== b.kind) throw conflict();
  switch (a.kind) {
    case "struct": {
      const fields = new Map(a.fields);
      for (const [k, v] of (b as typeof a).fields) fields.set(k, merge(fields.get(k) ?? NULL, v, `${path}.${k}`));
      return { kind: "struct", fields };
    }
    case "list":
      return { kind: "list", element: merge(a.element, (b as typeof a).element, `${path}.element`) };
    case "map":
      return {
        kind: "map",
        key: merge(a.key, (b as typeof a).key, `${path}.key`),
        value: merge(a.value, (b as typeof a).value, `${path}.value`),
      };
    default:
      return a;
  }
}

/**
 * Observes the rows' values for the columns not in `known` (matched as given or lower-cased),
 * merging into `fields`. Call once per chunk of rows; {@link inferredFields} turns the result
 * into Arrow fields.
 */
export function observeRows(
  rows: readonly unknown[],
  fields: Map<string, Seen>,
  known: ReadonlySet<string> = new Set(),
): Map<string, Seen> {
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!isPlainObject(row)) throw new SchemaInferenceError("", `row ${i} is a ${describeValue(row)}, not a plain object`);
    for (const key of Object.keys(row)) {
      if (known.has(key) || known.has(key.toLowerCase())) continue;
      fields.set(key, merge(fields.get(key) ?? NULL, observe(row[key], key), key));
    }
  }
  return fields;
}

/** Arrow fields (all nullable) for what {@link observeRows} saw; throws for columns without a type. */
export function inferredFields(fields: ReadonlyMap<string, Seen>, prefix = ""): Field[] {
  return [...fields].map(([name, seen]) => fieldOf(name, seen, prefix ? `${prefix}.${name}` : name));
}

/** A nullable field of the inferred type; variants carry their extension name. */
function fieldOf(name: string, seen: Seen, path: string): Field {
  return seen.kind === "variant" ? variantField(name, true) : new Field(name, arrowTypeOf(seen, path), true);
}

function arrowTypeOf(seen: Seen, path: string): DataType {
  switch (seen.kind) {
    case "null":
      throw new SchemaInferenceError(path, "it is null (or empty) in every row");
    case "long":
      return new Int64();
    case "double":
      return new Float64();
    case "string":
      return new Utf8();
    case "boolean":
      return new Bool();
    case "timestamp":
      return new TimestampMicrosecond("UTC");
    case "binary":
      return new Binary();
    case "variant":
      return variantStorageType();
    case "struct":
      return new Struct(inferredFields(seen.fields, path));
    case "list":
      return new List(fieldOf("element", seen.element, `${path}.element`));
    case "map": {
      const entries = new Struct([
        new Field("key", arrowTypeOf(seen.key, `${path}.key`), false),
        fieldOf("value", seen.value, `${path}.value`),
      ]);
      return new Map_(new Field("key_value", entries, false), false);
    }
  }
}

/** Infers a schema from rows (see the module header). */
export function inferSchema(rows: readonly unknown[]): Schema {
  return new Schema(inferredFields(observeRows(rows, new Map())));
}

export type { Seen as ObservedType };
