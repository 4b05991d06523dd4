/**
 * Schema enforcement and evolution through `table.write`: refused writes fail typed, name the
 * column path (and both types for mismatches), commit nothing and leave no data file behind;
 * safe upcasts are applied; `schemaMode: "merge"` and `"overwrite"` evolve the table.
 */
import {
  type DataType as ArrowType,
  DateDay,
  Decimal,
  Dictionary,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeUtf8,
  List,
  Map_,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeUnit,
  Timestamp,
  Uint8,
  Utf8,
  makeData,
  vectorFromArray,
} from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import type { LakelogError } from "../../../src/errors/base.js";
import { NullConstraintError } from "../../../src/errors/constraint-errors.js";
import { InvalidSchemaError, SchemaMismatchError } from "../../../src/errors/schema-errors.js";
import type { StructField, StructType } from "../../../src/schema/types.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { canonicalRows, columnCells } from "../../helpers/arrow-rows.js";
import { field, testBatch, testTable, type TestColumn } from "../../helpers/write-arrow.js";
import {
  actionsOf,
  activePaths,
  dataFileKeys,
  expectFailure,
  expectRefusedCleanly,
  memoryUrl,
  removeTempDirs,
  tempTableDir,
} from "../../helpers/write-tables.js";

afterAll(removeTempDirs);

const f = (name: string, type: StructField["type"], nullable = true): StructField => ({ name, type, nullable, metadata: {} });

/** id NOT NULL, a struct with a NOT NULL member, an array without nulls, a map without null values. */
const STRICT: StructType = {
  type: "struct",
  fields: [
    f("id", "long", false),
    f("name", "string"),
    f("s", { type: "struct", fields: [f("a", "integer", false), f("b", "string")] }),
    f("tags", { type: "array", elementType: "string", containsNull: false }),
    f("attrs", { type: "map", keyType: "string", valueType: "integer", valueContainsNull: false }),
    f("ts", "timestamp"),
  ],
};

const sType = (extra: ReturnType<typeof field>[] = [], a: ArrowType = new Int32(), b: ArrowType = new Utf8()) =>
  new Struct([field("a", a), field("b", b), ...extra]);
const tagsType = (element: ArrowType = new Utf8()) => new List(field("element", element));
const attrsType = () => new Map_(field("key_value", new Struct([field("key", new Utf8(), false), field("value", new Int32())]), false));
const utc = new Timestamp(TimeUnit.MICROSECOND, "UTC");

/** Two valid rows of STRICT, with columns replaced, dropped (`undefined`) or added. */
function rows(overrides: Record<string, TestColumn | undefined> = {}): TestColumn[] {
  const base: Record<string, TestColumn> = {
    id: [field("id", new Int64()), [1n, 2n]],
    name: [field("name", new Utf8()), ["x", null]],
    s: [field("s", sType()), [{ a: 1, b: "p" }, null]],
    tags: [field("tags", tagsType()), [["t1"], []]],
    attrs: [field("attrs", attrsType()), [[["k", 1]], null]],
    ts: [field("ts", utc), [0n, null]],
  };
  const merged: Record<string, TestColumn | undefined> = { ...base, ...overrides };
  return Object.values(merged).filter((c): c is TestColumn => c !== undefined);
}

async function strictTable(url = memoryUrl("schema")): Promise<DeltaTable> {
  const table = await DeltaTable.create(url, { schema: STRICT });
  await table.write(testTable(rows()));
  return table.refresh();
}

interface Refusal {
  title: string;
  columns: TestColumn[];
  type: abstract new (...args: never[]) => LakelogError;
  fields: Record<string, unknown>;
}

