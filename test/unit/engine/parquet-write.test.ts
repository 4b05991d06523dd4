import { createRequire } from "node:module";
import type * as Arrow from "apache-arrow";
import {
  Binary,
  Bool,
  type Data,
  type DataType,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  Map_,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { describe, expect, it } from "vitest";
import { normalizeBatch } from "../../../src/arrow/cast.js";
import { openParquetFile, type ParquetFileReader } from "../../../src/engine/parquet-read.js";
import { decodeStruct, getI64, getInt, getList, getString, getStruct, getStructList } from "../../../src/engine/parquet-thrift.js";
import { writeParquetBuffer, writeParquetStream } from "../../../src/engine/parquet-write.js";
import { writeSchemaOf } from "../../../src/engine/parquet-write-prepare.js";
import { ParquetWriteError } from "../../../src/errors/parquet-errors.js";
import { MemoryStore } from "../../../src/storage/memory-store.js";
import { decimalData, rowStrings } from "./fixtures.js";

const col = (items: unknown[], type: DataType) => vectorFromArray(items as never[], type).data[0] as Data;
const raw64 = (type: DataType, values: (bigint | null)[]) =>
  makeData({
    type: type as TimestampMicrosecond,
    length: values.length,
    nullCount: values.filter((v) => v === null).length,
    nullBitmap: Uint8Array.from({ length: Math.ceil(values.length / 8) }, (_, byte) =>
      values.slice(byte * 8, byte * 8 + 8).reduce((bits, v, i) => (v === null ? bits : bits | (1 << i)), 0),
    ),
    data: BigInt64Array.from(values, (v) => v ?? 0n),
  });

function batchOf(columns: [string, Data, boolean?][]): RecordBatch {
  const fields = columns.map(([name, data, nullable]) => new Field(name, data.type, nullable ?? true));
  const length = columns[0]?.[1].length ?? 0;
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length, children: columns.map(([, d]) => d) }));
}

/** One batch with every type the writer must round-trip, nulls included. */
function allTypes(): RecordBatch {
  const inner = new Struct([new Field("a", new Int32(), true), new Field("b", new Struct([new Field("c", new Utf8(), true)]), true)]);
  const entries = (value: DataType) =>
    new Field("entries", new Struct([new Field("key", new Utf8(), false), new Field("value", value, true)]), false);
  return batchOf([
    ["i8", col([-128, 127, null, 0], new Int8())],
    ["i16", col([-32768, 32767, null, 1], new Int16())],
    ["i32", col([-2147483648, 2147483647, null, 2], new Int32())],
    ["i64", col([-(2n ** 63n), 2n ** 63n - 1n, 0n, 3n], new Int64()), false],
    ["f32", col([1.5, -0, null, Number.POSITIVE_INFINITY], new Float32())],
    ["f64", col([Math.PI, Number.NaN, null, -1e300], new Float64())],
    ["dec", decimalData([12345n, -1n, null, 0n], new Decimal(2, 10, 128))],
    ["dec38", decimalData([10n ** 37n, -(10n ** 37n), null, 1n], new Decimal(18, 38, 128))],
    ["str", col(["héllo ✓", "", null, "x".repeat(1000)], new Utf8())],
    ["bin", col([new Uint8Array([0, 255]), new Uint8Array(0), null, new Uint8Array([7])], new Binary())],
    ["bool", col([true, false, null, true], new Bool())],
    ["date", col([new Date(Date.UTC(1, 0, 1)), new Date(Date.UTC(9999, 11, 31)), null, new Date(0)], new DateDay())],
    ["ts", raw64(new TimestampMicrosecond("UTC"), [-62135596800000000n, 253402300799999999n, null, 1n])],
    ["ts_ntz", raw64(new TimestampMicrosecond(), [0n, 1700000000123456n, null, -1n])],
    ["ts_ms", raw64(new TimestampMillisecond("UTC"), [1700000000123n, -1n, null, 0n])],
    ["ts_ns", raw64(new TimestampNanosecond("+01:00"), [1700000000123456000n, 999n, null, 0n])],
    ["st", col([{ a: 1, b: { c: "x" } }, { a: null, b: null }, null, { a: 4, b: { c: null } }], inner)],
    ["lst", col([[1n, 2n], [], null, [null]], new List(new Field("item", new Int64(), true)))],
    ["lst_st", col([[{ x: 1 }], [null], null, []], new List(new Field("item", new Struct([new Field("x", new Int32(), true)]), true)))],
    [
      "lst_lst",
      col([[[1], [2, 3]], [[]], null, [null]], new List(new Field("item", new List(new Field("item", new Int32(), true)), true))),
    ],
    [
      "mp",
      col(
        [
          new Map([
            ["a", 1n],
            ["b", null],
          ]),
          new Map(),
          null,
          new Map([["z", 26n]]),
        ],
        new Map_(entries(new Int64())),
      ),
    ],
    ["mp_st", col([new Map([["k", { a: 1, b: null }]]), null, new Map(), new Map()], new Map_(entries(inner)))],
  ]);
}

