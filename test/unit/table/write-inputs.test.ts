/**
 * Every input form `table.write` and `writeDeltaTable` accept, read back through the facade:
 * Arrow tables (also sliced, and built by apache-arrow's CommonJS build), single batches, sync
 * and async iterables, plain-object rows (inferred, or typed by the table), empty inputs, failing
 * and aborted streams.
 */
import { createRequire } from "node:module";
import type * as Arrow from "apache-arrow";
import { Int32, Int64, type RecordBatch, Schema, Table, Utf8 } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { SchemaMismatchError } from "../../../src/errors/schema-errors.js";
import { SchemaInferenceError } from "../../../src/ops/write/errors.js";
import type { StructField, StructType } from "../../../src/schema/types.js";
import { DeltaTable, writeDeltaTable } from "../../../src/table/delta-table.js";
import { canonicalRows, columnCells } from "../../helpers/arrow-rows.js";
import { field, testBatch } from "../../helpers/write-arrow.js";
import {
  dataFileKeys,
  expectFailure,
  expectRefusedCleanly,
  memoryUrl,
  removeTempDirs,
  storeKeys,
  tempTableDir,
} from "../../helpers/write-tables.js";

afterAll(removeTempDirs);

const f = (name: string, type: StructField["type"], nullable = true): StructField => ({ name, type, nullable, metadata: {} });
const SCHEMA: StructType = { type: "struct", fields: [f("id", "long"), f("s", "string"), f("p", "string")] };

const batchOf = (ids: number[], p = "a") =>
  testBatch([
    [field("id", new Int64()), ids.map(BigInt)],
    [field("s", new Utf8()), ids.map((i) => (i % 3 === 0 ? null : `s${i}`))],
    [field("p", new Utf8()), ids.map(() => p)],
  ]);

/** The table's rows, sorted, as canonical JSON. */
async function rowsOf(url: string): Promise<string[]> {
  return canonicalRows(await (await DeltaTable.open(url)).toArrow());
}

function expectedRows(ids: number[], p = "a"): string[] {
  return ids.map((i) => JSON.stringify({ id: `i64:${i}`, p, s: i % 3 === 0 ? null : `s${i}` })).sort();
}