const REFUSALS: Refusal[] = [
  {
    title: "a missing NOT NULL column",
    columns: rows({ id: undefined }),
    type: SchemaMismatchError,
    fields: { fieldPath: "id", expected: "long not null", actual: "(absent)" },
  },
  {
    title: "string data in a long column",
    columns: rows({ id: [field("id", new Utf8()), ["1", "2"]] }),
    type: SchemaMismatchError,
    fields: { fieldPath: "id", expected: "long", actual: "string" },
  },
  {
    title: "a nested type mismatch",
    columns: rows({ s: [field("s", sType([], new Int32(), new Int64())), [{ a: 1, b: 5n }, null]] }),
    type: SchemaMismatchError,
    fields: { fieldPath: "s.b", expected: "string", actual: "long" },
  },
  {
    title: "an array element type mismatch",
    columns: rows({ tags: [field("tags", tagsType(new Int32())), [[1], []]] }),
    type: SchemaMismatchError,
    fields: { fieldPath: "tags.element", expected: "string", actual: "integer" },
  },
  {
    title: "a struct where a string is expected",
    columns: rows({ name: [field("name", sType()), [null, null]] }),
    type: SchemaMismatchError,
    fields: { fieldPath: "name", expected: "string", actual: "struct<a: integer, b: string>" },
  },
  {
    title: "timestamp_ntz data in a timestamp column",
    columns: rows({ ts: [field("ts", new Timestamp(TimeUnit.MICROSECOND, null)), [0n, 1n]] }),
    type: SchemaMismatchError,
    fields: { fieldPath: "ts", expected: "timestamp", actual: "timestamp_ntz" },
  },
  {
    title: "long data in an integer column (narrowing)",
    columns: rows({ s: [field("s", sType([], new Int64())), [{ a: 1n, b: "x" }, null]] }),
    type: SchemaMismatchError,
    fields: { fieldPath: "s.a", expected: "integer", actual: "long" },
  },
  {
    title: "double data in a long column",
    columns: rows({ id: [field("id", new Float64()), [1, 2]] }),
    type: SchemaMismatchError,
    fields: { fieldPath: "id", expected: "long", actual: "double" },
  },
  {
    title: "an extra top-level column",
    columns: [...rows(), [field("extra", new Float64()), [1, 2]]],
    type: SchemaMismatchError,
    fields: { fieldPath: "extra", expected: "(absent)", actual: "double" },
  },
  {
    title: "an extra nested field",
    columns: rows({ s: [field("s", sType([field("c", new Int8())])), [{ a: 1, b: "x", c: 1 }, null]] }),
    type: SchemaMismatchError,
    fields: { fieldPath: "s.c", expected: "(absent)", actual: "byte" },
  },
  {
    title: "a null in a NOT NULL column",
    columns: rows({ id: [field("id", new Int64()), [1n, null]] }),
    type: NullConstraintError,
    fields: { columnPath: "id", row: 1, count: 1 },
  },
  {
    title: "a null in a NOT NULL struct member",
    columns: rows({
      s: [
        field("s", sType()),
        [
          { a: 1, b: "x" },
          { a: null, b: "y" },
        ],
      ],
    }),
    type: NullConstraintError,
    fields: { columnPath: "s.a", row: 1 },
  },
  {
    title: "a null array element where elements may not be null",
    columns: rows({ tags: [field("tags", tagsType()), [["a", null], []]] }),
    type: NullConstraintError,
    fields: { columnPath: "tags.element", row: 0 },
  },
  {
    title: "a null map value where values may not be null",
    columns: rows({ attrs: [field("attrs", attrsType()), [null, [["k", null]]]] }),
    type: NullConstraintError,
    fields: { columnPath: "attrs.value", row: 1 },
  },
];

