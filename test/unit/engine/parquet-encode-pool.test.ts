import { InvalidArgumentError } from "../../../src/errors/argument-errors.js";
import {
  Int32,
  Int64,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Field,
  Utf8,
  makeData,
  Struct,
  vectorFromArray,
  type Data,
} from "apache-arrow";
import { availableParallelism } from "node:os";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type EncodeSettings, encodeRowGroup } from "../../../src/engine/parquet-encode.js";
import { ParquetEncoderPool, parquetEncoderPool, setParquetEncodeThreads } from "../../../src/engine/parquet-encode-pool.js";
import { openParquetFile } from "../../../src/engine/parquet-read.js";
import { runParquetWasm } from "../../../src/engine/parquet-wasm-runtime.js";
import { writeParquetStream } from "../../../src/engine/parquet-write.js";
import { ParquetWriteError } from "../../../src/errors/parquet-errors.js";
import { MemoryStore } from "../../../src/storage/memory-store.js";

const settings: EncodeSettings = {
  compression: "snappy",
  statistics: "page",
  maxRowGroupSize: 1 << 20,
  dictionary: true,
  columnDictionary: [["id", false]],
  keyValueMetadata: [["k", "v"]],
  createdBy: "lakelog test",
};

function batch(from: number, rows: number): RecordBatch {
  const id = vectorFromArray(
    Array.from({ length: rows }, (_, i) => BigInt(from + i)),
    new Int64(),
  ).data[0] as Data;
  const name = vectorFromArray(
    Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? null : `n${(from + i) % 13}`)),
    new Utf8(),
  ).data[0] as Data;
  const schema = new Schema([new Field("id", new Int64(), false), new Field("name", new Utf8(), true)]);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children: [id, name] }));
}

const ipcOf = (b: RecordBatch) => RecordBatchStreamWriter.writeAll([b]).toUint8Array(true);
const here = (ipc: Uint8Array) =>
  runParquetWasm(
    (wasm) => encodeRowGroup(wasm, ipc, settings),
    (f) => new Error(f.message),
  );

const pools: ParquetEncoderPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});
afterEach(() => setParquetEncodeThreads(undefined));

describe("ParquetEncoderPool", () => {
  it("encodes a row group on a thread to exactly the bytes the main thread produces", async () => {
    const pool = new ParquetEncoderPool(1);
    pools.push(pool);
    const b = batch(0, 5000);
    const expected = here(ipcOf(b));
    const ipc = ipcOf(b);
    const got = await pool.encode(ipc, settings);
    expect(Buffer.from(got).equals(Buffer.from(expected))).toBe(true);
    expect(ipc.byteLength).toBe(0); // the IPC buffer was handed over, not copied
  });

  it("answers many concurrent jobs on two threads each with its own file, and is saturated only while work beyond its bound waits", async () => {
    const pool = new ParquetEncoderPool(2, 1024); // every job is larger than the bound
    pools.push(pool);
    expect(pool.saturated).toBe(false);
    const batches = Array.from({ length: 12 }, (_, i) => batch(i * 1000, 1000));
    const pending = batches.map((b) => pool.encode(ipcOf(b), settings));
    expect(pool.saturated).toBe(true);
    const parts = await Promise.all(pending);
    expect(pool.saturated).toBe(false);
    parts.forEach((part, i) => expect(Buffer.from(part).equals(Buffer.from(here(ipcOf(batches[i]!))))).toBe(true));
  });

  it("reports an encoder failure as ParquetWriteError and keeps working", async () => {
    const pool = new ParquetEncoderPool(1);
    pools.push(pool);
    await expect(pool.encode(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), settings)).rejects.toBeInstanceOf(ParquetWriteError);
    const ok = await pool.encode(ipcOf(batch(0, 10)), settings);
    expect(Buffer.from(ok.subarray(0, 4)).toString()).toBe("PAR1");
  });

  it("reports the encoder's refusal of nulls in a non-nullable column with its message", async () => {
    const pool = new ParquetEncoderPool(1);
    pools.push(pool);
    const schema = new Schema([new Field("x", new Int32(), false)]);
    const x = vectorFromArray([1, null], new Int32()).data[0] as Data;
    const bad = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 2, nullCount: 0, children: [x] }));
    await expect(pool.encode(ipcOf(bad), settings)).rejects.toThrow(/non-nullable/);
  });
});

