/**
 * Reading one data file described by a file action (`add`, `remove` or `cdc`), with the physical
 * row position of every row returned: what row-level operations need to write deletion vectors
 * ("rows i.. of this file") and what the change data feed needs to read files that are no longer
 * in the snapshot (removed files, files of other versions). Also the pieces every data-file read
 * shares with the scan (`locateFile`, `assemble`).
 */
import { Data, type DataType, type RecordBatch, Schema } from "apache-arrow";
import { batchOf } from "../arrow/data.js";
import { physicalBatch } from "./variant-columns.js";
import { filterBatch } from "../arrow/filter.js";
import { type DeletedRows, loadDeletionVector } from "../dv/deletion-vector.js";
import { ExternalPathRefusedError } from "../errors/argument-errors.js";
import { parsePartitionValue, partitionVector } from "../expr/partition-values.js";
import type { Engine } from "../engine/index.js";
import type { DeletionVectorDescriptor } from "../log/actions.js";
import { canonicalizePath, isAbsoluteKey } from "../log/file-paths.js";
import type { ObjectStore } from "../storage/store.js";
import { checkRelativeKey } from "./path-policy.js";
import { type RowTrackingColumns, withoutColumns, withRowTrackingColumns } from "./row-tracking-columns.js";
import type { ScanPlan } from "./scan-plan.js";

/** Where data files live: the engine (its store is the table's), and a way to reach files outside the table root. */
export interface ScanEnvironment {
  engine: Engine;
  /** Opens the store holding an absolute file URL outside the table (shallow clones); refuse when absent. */
  resolveExternal?: (absoluteUrl: string) => Promise<{ store: ObjectStore; key: string }>;
}

/** The parts of a file action a read needs. */
export interface DataFileRef {
  path: string;
  size?: number;
  partitionValues: Record<string, string | null>;
  deletionVector?: DeletionVectorDescriptor | null;
  /** Row tracking: the first row's default row ID and the rows' default commit version (needed for `rowTracking`). */
  baseRowId?: number | null;
  defaultRowCommitVersion?: number | null;
}

/** One batch of a file: rows in the plan's read schema, and each row's 0-based position in the file. */
export interface FileRows {
  batch: RecordBatch;
  rowIndexes: Float64Array;
}

/** Options of {@link readFileRows}. */
export interface ReadFileRowsOptions {
  /** Rows to drop instead of the file's own deletion vector (`DeletedRows.EMPTY` keeps every row). */
  deleted?: DeletedRows;
  /** Extra physical columns to read beside the plan's (e.g. `_change_type` of a cdc file); appended to the batch. */
  extraColumns?: Schema;
  /**
   * Append each row's stable row ID and commit version as two long columns with these names (the
   * table's materialized column names; values from the file's materialized columns where non-null,
   * else from `baseRowId`/`defaultRowCommitVersion`), after any extra columns: what a rewrite
   * carries into its new files (row-tracking-columns.ts).
   */
  rowTracking?: RowTrackingColumns;
  batchSize?: number;
  signal?: AbortSignal;
}

/**
 * Streams the rows of one data file in `plan.readSchema` (logical names, partition columns filled
 * from `file.partitionValues`) with their row positions, dropping the rows of the file's deletion
 * vector (or of `options.deleted`), with the carried row tracking columns last when
 * `options.rowTracking` is set. The plan's filter is NOT applied. I/O: one ranged read of the
 * DV when the file has one, then the needed column chunks of the file, batch by batch.
 */
export async function* readFileRows(
  tableUrl: string,
  env: ScanEnvironment,
  plan: ScanPlan,
  file: DataFileRef,
  options: ReadFileRowsOptions = {},
): AsyncGenerator<FileRows> {
  const { store, key } = await locateFile(tableUrl, env, file.path);
  const deleted =
    options.deleted ??
    (file.deletionVector ? await loadDeletionVector(env.engine.store, file.deletionVector, { signal: options.signal }) : undefined);
  const extra = options.extraColumns;
  const physicalNames = [...plan.physicalSchema.fields.map((f) => f.name), ...(extra?.fields.map((f) => f.name) ?? [])];
  const physicalSchema = extra ? withExtra(plan.physicalSchema, extra) : plan.physicalSchema;
  const tracking = options.rowTracking;
  // materialized columns a file lacks are skipped by the reader
  const materialized = tracking ? [tracking.rowId, tracking.commitVersion] : [];
  let rowOffset = 0;
  const source = env.engine.parquet.read(store, key, {
    columns: [...physicalNames, ...materialized],
    size: file.size,
    batchSize: options.batchSize,
    signal: options.signal,
  });
  for await (const read of source) {
    const rows = read.numRows;
    const normalized = physicalBatch(withoutColumns(read, materialized), physicalSchema, key);
    let batch = assemble(plan, normalized, file.partitionValues, rows, extra);
    if (tracking) batch = withRowTrackingColumns(batch, file, rowOffset, read, tracking);
    let rowIndexes = Float64Array.from({ length: rows }, (_, i) => rowOffset + i);
    if (deleted && deleted.cardinality > 0) {
      const keep = deleted.keepMask(rowOffset, rows);
      batch = filterBatch(batch, keep);
      rowIndexes = rowIndexes.filter((_, i) => keep[i] === 1);
    }
    rowOffset += rows;
    if (batch.numRows > 0) yield { batch, rowIndexes };
  }
}

/** The store and key of a data file named by a file action's path. */
export async function locateFile(tableUrl: string, env: ScanEnvironment, path: string): Promise<{ store: ObjectStore; key: string }> {
  const key = canonicalizePath(path, tableUrl.replace(/\/+$/, ""));
  if (!isAbsoluteKey(key)) return { store: env.engine.store, key: checkRelativeKey(key, path, tableUrl) };
  if (!env.resolveExternal) throw new ExternalPathRefusedError(path, tableUrl, "the file lies outside the table root");
  return env.resolveExternal(key);
}

function withExtra(base: Schema, extra: Schema): Schema {
  return new Schema([...base.fields, ...extra.fields]);
}

/**
 * Builds the read-schema batch of `rows` rows read from one file: data columns (`physical`, in
 * `plan.physicalSchema` order, then any `extra` columns) renamed to logical names, partition
 * columns materialised from `partitionValues`, extra columns last.
 */
export function assemble(
  plan: ScanPlan,
  physical: RecordBatch,
  partitionValues: Record<string, string | null>,
  rows: number,
  extra?: Schema,
): RecordBatch {
  let dataIndex = 0;
  const children = plan.columns.map((column, i) => {
    const logicalType = plan.readSchema.fields[i]!.type as DataType;
    if (column.partition) {
      const p = column.partition;
      const value = parsePartitionValue(partitionValues[p.physicalName], p.type, p.physicalName, plan.partitionValueOptions);
      return partitionVector(value, p.type, rows).data[0] as Data;
    }
    const data = physical.data.children[dataIndex++] as Data;
    return plan.mode === "none" ? data : renameData(data, logicalType);
  });
  if (!extra) return batchOf(plan.readSchema, children, rows);
  const extraChildren = extra.fields.map((_, i) => physical.data.children[dataIndex + i] as Data);
  return batchOf(withExtra(plan.readSchema, extra), [...children, ...extraChildren], rows);
}

/** Gives physically-named nested data its logical type (same layout, other field names). */
function renameData(data: Data, logical: DataType): Data {
  if (data.children.length === 0) return data;
  const children = data.children.map((child, i) => renameData(child as Data, logical.children[i]!.type as DataType));
  return new Data(logical, data.offset, data.length, data.nullCount, data.buffers as never, children, data.dictionary);
}
