import { InvalidArgumentError } from "../../../src/errors/argument-errors.js";
import { Field, Float64, Int64, makeData, RecordBatch, Schema, Struct, Utf8, type Data } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { openParquetFile, readParquetBatches, readParquetMetadata } from "../../../src/engine/parquet-read.js";
import { parquetWasmLoadCount } from "../../../src/engine/parquet-wasm-runtime.js";
import { writeParquetBuffer } from "../../../src/engine/parquet-write.js";
import { CorruptParquetError, UnsupportedParquetError } from "../../../src/errors/parquet-errors.js";
import { NotFoundError } from "../../../src/errors/storage-errors.js";
import { CountingStore } from "../../../src/storage/counting-store.js";
import { MemoryStore } from "../../../src/storage/memory-store.js";
import { HAS_SHARED, parquetFilesUnder, rowStrings, sharedStore, SKIP_REASON } from "./fixtures.js";

/** `cols` columns: `id` (Int64), `name` (Utf8), then float columns `c2`... */
function makeRows(start: number, rows: number, cols = 4): RecordBatch {
  const fields: Field[] = [new Field("id", new Int64(), false), new Field("name", new Utf8(), true)];
  const children: Data[] = [
    makeData({ type: new Int64(), length: rows, data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(start + i)) }),
  ];
  const text = Array.from({ length: rows }, (_, i) => `row-${start + i}`);
  const bytes = new TextEncoder().encode(text.join(""));
  const offsets = new Int32Array(rows + 1);
  text.forEach((t, i) => (offsets[i + 1] = (offsets[i] as number) + t.length));
  children.push(makeData({ type: new Utf8(), length: rows, valueOffsets: offsets, data: bytes }));
  for (let c = 2; c < cols; c++) {
    fields.push(new Field(`c${c}`, new Float64(), true));
    children.push(
      makeData({ type: new Float64(), length: rows, data: Float64Array.from({ length: rows }, (_, i) => (start + i) * c + Math.sin(i)) }),
    );
  }
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: rows, children }));
}

async function storeWith(file: Uint8Array, path = "t/data.parquet"): Promise<CountingStore> {
  const store = new CountingStore(new MemoryStore());
  await store.put(path, file);
  store.reset();
  return store;
}

async function collect(iterable: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of iterable) out.push(b);
  return out;
}

