/**
 * Reading the values of the columns a constraint names, for the rows that break it: the evidence
 * a {@link ConstraintViolationError} carries. Only runs on the (few) violating rows.
 */
import { type Data, type RecordBatch, type Struct, Type } from "apache-arrow";
import { isValidAt } from "../../arrow/data.js";
import type { ConstraintViolation } from "../../errors/constraint-errors.js";
import type { BoundColumn } from "../../expr/bind.js";
import { formatColumnPath } from "../../expr/format.js";
import { readScalar } from "../../expr/read.js";
import { formatTimestampMicros } from "../../expr/time.js";
import { formatDate, formatDecimal, isDecimalValue, type Scalar } from "../../expr/values.js";

/** The given rows with the values of `columns` (null where the value or an enclosing struct is null). */
export function violationsAt(batch: RecordBatch, columns: readonly BoundColumn[], rows: readonly number[]): ConstraintViolation[] {
  const readers = columns.map((c) => ({ name: formatColumnPath(c.path), read: columnReader(batch, c) }));
  return rows.map((row) => {
    const values: Record<string, unknown> = {};
    for (const r of readers) values[r.name] = r.read(row);
    return { row, values };
  });
}

function pick(names: readonly string[], name: string): number {
  const exact = names.indexOf(name);
  if (exact >= 0) return exact;
  return names.findIndex((n) => n.toLowerCase() === name.toLowerCase());
}

function columnReader(batch: RecordBatch, column: BoundColumn): (row: number) => unknown {
  const chain: Data[] = [];
  let names = batch.schema.fields.map((f) => f.name);
  let children: readonly Data[] = batch.data.children;
  for (const step of column.path) {
    const index = pick(names, step);
    const data = children[index];
    if (!data) return () => undefined;
    chain.push(data);
    if (data.typeId !== Type.Struct) break;
    names = (data.type as Struct).children.map((f) => f.name);
    children = data.children;
  }
  const leaf = chain[chain.length - 1];
  if (!leaf) return () => undefined;
  return (row) => (chain.every((d) => isValidAt(d, row)) ? display(readScalar(leaf, row), column.type) : null);
}

/** A scalar as a message-friendly JS value: dates and timestamps as text, decimals exact. */
function display(value: Scalar | null, type: BoundColumn["type"]): unknown {
  if (value === null) return null;
  if (isDecimalValue(value)) return formatDecimal(value);
  if (type === "date" && typeof value === "number") return formatDate(value);
  if ((type === "timestamp" || type === "timestamp_ntz") && typeof value === "bigint")
    return formatTimestampMicros(value, type === "timestamp");
  return value;
}
