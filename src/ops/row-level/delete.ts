/**
 * DELETE: removing the rows that match a predicate in one commit. Without a predicate every file
 * is removed; a predicate only on partition columns removes whole files (no data read);
 * otherwise partition values and statistics select candidate files, the predicate's columns are
 * read to find matching rows, files without any are left alone, files whose every live row
 * matches are removed, and the others get a deletion vector (`delta.enableDeletionVectors` on a
 * protocol with the feature) or are rewritten without the rows (copy-on-write). With
 * `delta.enableChangeDataFeed`, deleted rows that were read are written as change data
 * (`_change_type = 'delete'`); whole files removed by metadata alone get none (readers infer
 * them from the `remove` actions). See spec/row-level.md.
 */
import type { RecordBatch } from "apache-arrow";
import type { Engine } from "../../engine/index.js";
import { WriteRefusedError } from "../../errors/txn-errors.js";
import { bind } from "../../expr/bind.js";
import type { Expression } from "../../expr/expression.js";
import { formatExpression } from "../../expr/format.js";
import { parseExpression } from "../../expr/parse.js";
import type { AddCDCFile, AddFile, RemoveFile } from "../../log/actions.js";
import type { Snapshot } from "../../log/snapshot.js";
import type { ScanEnvironment } from "../../scan/scan.js";
import { assertWriteSupported } from "../../txn/protocol-support.js";
import type { CommitResult, TransactionOptions } from "../../txn/transaction.js";
import { conformCarrying } from "../write/carry-row-tracking.js";
import { snapshotFileOptions, writeDataFiles } from "../write/files.js";
import { removeFor } from "../write/row-deletion.js";
import { commitStaged, numRecordsOf, selectCandidateFiles, type RowPredicate } from "./candidates.js";
import { writeChangeDataFile } from "./change-data.js";
import { applyDeletionVectors, usesDeletionVectors, type DeletionVectorChange } from "./deletion-vectors.js";
import { findMatchingRows, keptRows } from "./file-rows.js";
import type { DeletedRows } from "../../dv/deletion-vector.js";
import { preservedRowTracking } from "../../txn/row-tracking.js";

/** Options of a delete. */
export interface DeleteOptions extends TransactionOptions {
  /** Largest deletion vector stored inline in the log, in bytes (default 64; 0 stores every vector in a file). */
  inlineDeletionVectorMaxBytes?: number;
}

/** What a delete did (Spark's metric names). */
export interface DeleteMetrics {
  numDeletedRows: number;
  /** Rows written again by copy-on-write rewrites. */
  numCopiedRows: number;
  numAddedFiles: number;
  numRemovedFiles: number;
  /** Deletion vectors given to files that had none. */
  numDeletionVectorsAdded: number;
  /** Deletion vectors dropped with their files (files removed or rewritten). */
  numDeletionVectorsRemoved: number;
  /** Existing deletion vectors replaced by a merged one. */
  numDeletionVectorsUpdated: number;
  numAddedChangeFiles: number;
  /** Bytes of the data files added. */
  numAddedBytes: number;
  numRemovedBytes: number;
  executionTimeMs: number;
  /** Time finding the rows to delete. */
  scanTimeMs: number;
  /** Time writing rewritten files, deletion vectors and change data. */
  rewriteTimeMs: number;
}

/** The outcome of a delete. */
export interface DeleteResult {
  /** The version committed, or undefined when nothing matched (no commit, as Spark skips empty commits). */
  version: number | undefined;
  metrics: DeleteMetrics;
  commit?: CommitResult;
}

/** Actions staged by a delete, and the objects written for them. */
interface Staged {
  removes: RemoveFile[];
  adds: AddFile[];
  cdcs: AddCDCFile[];
  writtenKeys: string[];
}

/**
 * Deletes the rows of `snapshot`'s table where `predicate` is TRUE (all rows without one) and
 * commits once with operation `DELETE`. I/O: reads only candidate files (the predicate's columns,
 * then every column of files rewritten or needing change data), writes rewritten files, at most
 * one DV file and change data files, and one commit. On failure or abort the objects written are
 * deleted (best effort) and nothing is committed. A concurrent commit that removes a file read or
 * adds a file the predicate could match fails it with a typed conflict error.
 */
