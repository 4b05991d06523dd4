/**
 * The raw peer of the write and rewrite benchmarks: parquet-wasm called directly, without lakelog's
 * engine or table layer. Arrow JS batches cross into WASM the only way parquet-wasm 0.8 accepts them (Arrow IPC
 * stream bytes → `Table.fromIPCStream`), and the Parquet bytes go to a file through a plain
 * `fs.FileHandle`, fsynced at the end (lakelog's local store fsyncs its files too).
 */
import { readFileSync } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type RecordBatch, RecordBatchStreamWriter, type Table, tableFromIPC } from "apache-arrow";
import type * as ParquetWasm from "parquet-wasm";
import { filterBatch } from "../../src/arrow/filter.js";

const require = createRequire(import.meta.url);

/** A parquet-wasm instance of its own (not the one lakelog's engine uses and may replace). */
function loadInstance(): typeof ParquetWasm {
  const path = require.resolve("parquet-wasm");
  const cached = require.cache[path];
  delete require.cache[path];
  const module = require(path) as typeof ParquetWasm;
  if (cached) require.cache[path] = cached;
  else delete require.cache[path];
  return module;
}

const wasm = loadInstance();

/** Rows per row group, as lakelog's default (1 048 576). */
export const RAW_ROW_GROUP_ROWS = 1024 * 1024;

/**
 * The writer properties lakelog's engine uses for this data: snappy, page statistics, row groups
 * of 1 048 576 rows, dictionary encoding off for the columns given (lakelog's `auto` mode turns it
 * off for mostly-distinct columns: here id, value, name, ts) and on for the others.
 */
function properties(dictionaryOff: readonly string[]): ParquetWasm.WriterProperties {
  let builder = new wasm.WriterPropertiesBuilder()
    .setCompression(wasm.Compression.SNAPPY)
    .setStatisticsEnabled(wasm.EnabledStatistics.Page)
    .setMaxRowGroupSize(RAW_ROW_GROUP_ROWS)
    .setDictionaryEnabled(true);
  for (const name of dictionaryOff) builder = builder.setColumnDictionaryEnabled(name, false);
  return builder.build();
}

function ipcOf(batches: RecordBatch[]): Uint8Array {
  return RecordBatchStreamWriter.writeAll(batches).toUint8Array(true);
}

/** What a raw write produced. */
export interface RawWriteResult {
  rows: number;
  files: number;
  bytes: number;
}

/**
 * `transformParquetStream`: one Parquet file from a `ReadableStream` of WASM record batches, each
 * converted from one input batch when the encoder pulls it. Writes `file`.
 */
export async function rawStreamWrite(
  batches: Iterable<RecordBatch>,
  file: string,
  dictionaryOff: readonly string[],
): Promise<RawWriteResult> {
  const source = batches[Symbol.iterator]();
  let rows = 0;
  const input = new ReadableStream<ParquetWasm.RecordBatch>(
    {
      pull(controller) {
        const next = source.next();
        if (next.done) return controller.close();
        rows += next.value.numRows;
        const table = wasm.Table.fromIPCStream(ipcOf([next.value]));
        for (const batch of table.recordBatches()) controller.enqueue(batch);
        table.free();
      },
    },
    { highWaterMark: 1 },
  );
  const output = (await wasm.transformParquetStream(input, properties(dictionaryOff))) as ReadableStream<Uint8Array>;
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(file, "w");
  let bytes = 0;
  try {
    for await (const chunk of output) {
      bytes += chunk.byteLength;
      await handle.write(chunk);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { rows, files: 1, bytes };
}

/**
 * `writeParquet`: the input gathered into chunks of one row group's rows, each encoded in one call
 * as a complete file (`part-<n>.parquet` in `dir`), the way lakelog's engine encodes a row group
 * (the engine then stitches them into one file).
 */
export async function rawWriteFiles(
  batches: Iterable<RecordBatch>,
  dir: string,
  dictionaryOff: readonly string[],
): Promise<RawWriteResult> {
  await mkdir(dir, { recursive: true });
  let pending: RecordBatch[] = [];
  let pendingRows = 0;
  const result: RawWriteResult = { rows: 0, files: 0, bytes: 0 };
  const flush = async (): Promise<void> => {
    const table = wasm.Table.fromIPCStream(ipcOf(pending));
    const props = properties(dictionaryOff);
    const bytes = wasm.writeParquet(table, props); // consumes both
    const handle = await open(join(dir, `part-${result.files}.parquet`), "w");
    try {
      await handle.write(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    result.rows += pendingRows;
    result.files++;
    result.bytes += bytes.byteLength;
    pending = [];
    pendingRows = 0;
  };
  for (const batch of batches) {
    let rest = batch;
    while (rest.numRows > 0) {
      const take = Math.min(rest.numRows, RAW_ROW_GROUP_ROWS - pendingRows);
      pending.push(take === rest.numRows ? rest : rest.slice(0, take));
      pendingRows += take;
      rest = take === rest.numRows ? rest.slice(0, 0) : rest.slice(take);
      if (pendingRows === RAW_ROW_GROUP_ROWS) await flush();
    }
  }
  if (pendingRows > 0) await flush();
  return result;
}

/** `readParquet` of a whole local file, moved to Arrow JS through IPC. */
export function rawReadFile(file: string): Table {
  return tableFromIPC(wasm.readParquet(readFileSync(file)).intoIPCStream());
}

/** What a raw rewrite of files did. */
export interface RawRewriteResult extends RawWriteResult {
  /** Rows read and not written again. */
  dropped: number;
}

/**
 * The floor of a copy-on-write rewrite: each file read whole ({@link rawReadFile}), the rows
 * `keep` marks 0 dropped, the others written with {@link rawWriteFiles} into `<outDir>/<n>`.
 * No statistics, no log, no commit.
 */
export async function rawRewriteFiles(
  files: readonly string[],
  keep: (batch: RecordBatch) => Uint8Array,
  outDir: string,
  dictionaryOff: readonly string[],
): Promise<RawRewriteResult> {
  const result: RawRewriteResult = { rows: 0, files: 0, bytes: 0, dropped: 0 };
  for (const [n, file] of files.entries()) {
    const kept: RecordBatch[] = [];
    for (const batch of rawReadFile(file).batches) {
      const out = filterBatch(batch, keep(batch));
      result.dropped += batch.numRows - out.numRows;
      kept.push(out);
    }
    const written = await rawWriteFiles(kept, join(outDir, String(n)), dictionaryOff);
    result.rows += written.rows;
    result.files += written.files;
    result.bytes += written.bytes;
  }
  return result;
}

/** Bytes of the instance's WASM heap (it only grows). */
export function rawWasmHeapBytes(): number {
  return wasm.wasmMemory().buffer.byteLength;
}