describe("Arrow inputs", () => {
  it.each<[string, () => Parameters<DeltaTable["write"]>[0], number[]]>([
    ["an Arrow Table of several batches", () => new Table([batchOf([1, 2]), batchOf([3, 4, 5])]), [1, 2, 3, 4, 5]],
    ["a single RecordBatch", () => batchOf([1, 2, 3]), [1, 2, 3]],
    ["an array of RecordBatches", () => [batchOf([1]), batchOf([2, 3])], [1, 2, 3]],
    [
      "a sync generator of batches",
      () =>
        (function* () {
          yield batchOf([1]);
          yield batchOf([2]);
        })(),
      [1, 2],
    ],
    [
      "an async generator of batches",
      () =>
        (async function* () {
          yield batchOf([1, 2]);
          await new Promise((r) => setTimeout(r, 1));
          yield batchOf([3]);
        })(),
      [1, 2, 3],
    ],
    ["a Set of batches (any iterable)", () => new Set([batchOf([7]), batchOf([8])]), [7, 8]],
  ])("%s", async (_title, make, ids) => {
    const url = memoryUrl("input");
    const table = await DeltaTable.create(url, { schema: SCHEMA, partitionBy: ["p"] });
    const result = await table.write(make());
    expect(result.metrics.numOutputRows).toBe(ids.length);
    expect(await rowsOf(url)).toEqual(expectedRows(ids));
  });

  it("writes a sliced Arrow table (buffers with offsets) exactly, partitioned and not", async () => {
    const whole = new Table([
      testBatch([
        [field("id", new Int64()), [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n]],
        [field("s", new Utf8()), ["z0", null, "b2", "é3", null, "c5", "d6", null, "x8", "y9", "w10"]],
        [field("p", new Utf8()), ["q", "b", "a", "b", null, "a", "b", "a", null, "q", "q"]],
      ]),
    ]);
    const sliced = whole.slice(3, 9); // ids 3..8
    for (const partitionBy of [[], ["p"]]) {
      const url = memoryUrl("sliced");
      await writeDeltaTable(url, sliced, { partitionBy });
      expect(await rowsOf(url)).toEqual(
        [
          { id: "i64:3", p: "b", s: "é3" },
          { id: "i64:4", p: null, s: null },
          { id: "i64:5", p: "a", s: "c5" },
          { id: "i64:6", p: "b", s: "d6" },
          { id: "i64:7", p: "a", s: null },
          { id: "i64:8", p: null, s: "x8" },
        ]
          .map((r) => JSON.stringify(r))
          .sort(),
      );
    }
  });

  it("writes a table built with apache-arrow's CommonJS build", async () => {
    const cjs = createRequire(import.meta.url)("apache-arrow") as typeof Arrow;
    const foreign = cjs.tableFromArrays({ id: BigInt64Array.from([1n, 2n, 3n]), s: ["s1", "s2", "x"], p: ["a", "a", "a"] });
    // another class set (apache-arrow's Symbol.hasInstance makes instanceof pass regardless)
    expect(foreign.constructor).not.toBe(Table);
    const url = memoryUrl("cjs");
    const table = await DeltaTable.create(url, { schema: SCHEMA, partitionBy: ["p"] });
    await table.write(foreign);
    expect(canonicalRows(await (await table.refresh()).toArrow())).toEqual([
      '{"id":"i64:1","p":"a","s":"s1"}',
      '{"id":"i64:2","p":"a","s":"s2"}',
      '{"id":"i64:3","p":"a","s":"x"}',
    ]);
    // and a new table from a CommonJS batch, schema taken from it
    const url2 = memoryUrl("cjs-new");
    await writeDeltaTable(url2, foreign.batches[0]!);
    expect((await DeltaTable.open(url2)).schema.fields.map((x) => [x.name, x.type])).toEqual([
      ["id", "long"],
      ["s", "string"],
      ["p", "string"],
    ]);
  });

  it("writes a CommonJS table with nested and null values", async () => {
    const cjs = createRequire(import.meta.url)("apache-arrow") as typeof Arrow;
    const struct = new cjs.Struct([new cjs.Field("a", new cjs.Int32(), true)]);
    const list = new cjs.List(new cjs.Field("element", new cjs.Utf8(), true));
    const foreign = new cjs.Table({
      s: cjs.vectorFromArray([{ a: 1 }, null, { a: null }], struct),
      l: cjs.vectorFromArray([["x", null], null, []], list),
    });
    const url = memoryUrl("cjs-nested");
    await writeDeltaTable(url, foreign);
    expect(await rowsOf(url)).toEqual(['{"l":["x",null],"s":{"a":1}}', '{"l":[],"s":{"a":null}}', '{"l":null,"s":null}']);
  });
});