export async function deleteRows(
  env: ScanEnvironment,
  snapshot: Snapshot,
  predicate: string | Expression | undefined,
  options: DeleteOptions = {},
): Promise<DeleteResult> {
  const { engine } = env;
  const started = engine.clock.now();
  assertWriteSupported(snapshot.protocol, snapshot.metadata, snapshot.tableUrl);
  const properties = snapshot.tableProperties;
  if (properties.appendOnly)
    throw new WriteRefusedError(snapshot.tableUrl, "the table is append-only (delta.appendOnly = true); rows cannot be deleted");
  const expr = typeof predicate === "string" ? parseExpression(predicate) : predicate;
  const rowPredicate: RowPredicate | undefined = expr && { expr, bound: bind(expr, snapshot.schema) };
  const candidates = selectCandidateFiles(snapshot, rowPredicate);
  const metrics = emptyMetrics();
  const staged: Staged = { removes: [], adds: [], cdcs: [], writtenKeys: [] };
  const now = engine.clock.now();
  for (const position of candidates.whole) {
    const add = snapshot.files.addFile(position);
    staged.removes.push(removeFor(add, now));
    metrics.numDeletedRows += Math.max(0, (numRecordsOf(add.stats) ?? 0) - (add.deletionVector?.cardinality ?? 0));
  }
  try {
    if (rowPredicate && candidates.toRead.length > 0)
      await deleteFromFiles(env, snapshot, rowPredicate, candidates.toRead, staged, metrics, options);
    countFiles(staged, metrics);
    return await commitStaged(staged, {
      engine,
      base: snapshot,
      read: snapshot,
      predicate: rowPredicate,
      operation: "DELETE",
      operationParameters: { predicate: expr ? [formatExpression(expr)] : [] },
      metrics,
      started,
      options,
    });
  } catch (err) {
    await engine.store.deleteMany(staged.writtenKeys).catch(() => undefined);
    throw err;
  }
}

/** Finds matching rows file by file and stages DVs, rewrites and change data for them. */
async function deleteFromFiles(
  env: ScanEnvironment,
  snapshot: Snapshot,
  predicate: RowPredicate,
  positions: number[],
  staged: Staged,
  metrics: DeleteMetrics,
  options: DeleteOptions,
): Promise<void> {
  const { engine } = env;
  const signal = options.signal;
  const useDv = usesDeletionVectors(snapshot);
  const cdf = snapshot.tableProperties.enableChangeDataFeed;
  const dvChanges: DeletionVectorChange[] = [];
  for (const position of positions) {
    signal?.throwIfAborted();
    const add = snapshot.files.addFile(position);
    const scanStart = engine.clock.now();
    const { matched, liveRows } = await findMatchingRows(snapshot, env, add, predicate.expr, predicate.bound, signal);
    metrics.scanTimeMs += engine.clock.now() - scanStart;
    if (matched.cardinality === 0) continue;
    metrics.numDeletedRows += matched.cardinality;
    const writeStart = engine.clock.now();
    const whole = matched.cardinality === liveRows;
    if (useDv && !whole) {
      dvChanges.push({ add, deleted: matched });
      if (cdf) await stageChangeData(engine, snapshot, env, add, matched, staged, signal);
    } else {
      staged.removes.push(removeFor(add, engine.clock.now()));
      await rewriteWithout(env, snapshot, add, matched, { staged, metrics, cdf, rewrite: !whole, signal });
    }
    metrics.rewriteTimeMs += engine.clock.now() - writeStart;
  }
  if (dvChanges.length === 0) return;
  const writeStart = engine.clock.now();
  const dv = await applyDeletionVectors(engine, snapshot, dvChanges, {
    inlineMaxBytes: options.inlineDeletionVectorMaxBytes,
    now: engine.clock.now(),
    signal,
  });
  staged.writtenKeys.push(...dv.writtenKeys);
  staged.removes.push(...dv.removes);
  staged.adds.push(...dv.adds);
  metrics.numDeletionVectorsAdded += dv.numDeletionVectorsAdded;
  metrics.numDeletionVectorsUpdated += dv.numDeletionVectorsUpdated;
  metrics.rewriteTimeMs += engine.clock.now() - writeStart;
}

