/**
 * Reading row tracking metadata (PROTOCOL.md "Row Tracking"): with the scan option `rowTracking`,
 * each returned row carries a `_metadata` struct column with `row_id` and `row_commit_version`.
 * A row's ID is the file's materialized row ID column where that is non-null, else
 * `baseRowId + physical row index` (the index before deletion vectors remove rows); its commit
 * version likewise comes from the materialized commit version column or the file's
 * `defaultRowCommitVersion`. Only tables with `delta.enableRowTracking = true` can be read so.
 *
 * Rewrites (delete, update, merge, replaceWhere, optimize) read rows with the same values as two
 * trailing long columns named like the table's materialized columns ({@link RowTrackingColumns}):
 * they travel with the rows through filters, sorts and updates, and the data-file writer stores
 * them as the materialized columns of the new files, so copied rows keep their IDs and versions.
 */
import { type Data, Field, Int64, makeData, type RecordBatch, Schema, Struct } from "apache-arrow";
import { batchOf, isValidAt, nullData } from "../arrow/data.js";
import { InvalidOperationError } from "../errors/argument-errors.js";
import type { AddFile } from "../log/actions.js";
import type { Snapshot } from "../log/snapshot.js";

/** Name of the struct column a row-tracking scan appends. */
export const ROW_METADATA_COLUMN = "_metadata";

/** The `_metadata` field: `row_id` and `row_commit_version`, both long. */
export const ROW_METADATA_FIELD = new Field(
  ROW_METADATA_COLUMN,
  new Struct([new Field("row_id", new Int64(), false), new Field("row_commit_version", new Int64(), false)]),
  false,
);

/** The materialized column names of a row-tracking table; throws when row tracking is not enabled. */
export function materializedColumns(snapshot: Snapshot): { rowId?: string; commitVersion?: string } {
  const p = snapshot.properties;
  if (!snapshot.tableProperties.enableRowTracking) {
    throw new InvalidOperationError(
      "scan",
      "row IDs can be read only from tables with row tracking enabled (delta.enableRowTracking = true)",
    );
  }
  return {
    rowId: p["delta.rowTracking.materializedRowIdColumnName"],
    commitVersion: p["delta.rowTracking.materializedRowCommitVersionColumnName"],
  };
}

/** The parts of a file action that give its rows default row IDs and commit versions. */
export type RowTrackingFile = Pick<AddFile, "path" | "baseRowId" | "defaultRowCommitVersion">;

/**
 * The stable row IDs and commit versions of `rows` physical rows of `file` starting at physical
 * index `rowOffset`, preferring the materialized columns' non-null values when given: two long
 * columns without nulls. Throws {@link InvalidOperationError} when the file has no
 * `baseRowId`/`defaultRowCommitVersion` (row tracking was never backfilled).
 */
export function stableRowTracking(
  file: RowTrackingFile,
  rowOffset: number,
  rows: number,
  materialized: { rowId?: Data; commitVersion?: Data },
): [ids: Data<Int64>, versions: Data<Int64>] {
  if (
    file.baseRowId === undefined ||
    file.baseRowId === null ||
    file.defaultRowCommitVersion === undefined ||
    file.defaultRowCommitVersion === null
  ) {
    throw new InvalidOperationError(
      "scan",
      `the file ${file.path} has no baseRowId/defaultRowCommitVersion, so its row IDs are unknown (row tracking was not backfilled)`,
    );
  }
  const ids = new BigInt64Array(rows);
  const versions = new BigInt64Array(rows);
  const base = BigInt(file.baseRowId) + BigInt(rowOffset);
  const version = BigInt(file.defaultRowCommitVersion);
  const { rowId, commitVersion } = materialized;
  for (let i = 0; i < rows; i++) {
    ids[i] = rowId && isValidAt(rowId, i) ? BigInt((rowId.values as BigInt64Array)[rowId.offset + i]!) : base + BigInt(i);
    versions[i] =
      commitVersion && isValidAt(commitVersion, i) ? BigInt((commitVersion.values as BigInt64Array)[commitVersion.offset + i]!) : version;
  }
  return [
    makeData({ type: new Int64(), length: rows, nullCount: 0, data: ids }),
    makeData({ type: new Int64(), length: rows, nullCount: 0, data: versions }),
  ];
}

/**
 * The `_metadata` column data for `rows` physical rows of `add` starting at physical index
 * `rowOffset`, preferring the materialized columns' non-null values when given.
 */
export function rowMetadataData(
  add: RowTrackingFile,
  rowOffset: number,
  rows: number,
  materialized: { rowId?: Data; commitVersion?: Data },
): Data {
  const type = ROW_METADATA_FIELD.type as Struct;
  return makeData({ type, length: rows, nullCount: 0, children: stableRowTracking(add, rowOffset, rows, materialized) });
}