describe("plain-object rows", () => {
  it("infers long, double, string, boolean, timestamp, binary, struct, array and map columns for a new table", async () => {
    const url = memoryUrl("infer");
    await writeDeltaTable(url, [
      {
        i: 1,
        big: 2n ** 60n,
        d: 1.5,
        s: "x",
        b: true,
        t: new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 999)),
        bin: Uint8Array.of(1, 2),
        st: { a: 1, b: "y" },
        arr: [1, 2],
        m: new Map([["k", 1]]),
      },
      { i: -2, big: null, d: 2, s: null, b: false, t: null, bin: null, st: { a: null }, arr: [], m: new Map() },
    ]);
    const table = await DeltaTable.open(url);
    expect(Object.fromEntries(table.schema.fields.map((x) => [x.name, x.type]))).toEqual({
      i: "long",
      big: "long",
      d: "double",
      s: "string",
      b: "boolean",
      t: "timestamp",
      bin: "binary",
      st: { type: "struct", fields: [f("a", "long"), f("b", "string")] },
      arr: { type: "array", elementType: "long", containsNull: true },
      m: { type: "map", keyType: "string", valueType: "long", valueContainsNull: true },
    });
    expect(table.schema.fields.every((x) => x.nullable)).toBe(true);
    const read = await table.toArrow();
    expect(columnCells(read, "big")).toEqual([`i64:${2n ** 60n}`, null]);
    expect(columnCells(read, "t")).toEqual(["ts:-1000", null]);
    expect(columnCells(read, "st")).toEqual([
      { a: "i64:1", b: "y" },
      { a: null, b: null },
    ]);
    expect(columnCells(read, "m")).toEqual([[{ key: "k", value: "i64:1" }], []]);
  });

  it.each<[string, Array<Record<string, unknown>>, string]>([
    ["a column null in every row", [{ id: 1, n: null }, { id: 2 }], "n"],
    [
      "a string mixed with a number",
      [
        { id: 1, x: "a" },
        { id: 2, x: 1 },
      ],
      "x",
    ],
    [
      "a nested conflict",
      [
        { id: 1, st: { a: 1 } },
        { id: 2, st: { a: "x" } },
      ],
      "st.a",
    ],
    [
      "a bigint mixed with a fraction",
      [
        { id: 1, x: 1n },
        { id: 2, x: 1.5 },
      ],
      "x",
    ],
  ])("refuses %s with SCHEMA_INFERENCE_FAILED naming the column, creating nothing", async (_title, rows, path) => {
    const url = memoryUrl("infer-bad");
    await expectFailure(writeDeltaTable(url, rows), SchemaInferenceError, { code: "SCHEMA_INFERENCE_FAILED", columnPath: path });
    await expect(DeltaTable.open(url)).rejects.toMatchObject({ code: "TABLE_NOT_FOUND" });
  });

  it("types rows by the table schema: decimal, date and timestamp text, numbers into narrower ints, case-insensitive keys", async () => {
    const schema: StructType = {
      type: "struct",
      fields: [
        f("id", "integer"),
        f("amount", "decimal(10,2)"),
        f("day", "date"),
        f("at", "timestamp"),
        f("ntz", "timestamp_ntz"),
        f("Name", "string"),
      ],
    };
    const table = await DeltaTable.create(memoryUrl("typed-rows"), { schema });
    await table.write([
      { id: 1, amount: "-12.34", day: "1969-12-31", at: "2024-05-01T10:00:00.123456Z", ntz: "2024-05-01 10:00:00", name: "lower" },
      { ID: 2, amount: 5, day: new Date(Date.UTC(2000, 0, 1)), at: new Date(0), ntz: null, NAME: "upper" },
    ]);
    const after = await table.refresh();
    expect(after.schema).toEqual(schema);
    expect(canonicalRows(await after.toArrow())).toEqual([
      JSON.stringify({
        Name: "lower",
        amount: "dec:-12.34",
        at: "ts:1714557600123456",
        day: "date:-1d",
        id: 1,
        ntz: "ts:1714557600000000",
      }),
      JSON.stringify({ Name: "upper", amount: "dec:5.00", at: "ts:0", day: "date:10957d", id: 2, ntz: null }),
    ]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a fraction in an integer column", { id: 1.5 }, "id"],
    ["an out-of-range integer", { id: 2 ** 31 }, "id"],
    ["too many decimal digits", { id: 1, amount: "1.234" }, "amount"],
    ["a decimal past its precision", { id: 1, amount: "123456789.5" }, "amount"],
    ["an unparsable date", { id: 1, day: "yesterday" }, "day"],
  ])("refuses %s in typed rows, naming the column", async (_title, row, path) => {
    const schema: StructType = { type: "struct", fields: [f("id", "integer"), f("amount", "decimal(10,2)"), f("day", "date")] };
    const table = await DeltaTable.create(memoryUrl("typed-bad"), { schema });
    await expectRefusedCleanly(table, () => table.write([row]), SchemaMismatchError, { fieldPath: path });
  });

  it("writes more rows than one built batch holds (65 536)", async () => {
    const url = memoryUrl("many-rows");
    const rows = Array.from({ length: 70_000 }, (_, i) => ({ id: i, p: i % 2 === 0 ? "even" : "odd" }));
    const result = await writeDeltaTable(url, rows, { partitionBy: ["p"] });
    expect(result.metrics.numOutputRows).toBe(70_000);
    const read = await (await DeltaTable.open(url)).toArrow({ columns: ["id"] });
    const ids = (columnCells(read, "id") as string[]).map((c) => Number(c.slice(4))).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 70_000 }, (_, i) => i));
  });

  it("adds columns from rows with schemaMode merge, inferring their types", async () => {
    const table = await DeltaTable.create(memoryUrl("rows-merge"), { schema: SCHEMA });
    await table.write([{ id: 1n, s: "a", p: "x", extra: 2.5 }], { schemaMode: "merge" });
    const after = await table.refresh();
    expect(after.schema.fields.map((x) => [x.name, x.type])).toContainEqual(["extra", "double"]);
  });

  it("refuses a row that is not a plain object", async () => {
    const table = await DeltaTable.create(memoryUrl("rows-odd"), { schema: SCHEMA });
    await expectRefusedCleanly(
      table,
      () => table.write([{ id: 1n }, new Date() as unknown as Record<string, unknown>]),
      SchemaInferenceError,
    );
  });
});

