/**
 * Planning a scan: which columns to read from data files (by physical name), which come from
 * partition values, the output schema, the bound filter and the files that may match.
 */
import { Schema, type Field } from "apache-arrow";
import { UnknownColumnError } from "../errors/expression-errors.js";
import { toArrowField, toArrowSchema } from "../schema/arrow-schema.js";
import { physicalName, toPhysicalSchema, type ColumnMappingMode } from "../schema/column-mapping.js";
import { findField, type StructField, type StructType } from "../schema/types.js";
import type { Snapshot } from "../log/snapshot.js";
import { bind, type BoundExpression } from "../expr/bind.js";
import { parseExpression } from "../expr/parse.js";
import { referencedColumns, type Expression } from "../expr/expression.js";
import { partitionColumnsOf, type PartitionColumn, type PartitionValueOptions } from "../expr/partition-values.js";
import { FileSkipper } from "../expr/skipping.js";

/** What a user asks of a scan. */
export interface ScanRequest {
  /** Top-level columns to return, in this order (logical names); all when omitted. */
  columns?: string[];
  /** Rows must satisfy this predicate: an expression or SQL-like text (`"part = 'a' AND id > 5"`). */
  filter?: Expression | string;
  /** How zone-less timestamp partition values are read (default UTC). */
  partitionValues?: PartitionValueOptions;
  /** Only these positions of `snapshot.files` (for operations that rewrite chosen files). */
  files?: readonly number[];
}

/** One top-level column of the scan. */
export interface PlannedColumn {
  /** Logical field of the table schema. */
  field: StructField;
  /** Its name in data files (column mapping). */
  physicalName: string;
  /** Set for partition columns: where its value comes from. */
  partition?: PartitionColumn;
  /** Whether the user asked for it (false for columns read only to evaluate the filter). */
  output: boolean;
}

/** A planned scan. */
export interface ScanPlan {
  columns: PlannedColumn[];
  /** Arrow schema of every column read (output columns and filter-only columns), logical names. */
  readSchema: Schema;
  /** Arrow schema of the data-file columns to read, physical names, in `columns` order. */
  physicalSchema: Schema;
  /** Arrow schema of the batches returned (logical names). */
  outputSchema: Schema;
  filter?: BoundExpression;
  /** Positions in `snapshot.files` that may hold matching rows. */
  files: number[];
  /** Files skipped by partition values or statistics. */
  skippedFiles: number;
  mode: ColumnMappingMode;
  partitionValueOptions: PartitionValueOptions;
}

/** Resolves the request against the snapshot's schema and prunes files. Performs no I/O. */
export function planScan(snapshot: Snapshot, request: ScanRequest): ScanPlan {
  const schema = snapshot.schema;
  const mode = snapshot.columnMappingMode;
  const partitions = new Map(partitionColumnsOf(schema, snapshot.partitionColumns, mode).map((p) => [p.name, p]));
  const filterExpr = typeof request.filter === "string" ? parseExpression(request.filter) : request.filter;
  const filter = filterExpr ? bind(filterExpr, schema) : undefined;
  const wanted = (request.columns ?? schema.fields.map((f) => f.name)).map((name) => requireField(schema, name));
  const filterOnly = filterExpr
    ? referencedColumns(filterExpr)
        .map((path) => requireField(schema, path[0]!))
        .filter((f) => !wanted.includes(f))
    : [];
  const columns: PlannedColumn[] = [...wanted.map((f) => [f, true] as const), ...dedupe(filterOnly).map((f) => [f, false] as const)].map(
    ([field, output]) => ({ field, physicalName: physicalName(field, mode), partition: partitions.get(field.name), output }),
  );
  const physical = toPhysicalSchema({ type: "struct", fields: columns.map((c) => c.field) }, mode);
  const dataColumns = columns.filter((c) => !c.partition);
  const physicalFields = dataColumns.map((c) => toArrowField(physical.fields[columns.indexOf(c)]!));
  let files = request.files ? [...request.files] : Array.from({ length: snapshot.files.length }, (_, i) => i);
  if (filter) {
    const skipper = new FileSkipper(filter, {
      schema,
      partitionColumns: snapshot.partitionColumns,
      columnMappingMode: mode,
      partitionValueOptions: request.partitionValues,
    });
    files = files.filter((i) => !skipper.canSkip({ stats: snapshot.files.stats(i), partitionValues: snapshot.files.partitionValues(i) }));
  }
  return {
    columns,
    readSchema: toArrowSchema({ type: "struct", fields: columns.map((c) => c.field) }),
    physicalSchema: new Schema(physicalFields as Field[]),
    outputSchema: toArrowSchema({ type: "struct", fields: wanted }),
    filter,
    files,
    skippedFiles: snapshot.files.length - files.length,
    mode,
    partitionValueOptions: request.partitionValues ?? {},
  };
}

function requireField(schema: StructType, name: string): StructField {
  const field = findField(schema, name);
  if (!field)
    throw new UnknownColumnError(
      name,
      schema.fields.map((f) => f.name),
    );
  return field;
}

function dedupe<T>(items: T[]): T[] {
  return [...new Set(items)];
}
