/**
 * OPTIMIZE: compacting small files (bin-packing) or clustering rows by several columns (z-order),
 * per partition, in one commit that changes no data. See spec/maintenance.md, section "Optimize".
 *
 * - The commit's `remove` and `add` actions carry `dataChange: false` and the transaction reads
 *   nothing but the files it rewrites: concurrent appends never conflict with it, while a
 *   concurrent commit that removes (deletes, overwrites, updates a deletion vector of) one of
 *   those files makes it fail with `ConcurrentDeleteReadError`, so a deleted row never comes back.
 * - New files are written first; when anything fails (including the commit) or the signal fires,
 *   they are deleted (best effort) and the table is unchanged.
 * - With row tracking enabled, every rewritten row keeps its row ID and commit version (written
 *   into the new files' materialized columns); when it is only supported, rows get fresh IDs.
 */
import { Schema } from "apache-arrow";
import { batchOf } from "../../arrow/data.js";
import type { Engine } from "../../engine/index.js";
import { InvalidOptimizeOptionError, OptimizePredicateError, ZOrderColumnError } from "../../errors/optimize-errors.js";
import type { Data } from "apache-arrow";
import { bind, type BoundExpression } from "../../expr/bind.js";
import { evaluateTriState } from "../../expr/evaluate.js";
import { referencedColumns, type Expression } from "../../expr/expression.js";
import { formatExpression } from "../../expr/format.js";
import { parseExpression } from "../../expr/parse.js";
import { parsePartitionValue, partitionColumnsOf, partitionVector } from "../../expr/partition-values.js";
import type { AddFile } from "../../log/actions.js";
import type { Snapshot } from "../../log/snapshot.js";
import type { ScanEnvironment } from "../../scan/scan.js";
import { planScan } from "../../scan/scan-plan.js";
import { toArrowField, toArrowSchema } from "../../schema/arrow-schema.js";
import { findField } from "../../schema/types.js";
import { assertWriteSupported } from "../../txn/protocol-support.js";
import { Transaction, type TransactionOptions } from "../../txn/transaction.js";
import { forEachConcurrent } from "../../util/concurrency.js";
import { removeFor } from "../write/row-deletion.js";
import { isFlatSchema } from "../write/scatter.js";
import { commitMetrics, type OptimizeMetrics, sizeMetrics } from "./optimize-metrics.js";
import { type OptimizeBin, partitionKey, planOptimize } from "./optimize-plan.js";
import { rewriteBin, type RewriteContext } from "./optimize-rewrite.js";
import { isZOrderable } from "./zorder.js";
import { CLUSTERING_PROVIDER, clusteringColumnsOf } from "./clustering.js";

export type { FileSizeMetrics, OptimizeMetrics } from "./optimize-metrics.js";

const MiB = 1024 * 1024;
/**
 * Default `targetSize`: 128 MiB. Spark aims at 1 GiB and delta-rs at 100 MiB. lakelog runs in one
 * Node process next to parquet-wasm, whose WASM heap cannot grow past 4 GiB: a bin holds up to
 * three decoded input files (the scan reads two ahead; each below `minFileSize`, and Arrow is often
 * 2-5x its Parquet size) plus one row group being encoded, so 1 GiB files could need many GiB per
 * bin. With 128 MiB a bin of small files stays at a few hundred MiB (567 MiB peak RSS measured for
 * 1,000 files of 300 KiB) and at worst (inputs just under 128 MiB) around 2 GiB; it also equals
 * lakelog's write target, so files lakelog writes count as compacted.
 */
export const DEFAULT_OPTIMIZE_TARGET_SIZE = 128 * MiB;
/**
 * Default `maxConcurrency`: 1. Each bin already keeps two threads busy (the main thread decodes,
 * filters and computes statistics while the Parquet encoder runs on its worker thread); on a
 * 2-core machine a second bin adds little throughput and doubles the memory held.
 */
export const DEFAULT_OPTIMIZE_CONCURRENCY = 1;
/** Default `zOrderMemoryLimit`: Arrow bytes of one partition's rows a z-order may hold (1 GiB). */
export const DEFAULT_ZORDER_MEMORY_LIMIT = 1024 * MiB;