/** `batch` without the named columns. */
export function withoutColumns(batch: RecordBatch, names: readonly string[]): RecordBatch {
  if (!batch.schema.fields.some((f) => names.includes(f.name))) return batch;
  const keep = batch.schema.fields.map((f, i) => [f, i] as const).filter(([f]) => !names.includes(f.name));
  return batchOf(
    new Schema(keep.map(([f]) => f)),
    keep.map(([, i]) => batch.data.children[i]! as Data),
    batch.numRows,
  );
}

/** `batch` with the `_metadata` column for its rows (physical rows `rowOffset`.. of the file; `read` holds any materialized columns). */
export function withRowMetadata(
  batch: RecordBatch,
  add: RowTrackingFile,
  rowOffset: number,
  read: RecordBatch,
  names: { rowId?: string; commitVersion?: string },
): RecordBatch {
  const data = rowMetadataData(add, rowOffset, batch.numRows, materializedData(read, names));
  return batchOf(new Schema([...batch.schema.fields, ROW_METADATA_FIELD]), [...(batch.data.children as Data[]), data], batch.numRows);
}

/** The materialized columns of a raw batch read from a file (absent when the file lacks them). */
function materializedData(read: RecordBatch, names: { rowId?: string; commitVersion?: string }): { rowId?: Data; commitVersion?: Data } {
  const pick = (name: string | undefined) => (name === undefined ? undefined : (read.getChild(name)?.data[0] as Data | undefined));
  return { rowId: pick(names.rowId), commitVersion: pick(names.commitVersion) };
}

/**
 * The physical names of a row-tracking table's materialized columns
 * (`delta.rowTracking.materializedRowIdColumnName` / `...materializedRowCommitVersionColumnName`).
 * A rewrite carries each row's stable row ID and commit version in two trailing long columns of
 * these names, and writes them into the new files under the same names.
 */
export interface RowTrackingColumns {
  rowId: string;
  commitVersion: string;
}

/** The two carried columns: nullable longs (NULL = not preserved: the new file's defaults apply). */
export function rowTrackingFields(names: RowTrackingColumns): [Field<Int64>, Field<Int64>] {
  return [new Field(names.rowId, new Int64(), true), new Field(names.commitVersion, new Int64(), true)];
}

/**
 * `batch` with the carried row tracking columns appended: each row's stable row ID and commit
 * version (physical rows `rowOffset`.. of `file`; `read` is the raw batch read from the file,
 * holding any materialized columns). Throws as {@link stableRowTracking}.
 */
export function withRowTrackingColumns(
  batch: RecordBatch,
  file: RowTrackingFile,
  rowOffset: number,
  read: RecordBatch,
  names: RowTrackingColumns,
): RecordBatch {
  const data = stableRowTracking(file, rowOffset, batch.numRows, materializedData(read, names));
  return batchOf(
    new Schema([...batch.schema.fields, ...rowTrackingFields(names)]),
    [...(batch.data.children as Data[]), ...data],
    batch.numRows,
  );
}

/** Whether `batch` ends with the carried row tracking columns `names`. */
export function hasRowTrackingColumns(batch: RecordBatch, names: RowTrackingColumns | undefined): boolean {
  const fields = batch.schema.fields;
  const n = fields.length;
  return !!names && n >= 2 && fields[n - 2]!.name === names.rowId && fields[n - 1]!.name === names.commitVersion;
}

/**
 * Splits the carried row tracking columns off `batch`: its other columns, and the two columns
 * (undefined when `batch` does not end with them). Pure; buffers are shared.
 */
export function splitRowTracking(
  batch: RecordBatch,
  names: RowTrackingColumns | undefined,
): { rows: RecordBatch; tracking?: [rowIds: Data, commitVersions: Data] } {
  if (!hasRowTrackingColumns(batch, names)) return { rows: batch };
  const n = batch.schema.fields.length;
  const children = batch.data.children as Data[];
  const rows = batchOf(new Schema(batch.schema.fields.slice(0, n - 2)), children.slice(0, n - 2), batch.numRows);
  return { rows, tracking: [children[n - 2]!, children[n - 1]!] };
}

/**
 * `rows` with the carried row tracking columns `tracking` appended (as {@link splitRowTracking}
 * returned them, for the same rows); `rows` unchanged when there are none. With `updated`, the
 * commit versions become NULL: an updated row keeps its row ID and gets the new file's commit
 * version (PROTOCOL.md: only copied rows keep their commit version).
 */
export function joinRowTracking(
  rows: RecordBatch,
  tracking: readonly [Data, Data] | undefined,
  names: RowTrackingColumns | undefined,
  updated = false,
): RecordBatch {
  if (!tracking || !names) return rows;
  const versions = updated ? nullData(new Int64(), rows.numRows) : tracking[1];
  return batchOf(
    new Schema([...rows.schema.fields, ...rowTrackingFields(names)]),
    [...(rows.data.children as Data[]), tracking[0], versions],
    rows.numRows,
  );
}

/** `batch` without the carried row tracking columns (what change data files and users see). */
export function withoutRowTracking(batch: RecordBatch, names: RowTrackingColumns | undefined): RecordBatch {
  return splitRowTracking(batch, names).rows;
}
