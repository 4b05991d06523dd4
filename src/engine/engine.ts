/**
 * The engine seam: how the protocol layers (log replay, scans, writes) reach Parquet. They depend
 * on this interface only; the parquet-wasm implementation is wired in at the edge, so replay and
 * conflict logic run in tests against in-memory stores in milliseconds.
 */
import type { RecordBatch, Schema } from "apache-arrow";
import type { ObjectStore } from "../storage/store.js";

/** Options for reading one Parquet object. */
export interface ParquetReadOptions {
  /** Top-level columns to read (by name); all when omitted. Unknown names are ignored. */
  columns?: string[];
  /** Row groups to read (0-based); all when omitted. */
  rowGroups?: number[];
  /** Target rows per yielded batch. */
  batchSize?: number;
  /** The object's size when known (saves a `head`). */
  size?: number;
  signal?: AbortSignal;
}

/** What a Parquet footer says, as far as lakelog needs it. */
export interface ParquetFileInfo {
  numRows: number;
  rowGroups: Array<{ numRows: number }>;
  /** The file's schema in Arrow form as the reader returns it (INT96 columns already as Timestamp(µs, "UTC")). */
  schema: Schema;
}

/** Parquet access for the protocol layers. */
export interface ParquetEngine {
  /**
   * Streams the object's rows as Arrow record batches in file order. A missing object surfaces
   * the store's `NotFoundError`; a truncated or corrupt one a `CorruptParquetError` naming it.
   */
  readParquet(store: ObjectStore, path: string, options?: ParquetReadOptions): AsyncIterable<RecordBatch>;

  /** Reads only the footer. */
  readParquetInfo(store: ObjectStore, path: string, options?: { size?: number; signal?: AbortSignal }): Promise<ParquetFileInfo>;
}