describe("the shared pool and writeParquetStream", () => {
  it("follows setParquetEncodeThreads (0 = no threads) and refuses nonsense counts", () => {
    setParquetEncodeThreads(0);
    expect(parquetEncoderPool()).toBeUndefined();
    setParquetEncodeThreads(2);
    expect(parquetEncoderPool()?.size).toBe(2);
    expect(() => setParquetEncodeThreads(-1)).toThrow(InvalidArgumentError);
    expect(() => setParquetEncodeThreads(1.5)).toThrow(InvalidArgumentError);
  });

  it("takes the count from LAKELOG_ENCODE_THREADS, and warns once about a value that is not a count", () => {
    const saved = process.env.LAKELOG_ENCODE_THREADS;
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    try {
      process.env.LAKELOG_ENCODE_THREADS = "0";
      expect(parquetEncoderPool()).toBeUndefined();
      process.env.LAKELOG_ENCODE_THREADS = "3";
      expect(parquetEncoderPool()?.size).toBe(3);
      process.env.LAKELOG_ENCODE_THREADS = "two";
      expect(parquetEncoderPool()?.size ?? 0).toBe(Math.max(0, Math.min(4, availableParallelism() - 1)));
      parquetEncoderPool();
    } finally {
      if (saved === undefined) delete process.env.LAKELOG_ENCODE_THREADS;
      else process.env.LAKELOG_ENCODE_THREADS = saved;
    }
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        process.off("warning", onWarning);
        expect(warnings.filter((w) => w.includes("LAKELOG_ENCODE_THREADS"))).toHaveLength(1);
        resolve();
      }),
    );
  });

  it("writes the same file with encoder threads as without", async () => {
    // row groups of 100,000 rows (about 1.5 MB of IPC): large enough to be handed to a thread
    const files: Uint8Array[] = [];
    for (const threads of [0, 1, 2]) {
      setParquetEncodeThreads(threads);
      const handed = parquetEncoderPool()?.handedOver ?? 0;
      const out = writeParquetStream(
        (function* () {
          for (let i = 0; i < 9; i++) yield batch(i * 50_000, 50_000);
        })(),
        { rowGroupSize: 100_000 },
      );
      const chunks: Uint8Array[] = [];
      for await (const c of out) chunks.push(c);
      expect(await out.result).toMatchObject({ numRows: 450_000, numRowGroups: 5 });
      if (threads > 0) expect(parquetEncoderPool()!.handedOver - handed).toBeGreaterThanOrEqual(4); // the last, smaller one may stay
      files.push(Buffer.concat(chunks));
    }
    expect(Buffer.from(files[1]!).equals(Buffer.from(files[0]!))).toBe(true);
    expect(Buffer.from(files[2]!).equals(Buffer.from(files[0]!))).toBe(true);
    const store = new MemoryStore();
    await store.put("t.parquet", files[2]!, { mode: "overwrite" });
    const reader = await openParquetFile(store, "t.parquet");
    expect(reader.metadata.numRows).toBe(450_000);
    expect(reader.metadata.rowGroups).toHaveLength(5);
  });

  it("fails the stream with the encoder's error when a thread refuses a row group", async () => {
    setParquetEncodeThreads(1);
    const schema = new Schema([new Field("x", new Int32(), false)]);
    const good = (rows: number) =>
      new RecordBatch(
        schema,
        makeData({
          type: new Struct(schema.fields),
          length: rows,
          nullCount: 0,
          children: [
            vectorFromArray(
              Array.from({ length: rows }, (_, i) => i),
              new Int32(),
            ).data[0] as Data,
          ],
        }),
      );
    const x = vectorFromArray([1, null], new Int32()).data[0] as Data;
    const bad = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 2, nullCount: 0, children: [x] }));
    const handed = parquetEncoderPool()!.handedOver;
    const out = writeParquetStream([good(400_000), bad, bad], { rowGroupSize: 400_002 }); // the bad rows join a 1.6 MB row group: a thread encodes it
    await expect(async () => {
      for await (const _ of out) void _;
    }).rejects.toThrow(/non-nullable/);
    await expect(out.result).rejects.toBeInstanceOf(ParquetWriteError);
    expect(parquetEncoderPool()!.handedOver).toBeGreaterThan(handed);
  });

  it("encodes small row groups on the calling thread (no hand-over for a small append)", async () => {
    setParquetEncodeThreads(1);
    const handed = parquetEncoderPool()!.handedOver;
    const out = writeParquetStream([batch(0, 100), batch(100, 100)], { rowGroupSize: 100 });
    for await (const _ of out) void _;
    expect(await out.result).toMatchObject({ numRows: 200, numRowGroups: 2 });
    expect(parquetEncoderPool()!.handedOver).toBe(handed);
  });
});
