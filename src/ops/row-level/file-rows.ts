/**
 * Reading a candidate file of a row-level operation: finding the positions of the rows a
 * predicate matches (reading only the predicate's columns), and reading every column of a file
 * without the rows an operation takes out (collecting those for its change data). The file's existing deletion
 * vector is applied: rows it already deletes are never matched, kept or returned.
 */
import type { RecordBatch } from "apache-arrow";
import { filterBatch } from "../../arrow/filter.js";
import { DeletedRows } from "../../dv/deletion-vector.js";
import type { BoundExpression } from "../../expr/bind.js";
import { evaluateTriState } from "../../expr/evaluate.js";
import { referencedColumns, type Expression } from "../../expr/expression.js";
import type { AddFile } from "../../log/actions.js";
import type { Snapshot } from "../../log/snapshot.js";
import { readFileRows } from "../../scan/file-rows.js";
import type { ScanEnvironment } from "../../scan/scan.js";
import { planScan } from "../../scan/scan-plan.js";
import type { RowTrackingColumns } from "../../scan/row-tracking-columns.js";

const TRUE = 2;

/** The rows of one file a predicate matches. */
export interface MatchedRows {
  /** Positions (in the file) of the matching rows. */
  matched: DeletedRows;
  /** Rows of the file not deleted before (its deletion vector excluded). */
  liveRows: number;
}

/**
 * Positions of the rows of `add` where `bound` is TRUE (NULL does not match). I/O: the file's DV
 * (if any) and the column chunks of the predicate's columns.
 */
export async function findMatchingRows(
  snapshot: Snapshot,
  env: ScanEnvironment,
  add: AddFile,
  expr: Expression,
  bound: BoundExpression,
  signal?: AbortSignal,
): Promise<MatchedRows> {
  const columns = [...new Set(referencedColumns(expr).map((p) => p[0]!))];
  const plan = planScan(snapshot, { columns });
  const positions: number[] = [];
  let liveRows = 0;
  for await (const { batch, rowIndexes } of readFileRows(snapshot.tableUrl, env, plan, add, { signal })) {
    const states = evaluateTriState(bound, batch);
    liveRows += batch.numRows;
    for (let i = 0; i < states.length; i++) if (states[i] === TRUE) positions.push(rowIndexes[i]!);
  }
  return { matched: DeletedRows.from(positions), liveRows };
}

/**
 * Streams every column of `add` (its DV applied) without the rows in `taken` (positions in the
 * file): the rows an operation keeps, in the table's logical schema. The rows in `taken` are
 * pushed onto `takenRows` when given (the operation's change data). With `rowTracking`, every row
 * carries its row tracking columns (readFileRows), to be written as the materialized columns of
 * the file the kept rows are copied to. I/O: the file's DV and the whole file, batch by batch.
 */
export async function* keptRows(
  snapshot: Snapshot,
  env: ScanEnvironment,
  add: AddFile,
  taken: DeletedRows,
  takenRows: RecordBatch[] | undefined,
  signal?: AbortSignal,
  rowTracking?: RowTrackingColumns,
): AsyncGenerator<RecordBatch> {
  const plan = planScan(snapshot, {});
  for await (const { batch, rowIndexes } of readFileRows(snapshot.tableUrl, env, plan, add, { signal, rowTracking })) {
    const keep = new Uint8Array(batch.numRows);
    let kept = 0;
    for (let i = 0; i < batch.numRows; i++) {
      if (taken.has(rowIndexes[i]!)) continue;
      keep[i] = 1;
      kept++;
    }
    if (takenRows && kept < batch.numRows)
      takenRows.push(
        filterBatch(
          batch,
          keep.map((k) => 1 - k),
        ),
      );
    if (kept === batch.numRows) yield batch;
    else if (kept > 0) yield filterBatch(batch, keep);
  }
}
