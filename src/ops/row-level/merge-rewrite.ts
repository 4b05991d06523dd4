/**
 * The file rewriting shared by UPDATE and MERGE: each candidate file is read once (its deletion
 * vector applied), a per-batch transform says which rows leave the file (updated or deleted),
 * which new rows replace them and which change rows to record; then, with deletion vectors on,
 * the rows leaving get a deletion vector and the new rows go into new files, otherwise the file is
 * removed and its kept rows are rewritten with the new rows (copy-on-write). Change rows are kept
 * in memory and written at the end, one `_change_data` file per change type and partition.
 */
import type { RecordBatch } from "apache-arrow";
import { filterBatch, takeBatch } from "../../arrow/filter.js";
import { DeletedRows } from "../../dv/deletion-vector.js";
import type { AddCDCFile, AddFile, RemoveFile } from "../../log/actions.js";
import type { Snapshot } from "../../log/snapshot.js";
import { readFileRows } from "../../scan/file-rows.js";
import type { ScanEnvironment } from "../../scan/scan.js";
import { planScan } from "../../scan/scan-plan.js";
import { conformBatch } from "../write/conform.js";
import { conformCarrying, withoutCarried } from "../write/carry-row-tracking.js";
import { preservedRowTracking } from "../../txn/row-tracking.js";
import { snapshotFileOptions, writeDataFiles } from "../write/files.js";
import { PartitionSplitter } from "../write/partitions.js";
import { removeFor } from "../write/row-deletion.js";
import { writeChangeDataFile, type ChangeType } from "./change-data.js";
import { applyDeletionVectors, usesDeletionVectors, type DeletionVectorChange } from "./deletion-vectors.js";

/** What a transform does to one batch of a file. */
export interface BatchChange {
  /** 1 for each row of the batch that leaves the file (updated or deleted). */
  drop: Uint8Array;
  /** New rows (conformed to the table schema) written in place of dropped ones. */
  added: RecordBatch[];
  /** Change rows to record (with the change data feed on). */
  changes: { type: ChangeType; batch: RecordBatch }[];
}

/**
 * The per-batch decision of an operation, given a batch of a file in the table's logical schema
 * (followed by the carried row tracking columns when row tracking is enabled: new rows made from
 * a batch's rows by `applyAssignments` keep their row IDs).
 */
export type FileTransform = (batch: RecordBatch) => BatchChange;

/** Actions staged by a rewrite and the objects written for them. */
export interface RewriteState {
  removes: RemoveFile[];
  adds: AddFile[];
  cdcs: AddCDCFile[];
  writtenKeys: string[];
  dvChanges: DeletionVectorChange[];
  /** New rows waiting to be written (deletion vector mode, inserts). */
  pending: RecordBatch[];
  changes: { type: ChangeType; batch: RecordBatch }[];
  numCopiedRows: number;
  numDeletionVectorsAdded: number;
}

/** An empty rewrite state. */
export function newRewriteState(): RewriteState {
  return {
    removes: [],
    adds: [],
    cdcs: [],
    writtenKeys: [],
    dvChanges: [],
    pending: [],
    changes: [],
    numCopiedRows: 0,
    numDeletionVectorsAdded: 0,
  };
}

/**
 * Reads `add` whole, applies `transform` to each batch and stages the outcome. Returns whether the
 * file was changed. With row tracking enabled the rows are read with their row tracking columns,
 * so copied and updated rows keep their row IDs in the new files. I/O: the file's DV and data;
 * with copy-on-write, the rewritten file. Holds one file's kept rows in memory.
 */
