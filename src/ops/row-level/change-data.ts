/**
 * Writing change data files: rows an operation changed, with their `_change_type`, as Parquet
 * files under `_change_data/` and the `cdc` actions naming them. Files hold the data columns
 * under their physical names (partition columns are in the action's `partitionValues`, as in data
 * files) plus `_change_type`; they go into the partition's directories below `_change_data/`
 * (directly into `_change_data/` when the table uses column mapping or random file prefixes), named
 * `cdc-<uuid>.c000.snappy.parquet` as Spark names them.
 */
import { Data, Field, RecordBatch, Schema, Struct, Utf8, vectorFromArray } from "apache-arrow";
import { randomUUID } from "node:crypto";
import type { Engine } from "../../engine/index.js";
import type { AddCDCFile } from "../../log/actions.js";
import type { Snapshot } from "../../log/snapshot.js";
import { partitionColumnsOf } from "../../expr/partition-values.js";
import { conformBatch } from "../write/conform.js";
import { withoutCarried } from "../write/carry-row-tracking.js";
import { partitionDirectory, randomPrefixLength, toLogPath } from "../write/paths.js";
import { fileSchemaOf, toFileBatch } from "../write/physical.js";
import { dataFieldsOf } from "../write/stats-columns.js";

/** The kinds of change rows (`_change_type`). */
export type ChangeType = "insert" | "delete" | "update_preimage" | "update_postimage";

/** The directory of change data files. */
export const CHANGE_DATA_DIR = "_change_data";

/**
 * Writes `batches` (rows of one partition in the table's logical Arrow schema, partition columns
 * included) as one change data file with `_change_type = changeType`, and returns its `cdc` action
 * (`dataChange: false`), or undefined when there are no rows. I/O: one streamed `putStream`.
 */
export async function writeChangeDataFile(
  engine: Engine,
  snapshot: Snapshot,
  partitionValues: Record<string, string | null>,
  batches: readonly RecordBatch[],
  changeType: ChangeType,
  signal?: AbortSignal,
): Promise<AddCDCFile | undefined> {
  const rows = batches.reduce((n, b) => n + b.numRows, 0);
  if (rows === 0) return undefined;
  const dataFields = dataFieldsOf(snapshot.schema, snapshot.partitionColumns);
  const dataSchema = fileSchemaOf(dataFields, snapshot.columnMappingMode);
  const fileSchema = new Schema([...dataSchema.fields, new Field("_change_type", new Utf8(), true)]);
  const dataIndexes = dataFields.map((f) => snapshot.schema.fields.findIndex((g) => g.name === f.name));
  const key = changeDataKey(snapshot, partitionValues);
  const fileBatches = batches
    .filter((b) => b.numRows > 0)
    .map((b) => toChangeBatch(conformBatch(withoutCarried(b, snapshot), snapshot.schema), dataIndexes, dataSchema, fileSchema, changeType));
  const stream = engine.parquet.write(fileBatches, { compression: "snappy", signal });
  await engine.store.putStream(key, stream, { signal });
  const { size } = await stream.result;
  return { path: toLogPath(key), partitionValues, size, dataChange: false };
}

/** Store key of a new change data file of the partition `partitionValues`. */
function changeDataKey(snapshot: Snapshot, partitionValues: Record<string, string | null>): string {
  const name = `cdc-${randomUUID()}.c000.snappy.parquet`;
  const mode = snapshot.columnMappingMode;
  if (randomPrefixLength(snapshot.metadata.configuration, mode !== "none") !== undefined) return `${CHANGE_DATA_DIR}/${name}`;
  const dirs = partitionColumnsOf(snapshot.schema, snapshot.partitionColumns, mode).map((c) =>
    partitionDirectory(c.physicalName, partitionValues[c.physicalName] ?? null),
  );
  return [CHANGE_DATA_DIR, ...dirs, name].join("/");
}

function toChangeBatch(
  batch: RecordBatch,
  dataIndexes: number[],
  dataSchema: Schema,
  fileSchema: Schema,
  changeType: ChangeType,
): RecordBatch {
  const columns = dataIndexes.map((i) => batch.data.children[i] as Data);
  const data = new RecordBatch(
    dataSchema,
    new Data(new Struct(dataSchema.fields), 0, batch.numRows, 0, [undefined, undefined, undefined], columns),
  );
  const physical = toFileBatch(data, dataSchema);
  const type = vectorFromArray(new Array<string>(batch.numRows).fill(changeType), new Utf8()).data[0]!;
  const children = [...(physical.data.children as Data[]), type];
  return new RecordBatch(
    fileSchema,
    new Data(new Struct(fileSchema.fields), 0, batch.numRows, 0, [undefined, undefined, undefined], children),
  );
}