async function writeAndOpen(data: Uint8Array): Promise<ParquetFileReader> {
  const store = new MemoryStore();
  await store.put("x.parquet", data);
  return openParquetFile(store, "x.parquet");
}

async function readBack(reader: ParquetFileReader, schema: Schema): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of reader.readBatches()) out.push(normalizeBatch(b, schema));
  return out;
}

/** The Parquet schema element of a top-level leaf column. */
function schemaElement(reader: ParquetFileReader, name: string) {
  const field = reader.footer.fields.find((f) => f.name === name);
  return getStructList(reader.footer.raw, 2)[field?.schemaStart ?? -1];
}

describe("writeParquetBuffer round trip", () => {
  const batch = allTypes();
  const schema = writeSchemaOf(batch.schema);

  it("reads back every type, value and null as written", async () => {
    const { data, numRows, numRowGroups, size } = writeParquetBuffer([batch]);
    expect({ numRows, numRowGroups, size }).toEqual({ numRows: 4, numRowGroups: 1, size: data.byteLength });
    const reader = await writeAndOpen(data);
    expect(rowStrings(await readBack(reader, schema))).toEqual(rowStrings([normalizeBatch(batch, schema)]));
  });

  it.each([
    ["ts", true],
    ["ts_ntz", false],
    ["ts_ms", true],
    ["ts_ns", true],
  ])("writes %s as INT64 TIMESTAMP(MICROS), adjusted to UTC: %s", async (name, adjusted) => {
    const reader = await writeAndOpen(writeParquetBuffer([batch]).data);
    const element = schemaElement(reader, name);
    expect(getInt(element!, 1)).toBe(2); // INT64, never INT96 (3)
    const timestamp = getStruct(getStruct(element!, 10)!, 8)!;
    expect(timestamp.get(1)).toEqual({ t: 1, v: adjusted });
    expect([...getStruct(timestamp, 2)!.keys()]).toEqual([2]); // MICROS
  });

  it("names list elements `element`, as the Parquet spec does", async () => {
    const reader = await writeAndOpen(writeParquetBuffer([batch]).data);
    const names = getStructList(reader.footer.raw, 2).map((e) => getString(e, 4));
    expect(names).toContain("element");
    expect(names).not.toContain("item");
  });

  it("keeps PARQUET:field_id field metadata as Parquet field ids (column mapping id mode)", async () => {
    const fields = [new Field("id", new Int64(), false, new Map([["PARQUET:field_id", "7"]]))];
    const b = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 1, children: [col([1n], new Int64())] }));
    const reader = await writeAndOpen(writeParquetBuffer([b]).data);
    expect(getInt(schemaElement(reader, "id")!, 9)).toBe(7);
    expect(reader.metadata.schema.fields[0]?.metadata.get("PARQUET:field_id")).toBe("7");
  });

  it.each([
    ["snappy", 1],
    ["zstd", 6],
    ["uncompressed", 0],
  ] as const)("compresses with %s", async (compression, codec) => {
    const reader = await writeAndOpen(writeParquetBuffer([batch], { compression }).data);
    const chunk = getStructList(getStructList(reader.footer.raw, 4)[0]!, 1)[0]!;
    expect(getInt(getStruct(chunk, 3)!, 4)).toBe(codec);
  });

  it("adds key-value metadata to the footer", async () => {
    const reader = await writeAndOpen(writeParquetBuffer([batch], { keyValueMetadata: { "delta.note": "hi" } }).data);
    expect(reader.metadata.keyValueMetadata.get("delta.note")).toBe("hi");
  });
});

