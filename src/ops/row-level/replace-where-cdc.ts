/**
 * Change data for a partial overwrite (`replaceWhere`) on a table with the change data feed: the
 * rows the predicate removes from the files it touches become `delete` change rows and the rows
 * written become `insert` change rows; rows copied unchanged into new files are not changes and
 * get none. A predicate only on partition columns needs no change data files (readers infer the
 * changes from the `add` and `remove` actions).
 */
import type { RecordBatch } from "apache-arrow";
import { bind } from "../../expr/bind.js";
import type { Expression } from "../../expr/expression.js";
import type { AddCDCFile, AddFile } from "../../log/actions.js";
import type { Snapshot } from "../../log/snapshot.js";
import { readFileRows } from "../../scan/file-rows.js";
import type { ScanEnvironment } from "../../scan/scan.js";
import { planScan } from "../../scan/scan-plan.js";
import { isPartitionOnly } from "./candidates.js";
import { writeChangeDataFile, type ChangeType } from "./change-data.js";
import { findMatchingRows, readSplit } from "./file-rows.js";

/**
 * Writes the change data files of a replaceWhere: one `delete` file per removed file (its rows
 * matching `predicate`, read again) and one `insert` file per written file (read back). Returns
 * their `cdc` actions; none when the table has no change data feed or the predicate names only
 * partition columns. On failure deletes the files it wrote. I/O: reads each removed and written
 * file once more (twice for removed files: the predicate's columns, then every column).
 */
export async function replaceWhereChangeData(
  env: ScanEnvironment,
  snapshot: Snapshot,
  predicate: Expression,
  removed: readonly AddFile[],
  written: readonly AddFile[],
  signal?: AbortSignal,
): Promise<AddCDCFile[]> {
  if (!snapshot.tableProperties.enableChangeDataFeed || isPartitionOnly(snapshot, predicate)) return [];
  const bound = bind(predicate, snapshot.schema);
  const out: AddCDCFile[] = [];
  try {
    for (const add of removed) {
      const { matched } = await findMatchingRows(snapshot, env, add, predicate, bound, signal);
      const taken: RecordBatch[] = [];
      for await (const split of readSplit(snapshot, env, add, matched, signal)) if (split.taken.numRows > 0) taken.push(split.taken);
      await push(out, env, snapshot, add, taken, "delete", signal);
    }
    const plan = planScan(snapshot, {});
    for (const add of written) {
      const rows: RecordBatch[] = [];
      for await (const { batch } of readFileRows(snapshot.tableUrl, env, plan, add, { signal })) rows.push(batch);
      await push(out, env, snapshot, add, rows, "insert", signal);
    }
    return out;
  } catch (err) {
    await env.engine.store.deleteMany(out.map((c) => decodeURIComponent(c.path))).catch(() => undefined);
    throw err;
  }
}

async function push(
  out: AddCDCFile[],
  env: ScanEnvironment,
  snapshot: Snapshot,
  add: AddFile,
  rows: RecordBatch[],
  type: ChangeType,
  signal?: AbortSignal,
): Promise<void> {
  const cdc = await writeChangeDataFile(env.engine, snapshot, add.partitionValues, rows, type, signal);
  if (cdc) out.push(cdc);
}
