/**
 * Reading a candidate file of a row-level operation: finding the positions of the rows a
 * predicate matches (reading only the predicate's columns), and reading every column of a file
 * split into the rows an operation keeps and the rows it takes out. The file's existing deletion
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

/** One batch of a file split by an operation: the rows it keeps and the rows it takes out (table's logical schema). */
export interface SplitBatch {
  kept: RecordBatch;
  taken: RecordBatch;
}

/**
 * Streams every column of `add` (its DV applied) split by `taken` (positions in the file).
 * I/O: the file's DV and the whole file, batch by batch.
 */
export async function* readSplit(
  snapshot: Snapshot,
  env: ScanEnvironment,
  add: AddFile,
  taken: DeletedRows,
  signal?: AbortSignal,
): AsyncGenerator<SplitBatch> {
  const plan = planScan(snapshot, {});
  for await (const { batch, rowIndexes } of readFileRows(snapshot.tableUrl, env, plan, add, { signal })) {
    const take = new Uint8Array(batch.numRows);
    const keep = new Uint8Array(batch.numRows);
    for (let i = 0; i < batch.numRows; i++) {
      if (taken.has(rowIndexes[i]!)) take[i] = 1;
      else keep[i] = 1;
    }
    yield { kept: filterBatch(batch, keep), taken: filterBatch(batch, take) };
  }
}
