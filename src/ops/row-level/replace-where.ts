/**
 * The row removal of a partial overwrite (`replaceWhere`), done with DELETE's pieces: candidate
 * files chosen by partition values and statistics (`candidates.ts`), a predicate only on partition
 * columns removing whole files without reading them, otherwise each candidate read for the
 * predicate's columns (`findMatchingRows`) and, when some rows match, removed with its other rows
 * copied into the overwrite's new files (`keptRows`). Always copy-on-write: a replaceWhere writes
 * no deletion vectors.
 *
 * Change data (`delta.enableChangeDataFeed`): the rows the predicate removes become `delete`
 * change rows (collected while the kept rows are copied, so no file is read again) and the rows
 * written become `insert` change rows (the written files are read back); copied rows are not
 * changes and get none. A predicate only on partition columns needs no change data files (readers
 * infer the changes from the `add` and `remove` actions).
 */
import type { RecordBatch } from "apache-arrow";
import type { DeletedRows } from "../../dv/deletion-vector.js";
import type { AddCDCFile, AddFile } from "../../log/actions.js";
import type { Snapshot } from "../../log/snapshot.js";
import { readFileRows } from "../../scan/file-rows.js";
import type { ScanEnvironment } from "../../scan/scan.js";
import { planScan } from "../../scan/scan-plan.js";
import { numRecordsOf, selectCandidateFiles, type RowPredicate } from "./candidates.js";
import { writeChangeDataFile } from "./change-data.js";
import { findMatchingRows, keptRows } from "./file-rows.js";
import { preservedRowTracking } from "../../txn/row-tracking.js";

/** A file read by a replaceWhere that holds matching rows. */
export interface ReplacedFile {
  add: AddFile;
  /** Positions (in the file) of the rows the predicate matches. */
  matched: DeletedRows;
  /** Live rows not matched: to be copied. */
  keptRows: number;
}

/** The rows a replaceWhere removes, found by {@link findReplacedRows}. */
export interface ReplacedRows {
  /** Files holding matching rows: every one is removed. */
  removed: AddFile[];
  /** The files of `removed` that were read (a data-column predicate): their kept rows are copied. */
  read: ReplacedFile[];
  /** Rows removed (deletion vectors subtracted). */
  deletedRows: number;
  /** True when the predicate names only partition columns: files were removed whole, none read. */
  metadataOnly: boolean;
}

/**
 * Finds the files and rows `predicate` removes from `snapshot`'s table (rows where it is TRUE;
 * NULL does not match). I/O: with a data-column predicate, the deletion vector and the
 * predicate's columns of each candidate file; none otherwise.
 */
export async function findReplacedRows(
  env: ScanEnvironment,
  snapshot: Snapshot,
  predicate: RowPredicate,
  signal?: AbortSignal,
): Promise<ReplacedRows> {
  const candidates = selectCandidateFiles(snapshot, predicate);
  const out: ReplacedRows = { removed: [], read: [], deletedRows: 0, metadataOnly: candidates.metadataOnly };
  for (const position of candidates.whole) {
    const add = snapshot.files.addFile(position);
    out.removed.push(add);
    out.deletedRows += Math.max(0, (numRecordsOf(add.stats) ?? 0) - (add.deletionVector?.cardinality ?? 0));
  }
  for (const position of candidates.toRead) {
    signal?.throwIfAborted();
    const add = snapshot.files.addFile(position);
    const { matched, liveRows } = await findMatchingRows(snapshot, env, add, predicate.expr, predicate.bound, signal);
    if (matched.cardinality === 0) continue;
    out.removed.push(add);
    out.read.push({ add, matched, keptRows: liveRows - matched.cardinality });
    out.deletedRows += matched.cardinality;
  }
  return out;
}

/**
 * Streams the rows of the files in `replaced.read` that the predicate does not match (table's
 * logical schema), to be written again. With the change data feed, also writes each file's
 * matched rows as a `delete` change data file and pushes its `cdc` action onto `changeData` as
 * soon as it is written (so the caller can delete it if the write fails). With row tracking
 * enabled the rows carry their row tracking columns (their IDs and commit versions are kept in
 * the files they are copied to). I/O: every column of
 * each file with kept rows or change data; holds the matched rows of one file in memory.
 */
export async function* rowsToCopy(
  env: ScanEnvironment,
  snapshot: Snapshot,
  replaced: ReplacedRows,
  changeData: AddCDCFile[],
  signal?: AbortSignal,
): AsyncGenerator<RecordBatch> {
  const cdf = snapshot.tableProperties.enableChangeDataFeed;
  const rowTracking = preservedRowTracking(snapshot);
  for (const { add, matched, keptRows: kept } of replaced.read) {
    signal?.throwIfAborted();
    if (kept === 0 && !cdf) continue;
    const taken: RecordBatch[] | undefined = cdf ? [] : undefined;
    yield* keptRows(snapshot, env, add, matched, taken, signal, rowTracking);
    if (!taken) continue;
    const cdc = await writeChangeDataFile(env.engine, snapshot, add.partitionValues, taken, "delete", signal);
    if (cdc) changeData.push(cdc);
  }
}

/**
 * Writes the rows of the overwrite's `written` files as `insert` change data, one change data file
 * per written file, and pushes their `cdc` actions onto `changeData`. Does nothing without the
 * change data feed or for a partition-only predicate. I/O: reads each written file back.
 */
export async function writeInsertChangeData(
  env: ScanEnvironment,
  snapshot: Snapshot,
  replaced: ReplacedRows,
  written: readonly AddFile[],
  changeData: AddCDCFile[],
  signal?: AbortSignal,
): Promise<void> {
  if (!snapshot.tableProperties.enableChangeDataFeed || replaced.metadataOnly) return;
  const plan = planScan(snapshot, {});
  for (const add of written) {
    const rows: RecordBatch[] = [];
    for await (const { batch } of readFileRows(snapshot.tableUrl, env, plan, add, { signal })) rows.push(batch);
    const cdc = await writeChangeDataFile(env.engine, snapshot, add.partitionValues, rows, "insert", signal);
    if (cdc) changeData.push(cdc);
  }
}
