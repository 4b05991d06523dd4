/**
 * Builds small Delta tables with real Parquet data files for reader tests, without the writer:
 * data files through the engine, the log written by hand.
 */
import { tableFromArrays, type RecordBatch } from "apache-arrow";
import { writeParquetBuffer } from "../../src/engine/parquet-write.js";
import type { Action } from "../../src/log/actions.js";
import { commitPath } from "../../src/log/log-files.js";
import type { ObjectStore } from "../../src/storage/store.js";

/** Column data for `tableFromArrays` (typed arrays, arrays of strings, ...). */
export type Columns = Parameters<typeof tableFromArrays>[0];

/** Writes a Parquet file of the columns at `path` and returns its `add` action (stats on numeric columns). */
export async function writeDataFile(
  store: ObjectStore,
  path: string,
  columns: Columns,
  partitionValues: Record<string, string | null> = {},
): Promise<Action> {
  const table = tableFromArrays(columns);
  const { data } = writeParquetBuffer(table.batches as RecordBatch[]);
  await store.put(path, data);
  const minValues: Record<string, unknown> = {};
  const maxValues: Record<string, unknown> = {};
  const nullCount: Record<string, number> = {};
  for (const [name, values] of Object.entries(columns)) {
    const nums = Array.from(values as ArrayLike<unknown>)
      .filter((v) => typeof v === "number" || typeof v === "bigint")
      .map(Number);
    if (nums.length > 0) {
      minValues[name] = Math.min(...nums);
      maxValues[name] = Math.max(...nums);
    }
    nullCount[name] = Array.from(values as ArrayLike<unknown>).filter((v) => v === null).length;
  }
  const stats = JSON.stringify({ numRecords: table.numRows, minValues, maxValues, nullCount });
  return { add: { path, partitionValues, size: data.byteLength, modificationTime: Date.now(), dataChange: true, stats } };
}

/** Writes commit `version` with the given actions (create-if-absent). */
export async function writeCommit(store: ObjectStore, version: number, actions: Action[]): Promise<void> {
  const body = actions.map((a) => JSON.stringify(a)).join("\n") + "\n";
  await store.put(commitPath(version), new TextEncoder().encode(body), { mode: "create" });
}

/** A `metaData` action for a schema given as `[name, deltaType]` pairs (all nullable). */
export function metadataFor(
  fields: Array<[string, string]>,
  partitionColumns: string[] = [],
  configuration: Record<string, string> = {},
): Action {
  return {
    metaData: {
      id: "test",
      format: { provider: "parquet", options: {} },
      schemaString: JSON.stringify({
        type: "struct",
        fields: fields.map(([name, type]) => ({ name, type, nullable: true, metadata: {} })),
      }),
      partitionColumns,
      configuration,
      createdTime: 0,
    },
  };
}
