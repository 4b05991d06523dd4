/**
 * The `remove` action that takes an active file out of the table: what every overwrite, row-level
 * operation and compaction stages for the files it replaces. (The rows a `replaceWhere` removes
 * are found with DELETE's pieces: `src/ops/row-level/replace-where.ts`.)
 */
import type { AddFile, RemoveFile } from "../../log/actions.js";

/**
 * The `remove` action for `add`, a file active in the table, at `timestamp` (ms): it carries the
 * file's size, partition values, stats, tags, deletion vector and row tracking fields, as Spark
 * writes them (`extendedFileMetadata: true`). `dataChange: false` for a rearrangement (compaction).
 */
export function removeFor(add: AddFile, timestamp: number, dataChange = true): RemoveFile {
  const remove: RemoveFile = {
    path: add.path,
    deletionTimestamp: timestamp,
    dataChange,
    extendedFileMetadata: true,
    partitionValues: add.partitionValues,
    size: add.size,
  };
  if (add.stats) remove.stats = add.stats;
  if (add.tags) remove.tags = add.tags;
  if (add.deletionVector) remove.deletionVector = add.deletionVector;
  if (add.baseRowId !== undefined && add.baseRowId !== null) remove.baseRowId = add.baseRowId;
  if (add.defaultRowCommitVersion !== undefined && add.defaultRowCommitVersion !== null)
    remove.defaultRowCommitVersion = add.defaultRowCommitVersion;
  return remove;
}