describe("schema enforcement refuses data that does not fit, committing nothing", () => {
  it.each(REFUSALS.map((r) => [r.title, r] as const))("%s", async (_title, r) => {
    const table = await strictTable();
    const files = await dataFileKeys(table.store);
    await expectRefusedCleanly(table, () => table.write(testTable(r.columns)), r.type, r.fields);
    expect(await dataFileKeys(table.store)).toEqual(files);
  });

  it("names both types in the message of a mismatch", async () => {
    const table = await strictTable();
    const err = await expectFailure(table.write(testTable(rows({ id: [field("id", new Utf8()), ["1", "2"]] }))), SchemaMismatchError);
    expect(err.code).toBe("SCHEMA_MISMATCH");
    expect(err.message).toContain("id");
    expect(err.message).toContain("long");
    expect(err.message).toContain("string");
  });

  it("accepts a null in a NOT NULL struct member when the struct itself is null", async () => {
    const table = await strictTable();
    await table.write(testTable(rows({ s: [field("s", sType()), [null, null]] })));
    expect((await table.refresh()).version).toBe(table.version + 1);
  });

  it("accepts nullable Arrow fields for NOT NULL columns when they hold no null", async () => {
    const table = await strictTable();
    // every field of rows() is declared nullable in Arrow; id holds no null
    const result = await table.write(testTable(rows()));
    expect(result.version).toBe(table.version + 1);
  });

  it("writes missing nullable columns as nulls", async () => {
    const table = await strictTable();
    await table.write(testTable([[field("id", new Int64(), false), [10n]]]));
    const read = await (await table.refresh()).toArrow({ filter: "id = 10" });
    expect(canonicalRows(read)).toEqual(['{"attrs":null,"id":"i64:10","name":null,"s":null,"tags":null,"ts":null}']);
  });

  it("matches columns case-insensitively and keeps the table's spelling", async () => {
    const table = await strictTable();
    await table.write(
      testTable([
        [field("ID", new Int64(), false), [11n]],
        [field("Name", new Utf8()), ["upper"]],
      ]),
    );
    const read = await (await table.refresh()).toArrow({ filter: "id = 11" });
    expect(read.schema.fields.map((x) => x.name)).toEqual(["id", "name", "s", "tags", "attrs", "ts"]);
    expect(columnCells(read, "name")).toEqual(["upper"]);
  });

  it("refuses data with two columns differing only in case", async () => {
    const table = await strictTable();
    await expectRefusedCleanly(
      table,
      () =>
        table.write(
          testTable([
            [field("id", new Int64(), false), [1n]],
            [field("ID", new Int64()), [2n]],
          ]),
        ),
      InvalidSchemaError,
    );
  });

  it("leaves no file behind when a later batch of a stream is refused (partitioned table, several open files)", async () => {
    const url = memoryUrl("late-refusal");
    const table = await DeltaTable.create(url, {
      schema: { type: "struct", fields: [f("id", "long", false), f("p", "string")] },
      partitionBy: ["p"],
    });
    const good = testBatch([
      [field("id", new Int64()), [1n, 2n, 3n]],
      [field("p", new Utf8()), ["a", "b", "c"]],
    ]);
    const bad = testBatch([
      [field("id", new Int64()), [4n, null]],
      [field("p", new Utf8()), ["a", "d"]],
    ]);
    async function* stream(): AsyncGenerator<RecordBatch> {
      yield good;
      yield good;
      yield bad;
    }
    await expectRefusedCleanly(table, () => table.write(stream()), NullConstraintError, { columnPath: "id" });
    expect(await dataFileKeys(table.store)).toEqual([]);
  });

  it("leaves no file behind on the local store either", async () => {
    const table = await strictTable(tempTableDir());
    const before = await dataFileKeys(table.store);
    await expectRefusedCleanly(
      table,
      () => table.write([testBatch(rows()), testBatch(rows({ id: [field("id", new Int64()), [null, 1n]] }))]),
      NullConstraintError,
    );
    expect(await dataFileKeys(table.store)).toEqual(before);
  });
});

