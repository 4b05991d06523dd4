/**
 * The scan layer: turning a snapshot plus a request (columns, filter, limit) into Arrow record
 * batches with exactly the matching rows, reading data files through the Parquet engine seam.
 */
import { Data, type DataType, type RecordBatch, type Schema } from "apache-arrow";
import type { ParquetEngine } from "../engine/engine.js";
import { batchOf } from "../engine/parquet-arrow-data.js";
import { normalizeBatch } from "../engine/parquet-cast.js";
import { canonicalizePath, isAbsoluteKey } from "../log/file-paths.js";
import type { Snapshot } from "../log/snapshot.js";
import type { ObjectStore } from "../storage/store.js";
import { prefetchInOrder } from "../util/concurrency.js";
import { filterBatch } from "./arrow-filter.js";
import { loadDeletionVector } from "./deletion-vector.js";
import { evaluate } from "./evaluate.js";
import { parsePartitionValue, partitionVector } from "./partition-values.js";
import { planScan, type ScanPlan, type ScanRequest } from "./scan-plan.js";

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
  signal?: AbortSignal;
}

/** Progress of a running scan. */
export interface ScanProgress {
  filesRead: number;
  filesTotal: number;
  rowsReturned: number;
}

/** Where data files live: the table's store, and a way to reach files outside the table root. */
export interface ScanEnvironment {
  store: ObjectStore;
  engine: ParquetEngine;
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
  const plan = planScan(snapshot, options);
  const limit = options.limit ?? Infinity;
  if (limit <= 0) return;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let returned = 0;
  let filesRead = 0;
  const perFile = prefetchInOrder(plan.files, options.concurrency ?? 2, (position) =>
    readFile(snapshot, env, plan, position, options.batchSize, signal),
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

/** Reads one data file into output batches: project, cast, add partition columns, apply the DV and the filter. */
async function readFile(
  snapshot: Snapshot,
  env: ScanEnvironment,
  plan: ScanPlan,
  position: number,
  batchSize: number | undefined,
  signal: AbortSignal,
): Promise<RecordBatch[]> {
  const files = snapshot.files;
  const { store, key } = await locate(snapshot, env, files.path(position));
  const dv = files.deletionVector(position);
  const deleted = dv ? await loadDeletionVector(env.store, dv, { signal }) : undefined;
  const partitionValues = files.partitionValues(position);
  const physicalNames = plan.physicalSchema.fields.map((f) => f.name);
  const out: RecordBatch[] = [];
  let rowOffset = 0;
  const source = env.engine.readParquet(store, key, { columns: physicalNames, size: files.size(position), batchSize, signal });
  for await (const raw of source) {
    const rows = raw.numRows;
    let batch = assemble(plan, normalizeBatch(raw, plan.physicalSchema), partitionValues, rows);
    if (deleted) batch = filterBatch(batch, deleted.keepMask(rowOffset, rows));
    if (plan.filter && batch.numRows > 0) batch = filterBatch(batch, evaluate(plan.filter, batch));
    rowOffset += rows;
    if (batch.numRows > 0) out.push(project(batch, plan.outputSchema));
  }
  return out;
}

/** The store and key of a data file named by an `add.path`. */
async function locate(snapshot: Snapshot, env: ScanEnvironment, path: string): Promise<{ store: ObjectStore; key: string }> {
  const key = canonicalizePath(path, snapshot.tableUrl.replace(/\/+$/, ""));
  if (!isAbsoluteKey(key)) return { store: env.store, key };
  if (!env.resolveExternal) throw new RangeError(`data file ${path} lies outside the table root ${snapshot.tableUrl}`);
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