describe("row groups, streaming and stitching", () => {
  const ids = (start: number, n: number) =>
    batchOf([
      [
        "id",
        col(
          Array.from({ length: n }, (_, i) => BigInt(start + i)),
          new Int64(),
        ),
        false,
      ],
      [
        "part",
        col(
          Array.from({ length: n }, (_, i) => (start + i) % 3),
          new Int32(),
        ),
      ],
    ]);

  it("closes the first row group at firstRowGroupBytes and the later ones at rowGroupBytes", async () => {
    // 100-row batches of 1,200 Arrow bytes (12 bytes a row)
    const batches = Array.from({ length: 10 }, (_, i) => ids(i * 100, 100));
    const { data } = writeParquetBuffer(batches, { rowGroupBytes: 3000, firstRowGroupBytes: 1000 });
    const reader = await writeAndOpen(data);
    expect(reader.metadata.rowGroups.map((g) => g.numRows)).toEqual([100, 300, 300, 300]);
  });

  it("splits batches at the row-group size and reads back in order", async () => {
    const { data, numRowGroups } = writeParquetBuffer([ids(0, 700), ids(700, 700), ids(1400, 100)], { rowGroupSize: 500 });
    expect(numRowGroups).toBe(3);
    const reader = await writeAndOpen(data);
    expect(reader.metadata.rowGroups.map((g) => g.numRows)).toEqual([500, 500, 500]);
    const back = await readBack(reader, writeSchemaOf(ids(0, 1).schema));
    expect(back.flatMap((b) => Array.from(b.getChild("id") ?? [], Number))).toEqual(Array.from({ length: 1500 }, (_, i) => i));
  });

  it("closes a row group early at rowGroupBytes", () => {
    expect(writeParquetBuffer([ids(0, 1000)], { rowGroupBytes: 1 }).numRowGroups).toBe(1);
    expect(writeParquetBuffer([ids(0, 100), ids(100, 100), ids(200, 100)], { rowGroupBytes: 1 }).numRowGroups).toBe(3);
  });

  it("keeps page indexes valid: every offset index points at the chunk's data pages", async () => {
    const reader = await writeAndOpen(writeParquetBuffer([ids(0, 5000)], { rowGroupSize: 1000, dictionary: false }).data);
    const bytes = await reader.store.get(reader.path);
    for (const rg of getStructList(reader.footer.raw, 4)) {
      for (const chunk of getStructList(rg, 1)) {
        const meta = getStruct(chunk, 3)!;
        const offset = Number(getI64(chunk, 4));
        const index = decodeStruct(bytes.subarray(offset, offset + getInt(chunk, 5)!)).value;
        const pages = getStructList(index, 1);
        expect(getI64(pages[0]!, 1)).toBe(getI64(meta, 9)); // first data page
        for (const page of pages) {
          const at = Number(getI64(page, 1));
          const header = decodeStruct(bytes, at);
          expect(header.end - at + getInt(header.value, 3)!).toBe(getInt(page, 2)); // header + compressed size
        }
      }
    }
  });

  it("streams one chunk per row group plus the header and the closing chunks, and reports totals", async () => {
    async function* source() {
      for (let i = 0; i < 10; i++) yield ids(i * 1000, 1000);
    }
    const out = writeParquetStream(source(), { rowGroupSize: 2500 });
    const chunks: Uint8Array[] = [];
    for await (const c of out) chunks.push(c);
    const result = await out.result;
    expect(result).toEqual({ numRows: 10_000, numRowGroups: 4, size: chunks.reduce((s, c) => s + c.byteLength, 0) });
    const store = new MemoryStore();
    await store.putStream(
      "s.parquet",
      (async function* () {
        yield* chunks;
      })(),
    );
    const reader = await openParquetFile(store, "s.parquet");
    expect(reader.metadata.numRows).toBe(10_000);
    expect(chunks.length).toBeGreaterThanOrEqual(1 + 4 + 1);
  });

  it("works directly as the source of store.putStream", async () => {
    const store = new MemoryStore();
    const out = writeParquetStream([ids(0, 10), ids(10, 10)]);
    await store.putStream("p.parquet", out);
    expect((await out.result).numRows).toBe(20);
    expect((await store.head("p.parquet")).size).toBe((await out.result).size);
  });

  it("turns dictionary encoding off for mostly-distinct columns and keeps it for repetitive ones", async () => {
    const reader = await writeAndOpen(writeParquetBuffer([ids(0, 5000)]).data);
    const encodings = getStructList(getStructList(reader.footer.raw, 4)[0]!, 1).map((c) =>
      getList(getStruct(c, 3)!, 2).map((e) => (e as { v: number }).v),
    );
    const dictionary = (e: number[]) => e.includes(8) || e.includes(2);
    expect(dictionary(encodings[0]!)).toBe(false); // id: unique
    expect(dictionary(encodings[1]!)).toBe(true); // part: 3 values
  });
});