describe("safe upcasts are applied on write", () => {
  const WIDE: StructType = {
    type: "struct",
    fields: [
      f("l", "long"),
      f("d", "double"),
      f("sh", "short"),
      f("dec", "decimal(10,4)"),
      f("ts", "timestamp"),
      f("ntz", "timestamp_ntz"),
      f("str", "string"),
      f("i", "integer"),
    ],
  };
  it.each<[string, TestColumn, string, unknown[]]>([
    ["int32 into long", [field("l", new Int32()), [-2147483648, 7]], "l", ["i64:-2147483648", "i64:7"]],
    ["int8 into long", [field("l", new Int8()), [-128, 127]], "l", ["i64:-128", "i64:127"]],
    ["float into double", [field("d", new Float32()), [1.5, Math.fround(0.1)]], "d", ["f:1.5", `f:${Math.fround(0.1)}`]],
    ["int32 into double", [field("d", new Int32()), [2147483647, -1]], "d", ["f:2147483647", "f:-1"]],
    ["int8 into short", [field("sh", new Int8()), [-128, 5]], "sh", [-128, 5]],
    ["uint8 into short", [field("sh", new Uint8()), [255, 0]], "sh", [255, 0]],
    ["decimal(5,2) into decimal(10,4)", [field("dec", new Decimal(2, 5, 128)), [-12345n, 1n]], "dec", ["dec:-123.4500", "dec:0.0100"]],
    ["int16 into integer", [field("i", new Int16()), [-32768, 1]], "i", [-32768, 1]],
    [
      "millisecond timestamps into timestamp",
      [field("ts", new Timestamp(TimeUnit.MILLISECOND, "UTC")), [-1n, 1700000000123n]],
      "ts",
      ["ts:-1000", "ts:1700000000123000"],
    ],
    [
      "second timestamps into timestamp",
      [field("ts", new Timestamp(TimeUnit.SECOND, "UTC")), [-1n, 1n]],
      "ts",
      ["ts:-1000000", "ts:1000000"],
    ],
    [
      "nanosecond timestamps (whole µs) into timestamp",
      [field("ts", new Timestamp(TimeUnit.NANOSECOND, "UTC")), [-1000n, 5000n]],
      "ts",
      ["ts:-1", "ts:5"],
    ],
    ["date into timestamp_ntz (midnight)", [field("ntz", new DateDay()), [1, -1]], "ntz", ["ts:86400000000", "ts:-86400000000"]],
  ])("%s", async (_title, column, name, expected) => {
    const table = await DeltaTable.create(memoryUrl("upcast"), { schema: WIDE });
    await table.write(testTable([column]));
    const read = await (await table.refresh()).toArrow({ columns: [name] });
    expect(columnCells(read, name)).toEqual(expected);
    expect((await table.refresh()).schema).toEqual(WIDE);
  });

  it("writes dictionary-encoded strings as plain strings", async () => {
    const table = await DeltaTable.create(memoryUrl("dict"), { schema: WIDE });
    const type = new Dictionary(new Utf8(), new Int32());
    const data = makeData({
      type,
      length: 3,
      nullCount: 0,
      data: Int32Array.of(1, 0, 1),
      dictionary: vectorFromArray(["x", "y"], new Utf8()),
    });
    const schema = new Schema([field("str", type)]);
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 3, nullCount: 0, children: [data] }));
    await table.write(new Table([batch]));
    expect(columnCells(await (await table.refresh()).toArrow({ columns: ["str"] }), "str")).toEqual(["y", "x", "y"]);
  });

  it("writes large strings and zoned timestamps of any zone as string and timestamp (UTC instants)", async () => {
    const table = await DeltaTable.create(memoryUrl("large-zoned"), { schema: WIDE });
    await table.write(
      new Table({
        str: vectorFromArray(["a", null, "ccc"], new LargeUtf8()),
        ts: vectorFromArray([0, 1000, null], new Timestamp(TimeUnit.MILLISECOND, "Europe/Paris")),
      }),
    );
    const read = await (await table.refresh()).toArrow({ columns: ["str", "ts"] });
    expect(columnCells(read, "str")).toEqual(["a", null, "ccc"]);
    expect(columnCells(read, "ts")).toEqual(["ts:0", "ts:1000000", null]);
  });

  it("floors nanosecond timestamps to microseconds (Delta stores µs; sub-µs digits are dropped)", async () => {
    const table = await DeltaTable.create(memoryUrl("ns-floor"), { schema: WIDE });
    await table.write(testTable([[field("ts", new Timestamp(TimeUnit.NANOSECOND, "UTC")), [1500n, -1500n]]]));
    expect(columnCells(await (await table.refresh()).toArrow({ columns: ["ts"] }), "ts")).toEqual(["ts:1", "ts:-2"]);
  });

  it("refuses widening a column without type widening, naming both types", async () => {
    const table = await DeltaTable.create(memoryUrl("no-widen"), { schema: WIDE });
    await expectRefusedCleanly(
      table,
      () => table.write(testTable([[field("i", new Int64()), [1n]]]), { schemaMode: "merge" }),
      SchemaMismatchError,
      { fieldPath: "i", expected: "integer", actual: "long" },
    );
  });
});

