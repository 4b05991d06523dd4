/**
 * Writing record batches to one Parquet file, a row group per batch, with bounded memory:
 * parquet-wasm's streaming writer encodes each batch as it arrives. That writer drops a batch it
 * cannot encode without saying so, so the finished file's row count is checked against the rows
 * fed, and a short file is deleted and reported.
 */
import { createWriteStream, openAsBlob } from "node:fs";
import { rm } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { Table, tableToIPC, type RecordBatch } from "apache-arrow";
import * as wasm from "parquet-wasm";
import { CliError } from "../exit.js";

/** Writes `batches` to `path` (zstd); resolves with the rows written. */
export async function writeParquetFile(path: string, batches: AsyncIterable<RecordBatch>, signal: AbortSignal): Promise<number> {
  let rows = 0;
  const iterator = batches[Symbol.asyncIterator]();
  const source = new ReadableStream<wasm.RecordBatch>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) {
        controller.close();
        return;
      }
      rows += next.value.numRows;
      const table = wasm.Table.fromIPCStream(tableToIPC(new Table([next.value]), "stream"));
      try {
        for (const batch of table.recordBatches()) controller.enqueue(batch);
      } finally {
        table.free();
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  const properties = new wasm.WriterPropertiesBuilder().setCompression(wasm.Compression.ZSTD).build();
  try {
    const bytes = await wasm.transformParquetStream(source, properties);
    await pipeline(Readable.fromWeb(bytes as WebReadableStream<Uint8Array>), createWriteStream(path), { signal });
    const written = await parquetRowCount(path);
    if (written !== rows)
      throw new CliError("OUTPUT_INCOMPLETE", `the Parquet writer wrote ${written} of ${rows} rows to ${path}; the file was removed`);
    return rows;
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
}

/** The row count in a Parquet file's footer. */
export async function parquetRowCount(path: string): Promise<number> {
  const file = await wasm.ParquetFile.fromFile(await openAsBlob(path));
  try {
    const meta = file.metadata();
    const rows = meta.fileMetadata().numRows();
    return Number(rows);
  } finally {
    file.free();
  }
}
