/**
 * Encoding one row group (as an Arrow IPC stream) into a complete one-row-group Parquet file with
 * parquet-wasm, and classifying what parquet-wasm throws.
 *
 * The functions here run on the main thread and, unchanged, inside encoder threads
 * (`parquet-encode-pool`), which receive their source text: they must use nothing but their
 * arguments (no imports, no module constants, no helpers of their own).
 */
import type * as ParquetWasm from "parquet-wasm";

/** The parquet-wasm module's exports. */
export type ParquetWasmModule = typeof ParquetWasm;

/** Writer settings of a row group, as plain data that can be posted to an encoder thread. */
export interface EncodeSettings {
  compression: "snappy" | "zstd" | "uncompressed";
  statistics: "none" | "chunk" | "page";
  maxRowGroupSize: number;
  /** Dictionary encoding for every column unless listed in `columnDictionary`. */
  dictionary: boolean;
  /** Per top-level column overrides of `dictionary`, applied in order. */
  columnDictionary: Array<[string, boolean]>;
  keyValueMetadata: Array<[string, string]> | undefined;
  createdBy: string;
}

/** A complete Parquet file holding the rows of the IPC stream `ipc` as one row group. */
export function encodeRowGroup(wasm: ParquetWasmModule, ipc: Uint8Array, settings: EncodeSettings): Uint8Array {
  const codec = { snappy: wasm.Compression.SNAPPY, zstd: wasm.Compression.ZSTD, uncompressed: wasm.Compression.UNCOMPRESSED }[
    settings.compression
  ];
  const stats = { none: wasm.EnabledStatistics.None, chunk: wasm.EnabledStatistics.Chunk, page: wasm.EnabledStatistics.Page }[
    settings.statistics
  ];
  let builder = new wasm.WriterPropertiesBuilder()
    .setCompression(codec)
    .setStatisticsEnabled(stats)
    .setMaxRowGroupSize(settings.maxRowGroupSize)
    .setDictionaryEnabled(settings.dictionary)
    .setCreatedBy(settings.createdBy);
  for (const [name, on] of settings.columnDictionary) builder = builder.setColumnDictionaryEnabled(name, on);
  if (settings.keyValueMetadata) builder = builder.setKeyValueMetadata(new Map(settings.keyValueMetadata));
  // the properties first: if building them throws, no table is left unfreed
  const properties = builder.build();
  return wasm.writeParquet(wasm.Table.fromIPCStream(ipc), properties);
}

/** What went wrong inside parquet-wasm. */
export interface WasmFailure {
  /** `error`: the library returned an error; `trap`: it panicked; `oom`: it ran out of WASM memory. */
  kind: "error" | "trap" | "oom";
  message: string;
  cause: unknown;
}

/**
 * Classifies an exception thrown by a parquet-wasm call. A trap (`WebAssembly.RuntimeError`, how
 * a Rust panic surfaces) with the heap at `oomHeapBytes` or more, or a `RangeError` about memory,
 * is an allocation failure. After `trap` and `oom` the instance must not be used again.
 */
export function classifyWasmError(err: unknown, heapBytes: number, oomHeapBytes: number): WasmFailure {
  if (err instanceof Error && err.name === "RuntimeError") {
    const kind = heapBytes >= oomHeapBytes ? "oom" : "trap";
    return { kind, message: `parquet-wasm ${kind === "oom" ? "ran out of memory" : "crashed"}: ${err.message}`, cause: err };
  }
  if (err instanceof RangeError && /memory/i.test(err.message))
    return { kind: "oom", message: `parquet-wasm ran out of memory: ${err.message}`, cause: err };
  return { kind: "error", message: err instanceof Error ? err.message : String(err), cause: err };
}
