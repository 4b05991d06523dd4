/**
 * The scan layer: turning a snapshot plus a request (columns, filter, limit) into Arrow record
 * batches with exactly the matching rows, reading data files through the Parquet engine seam.
 */
import { type Data, type RecordBatch, Schema } from "apache-arrow";
import { batchOf } from "../arrow/data.js";
import { physicalBatch } from "./variant-columns.js";
import type { Snapshot } from "../log/snapshot.js";
import { prefetchInOrder } from "../util/concurrency.js";
import { filterBatch } from "../arrow/filter.js";
import { loadDeletionVector } from "../dv/deletion-vector.js";
import { evaluate } from "../expr/evaluate.js";
import { optionalSafeInteger, requireSafeInteger } from "../util/validate.js";
import { assemble, locateFile, type ScanEnvironment } from "./file-rows.js";
import { planScan, type ScanPlan, type ScanRequest } from "./scan-plan.js";
import {
  materializedColumns,
  ROW_METADATA_FIELD,
  rowTrackingFields,
  type RowTrackingColumns,
  withoutColumns,
  withRowMetadata,
  withRowTrackingColumns,
} from "./row-tracking-columns.js";

export type { ScanEnvironment } from "./file-rows.js";

/** Options of a scan. */
export interface ScanOptions extends ScanRequest {
  /** Stop after this many rows. */
  limit?: number;
  /** Target rows per batch read from a file (default 65,536). */
  batchSize?: number;
  /** Data files read ahead of the one being returned (default 2): bounds memory to that many files' batches. */
  concurrency?: number;
  /** Called after each data file with counts so far. */
  onProgress?: (progress: ScanProgress) => void;
  /**
   * Append a `_metadata` struct column with each row's `row_id` and `row_commit_version` (tables
   * with `delta.enableRowTracking = true` only; see row-tracking-columns.ts).
   */
  rowTracking?: boolean;
  signal?: AbortSignal;
}

/** Options of a scan that feeds a rewrite (not part of the public scan options). */
export interface RewriteScanOptions extends ScanOptions {
  /**
   * Append each row's stable row ID and commit version as two long columns with these names (the
   * table's materialized column names), for a rewrite to write them into its new files
   * (row-tracking-columns.ts). Not combined with `rowTracking`.
   */
  rowTrackingColumns?: RowTrackingColumns;
}

/** Progress of a running scan. */
export interface ScanProgress {
  filesRead: number;
  filesTotal: number;
  rowsReturned: number;
}

/**
 * Streams the rows of `snapshot` that satisfy the request as record batches with the output
 * schema. I/O: per selected data file, a footer read and ranged reads of the needed column
 * chunks, plus one ranged read per deletion vector; files are pruned by partition values and
 * statistics first, so unrelated files are never opened.
 */
export async function* scanSnapshot(
  snapshot: Snapshot,
  env: ScanEnvironment,
  options: RewriteScanOptions = {},
): AsyncGenerator<RecordBatch> {
  const limit = options.limit === undefined ? Infinity : requireSafeInteger(options.limit, "scan limit");
  optionalSafeInteger(options.batchSize, "scan batchSize", 1);
  optionalSafeInteger(options.concurrency, "scan concurrency", 1);
  const plan = planScan(snapshot, options);
  const rowTracking = options.rowTracking ? materializedColumns(snapshot) : undefined;
  const carried = options.rowTrackingColumns;
  if (limit <= 0) return;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let returned = 0;
  let filesRead = 0;
  const perFile = prefetchInOrder(plan.files, options.concurrency ?? 2, (position) =>
    readFile({ snapshot, env, plan, position, batchSize: options.batchSize, signal, rowTracking, carried }),
  );
  try {
    for await (const batches of perFile) {
      filesRead++;
      for (const batch of batches) {
        const take = Math.min(batch.numRows, limit - returned);
        returned += take;
        yield take === batch.numRows ? batch : batch.slice(0, take);
        if (returned >= limit) return;
      }
      options.onProgress?.({ filesRead, filesTotal: plan.files.length, rowsReturned: returned });
    }
  } finally {
    stop.abort(); // files read ahead stop when the consumer does
  }
}

/** One data file of a scan to read: the file at `position` of the snapshot's file index. */
interface FileRead {
  snapshot: Snapshot;
  env: ScanEnvironment;
  plan: ScanPlan;
  position: number;
  batchSize: number | undefined;
  signal: AbortSignal;
  /** Set when the scan returns row IDs: the materialized column names. */
  rowTracking?: { rowId?: string; commitVersion?: string };
  /** Set when the scan feeds a rewrite: append the carried row tracking columns under these names. */
  carried?: RowTrackingColumns;
}

/** Reads one data file into output batches: project, cast, add partition columns, apply the DV and the filter. */
async function readFile(request: FileRead): Promise<RecordBatch[]> {
  const { snapshot, env, plan, position, batchSize, signal } = request;
  const files = snapshot.files;
  const { store, key } = await locateFile(snapshot.tableUrl, env, files.path(position));
  const dv = files.deletionVector(position);
  const deleted = dv ? await loadDeletionVector(env.engine.store, dv, { signal }) : undefined;
  const partitionValues = files.partitionValues(position);
  const physicalNames = plan.physicalSchema.fields.map((f) => f.name);
  const out: RecordBatch[] = [];
  let rowOffset = 0;
  const add = request.rowTracking || request.carried ? files.addFile(position) : undefined;
  const names = request.carried ?? request.rowTracking;
  // materialized columns a file lacks are skipped by the reader: no footer look-up needed
  const materialized = [names?.rowId, names?.commitVersion].filter((n): n is string => n !== undefined);
  const columns = [...physicalNames, ...materialized];
  const outputSchema = request.carried
    ? new Schema([...plan.outputSchema.fields, ...rowTrackingFields(request.carried)])
    : request.rowTracking
      ? new Schema([...plan.outputSchema.fields, ROW_METADATA_FIELD])
      : plan.outputSchema;
  const source = env.engine.parquet.read(store, key, { columns, size: files.size(position), batchSize, signal });
  for await (const read of source) {
    const rows = read.numRows;
    const raw = withoutColumns(read, materialized);
    let batch = assemble(plan, physicalBatch(raw, plan.physicalSchema, key), partitionValues, rows);
    if (request.carried) batch = withRowTrackingColumns(batch, add!, rowOffset, read, request.carried);
    else if (request.rowTracking) batch = withRowMetadata(batch, add!, rowOffset, read, request.rowTracking);
    if (deleted) batch = filterBatch(batch, deleted.keepMask(rowOffset, rows));
    if (plan.filter && batch.numRows > 0) batch = filterBatch(batch, evaluate(plan.filter, batch));
    rowOffset += rows;
    if (batch.numRows > 0) out.push(project(batch, outputSchema));
  }
  return out;
}

/** Drops filter-only columns. */
function project(batch: RecordBatch, output: Schema): RecordBatch {
  if (batch.schema.fields.length === output.fields.length) return batch;
  const children = output.fields.map((f) => batch.getChild(f.name)!.data[0] as Data);
  return batchOf(output, children, batch.numRows);
}
