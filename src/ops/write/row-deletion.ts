/**
 * Removing the rows that match a predicate, file by file: files the predicate decides from their
 * partition values alone are dropped whole without being read; the others are read, and when some
 * of their rows match, the file is removed and its other rows are kept for rewriting. This is
 * what a partial overwrite (`replaceWhere`) needs, and the basis of DELETE.
 */
import { Schema, type Data, type RecordBatch } from "apache-arrow";
import { batchOf } from "../../arrow/data.js";
import type { AddFile, RemoveFile } from "../../log/actions.js";
import type { Snapshot } from "../../log/snapshot.js";
import { filterBatch } from "../../arrow/filter.js";
import type { BoundExpression } from "../../expr/bind.js";
import { evaluateTriState } from "../../expr/evaluate.js";
import { referencedColumns, type Expression } from "../../expr/expression.js";
import { parsePartitionValue, partitionColumnsOf, partitionVector, type PartitionValueOptions } from "../../expr/partition-values.js";
import { scanSnapshot, type ScanEnvironment } from "../../scan/scan.js";
import { planScan } from "../../scan/scan-plan.js";
import { toArrowField } from "../../schema/arrow-schema.js";

const TRUE = 2;

/** The outcome of {@link deleteMatchingRows}. */
export interface RowDeletion {
  /** Files that held matching rows; all of them are removed. */
  removed: AddFile[];
  /** The surviving rows of partly matching files, to be written again (logical schema). */
  kept: RecordBatch[];
  /** Rows removed. */
  deletedRows: number;
  /** Files examined (read or decided by partition values). */
  filesExamined: number;
}

/**
 * Finds the rows matching `predicate` (rows where it is TRUE; NULL does not match). I/O: reads
 * every candidate file whose partition values do not decide the predicate; holds the surviving
 * rows of one touched file at a time in memory before returning them all.
 */
export async function deleteMatchingRows(
  snapshot: Snapshot,
  env: ScanEnvironment,
  predicate: { expr: Expression; bound: BoundExpression },
  options: { partitionValues?: PartitionValueOptions; signal?: AbortSignal } = {},
): Promise<RowDeletion> {
  const { expr, bound } = predicate;
  const plan = planScan(snapshot, { filter: expr, partitionValues: options.partitionValues });
  const partitionNames = new Set(snapshot.partitionColumns.map((c) => c.toLowerCase()));
  const onlyPartitions = referencedColumns(expr).every((path) => path.length === 1 && partitionNames.has(path[0]!.toLowerCase()));
  const result: RowDeletion = { removed: [], kept: [], deletedRows: 0, filesExamined: plan.files.length };
  for (const position of plan.files) {
    options.signal?.throwIfAborted();
    const add = snapshot.files.addFile(position);
    if (onlyPartitions) {
      if (partitionMatches(snapshot, bound, position, options.partitionValues)) {
        result.removed.push(add);
        result.deletedRows += numRecords(add) ?? 0;
      }
      continue;
    }
    const survivors: RecordBatch[] = [];
    let matched = 0;
    for await (const batch of scanSnapshot(snapshot, env, { files: [position], signal: options.signal })) {
      const states = evaluateTriState(bound, batch);
      const keep = new Uint8Array(states.length);
      for (let i = 0; i < states.length; i++) {
        if (states[i] === TRUE) matched++;
        else keep[i] = 1;
      }
      const rest = filterBatch(batch, keep);
      if (rest.numRows > 0) survivors.push(rest);
    }
    if (matched === 0) continue;
    result.removed.push(add);
    result.deletedRows += matched;
    result.kept.push(...survivors);
  }
  return result;
}

/** Evaluates a partition-only predicate on one file's partition values. */
function partitionMatches(snapshot: Snapshot, bound: BoundExpression, position: number, options?: PartitionValueOptions): boolean {
  const columns = partitionColumnsOf(snapshot.schema, snapshot.partitionColumns, snapshot.columnMappingMode);
  const values = snapshot.files.partitionValues(position);
  const fields = columns.map((c) => toArrowField(snapshot.schema.fields.find((f) => f.name === c.name)!));
  const data = columns.map(
    (c) => partitionVector(parsePartitionValue(values[c.physicalName], c.type, c.physicalName, options), c.type, 1).data[0] as Data,
  );
  const row = batchOf(new Schema(fields), data, 1);
  return evaluateTriState(bound, row)[0] === TRUE;
}

function numRecords(add: AddFile): number | undefined {
  if (!add.stats) return undefined;
  try {
    const n = (JSON.parse(add.stats) as { numRecords?: unknown }).numRecords;
    return typeof n === "number" ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The `remove` action for a file that was active. */
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
