/**
 * The scan layer: turning a snapshot plus a request (columns, filter, limit) into Arrow record
 * batches with exactly the matching rows, reading data files through the Parquet engine seam.
 */
import { Data, type DataType, type RecordBatch, Schema } from "apache-arrow";
import type { Engine } from "../engine/index.js";
import { batchOf } from "../arrow/data.js";
import { normalizeBatch } from "../arrow/cast.js";
import { canonicalizePath, isAbsoluteKey } from "../log/file-paths.js";
import type { Snapshot } from "../log/snapshot.js";
import type { ObjectStore } from "../storage/store.js";
import { prefetchInOrder } from "../util/concurrency.js";
import { filterBatch } from "../arrow/filter.js";
import { loadDeletionVector } from "../dv/deletion-vector.js";
import { evaluate } from "../expr/evaluate.js";
import { parsePartitionValue, partitionVector } from "../expr/partition-values.js";
import { ExternalPathRefusedError } from "../errors/argument-errors.js";
import { optionalSafeInteger, requireSafeInteger } from "../util/validate.js";
import { checkRelativeKey } from "./path-policy.js";
import { planScan, type ScanPlan, type ScanRequest } from "./scan-plan.js";
import { materializedColumns, rowTrackingRead, withoutColumns, withRowMetadata, ROW_METADATA_FIELD } from "./row-tracking-columns.js";

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

/** Progress of a running scan. */
export interface ScanProgress {
  filesRead: number;
  filesTotal: number;
  rowsReturned: number;
}

/** Where data files live: the engine (its store is the table's), and a way to reach files outside the table root. */
export interface ScanEnvironment {
  engine: Engine;
  /** Opens the store holding an absolute file URL outside the table (shallow clones); refuse when absent. */
  resolveExternal?: (absoluteUrl: string) => Promise<{ store: ObjectStore; key: string }>;
}

/**
 * Streams the rows of `snapshot` that satisfy the request as record batches with the output
 * schema. I/O: per selected data file, a footer read and ranged reads of the needed column
 * chunks, plus one ranged read per deletion vector; files are pruned by partition values and
 * statistics first, so unrelated files are never opened.
 */
export async function* scanSnapshot(snapshot: Snapshot, env: ScanEnvironment, options: ScanOptions = {}): AsyncGenerator<RecordBatch> {
  const limit = options.limit === undefined ? Infinity : requireSafeInteger(options.limit, "scan limit");
  optionalSafeInteger(options.batchSize, "scan batchSize", 1);
  optionalSafeInteger(options.concurrency, "scan concurrency", 1);
  const plan = planScan(snapshot, options);
  const rowTracking = options.rowTracking ? materializedColumns(snapshot) : undefined;
  if (limit <= 0) return;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let returned = 0;
  let filesRead = 0;
  const perFile = prefetchInOrder(plan.files, options.concurrency ?? 2, (position) =>
    readFile({ snapshot, env, plan, position, batchSize: options.batchSize, signal, rowTracking }),
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
}

/** Reads one data file into output batches: project, cast, add partition columns, apply the DV and the filter. */
async function readFile(request: FileRead): Promise<RecordBatch[]> {
  const { snapshot, env, plan, position, batchSize, signal } = request;
  const files = snapshot.files;
  const { store, key } = await locate(snapshot, env, files.path(position));
  const dv = files.deletionVector(position);
  const deleted = dv ? await loadDeletionVector(env.engine.store, dv, { signal }) : undefined;
  const partitionValues = files.partitionValues(position);
  const physicalNames = plan.physicalSchema.fields.map((f) => f.name);
  const out: RecordBatch[] = [];
  let rowOffset = 0;
  const tracking = request.rowTracking && (await rowTrackingRead(env, store, key, files.size(position), request.rowTracking, signal));
  const columns = tracking ? [...physicalNames, ...tracking.extra] : physicalNames;
  const outputSchema = tracking ? new Schema([...plan.outputSchema.fields, ROW_METADATA_FIELD]) : plan.outputSchema;
  const source = env.engine.parquet.read(store, key, { columns, size: files.size(position), batchSize, signal });
  for await (const read of source) {
    const rows = read.numRows;
    const raw = tracking && tracking.extra.length > 0 ? withoutColumns(read, tracking.extra) : read;
    let batch = assemble(plan, normalizeBatch(raw, plan.physicalSchema), partitionValues, rows);
    if (tracking) batch = withRowMetadata(batch, files.addFile(position), rowOffset, read, request.rowTracking!);
    if (deleted) batch = filterBatch(batch, deleted.keepMask(rowOffset, rows));
    if (plan.filter && batch.numRows > 0) batch = filterBatch(batch, evaluate(plan.filter, batch));
    rowOffset += rows;
    if (batch.numRows > 0) out.push(project(batch, outputSchema));
  }
  return out;
}

/** The store and key of a data file named by an `add.path`. */
async function locate(snapshot: Snapshot, env: ScanEnvironment, path: string): Promise<{ store: ObjectStore; key: string }> {
  const key = canonicalizePath(path, snapshot.tableUrl.replace(/\/+$/, ""));
  if (!isAbsoluteKey(key)) return { store: env.engine.store, key: checkRelativeKey(key, path, snapshot.tableUrl) };
  if (!env.resolveExternal) throw new ExternalPathRefusedError(path, snapshot.tableUrl, "the file lies outside the table root");
  return env.resolveExternal(key);
}

/** Builds the read-schema batch: data columns renamed to logical names, partition columns materialised. */
function assemble(plan: ScanPlan, physical: RecordBatch, partitionValues: Record<string, string | null>, rows: number): RecordBatch {
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
  return batchOf(plan.readSchema, children, rows);
}

/** Gives physically-named nested data its logical type (same layout, other field names). */
function renameData(data: Data, logical: DataType): Data {
  if (data.children.length === 0) return data;
  const children = data.children.map((child, i) => renameData(child as Data, logical.children[i]!.type as DataType));
  return new Data(logical, data.offset, data.length, data.nullCount, data.buffers as never, children, data.dictionary);
}

/** Drops filter-only columns. */
function project(batch: RecordBatch, output: Schema): RecordBatch {
  if (batch.schema.fields.length === output.fields.length) return batch;
  const children = output.fields.map((f) => batch.getChild(f.name)!.data[0] as Data);
  return batchOf(output, children, batch.numRows);
}