describe("empty inputs", () => {
  it.each<[string, () => Parameters<DeltaTable["write"]>[0]]>([
    ["an empty array", () => []],
    ["an Arrow table with no rows", () => new Table(new Schema([field("id", new Int64())]))],
    ["an empty async generator", () => (async function* (): AsyncGenerator<RecordBatch> {})()],
    ["a batch with no rows", () => batchOf([])],
  ])("%s appends nothing and commits nothing", async (_title, make) => {
    const table = await DeltaTable.create(memoryUrl("empty"), { schema: SCHEMA });
    const result = await table.write(make());
    expect(result).toMatchObject({ version: 0, skipped: false, metrics: { numFiles: 0, numOutputRows: 0 } });
    expect((await table.refresh()).version).toBe(0);
    expect(await dataFileKeys(table.store)).toEqual([]);
  });

  it("creates a table from an empty Arrow table, schema from the Arrow schema", async () => {
    const url = memoryUrl("empty-new");
    const result = await writeDeltaTable(url, new Table(new Schema([field("id", new Int64(), false), field("n", new Int32())])));
    expect(result.version).toBe(0);
    const table = await DeltaTable.open(url);
    expect(table.schema.fields.map((x) => [x.name, x.type, x.nullable])).toEqual([
      ["id", "long", false],
      ["n", "integer", true],
    ]);
    expect([...table.addActions()]).toEqual([]);
    expect((await table.toArrow()).numRows).toBe(0);
  });

  it("refuses to create a table from an empty array (no schema to take)", async () => {
    const url = memoryUrl("empty-rows");
    await expectFailure(writeDeltaTable(url, []), SchemaInferenceError);
    await expect(DeltaTable.open(url)).rejects.toMatchObject({ code: "TABLE_NOT_FOUND" });
  });
});

describe("failing and aborted inputs", () => {
  it("passes on an error thrown by the input stream and leaves no file", async () => {
    const table = await DeltaTable.create(memoryUrl("throwing"), { schema: SCHEMA, partitionBy: ["p"] });
    const boom = new Error("source failed");
    async function* source(): AsyncGenerator<RecordBatch> {
      yield batchOf([1, 2], "a");
      yield batchOf([3], "b");
      throw boom;
    }
    const before = await storeKeys(table.store);
    await expect(table.write(source())).rejects.toBe(boom);
    expect(await storeKeys(table.store)).toEqual(before);
    expect((await table.refresh()).version).toBe(0);
  });

  it.each([
    ["memory", () => memoryUrl("abort")],
    ["local", () => tempTableDir()],
  ])("stops when aborted mid-stream, committing nothing and leaving no file (%s store)", async (_store, makeUrl) => {
    const table = await DeltaTable.create(makeUrl(), { schema: SCHEMA, partitionBy: ["p"] });
    const controller = new AbortController();
    async function* source(): AsyncGenerator<RecordBatch> {
      yield batchOf([1, 2], "a");
      yield batchOf([3], "b");
      controller.abort(new Error("stop now"));
      yield batchOf([4], "c");
      yield batchOf([5], "d");
    }
    const before = await storeKeys(table.store);
    await expect(table.write(source(), { signal: controller.signal })).rejects.toThrow("stop now");
    expect(await storeKeys(table.store)).toEqual(before);
    expect((await table.refresh()).version).toBe(0);
  });

  it("refuses a signal that is already aborted without touching the store", async () => {
    const table = await DeltaTable.create(memoryUrl("pre-abort"), { schema: SCHEMA });
    const before = await storeKeys(table.store);
    await expect(table.write(batchOf([1]), { signal: AbortSignal.abort() })).rejects.toThrow();
    expect(await storeKeys(table.store)).toEqual(before);
  });

  it("refuses a value that is no input at all", async () => {
    const table = await DeltaTable.create(memoryUrl("bad-input"), { schema: SCHEMA });
    await expectRefusedCleanly(table, () => table.write(42 as unknown as RecordBatch), SchemaInferenceError);
    await expectRefusedCleanly(table, () => table.write([batchOf([1]), "nope" as unknown as RecordBatch]), SchemaInferenceError);
  });
});
