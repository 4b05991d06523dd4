/**
 * Rewriting one optimize bin: its files' rows read through the scan (deletion vectors applied,
 * partition columns taken from the log's partition values) and written again through the write
 * pipeline's data-file writer (statistics as on write, physical column names kept), as files with
 * `dataChange: false`. With row tracking enabled the rows are read and written with their row IDs
 * and commit versions (the materialized columns). No log I/O: the caller commits the returned
 * `add` actions.
 *
 * - Bin-packing streams: scan batches go straight to the writer, so a bin holds at most the
 *   scan's read-ahead (a few input files, each below the target size) plus the writer's open row
 *   group (capped at the target size) in memory, whatever the table's size.
 * - Z-ordering needs a bin's rows together to sort them: it holds one partition's rows (refused
 *   with {@link ZOrderMemoryLimitError} above `zOrderMemoryLimit` Arrow bytes), concatenated
 *   (briefly twice: the batches read and their copy), plus one output slice of
 *   `ZORDER_SLICE_ROWS` rows at a time.
 */
import type { RecordBatch } from "apache-arrow";
import { takeBatch } from "../../arrow/filter.js";
import type { Engine } from "../../engine/index.js";
import { ZOrderMemoryLimitError } from "../../errors/optimize-errors.js";
import type { AddFile } from "../../log/actions.js";
import type { Snapshot } from "../../log/snapshot.js";
import { hasFeature } from "../../log/table-features.js";
import { scanSnapshot, type ScanEnvironment } from "../../scan/scan.js";
import { preservedRowTracking } from "../../txn/row-tracking.js";
import { arrowSize } from "../write/file-sink.js";
import { writeDataFiles, type DataFileOptions } from "../write/files.js";
import { gatherGroups } from "../write/scatter.js";
import type { OptimizeBin } from "./optimize-plan.js";
import { zOrderPermutation } from "./zorder.js";

/** Rows per slice handed to the writer after a z-order sort. */
const ZORDER_SLICE_ROWS = 65_536;
/** The writer's row groups hold at most this many Arrow bytes (and never more than the target size). */
const MAX_ROW_GROUP_BYTES = 128 * 1024 * 1024;

/** What every bin rewrite shares. */
export interface RewriteContext {
  engine: Engine;
  snapshot: Snapshot;
  /** Opens the store of a data file outside the table root (shallow clones). */
  resolveExternal?: ScanEnvironment["resolveExternal"];
  targetSize: number;
  /** Z-order columns (logical names); bin-packing when empty. */
  zOrderBy: readonly string[];
  /** Most Arrow bytes of one partition's rows a z-order may hold. */
  zOrderMemoryLimit: number;
  signal?: AbortSignal;
  /** Called with every record batch read. */
  onBatch?: () => void;
}

/** The files one bin became. */
export interface RewrittenBin {
  adds: AddFile[];
  rows: number;
}

/**
 * Rewrites `bin`. I/O: ranged reads of the bin's files (and deletion vectors), streamed uploads of
 * the new files. On failure or abort the new files of this bin are deleted (best effort) before
 * the error is rethrown.
 */
export async function rewriteBin(context: RewriteContext, bin: OptimizeBin): Promise<RewrittenBin> {
  const { snapshot, signal } = context;
  const env: ScanEnvironment = { engine: context.engine, resolveExternal: context.resolveExternal };
  // with row tracking enabled the rows carry their row IDs and commit versions into the new files
  const rows = scanSnapshot(snapshot, env, { files: bin.files, signal, rowTrackingColumns: preservedRowTracking(snapshot) });
  const input = context.zOrderBy.length > 0 ? zOrderedSlices(context, bin, rows) : counted(rows, context.onBatch);
  const written = await writeDataFiles(context.engine, input, fileOptions(context));
  // every row of a bin has the bin's partition values: keep the log's serialisation of them
  const adds = written.adds.map((add) => ({ ...add, partitionValues: { ...bin.partitionValues } }));
  return { adds, rows: written.numRows };
}

/** The writer's options: the table's schema, layout and statistics settings; files not data changes. */
function fileOptions(context: RewriteContext): DataFileOptions {
  const { snapshot } = context;
  return {
    schema: snapshot.schema,
    partitionColumns: snapshot.partitionColumns,
    columnMappingMode: snapshot.columnMappingMode,
    configuration: snapshot.metadata.configuration,
    targetFileSize: context.targetSize,
    rowGroupBytes: Math.min(MAX_ROW_GROUP_BYTES, Math.max(1024 * 1024, context.targetSize)),
    maxOpenFiles: 1,
    tightBounds: hasFeature(snapshot.protocol, "deletionVectors"),
    dataChange: false,
    rowTracking: preservedRowTracking(snapshot),
    signal: context.signal,
  };
}

async function* counted(batches: AsyncIterable<RecordBatch>, onBatch: (() => void) | undefined): AsyncGenerator<RecordBatch> {
  for await (const batch of batches) {
    onBatch?.();
    yield batch;
  }
}

/** The bin's rows sorted by z-value, in slices. Holds the whole bin (bounded by `zOrderMemoryLimit`). */
async function* zOrderedSlices(
  context: RewriteContext,
  bin: OptimizeBin,
  batches: AsyncIterable<RecordBatch>,
): AsyncGenerator<RecordBatch> {
  const limit = context.zOrderMemoryLimit;
  // Parquet is rarely larger than its Arrow form: a bin whose files alone exceed the limit is refused unread
  if (bin.bytes > limit) throw new ZOrderMemoryLimitError(bin.partitionValues, bin.bytes, limit);
  const sources: RecordBatch[] = [];
  let bytes = 0;
  for await (const batch of batches) {
    context.onBatch?.();
    bytes += arrowSize(batch.data);
    if (bytes > limit) throw new ZOrderMemoryLimitError(bin.partitionValues, bytes, limit);
    sources.push(batch);
  }
  if (sources.length === 0) return;
  const schema = sources[0]!.schema;
  const [all] =
    sources.length === 1 ? [sources[0]!] : gatherGroups(schema, sources, [sources.map((_, source) => ({ source, rows: undefined }))]);
  sources.length = 0; // the concatenated copy is all that is kept
  const order = zOrderPermutation(all!, context.zOrderBy);
  for (let start = 0; start < order.length; start += ZORDER_SLICE_ROWS) {
    context.signal?.throwIfAborted();
    yield takeBatch(all!, order.subarray(start, Math.min(order.length, start + ZORDER_SLICE_ROWS)));
  }
}