/** Reads `add` and writes its deleted rows as change data (DV path). */
async function stageChangeData(
  engine: Engine,
  snapshot: Snapshot,
  env: ScanEnvironment,
  add: AddFile,
  matched: DeletedRows,
  staged: Staged,
  signal?: AbortSignal,
): Promise<void> {
  const taken: RecordBatch[] = [];
  for await (const _ of keptRows(snapshot, env, add, matched, taken, signal)) {
    // drain: only the deleted rows are needed
  }
  await stageDeleteChanges(engine, snapshot, add, taken, staged, signal);
}

/** Writes the deleted rows `taken` of `add` as one `delete` change data file and stages it. */
async function stageDeleteChanges(
  engine: Engine,
  snapshot: Snapshot,
  add: AddFile,
  taken: RecordBatch[],
  staged: Staged,
  signal?: AbortSignal,
): Promise<void> {
  const cdc = await writeChangeDataFile(engine, snapshot, add.partitionValues, taken, "delete", signal);
  if (!cdc) return;
  staged.cdcs.push(cdc);
  staged.writtenKeys.push(decodeURIComponent(cdc.path));
}

/**
 * Copy-on-write: writes the rows of `add` not in `matched` into new files (when `rewrite`; with
 * row tracking enabled they keep their row IDs and commit versions in the materialized columns)
 * and, with change data on, the matched rows into a change data file. Holds the deleted rows of
 * one file in memory; kept rows stream into the writer.
 */
async function rewriteWithout(
  env: ScanEnvironment,
  snapshot: Snapshot,
  add: AddFile,
  matched: DeletedRows,
  how: { staged: Staged; metrics: DeleteMetrics; cdf: boolean; rewrite: boolean; signal?: AbortSignal },
): Promise<void> {
  const { staged, signal } = how;
  if (!how.rewrite) {
    if (how.cdf) await stageChangeData(env.engine, snapshot, env, add, matched, staged, signal);
    return;
  }
  const taken: RecordBatch[] | undefined = how.cdf ? [] : undefined;
  async function* kept(): AsyncGenerator<RecordBatch> {
    const rowTracking = preservedRowTracking(snapshot);
    for await (const batch of keptRows(snapshot, env, add, matched, taken, signal, rowTracking))
      yield conformCarrying(batch, snapshot.schema, snapshot);
  }
  const written = await writeDataFiles(env.engine, kept(), snapshotFileOptions(snapshot, signal));
  staged.adds.push(...written.adds);
  staged.writtenKeys.push(...written.adds.map((a) => decodeURIComponent(a.path)));
  how.metrics.numCopiedRows += written.numRows;
  if (taken) await stageDeleteChanges(env.engine, snapshot, add, taken, staged, signal);
}

function countFiles(staged: Staged, metrics: DeleteMetrics): void {
  const readded = new Set(staged.adds.filter((a) => a.deletionVector).map((a) => a.path));
  metrics.numRemovedFiles = staged.removes.filter((r) => !readded.has(r.path)).length;
  metrics.numAddedFiles = staged.adds.filter((a) => !readded.has(a.path)).length;
  metrics.numDeletionVectorsRemoved = staged.removes.filter((r) => r.deletionVector && !readded.has(r.path)).length;
  metrics.numAddedChangeFiles = staged.cdcs.length;
  metrics.numAddedBytes = staged.adds.filter((a) => !readded.has(a.path)).reduce((n, a) => n + a.size, 0);
  metrics.numRemovedBytes = staged.removes.filter((r) => !readded.has(r.path)).reduce((n, r) => n + (r.size ?? 0), 0);
}

function emptyMetrics(): DeleteMetrics {
  return {
    numDeletedRows: 0,
    numCopiedRows: 0,
    numAddedFiles: 0,
    numRemovedFiles: 0,
    numDeletionVectorsAdded: 0,
    numDeletionVectorsRemoved: 0,
    numDeletionVectorsUpdated: 0,
    numAddedChangeFiles: 0,
    numAddedBytes: 0,
    numRemovedBytes: 0,
    executionTimeMs: 0,
    scanTimeMs: 0,
    rewriteTimeMs: 0,
  };
}
