/**
 * Reading row tracking metadata (PROTOCOL.md "Row Tracking"): with the scan option `rowTracking`,
 * each returned row carries a `_metadata` struct column with `row_id` and `row_commit_version`.
 * A row's ID is the file's materialized row ID column where that is non-null, else
 * `baseRowId + physical row index` (the index before deletion vectors remove rows); its commit
 * version likewise comes from the materialized commit version column or the file's
 * `defaultRowCommitVersion`. Only tables with `delta.enableRowTracking = true` can be read so.
 */
import { type Data, Field, Int64, makeData, type RecordBatch, Schema, Struct } from "apache-arrow";
import { batchOf, isValidAt } from "../arrow/data.js";
import type { Engine } from "../engine/index.js";
import type { ObjectStore } from "../storage/store.js";
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
  if (p["delta.enableRowTracking"] !== "true") {
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

/**
 * The `_metadata` column data for `rows` physical rows of `add` starting at physical index
 * `rowOffset`, preferring the materialized columns' non-null values when given.
 */
export function rowMetadataData(add: AddFile, rowOffset: number, rows: number, materialized: { rowId?: Data; commitVersion?: Data }): Data {
  if (
    add.baseRowId === undefined ||
    add.baseRowId === null ||
    add.defaultRowCommitVersion === undefined ||
    add.defaultRowCommitVersion === null
  ) {
    throw new InvalidOperationError(
      "scan",
      `the file ${add.path} has no baseRowId/defaultRowCommitVersion, so its row IDs are unknown (row tracking was not backfilled)`,
    );
  }
  const ids = new BigInt64Array(rows);
  const versions = new BigInt64Array(rows);
  const base = BigInt(add.baseRowId) + BigInt(rowOffset);
  const version = BigInt(add.defaultRowCommitVersion);
  for (let i = 0; i < rows; i++) {
    ids[i] =
      materialized.rowId && isValidAt(materialized.rowId, i)
        ? BigInt((materialized.rowId.values as BigInt64Array)[materialized.rowId.offset + i]!)
        : base + BigInt(i);
    versions[i] =
      materialized.commitVersion && isValidAt(materialized.commitVersion, i)
        ? BigInt((materialized.commitVersion.values as BigInt64Array)[materialized.commitVersion.offset + i]!)
        : version;
  }
  const type = ROW_METADATA_FIELD.type as Struct;
  const children = [
    makeData({ type: new Int64(), length: rows, nullCount: 0, data: ids }),
    makeData({ type: new Int64(), length: rows, nullCount: 0, data: versions }),
  ];
  return makeData({ type, length: rows, nullCount: 0, children });
}

/** Which materialized columns a data file holds (one footer read); they are read with the data. */
export async function rowTrackingRead(
  env: { engine: Engine },
  store: ObjectStore,
  key: string,
  size: number,
  names: { rowId?: string; commitVersion?: string },
  signal: AbortSignal,
): Promise<{ extra: string[] }> {
  const wanted = [names.rowId, names.commitVersion].filter((n): n is string => n !== undefined);
  if (wanted.length === 0) return { extra: [] };
  const info = await env.engine.parquet.readInfo(store, key, { size, signal });
  return { extra: wanted.filter((n) => info.schema.fields.some((f) => f.name === n)) };
}

/** `batch` without the named columns. */
export function withoutColumns(batch: RecordBatch, names: readonly string[]): RecordBatch {
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
  add: AddFile,
  rowOffset: number,
  read: RecordBatch,
  names: { rowId?: string; commitVersion?: string },
): RecordBatch {
  const pick = (name: string | undefined) => (name === undefined ? undefined : (read.getChild(name)?.data[0] as Data | undefined));
  const data = rowMetadataData(add, rowOffset, batch.numRows, { rowId: pick(names.rowId), commitVersion: pick(names.commitVersion) });
  return batchOf(new Schema([...batch.schema.fields, ROW_METADATA_FIELD]), [...(batch.data.children as Data[]), data], batch.numRows);
}
