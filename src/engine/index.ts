/**
 * # engine — the seam between the protocol and Parquet
 *
 * The protocol layers (log replay, scans, writes, maintenance) reach storage, Parquet and the time
 * of day only through an {@link Engine} value: `{ store, parquet, clock }`, passed as one thing.
 * Nothing outside `src/engine/` imports another file of this folder (dependency-cruiser enforces
 * it), so the parquet-wasm implementation (`parquet-*.ts`) can be replaced, and tests can give
 * the protocol an in-memory store, a fake clock or a failing Parquet handler.
 *
 * The concrete engine is built at the edge (`src/table/`) with {@link createEngine}.
 */
import type { RecordBatch, Schema } from "apache-arrow";
import type { ObjectStore } from "../storage/store.js";
import { readParquetBatches, readParquetMetadata } from "./parquet-read.js";
import {
  type ParquetByteStream,
  type ParquetWriteOptions,
  type ParquetWriteResult,
  writeParquetBuffer,
  writeParquetStream,
} from "./parquet-write.js";

export type { ParquetByteStream, ParquetWriteOptions, ParquetWriteResult };
export { setParquetEncodeThreads } from "./parquet-encode-pool.js";

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

/** Parquet reading and writing for the protocol layers. */
export interface ParquetHandler {
  /**
   * Streams the object's rows as Arrow record batches in file order. Reads only the requested
   * columns and row groups (ranged GETs on `store`). A missing object surfaces the store's
   * `NotFoundError`; a truncated or corrupt one a `CorruptParquetError` naming it.
   */
  read(store: ObjectStore, path: string, options?: ParquetReadOptions): AsyncIterable<RecordBatch>;

  /** Reads only the footer (one or two ranged GETs). Errors as for {@link ParquetHandler.read}. */
  readInfo(store: ObjectStore, path: string, options?: { size?: number; signal?: AbortSignal }): Promise<ParquetFileInfo>;

  /**
   * Encodes batches as one Parquet file, yielded chunk by chunk with memory bounded by about two
   * row groups; hand the stream to `store.putStream`. Performs no I/O itself. Encoder failures
   * reject the iteration (and `result`) with `ParquetWriteError` / `ParquetMemoryError`.
   */
  write(batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>, options?: ParquetWriteOptions): ParquetByteStream;

  /** Encodes a small file in memory (checkpoints of a few rows, tests). Same errors as `write`. */
  writeBuffer(batches: Iterable<RecordBatch>, options?: Omit<ParquetWriteOptions, "signal">): ParquetWriteResult & { data: Uint8Array };
}

/** The time of day, injectable so retention and timestamps can be tested. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Everything the protocol layers need from the outside world, passed as one value. */
export interface Engine {
  /** The table's store (paths are relative to the table root). */
  readonly store: ObjectStore;
  readonly parquet: ParquetHandler;
  readonly clock: Clock;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * The parquet-wasm implementation of {@link ParquetHandler}. Batches carry the file's types as
 * parquet-wasm maps them, except INT96, which arrives as Timestamp(µs, "UTC"); convert them to
 * the table's types with `normalizeBatch` (src/arrow/cast.ts).
 */
export const parquetWasm: ParquetHandler = {
  read(store, path, options = {}) {
    return readParquetBatches(store, path, options);
  },
  async readInfo(store, path, options = {}) {
    const metadata = await readParquetMetadata(store, path, options);
    return { numRows: metadata.numRows, rowGroups: metadata.rowGroups.map((g) => ({ numRows: g.numRows })), schema: metadata.schema };
  },
  write(batches, options = {}) {
    return writeParquetStream(batches, options);
  },
  writeBuffer(batches, options = {}) {
    return writeParquetBuffer(batches, options);
  },
};

/** Builds an {@link Engine} over `store`: parquet-wasm and the wall clock unless others are given. */
export function createEngine(store: ObjectStore, parts: { parquet?: ParquetHandler; clock?: Clock } = {}): Engine {
  return { store, parquet: parts.parquet ?? parquetWasm, clock: parts.clock ?? systemClock };
}

/** The same engine on another store (external files, a sibling table); parquet and clock are shared. */
export function withStore(engine: Engine, store: ObjectStore): Engine {
  return store === engine.store ? engine : { ...engine, store };
}
