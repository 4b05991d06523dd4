/**
 * Finding a bound column's data in an Arrow record batch by its logical path (exact name first,
 * then case-insensitively), with the structs that enclose it (a null struct makes its fields null).
 */
import { type Data, type RecordBatch, type Struct, Type } from "apache-arrow";
import { UnknownColumnError } from "../errors/expression-errors.js";
import type { BoundColumn } from "./bound.js";
import { formatColumnPath } from "./format.js";

/** A column's data in the batch and the structs enclosing it (whose nulls make it null). */
export interface FoundColumn {
  leaf: Data;
  ancestors: Data[];
}

function pickChild(names: string[], name: string): number {
  const exact = names.indexOf(name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  return names.findIndex((n) => n.toLowerCase() === lower);
}

/** The data of `column` in `batch`. Throws {@link UnknownColumnError} when the batch lacks it. */
export function findColumn(batch: RecordBatch, column: BoundColumn): FoundColumn {
  const path = column.path;
  const missing = (names: string[]) => new UnknownColumnError(formatColumnPath(path), names);
  const topNames = batch.schema.fields.map((f) => f.name);
  const top = pickChild(topNames, path[0]!);
  if (top < 0) throw missing(topNames);
  let data: Data = batch.data.children[top]!;
  const ancestors: Data[] = [];
  for (let k = 1; k < path.length; k++) {
    if (data.type.typeId !== Type.Struct) throw missing([]);
    const names = (data.type as Struct).children.map((f) => f.name);
    const idx = pickChild(names, path[k]!);
    if (idx < 0) throw missing(names);
    ancestors.push(data);
    data = data.children[idx]!;
  }
  return { leaf: data, ancestors };
}