/** Options of an optimize. */
export interface OptimizeOptions extends Pick<TransactionOptions, "maxCommitAttempts"> {
  /** Only the partitions matching this predicate (partition columns only, as in Spark). */
  where?: Expression | string;
  /** Size aimed at for the files written, in bytes (default {@link DEFAULT_OPTIMIZE_TARGET_SIZE}). */
  targetSize?: number;
  /** Bin-packing considers files smaller than this (default: `targetSize`). */
  minFileSize?: number;
  /** Z-order the rows of each partition by these top-level data columns; every selected file is rewritten. */
  zOrderBy?: string[];
  /** Bins rewritten at once (default {@link DEFAULT_OPTIMIZE_CONCURRENCY}). */
  maxConcurrency?: number;
  /** Most Arrow bytes of one partition's rows a z-order holds (default 1 GiB); above it `ZOrderMemoryLimitError`. */
  zOrderMemoryLimit?: number;
  signal?: AbortSignal;
  onProgress?: (progress: OptimizeProgress) => void;
}

/** Progress of a running optimize, reported after each bin. */
export interface OptimizeProgress {
  binsDone: number;
  binsTotal: number;
  filesRemoved: number;
  filesAdded: number;
  bytesWritten: number;
}

/** Where the optimize reads and writes: the engine, and a resolver for files outside the table root. */
export interface OptimizeEnvironment {
  engine: Engine;
  resolveExternal?: ScanEnvironment["resolveExternal"];
}

interface Resolved {
  targetSize: number;
  minFileSize: number;
  zOrderBy: string[];
  maxConcurrency: number;
  zOrderMemoryLimit: number;
  where?: Expression;
}

/**
 * Optimizes the table of `snapshot` (see the module header). I/O: reads the files of every bin,
 * writes the new files, makes one commit (retrying on concurrent commits); makes no commit and
 * writes nothing when no bin needs rewriting.
 *
 * @example
 * const metrics = await optimizeTable({ engine }, snapshot, { where: "day = '2024-05-01'", zOrderBy: ["x", "y"] });
 */
export async function optimizeTable(env: OptimizeEnvironment, snapshot: Snapshot, options: OptimizeOptions = {}): Promise<OptimizeMetrics> {
  const started = Date.now();
  const resolved = resolveOptions(snapshot, options);
  assertWriteSupported(snapshot.protocol, snapshot.metadata, snapshot.tableUrl);
  const candidates = selectFiles(snapshot, resolved.where);
  const plan = planOptimize(snapshot, candidates, {
    targetSize: resolved.targetSize,
    minFileSize: resolved.minFileSize,
    zOrder: resolved.zOrderBy.length > 0,
  });
  let numBatches = 0;
  const context: RewriteContext = {
    engine: env.engine,
    snapshot,
    resolveExternal: env.resolveExternal,
    targetSize: resolved.targetSize,
    zOrderBy: resolved.zOrderBy,
    zOrderMemoryLimit: resolved.zOrderMemoryLimit,
    signal: options.signal,
    onBatch: () => numBatches++,
  };
  const { adds, rows } = await rewriteBins(context, plan.bins, resolved.maxConcurrency, options.onProgress);
  if (options.zOrderBy === undefined && resolved.zOrderBy.length > 0) for (const a of adds) a.clusteringProvider = CLUSTERING_PROVIDER;
  const removed = plan.bins.flatMap((b) => b.files.map((i) => snapshot.files.addFile(i)));
  const metrics: OptimizeMetrics = {
    version: snapshot.version,
    committed: false,
    numFilesAdded: adds.length,
    numFilesRemoved: removed.length,
    filesAdded: sizeMetrics(adds.map((a) => a.size)),
    filesRemoved: sizeMetrics(removed.map((a) => a.size)),
    partitionsOptimized: new Set(plan.bins.map((b) => partitionKey(b.partitionValues))).size,
    numBatches,
    totalConsideredFiles: plan.consideredFiles,
    totalFilesSkipped: plan.skippedFiles,
    preserveInsertionOrder: resolved.zOrderBy.length === 0,
    numDeletionVectorsRemoved: removed.filter((a) => a.deletionVector).length,
    numRowsRewritten: rows,
    timeMs: 0,
  };
  if (removed.length > 0) {
    try {
      metrics.version = await commitOptimize(env.engine, snapshot, { removed, adds, resolved, metrics, options });
      metrics.committed = true;
    } catch (err) {
      await env.engine.store.deleteMany(adds.map((a) => decodeURIComponent(a.path))).catch(() => undefined);
      throw err;
    }
  }
  metrics.timeMs = Date.now() - started;
  return metrics;
}