describe("schemaMode merge", () => {
  async function base(): Promise<DeltaTable> {
    const table = await DeltaTable.create(memoryUrl("merge"), {
      schema: { type: "struct", fields: [f("id", "long", false), f("s", { type: "struct", fields: [f("a", "integer")] })] },
    });
    await table.write(
      testTable([
        [field("id", new Int64()), [1n, 2n]],
        [field("s", new Struct([field("a", new Int32())])), [{ a: 1 }, null]],
      ]),
    );
    return table.refresh();
  }

  it("adds a top-level column; old rows read it as null", async () => {
    const table = await base();
    const result = await table.write(
      testTable([
        [field("id", new Int64()), [3n]],
        [field("extra", new Utf8()), ["new"]],
      ]),
      { schemaMode: "merge" },
    );
    const after = await table.refresh();
    expect(after.schema.fields.map((x) => [x.name, x.type, x.nullable])).toEqual([
      ["id", "long", false],
      ["s", { type: "struct", fields: [f("a", "integer")] }, true],
      ["extra", "string", true],
    ]);
    expect(await actionsOf(after.store, result.version, "metaData")).toHaveLength(1);
    expect(canonicalRows(await after.toArrow())).toEqual([
      '{"extra":"new","id":"i64:3","s":null}',
      '{"extra":null,"id":"i64:1","s":{"a":1}}',
      '{"extra":null,"id":"i64:2","s":null}',
    ]);
  });

  it("adds a nested field; old structs read it as null, null structs stay null", async () => {
    const table = await base();
    await table.write(
      testTable([
        [field("id", new Int64()), [3n]],
        [field("s", new Struct([field("a", new Int32()), field("b", new Float64())])), [{ a: 3, b: 0.5 }]],
      ]),
      { schemaMode: "merge" },
    );
    const after = await table.refresh();
    expect(after.schema.fields[1]!.type).toEqual({ type: "struct", fields: [f("a", "integer"), f("b", "double")] });
    expect(canonicalRows(await after.toArrow())).toEqual([
      '{"id":"i64:1","s":{"a":1,"b":null}}',
      '{"id":"i64:2","s":null}',
      '{"id":"i64:3","s":{"a":3,"b":"f:0.5"}}',
    ]);
  });

  it("adds fields to structs inside arrays and map values", async () => {
    const table = await DeltaTable.create(memoryUrl("merge-nested"), {
      schema: {
        type: "struct",
        fields: [
          f("id", "long"),
          f("arr", { type: "array", elementType: { type: "struct", fields: [f("a", "integer")] }, containsNull: true }),
          f("m", { type: "map", keyType: "string", valueType: { type: "struct", fields: [f("x", "integer")] }, valueContainsNull: true }),
        ],
      },
    });
    await table.write([{ id: 1n, arr: [{ a: 1 }], m: { k: { x: 1 } } }]);
    const valueType = new Struct([field("x", new Int32()), field("y", new Utf8())]);
    const mapType = new Map_(field("key_value", new Struct([field("key", new Utf8(), false), field("value", valueType)]), false));
    await table.write(
      testTable([
        [field("id", new Int64()), [2n]],
        [field("arr", new List(field("element", new Struct([field("a", new Int32()), field("b", new Utf8())])))), [[{ a: 2, b: "B" }]]],
        [field("m", mapType), [[["k", { x: 2, y: "Y" }]]]],
      ]),
      { schemaMode: "merge" },
    );
    const after = await table.refresh();
    expect(after.schema.fields[1]!.type).toEqual({
      type: "array",
      elementType: { type: "struct", fields: [f("a", "integer"), f("b", "string")] },
      containsNull: true,
    });
    expect(after.schema.fields[2]!.type).toEqual({
      type: "map",
      keyType: "string",
      valueType: { type: "struct", fields: [f("x", "integer"), f("y", "string")] },
      valueContainsNull: true,
    });
    expect(canonicalRows(await after.toArrow())).toEqual([
      '{"arr":[{"a":1,"b":null}],"id":"i64:1","m":[{"key":"k","value":{"x":1,"y":null}}]}',
      '{"arr":[{"a":2,"b":"B"}],"id":"i64:2","m":[{"key":"k","value":{"x":2,"y":"Y"}}]}',
    ]);
  });

  it("combines with mode overwrite: the schema grows and the old rows go", async () => {
    const table = await base();
    await table.write(
      testTable([
        [field("id", new Int64()), [3n]],
        [field("z", new Utf8()), ["z"]],
      ]),
      { mode: "overwrite", schemaMode: "merge" },
    );
    const after = await table.refresh();
    expect(after.schema.fields.map((x) => x.name)).toEqual(["id", "s", "z"]);
    expect(canonicalRows(await after.toArrow())).toEqual(['{"id":"i64:3","s":null,"z":"z"}']);
  });

  it("makes a column added from a NOT NULL Arrow field nullable (old rows have no value)", async () => {
    const table = await base();
    await table.write(
      testTable([
        [field("id", new Int64()), [3n]],
        [field("req", new Int32(), false), [1]],
      ]),
      { schemaMode: "merge" },
    );
    expect((await table.refresh()).schema.fields.find((x) => x.name === "req")).toMatchObject({ nullable: true });
  });

  it("writes columns the data lacks as null and leaves the schema alone when nothing is new", async () => {
    const table = await base();
    const result = await table.write(testTable([[field("id", new Int64()), [9n]]]), { schemaMode: "merge" });
    expect(await actionsOf(table.store, result.version, "metaData")).toEqual([]);
    const read = await (await table.refresh()).toArrow({ filter: "id = 9" });
    expect(canonicalRows(read)).toEqual(['{"id":"i64:9","s":null}']);
  });

  it("still refuses incompatible types", async () => {
    const table = await base();
    await expectRefusedCleanly(
      table,
      () => table.write(testTable([[field("id", new Utf8()), ["x"]]]), { schemaMode: "merge" }),
      SchemaMismatchError,
      { fieldPath: "id", expected: "long", actual: "string" },
    );
  });

  it("refuses a new column name Delta forbids without column mapping", async () => {
    const table = await base();
    await expectRefusedCleanly(
      table,
      () =>
        table.write(
          testTable([
            [field("id", new Int64()), [1n]],
            [field("bad name", new Int32()), [1]],
          ]),
          { schemaMode: "merge" },
        ),
      InvalidSchemaError,
      { fieldPath: "`bad name`" },
    );
  });
});