describe("schemas and errors", () => {
  const a = batchOf([["x", col([1, 2], new Int32())]]);

  it("writes an empty file of the given schema when there are no batches", async () => {
    const { data, numRows } = writeParquetBuffer([], { schema: a.schema });
    expect(numRows).toBe(0);
    const reader = await writeAndOpen(data);
    expect(reader.metadata.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(["x:Int32"]);
    expect(reader.metadata.rowGroups).toHaveLength(0);
  });

  it("reports the encoder's refusal (nulls in a non-nullable column) as ParquetWriteError", () => {
    const bad = batchOf([["x", col([1, null], new Int32()), false]]);
    expect(() => writeParquetBuffer([bad])).toThrow(/non-nullable/);
  });

  it("refuses to write nothing without a schema", () => {
    expect(() => writeParquetBuffer([])).toThrow(ParquetWriteError);
  });

  it("refuses a batch whose schema differs from the first", () => {
    const b = batchOf([["x", col([1n], new Int64())]]);
    expect(() => writeParquetBuffer([a, b])).toThrow(ParquetWriteError);
  });

  it("converts batches to the given schema by column name", async () => {
    const schema = new Schema([new Field("y", new Utf8(), true), new Field("x", new Int64(), true)]);
    const reader = await writeAndOpen(writeParquetBuffer([a], { schema }).data);
    expect(reader.metadata.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(["y:Utf8", "x:Int64"]);
    expect(rowStrings(await readBack(reader, schema))).toEqual(['{"y":null,"x":"1n"}', '{"y":null,"x":"2n"}']);
  });

  it("rejects the stream and its result when aborted", async () => {
    const controller = new AbortController();
    const out = writeParquetStream([a, a, a], { signal: controller.signal });
    controller.abort();
    await expect(async () => {
      for await (const _ of out) void _;
    }).rejects.toMatchObject({ name: "AbortError" });
    await expect(out.result).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("early close", () => {
  it("rejects the result when the consumer stops before the end", async () => {
    const b = batchOf([["x", col([1, 2], new Int32())]]);
    const out = writeParquetStream([b, b], { rowGroupSize: 1 });
    for await (const _ of out) break;
    await expect(out.result).rejects.toBeInstanceOf(ParquetWriteError);
  });
});

describe("batches from another copy of apache-arrow", () => {
  it("writes a batch built by apache-arrow's CommonJS build (the dual-package hazard)", async () => {
    const cjs = createRequire(import.meta.url)("apache-arrow") as typeof Arrow;
    expect(cjs.RecordBatch).not.toBe(RecordBatch);
    const foreign = cjs.tableFromArrays({ a: Int32Array.from([1, 2, 3]), s: ["x", null, "z"] }).batches[0] as unknown as RecordBatch;
    const { data } = writeParquetBuffer([foreign], { schema: foreign.schema });
    const reader = await writeAndOpen(data);
    expect(rowStrings(await readBack(reader, reader.metadata.schema))).toEqual([
      '{"a":"1","s":"x"}',
      '{"a":"2","s":null}',
      '{"a":"3","s":"z"}',
    ]);
  });
});
