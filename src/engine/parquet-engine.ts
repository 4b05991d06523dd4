/**
 * The parquet-wasm implementation of the {@link ParquetEngine} seam, for wiring at the edge.
 * It adds nothing to `parquet-read`: reads fetch only the requested columns and row groups
 * through the store, and failures are the typed errors documented there.
 */
import type { RecordBatch } from "apache-arrow";
import type { ObjectStore } from "../storage/store.js";
import type { ParquetEngine, ParquetFileInfo, ParquetReadOptions } from "./engine.js";
import { readParquetBatches, readParquetMetadata } from "./parquet-read.js";

/**
 * Reads Parquet with parquet-wasm (see `openParquetFile`). Batches carry the file's types as
 * parquet-wasm maps them, except INT96, which arrives as Timestamp(µs, "UTC"); convert them to
 * the table's types with `normalizeBatch`.
 */
export const parquetWasmEngine: ParquetEngine = {
  readParquet(store: ObjectStore, path: string, options: ParquetReadOptions = {}): AsyncIterable<RecordBatch> {
    return readParquetBatches(store, path, options);
  },

  async readParquetInfo(store: ObjectStore, path: string, options: { size?: number; signal?: AbortSignal } = {}): Promise<ParquetFileInfo> {
    const metadata = await readParquetMetadata(store, path, options);
    return { numRows: metadata.numRows, rowGroups: metadata.rowGroups.map((g) => ({ numRows: g.numRows })), schema: metadata.schema };
  },
};