describe("schemaMode overwrite", () => {
  async function partitioned(): Promise<DeltaTable> {
    const table = await DeltaTable.create(memoryUrl("schema-overwrite"), {
      schema: { type: "struct", fields: [f("id", "long"), f("p", "string")] },
      partitionBy: ["p"],
    });
    await table.write([
      { id: 1n, p: "a" },
      { id: 2n, p: "b" },
    ]);
    return table.refresh();
  }

  it("replaces the schema and the rows", async () => {
    const table = await partitioned();
    const result = await table.write(
      testTable([
        [field("name", new Utf8()), ["only"]],
        [field("p", new Int32()), [1]],
      ]),
      { mode: "overwrite", schemaMode: "overwrite" },
    );
    const after = await table.refresh();
    expect(after.schema.fields.map((x) => [x.name, x.type])).toEqual([
      ["name", "string"],
      ["p", "integer"],
    ]);
    expect(canonicalRows(await after.toArrow())).toEqual(['{"name":"only","p":1}']);
    expect(await actionsOf(after.store, result.version, "remove")).toHaveLength(2);
  });

  it("keeps the partitioning unless asked, and can change it", async () => {
    const table = await partitioned();
    await table.write([{ id: 3n, p: "c" }], { mode: "overwrite", schemaMode: "overwrite" });
    expect((await table.refresh()).partitionColumns).toEqual(["p"]);
    const second = await table.refresh();
    await second.write([{ id: 4n, p: "d" }], { mode: "overwrite", schemaMode: "overwrite", partitionBy: [] });
    const unpartitioned = await second.refresh();
    expect(unpartitioned.partitionColumns).toEqual([]);
    expect(activePaths(unpartitioned).every((p) => !p.includes("/"))).toBe(true);
    await unpartitioned.write([{ id: 5n, p: "e" }], { mode: "overwrite", schemaMode: "overwrite", partitionBy: ["id"] });
    const byId = await unpartitioned.refresh();
    expect(byId.partitionColumns).toEqual(["id"]);
    expect(activePaths(byId)).toEqual([expect.stringMatching(/^id=5\/part-/)]);
    expect(canonicalRows(await byId.toArrow())).toEqual(['{"id":"i64:5","p":"e"}']);
  });

  it.each<[string, Record<string, unknown>]>([
    ["append", {}],
    ["overwrite without schemaMode", { mode: "overwrite" }],
    ["merge", { schemaMode: "merge" }],
  ])("refuses to change the partitioning with %s", async (_title, options) => {
    const table = await partitioned();
    await expectRefusedCleanly(table, () => table.write([{ id: 9n, p: "z" }], { ...options, partitionBy: ["id"] }), SchemaMismatchError, {
      fieldPath: "(partition columns)",
      expected: "[p]",
      actual: "[id]",
    });
  });

  it("refuses schemaMode overwrite with an append", async () => {
    const table = await partitioned();
    const before = await dataFileKeys(table.store);
    await expect(table.write([{ id: 9n }], { schemaMode: "overwrite" })).rejects.toThrow();
    expect((await table.refresh()).version).toBe(table.version);
    expect(await dataFileKeys(table.store)).toEqual(before);
  });

  // KNOWN GAP (reported): plain-object rows are typed by the current table schema, which adds
  // every table column the rows lack (as nulls), so schemaMode "overwrite" from rows can never
  // drop a column; Arrow input can.
  it("drops the columns plain-object rows lack", async () => {
    const table = await partitioned();
    await table.write([{ id: 9n }], { mode: "overwrite", schemaMode: "overwrite", partitionBy: [] });
    expect((await table.refresh()).schema.fields.map((x) => x.name)).toEqual(["id"]);
  });

  it("drops the columns Arrow data lacks", async () => {
    const table = await partitioned();
    await table.write(testTable([[field("id", new Int64()), [9n]]]), { mode: "overwrite", schemaMode: "overwrite", partitionBy: [] });
    expect((await table.refresh()).schema.fields.map((x) => x.name)).toEqual(["id"]);
  });

  it("refuses a partition column that is not in the new schema", async () => {
    const table = await partitioned();
    // (plain-object rows are typed by the table schema, so p would come along as nulls: use Arrow)
    const onlyId = testTable([[field("id", new Int64()), [9n]]]);
    await expectRefusedCleanly(table, () => table.write(onlyId, { mode: "overwrite", schemaMode: "overwrite" }), InvalidSchemaError, {
      fieldPath: "p",
    });
  });
});