/** Defaults and validation of the options. */
function resolveOptions(snapshot: Snapshot, options: OptimizeOptions): Resolved {
  const targetSize = options.targetSize ?? DEFAULT_OPTIMIZE_TARGET_SIZE;
  positive("targetSize", targetSize);
  const minFileSize = options.minFileSize ?? targetSize;
  positive("minFileSize", minFileSize);
  const maxConcurrency = options.maxConcurrency ?? DEFAULT_OPTIMIZE_CONCURRENCY;
  positive("maxConcurrency", maxConcurrency);
  const zOrderMemoryLimit = options.zOrderMemoryLimit ?? DEFAULT_ZORDER_MEMORY_LIMIT;
  positive("zOrderMemoryLimit", zOrderMemoryLimit);
  // a clustered table without explicit columns clusters by its clustering columns (clustering.ts)
  const zOrderBy = checkZOrderColumns(snapshot, options.zOrderBy ?? clusteringColumnsOf(snapshot) ?? []);
  const where =
    options.where === undefined ? undefined : typeof options.where === "string" ? parseExpression(options.where) : options.where;
  if (where) checkPartitionOnly(snapshot, where);
  return { targetSize, minFileSize, zOrderBy, maxConcurrency: Math.floor(maxConcurrency), zOrderMemoryLimit, where };
}

function positive(option: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new InvalidOptimizeOptionError(option, String(value), "a positive number is required");
}

/** Z-order columns: existing top-level data columns of a supported type, each once; returns their schema names. */
function checkZOrderColumns(snapshot: Snapshot, columns: readonly string[]): string[] {
  const partitions = new Set(snapshot.partitionColumns.map((c) => c.toLowerCase()));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const column of columns) {
    const field = findField(snapshot.schema, column);
    if (!field)
      throw new ZOrderColumnError(
        column,
        `the table has no such column (columns: ${snapshot.schema.fields.map((f) => f.name).join(", ")})`,
      );
    if (partitions.has(field.name.toLowerCase()))
      throw new ZOrderColumnError(column, "it is a partition column (z-order clusters rows within a partition)");
    if (!isZOrderable(toArrowField(field).type))
      throw new ZOrderColumnError(column, `its type ${JSON.stringify(field.type)} cannot be z-ordered`);
    if (seen.has(field.name)) throw new ZOrderColumnError(column, "it is listed twice");
    seen.add(field.name);
    out.push(field.name);
  }
  if (out.length > 0 && !isFlatSchema(toArrowSchema(snapshot.schema))) {
    throw new InvalidOptimizeOptionError(
      "zOrderBy",
      out.join(", "),
      "z-order of tables with struct, list or map columns is not supported yet; use bin-packing",
    );
  }
  return out;
}

/** Refuses a `where` that names anything but partition columns. */
function checkPartitionOnly(snapshot: Snapshot, where: Expression): void {
  const partitions = new Set(snapshot.partitionColumns.map((c) => c.toLowerCase()));
  for (const path of referencedColumns(where)) {
    if (path.length !== 1 || !partitions.has(path[0]!.toLowerCase()))
      throw new OptimizePredicateError(path.join("."), snapshot.partitionColumns);
  }
}

/** Positions of the files `where` selects (every active file without it), exactly by partition values. */
function selectFiles(snapshot: Snapshot, where: Expression | undefined): number[] {
  if (!where) return Array.from({ length: snapshot.files.length }, (_, i) => i);
  const bound = bind(where, snapshot.schema);
  const pruned = planScan(snapshot, { filter: where, columns: [] }).files;
  const verdicts = new Map<string, boolean>();
  return pruned.filter((position) => {
    const values = snapshot.files.partitionValues(position);
    const key = partitionKey(values);
    let verdict = verdicts.get(key);
    if (verdict === undefined) verdicts.set(key, (verdict = partitionMatches(snapshot, bound, values)));
    return verdict;
  });
}

