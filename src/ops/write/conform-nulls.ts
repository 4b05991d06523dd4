/**
 * NOT NULL enforcement on a conformed batch, following Delta's rules (Spark `Invariants`):
 * a non-nullable top-level column may hold no null; a non-nullable struct field may be null only
 * where an enclosing struct is null; array elements with `containsNull = false`, map values with
 * `valueContainsNull = false` and map keys (always) may hold no null inside a non-null array or
 * map. Nulls found → {@link NullConstraintError} naming the path. Batches without nulls cost one
 * null-count read per non-nullable column.
 */
import type { Data } from "apache-arrow";
import { isValidAt } from "../../arrow/data.js";
import { NullConstraintError } from "../../errors/constraint-errors.js";
import { formatFieldPath } from "../../schema/field-path.js";
import type { DataType, StructType } from "../../schema/types.js";

/** Maps a position in a column's data to the batch row holding it (for messages). */
type RowOf = (index: number) => number;

/**
 * Throws {@link NullConstraintError} for the first column (depth first, in schema order) holding
 * a null where `schema` forbids one. `columns[i]` is the data of `schema.fields[i]`, already
 * conformed (same nesting as the schema).
 */
export function checkNulls(columns: readonly Data[], schema: StructType): void {
  const all: Relevant = () => undefined;
  schema.fields.forEach((field, i) => {
    checkValue(columns[i] as Data, { type: field.type, nullable: field.nullable, path: [field.name] }, all, (j) => j);
  });
}

/**
 * The positions whose enclosing values are all non-null (undefined = all); only there do nulls
 * count. Computed on first use: most batches never need it.
 */
type Relevant = () => Uint8Array | undefined;

function lazy(compute: () => Uint8Array | undefined): Relevant {
  let done = false;
  let value: Uint8Array | undefined;
  return () => {
    if (!done) {
      value = compute();
      done = true;
    }
    return value;
  };
}

/** Where a value sits in the schema: its type, whether it may be null, its field path. */
interface Slot {
  type: DataType;
  nullable: boolean;
  path: string[];
}

function checkValue(data: Data, slot: Slot, relevant: Relevant, rowOf: RowOf): void {
  const { type, nullable, path } = slot;
  if (!nullable && data.nullCount > 0) findNulls(data, relevant(), path, rowOf);
  if (typeof type === "string" || !hasNonNullable(type)) return;
  switch (type.type) {
    case "struct": {
      const inner = data.nullCount > 0 ? lazy(() => narrow(relevant(), data)) : relevant;
      type.fields.forEach((field, i) =>
        checkValue(data.children[i] as Data, { type: field.type, nullable: field.nullable, path: [...path, field.name] }, inner, rowOf),
      );
      return;
    }
    case "array": {
      const child = data.children[0] as Data;
      const inner = lazy(() => expand(relevant(), data, child.length));
      checkValue(
        child,
        { type: type.elementType, nullable: type.containsNull, path: [...path, "element"] },
        inner,
        throughOffsets(data, rowOf),
      );
      return;
    }
    case "map": {
      const entries = data.children[0] as Data;
      const inner = lazy(() => expand(relevant(), data, entries.length));
      const rows = throughOffsets(data, rowOf);
      checkValue(entries.children[0] as Data, { type: type.keyType, nullable: false, path: [...path, "key"] }, inner, rows);
      checkValue(
        entries.children[1] as Data,
        { type: type.valueType, nullable: type.valueContainsNull, path: [...path, "value"] },
        inner,
        rows,
      );
      return;
    }
  }
}

/** Whether anything nested in `type` is non-nullable (map keys always are). */
function hasNonNullable(type: DataType): boolean {
  if (typeof type === "string") return false;
  switch (type.type) {
    case "struct":
      return type.fields.some((f) => !f.nullable || hasNonNullable(f.type));
    case "array":
      return !type.containsNull || hasNonNullable(type.elementType);
    case "map":
      return true;
  }
}

function findNulls(data: Data, relevant: Uint8Array | undefined, path: string[], rowOf: RowOf): void {
  let first = -1;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    if ((relevant === undefined || relevant[i] === 1) && !isValidAt(data, i)) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first >= 0) throw new NullConstraintError(formatFieldPath(path), rowOf(first), count);
}

/** `relevant` restricted to the positions where `data` is valid. */
function narrow(relevant: Uint8Array | undefined, data: Data): Uint8Array {
  const out = relevant ? relevant.slice() : new Uint8Array(data.length).fill(1);
  for (let i = 0; i < out.length; i++) if (out[i] === 1 && !isValidAt(data, i)) out[i] = 0;
  return out;
}

/** Child positions inside the valid, relevant slots of a list or map (undefined = every child position). */
function expand(relevant: Uint8Array | undefined, data: Data, childLength: number): Uint8Array | undefined {
  const offsets = data.valueOffsets as Int32Array;
  const n = data.length;
  if (relevant === undefined && data.nullCount === 0 && offsets[0] === 0 && offsets[n] === childLength) return undefined;
  const out = new Uint8Array(childLength);
  for (let i = 0; i < n; i++) {
    if ((relevant === undefined || relevant[i] === 1) && isValidAt(data, i)) out.fill(1, offsets[i]!, offsets[i + 1]!);
  }
  return out;
}

/** Row of a child position: the slot whose offset range holds it (binary search), then up. */
function throughOffsets(data: Data, rowOf: RowOf): RowOf {
  const offsets = data.valueOffsets as Int32Array;
  return (j) => {
    let lo = 0;
    let hi = data.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (offsets[mid]! <= j) lo = mid;
      else hi = mid - 1;
    }
    return rowOf(lo);
  };
}