export async function rewriteFile(
  env: ScanEnvironment,
  snapshot: Snapshot,
  add: AddFile,
  transform: FileTransform,
  state: RewriteState,
  signal?: AbortSignal,
): Promise<boolean> {
  const plan = planScan(snapshot, {});
  const kept: RecordBatch[] = [];
  const added: RecordBatch[] = [];
  const positions: number[] = [];
  let live = 0;
  const rowTracking = preservedRowTracking(snapshot);
  for await (const { batch, rowIndexes } of readFileRows(snapshot.tableUrl, env, plan, add, { signal, rowTracking })) {
    live += batch.numRows;
    const change = transform(batch);
    const keep = new Uint8Array(batch.numRows);
    let dropped = 0;
    for (let i = 0; i < batch.numRows; i++) {
      if (change.drop[i]) {
        positions.push(rowIndexes[i]!);
        dropped++;
      } else keep[i] = 1;
    }
    kept.push(dropped === 0 ? batch : filterBatch(batch, keep));
    added.push(...change.added);
    state.changes.push(...change.changes);
  }
  if (positions.length === 0 && added.length === 0) return false;
  if (usesDeletionVectors(snapshot) && positions.length < live) {
    if (positions.length > 0) state.dvChanges.push({ add, deleted: DeletedRows.from(positions) });
    state.pending.push(...added);
    return true;
  }
  state.removes.push(removeFor(add, env.engine.clock.now()));
  const rows = [...kept.filter((b) => b.numRows > 0).map((b) => conformCarrying(b, snapshot.schema, snapshot)), ...added];
  const copied = kept.reduce((n, b) => n + b.numRows, 0);
  await writeRows(env, snapshot, rows, state, signal);
  state.numCopiedRows += copied;
  return true;
}

/** Writes conformed rows as new data files and stages their `add`s. */
async function writeRows(
  env: ScanEnvironment,
  snapshot: Snapshot,
  rows: RecordBatch[],
  state: RewriteState,
  signal?: AbortSignal,
): Promise<void> {
  if (rows.every((b) => b.numRows === 0)) return;
  const written = await writeDataFiles(env.engine, rows, snapshotFileOptions(snapshot, signal));
  state.adds.push(...written.adds);
  state.writtenKeys.push(...written.adds.map((a) => decodeURIComponent(a.path)));
}

/**
 * Finishes a rewrite: writes the deletion vectors, the pending new rows and the change data.
 * I/O: at most one DV file, the new data files, one change data file per type and partition.
 */
export async function finishRewrite(
  env: ScanEnvironment,
  snapshot: Snapshot,
  state: RewriteState,
  options: { inlineDeletionVectorMaxBytes?: number; signal?: AbortSignal },
): Promise<void> {
  const { engine } = env;
  if (state.dvChanges.length > 0) {
    const dv = await applyDeletionVectors(engine, snapshot, state.dvChanges, {
      inlineMaxBytes: options.inlineDeletionVectorMaxBytes,
      now: engine.clock.now(),
      signal: options.signal,
    });
    state.writtenKeys.push(...dv.writtenKeys);
    state.removes.push(...dv.removes);
    state.adds.push(...dv.adds);
    state.numDeletionVectorsAdded += dv.numDeletionVectorsAdded;
  }
  await writeRows(env, snapshot, state.pending, state, options.signal);
  if (!snapshot.tableProperties.enableChangeDataFeed) return;
  const splitter = new PartitionSplitter(snapshot.schema, snapshot.partitionColumns, snapshot.columnMappingMode);
  const groups = new Map<string, { type: ChangeType; values: Record<string, string | null>; batches: RecordBatch[] }>();
  for (const { type, batch } of state.changes) {
    if (batch.numRows === 0) continue;
    const conformed = conformBatch(withoutCarried(batch, snapshot), snapshot.schema);
    for (const g of splitter.split(conformed).groups) {
      const key = `${type}\u0000${g.key}`;
      const group = groups.get(key) ?? { type, values: g.values, batches: [] };
      group.batches.push(g.rows ? takeBatch(conformed, g.rows) : conformed);
      groups.set(key, group);
    }
  }
  for (const group of groups.values()) {
    const cdc = await writeChangeDataFile(engine, snapshot, group.values, group.batches, group.type, options.signal);
    if (!cdc) continue;
    state.cdcs.push(cdc);
    state.writtenKeys.push(decodeURIComponent(cdc.path));
  }
}

/** Files removed and added for good (a file re-added with a deletion vector counts as neither). */
export function countFiles(state: RewriteState): { numAddedFiles: number; numRemovedFiles: number } {
  const readded = new Set(state.adds.filter((a) => a.deletionVector).map((a) => a.path));
  return {
    numRemovedFiles: state.removes.filter((r) => !readded.has(r.path)).length,
    numAddedFiles: state.adds.filter((a) => !readded.has(a.path)).length,
  };
}