/** Whether a partition's values make the (partition-only) predicate TRUE. */
function partitionMatches(snapshot: Snapshot, bound: BoundExpression, values: Record<string, string | null>): boolean {
  const columns = partitionColumnsOf(snapshot.schema, snapshot.partitionColumns, snapshot.columnMappingMode);
  const fields = columns.map((c) => toArrowField(findField(snapshot.schema, c.name)!));
  const data = columns.map(
    (c) => partitionVector(parsePartitionValue(values[c.physicalName], c.type, c.physicalName), c.type, 1).data[0] as Data,
  );
  return evaluateTriState(bound, batchOf(new Schema(fields), data, 1))[0] === 2;
}

/** Rewrites the bins, `limit` at a time; on failure deletes every file already written and rethrows. */
async function rewriteBins(
  context: RewriteContext,
  bins: OptimizeBin[],
  limit: number,
  onProgress: OptimizeOptions["onProgress"],
): Promise<{ adds: AddFile[]; rows: number }> {
  const perBin: AddFile[][] = bins.map(() => []);
  const progress: OptimizeProgress = { binsDone: 0, binsTotal: bins.length, filesRemoved: 0, filesAdded: 0, bytesWritten: 0 };
  let rows = 0;
  try {
    await forEachConcurrent(
      bins.map((bin, index) => ({ bin, index })),
      limit,
      async ({ bin, index }) => {
        const result = await rewriteBin(context, bin);
        perBin[index] = result.adds;
        rows += result.rows;
        progress.binsDone++;
        progress.filesRemoved += bin.files.length;
        progress.filesAdded += result.adds.length;
        progress.bytesWritten += result.adds.reduce((n, a) => n + a.size, 0);
        onProgress?.({ ...progress });
      },
      context.signal,
    );
    context.signal?.throwIfAborted();
  } catch (err) {
    const written = perBin.flat().map((a) => decodeURIComponent(a.path));
    await context.engine.store.deleteMany(written).catch(() => undefined);
    throw err;
  }
  return { adds: perBin.flat(), rows };
}

/** One commit: the rewritten files removed and the new ones added, neither a data change. */
/** What one OPTIMIZE commit replaces: the files rewritten, the files written for them, and why. */
interface OptimizeCommit {
  removed: AddFile[];
  adds: AddFile[];
  resolved: Resolved;
  metrics: OptimizeMetrics;
  options: OptimizeOptions;
}

async function commitOptimize(engine: Engine, snapshot: Snapshot, change: OptimizeCommit): Promise<number> {
  const { removed, adds, resolved, metrics, options } = change;
  // Spark commits OPTIMIZE under SnapshotIsolation: files added concurrently are never its concern
  const txn = new Transaction(engine, snapshot, {
    isolationLevel: "SnapshotIsolation",
    maxCommitAttempts: options.maxCommitAttempts,
    signal: options.signal,
  });
  // the read set is exactly the rewritten files: their concurrent removal conflicts, new files never do
  txn.readWith(removed, () => false);
  // rows keep their row IDs and commit versions in the new files' materialized columns (optimize-rewrite.ts)
  txn.preserveRowTracking();
  const now = engine.clock.now();
  txn.removeFiles(removed.map((a) => removeFor(a, now, false)));
  txn.addFiles(adds);
  const operationParameters = {
    predicate: resolved.where ? [formatExpression(resolved.where)] : [],
    zOrderBy: resolved.zOrderBy,
    clusterBy: [],
    auto: false,
  };
  const operationMetrics = commitMetrics(
    adds.map((a) => a.size),
    removed.map((a) => a.size),
    metrics.numDeletionVectorsRemoved,
  );
  const result = await txn.commit({ operation: "OPTIMIZE", operationParameters, operationMetrics });
  return result.version;
}