describe("openParquetFile and readBatches on generated files", () => {
  const batch = makeRows(0, 10_000, 30);
  const file = writeParquetBuffer([batch], { rowGroupSize: 2_500 }).data;

  it("opens with one ranged get when the size is known, and reports the footer", async () => {
    const store = await storeWith(file);
    const reader = await openParquetFile(store, "t/data.parquet", { size: file.byteLength });
    expect(store.counters).toMatchObject({ head: 0, get: 1 });
    expect(reader.metadata.numRows).toBe(10_000);
    expect(reader.metadata.rowGroups.map((g) => g.numRows)).toEqual([2500, 2500, 2500, 2500]);
    expect(reader.metadata.schema.fields.map((f) => f.name)).toEqual(batch.schema.fields.map((f) => f.name));
    expect(reader.metadata.keyValueMetadata.has("ARROW:schema")).toBe(true);
  });

  it("heads the object when the size is unknown", async () => {
    const store = await storeWith(file);
    await readParquetMetadata(store, "t/data.parquet");
    expect(store.counters).toMatchObject({ head: 1, get: 1 });
  });

  it("reads the footer in a second request when it is larger than the prefetch", async () => {
    const store = await storeWith(file);
    await openParquetFile(store, "t/data.parquet", { size: file.byteLength, footerPrefetch: 64 });
    expect(store.counters.get).toBe(2);
  });

  it("returns every row, in order, equal to what was written", async () => {
    const store = await storeWith(file);
    const batches = await collect(readParquetBatches(store, "t/data.parquet"));
    expect(rowStrings(batches)).toEqual(rowStrings([batch]));
  });

  it("fetches only the projected columns' bytes and returns them in the requested order", async () => {
    const store = await storeWith(file);
    const reader = await openParquetFile(store, "t/data.parquet", { size: file.byteLength });
    store.reset();
    const batches = await collect(reader.readBatches({ columns: ["c7", "id"], coalesceBytes: 0 }));
    expect(batches[0]?.schema.fields.map((f) => f.name)).toEqual(["c7", "id"]);
    expect(rowStrings(batches)).toEqual(rowStrings([batch], ["c7", "id"]));
    expect(store.counters.bytesRead).toBeLessThan(file.byteLength / 8);
    expect(store.counters.get).toBe(8); // two separate chunks in each of four row groups
  });

  it("by default decodes small row groups together and fetches nearby chunks in one request", async () => {
    const store = await storeWith(file);
    const reader = await openParquetFile(store, "t/data.parquet", { size: file.byteLength });
    store.reset();
    await collect(reader.readBatches({ columns: ["c7", "id"] }));
    expect(store.counters.get).toBe(1);
    store.reset();
    await collect(reader.readBatches({ columns: ["c7", "id"], decodeUnitBytes: 1 }));
    expect(store.counters.get).toBe(4);
  });

  it("skips requested columns the file does not have", async () => {
    const store = await storeWith(file);
    const batches = await collect(readParquetBatches(store, "t/data.parquet", { columns: ["missing", "name"] }));
    expect(batches[0]?.schema.fields.map((f) => f.name)).toEqual(["name"]);
  });

  it("with no columns yields row counts only and fetches no column data", async () => {
    const store = await storeWith(file);
    const reader = await openParquetFile(store, "t/data.parquet", { size: file.byteLength });
    store.reset();
    const batches = await collect(reader.readBatches({ columns: [], batchSize: 3000 }));
    expect(batches.map((b) => b.numRows)).toEqual([2500, 2500, 2500, 2500]);
    expect(store.counters.get).toBe(0);
  });

  it("reads chosen row groups in the order given", async () => {
    const store = await storeWith(file);
    const batches = await collect(readParquetBatches(store, "t/data.parquet", { rowGroups: [3, 1], columns: ["id"] }));
    const ids = batches.flatMap((b) => Array.from(b.getChild("id") ?? [], Number));
    expect(ids[0]).toBe(7500);
    expect(ids[2500]).toBe(2500);
    expect(ids).toHaveLength(5000);
  });

  it("rejects a row group index that does not exist", async () => {
    const store = await storeWith(file);
    await expect(collect(readParquetBatches(store, "t/data.parquet", { rowGroups: [4] }))).rejects.toThrow(InvalidArgumentError);
  });

  it.each([
    [1000, [1000, 1000, 500]],
    [2500, [2500]],
    [100_000, [2500]],
  ])("splits each row group into batches of at most %i rows", async (batchSize, perGroup) => {
    const store = await storeWith(file);
    const batches = await collect(readParquetBatches(store, "t/data.parquet", { batchSize, rowGroups: [0] }));
    expect(batches.map((b) => b.numRows)).toEqual(perGroup);
  });

  it("serves a small file from the single footer request", async () => {
    const small = writeParquetBuffer([makeRows(0, 100, 3)]).data;
    const store = await storeWith(small);
    await collect(readParquetBatches(store, "t/data.parquet", { size: small.byteLength }));
    expect(store.counters.get).toBe(1);
  });

  it("stops before the next request once the signal is aborted", async () => {
    const store = await storeWith(file);
    const controller = new AbortController();
    const reader = await openParquetFile(store, "t/data.parquet", { size: file.byteLength });
    const seen: RecordBatch[] = [];
    await expect(
      (async () => {
        for await (const b of reader.readBatches({ signal: controller.signal })) {
          seen.push(b);
          controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: "AbortError" });
    expect(seen).toHaveLength(1);
  });
});

describe("read errors", () => {
  const file = writeParquetBuffer([makeRows(0, 5_000, 6)], { rowGroupSize: 2_000 }).data;

  it("passes the store's NotFoundError through", async () => {
    await expect(readParquetMetadata(new MemoryStore(), "nope.parquet")).rejects.toBeInstanceOf(NotFoundError);
  });

  it.each([
    ["truncated to half", file.slice(0, file.byteLength / 2)],
    ["truncated by one byte", file.slice(0, file.byteLength - 1)],
    ["empty", new Uint8Array(0)],
    ["not Parquet at all", new TextEncoder().encode('{"json": true}\n'.repeat(20))],
  ])("throws CorruptParquetError naming the path for a file %s", async (_name, bytes) => {
    const store = await storeWith(bytes, "dir/bad.parquet");
    const error = await readParquetMetadata(store, "dir/bad.parquet").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptParquetError);
    expect(error).toMatchObject({ code: "CORRUPT_PARQUET", path: "dir/bad.parquet" });
  });

  it("throws CorruptParquetError when the object is shorter than the size the caller gave", async () => {
    const store = await storeWith(file);
    await expect(openParquetFile(store, "t/data.parquet", { size: file.byteLength + 10 })).rejects.toBeInstanceOf(CorruptParquetError);
  });

  it("throws UnsupportedParquetError for an encrypted footer", async () => {
    const encrypted = file.slice();
    encrypted.set([0x50, 0x41, 0x52, 0x45], encrypted.byteLength - 4);
    const store = await storeWith(encrypted);
    await expect(readParquetMetadata(store, "t/data.parquet")).rejects.toBeInstanceOf(UnsupportedParquetError);
  });

  it("throws CorruptParquetError for garbage inside a column chunk, and keeps working afterwards", async () => {
    const reader = await openParquetFile(await storeWith(file), "t/data.parquet");
    const chunk = reader.footer.rowGroups[1]!.chunks[2]!; // a float column's pages
    const damaged = file.slice();
    for (let i = 0; i < chunk.length; i++) damaged[chunk.start + i] = (i * 131 + 7) & 0xff;
    const store = await storeWith(damaged, "dir/damaged.parquet");
    const error = await collect(readParquetBatches(store, "dir/damaged.parquet")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptParquetError);
    expect(error).toMatchObject({ path: "dir/damaged.parquet" });
    // the first row group is intact and the engine still decodes
    const loads = parquetWasmLoadCount();
    expect(await collect(readParquetBatches(store, "dir/damaged.parquet", { rowGroups: [0] }))).toHaveLength(1);
    expect(parquetWasmLoadCount()).toBeGreaterThanOrEqual(loads);
  });
});

describe.skipIf(!HAS_SHARED)(`reading real Delta files (${SKIP_REASON})`, () => {
  it("reads INT96 timestamps exactly, including year 9999 (the decoder's int64 nanoseconds would wrap)", async () => {
    const paths = parquetFilesUnder("delta-tables/table_with_edge_timestamps");
    const batches = await collect(readParquetBatches(sharedStore(), paths[0] as string));
    const big = batches[0]?.getChild("BIG_DATE")?.data[0]?.values as BigInt64Array;
    const normal = batches[0]?.getChild("NORMAL_DATE")?.data[0]?.values as BigInt64Array;
    expect(String(batches[0]?.getChild("BIG_DATE")?.type)).toBe("Timestamp<MICROSECOND, UTC>");
    expect(big[0]).toBe(BigInt(Date.UTC(9999, 11, 31)) * 1000n);
    expect(normal[0]).toBe(BigInt(Date.UTC(2022, 0, 1)) * 1000n);
  });

  it("reports INT96 columns as Timestamp(µs, UTC) in the metadata schema, nested ones too", async () => {
    const path = parquetFilesUnder("delta-golden/parquet-all-types/delta")[0] as string;
    const { schema, createdBy } = await readParquetMetadata(sharedStore(), path);
    expect(String(schema.fields.find((f) => f.name === "TimestampType")?.type)).toBe("Timestamp<MICROSECOND, UTC>");
    expect(String(schema.fields.find((f) => f.name === "TimestampNTZType")?.type)).toBe("Timestamp<MICROSECOND>");
    expect(createdBy).toMatch(/parquet-mr/);
  });

  it("throws CorruptParquetError for a macOS resource-fork file named .parquet", async () => {
    const path = "delta-tables/cdf-column-mapping-name-mode-3-7/._part-00000-3ffb99f2-82a6-4b80-92fd-f3db2aaff387-c000.snappy.parquet";
    await expect(readParquetMetadata(sharedStore(), path)).rejects.toBeInstanceOf(CorruptParquetError);
  });

  it("reads every column of every checkpoint file in the shared tables", async () => {
    const store = sharedStore();
    const checkpoints = [
      ...parquetFilesUnder("delta-tables", { includeLog: true }).filter((p) => p.includes("_delta_log")),
      ...parquetFilesUnder("delta-golden", { includeLog: true }).filter((p) => p.includes("_delta_log")),
    ];
    expect(checkpoints.length).toBeGreaterThan(20);
    for (const path of checkpoints) {
      const reader = await openParquetFile(store, path);
      let rows = 0;
      for await (const b of reader.readBatches()) rows += b.numRows;
      expect(rows, path).toBe(reader.metadata.numRows);
    }
  }, 60_000);
});

describe("decode budget", () => {
  const batch = makeRows(0, 4_000, 12);
  const file = writeParquetBuffer([batch], { rowGroupSize: 4_000, dictionary: false }).data;

  it.each([1, 20_000, 100_000, 64 * 1024 * 1024])(
    "gives the same rows with a budget of %i bytes (row groups split by columns or merged)",
    async (decodeUnitBytes) => {
      const store = await storeWith(file);
      const batches = await collect(
        readParquetBatches(store, "t/data.parquet", { decodeUnitBytes, batchSize: 1500, columns: ["c9", "id", "name", "c3"] }),
      );
      expect(batches.map((b) => b.numRows)).toEqual([1500, 1500, 1000]);
      expect(batches[0]?.schema.fields.map((f) => f.name)).toEqual(["c9", "id", "name", "c3"]);
      expect(rowStrings(batches)).toEqual(rowStrings([batch], ["c9", "id", "name", "c3"]));
    },
  );
});
