/**
 * Every Delta type written through the facade and read back exactly (cells compared from the raw
 * Arrow buffers), on the memory and the local store; and every primitive type that can be a
 * partition column, with nulls and path-hostile strings, Hive-escaped in directories and
 * `add.path`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  Decimal,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  Map_,
  Struct,
  type Table,
  TimeUnit,
  Timestamp,
  Utf8,
} from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeltaTable, writeDeltaTable } from "../../../src/table/delta-table.js";
import { columnCells } from "../../helpers/arrow-rows.js";
import { field, testTable, type TestColumn } from "../../helpers/write-arrow.js";
import { memoryUrl, removeTempDirs, storeKeys, tempTableDir } from "../../helpers/write-tables.js";

afterAll(removeTempDirs);

const utc = new Timestamp(TimeUnit.MICROSECOND, "UTC");
const ntz = new Timestamp(TimeUnit.MICROSECOND, null);
const mapOf = (key: DataType, value: DataType) =>
  new Map_(field("key_value", new Struct([field("key", key, false), field("value", value)]), false));
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

interface TypeCase {
  /** Column name and test title. */
  name: string;
  type: DataType;
  /** The Delta type the table records for the column. */
  delta: unknown;
  values: unknown[];
  /** The cells read back, in `columnCells`' canonical form. */
  expected: unknown[];
}

/** Six rows per column (the id column numbers them 0..5). */
const CASES: TypeCase[] = [
  { name: "byte", type: new Int8(), delta: "byte", values: [-128, 127, 0, -1, null, 1], expected: [-128, 127, 0, -1, null, 1] },
  { name: "short", type: new Int16(), delta: "short", values: [-32768, 32767, 0, -1, null, 2], expected: [-32768, 32767, 0, -1, null, 2] },
  {
    name: "integer",
    type: new Int32(),
    delta: "integer",
    values: [-2147483648, 2147483647, 0, -1, null, 3],
    expected: [-2147483648, 2147483647, 0, -1, null, 3],
  },
  {
    name: "long",
    type: new Int64(),
    delta: "long",
    values: [I64_MIN, I64_MAX, 2n ** 53n + 1n, -(2n ** 53n) - 3n, null, 0n],
    expected: [`i64:${I64_MIN}`, `i64:${I64_MAX}`, "i64:9007199254740993", "i64:-9007199254740995", null, "i64:0"],
  },
  {
    name: "float",
    type: new Float32(),
    delta: "float",
    values: [1.5, Math.fround(-0.1), NaN, Infinity, -Infinity, null],
    expected: ["f:1.5", `f:${Math.fround(-0.1)}`, "f:NaN", "f:Infinity", "f:-Infinity", null],
  },
  {
    name: "double",
    type: new Float64(),
    delta: "double",
    values: [NaN, Infinity, -Infinity, -0, Number.MAX_VALUE, 5e-324],
    expected: ["f:NaN", "f:Infinity", "f:-Infinity", "f:0", `f:${Number.MAX_VALUE}`, "f:5e-324"],
  },
  {
    name: "dec_5_2",
    type: new Decimal(2, 5, 128),
    delta: "decimal(5,2)",
    values: [12345n, -12345n, 99999n, -99999n, 1n, null],
    expected: ["dec:123.45", "dec:-123.45", "dec:999.99", "dec:-999.99", "dec:0.01", null],
  },
  {
    name: "dec_18_6",
    type: new Decimal(6, 18, 128),
    delta: "decimal(18,6)",
    values: [10n ** 18n - 1n, -(10n ** 18n - 1n), 123456n, -1n, 0n, null],
    expected: ["dec:999999999999.999999", "dec:-999999999999.999999", "dec:0.123456", "dec:-0.000001", "dec:0.000000", null],
  },
  {
    name: "dec_38_10",
    type: new Decimal(10, 38, 128),
    delta: "decimal(38,10)",
    values: [10n ** 38n - 1n, -(10n ** 38n - 1n), -1n, 12345678901234567890123n, null, 0n],
    expected: [
      "dec:9999999999999999999999999999.9999999999",
      "dec:-9999999999999999999999999999.9999999999",
      "dec:-0.0000000001",
      "dec:1234567890123.4567890123",
      null,
      "dec:0.0000000000",
    ],
  },
  {
    name: "dec_10_0",
    type: new Decimal(0, 10, 128),
    delta: "decimal(10,0)",
    values: [9999999999n, -9999999999n, 0n, null, 7n, -7n],
    expected: ["dec:9999999999", "dec:-9999999999", "dec:0", null, "dec:7", "dec:-7"],
  },
  {
    name: "string",
    type: new Utf8(),
    delta: "string",
    values: ["", "héllo wörld", "日本語テキスト", "🦆\u{1F600}", "tab\tnew\nline\u0000nul", null],
    expected: ["", "héllo wörld", "日本語テキスト", "🦆\u{1F600}", "tab\tnew\nline\u0000nul", null],
  },
  {
    name: "binary",
    type: new Binary(),
    delta: "binary",
    values: [new Uint8Array(), Uint8Array.of(0, 255, 128, 1), null, Uint8Array.of(0), new TextEncoder().encode("abc"), null],
    expected: ["hex:", "hex:00ff8001", null, "hex:00", "hex:616263", null],
  },
  {
    name: "boolean",
    type: new Bool(),
    delta: "boolean",
    values: [true, false, null, true, false, null],
    expected: [true, false, null, true, false, null],
  },
  {
    name: "date",
    type: new DateDay(),
    delta: "date",
    // 1970-01-01, 1969-12-31, 0001-01-01, 9999-12-31, 1900-03-01
    values: [0, -1, -719162, 2932896, -25508, null],
    expected: ["date:0d", "date:-1d", "date:-719162d", "date:2932896d", "date:-25508d", null],
  },
  {
    name: "timestamp",
    type: utc,
    delta: "timestamp",
    values: [0n, -1n, -62135596800000000n, 1700000000123456n, 253402300799999999n, null],
    expected: ["ts:0", "ts:-1", "ts:-62135596800000000", "ts:1700000000123456", "ts:253402300799999999", null],
  },
  {
    name: "timestamp_ntz",
    type: ntz,
    delta: "timestamp_ntz",
    values: [0n, -1n, -2208988800000001n, 1700000000123457n, null, 999n],
    expected: ["ts:0", "ts:-1", "ts:-2208988800000001", "ts:1700000000123457", null, "ts:999"],
  },
  {
    name: "nested_struct",
    type: new Struct([
      field("a", new Int32()),
      field("b", new Utf8()),
      field("inner", new Struct([field("x", new Int64()), field("d", new DateDay())])),
    ]),
    delta: {
      type: "struct",
      fields: [
        { name: "a", type: "integer", nullable: true, metadata: {} },
        { name: "b", type: "string", nullable: true, metadata: {} },
        {
          name: "inner",
          type: {
            type: "struct",
            fields: [
              { name: "x", type: "long", nullable: true, metadata: {} },
              { name: "d", type: "date", nullable: true, metadata: {} },
            ],
          },
          nullable: true,
          metadata: {},
        },
      ],
    },
    values: [
      { a: 1, b: "x", inner: { x: I64_MAX, d: -1 } },
      { a: null, b: null, inner: null },
      null,
      { a: -5, b: "", inner: { x: null, d: null } },
      null,
      { a: 0, b: "z", inner: { x: 1n, d: 0 } },
    ],
    expected: [
      { a: 1, b: "x", inner: { x: `i64:${I64_MAX}`, d: "date:-1d" } },
      { a: null, b: null, inner: null },
      null,
      { a: -5, b: "", inner: { x: null, d: null } },
      null,
      { a: 0, b: "z", inner: { x: "i64:1", d: "date:0d" } },
    ],
  },
  {
    name: "int_array",
    type: new List(field("element", new Int32())),
    delta: { type: "array", elementType: "integer", containsNull: true },
    values: [[1, null, 3], [], null, [null], [2147483647], null],
    expected: [[1, null, 3], [], null, [null], [2147483647], null],
  },
  {
    name: "struct_array",
    type: new List(field("element", new Struct([field("k", new Utf8()), field("v", new Float64())]))),
    delta: {
      type: "array",
      elementType: {
        type: "struct",
        fields: [
          { name: "k", type: "string", nullable: true, metadata: {} },
          { name: "v", type: "double", nullable: true, metadata: {} },
        ],
      },
      containsNull: true,
    },
    values: [[{ k: "a", v: 1.5 }, { k: null, v: null }, null], [], null, [{ k: "ü", v: -0 }], null, [null, null]],
    expected: [[{ k: "a", v: "f:1.5" }, { k: null, v: null }, null], [], null, [{ k: "ü", v: "f:0" }], null, [null, null]],
  },
  {
    name: "nested_array",
    type: new List(field("element", new List(field("element", new Utf8())))),
    delta: { type: "array", elementType: { type: "array", elementType: "string", containsNull: true }, containsNull: true },
    values: [[["a", "b"], [], null, [null]], null, [], [["x"]], null, [[]]],
    expected: [[["a", "b"], [], null, [null]], null, [], [["x"]], null, [[]]],
  },
  {
    name: "string_int_map",
    type: mapOf(new Utf8(), new Int32()),
    delta: { type: "map", keyType: "string", valueType: "integer", valueContainsNull: true },
    values: [
      [
        ["a", 1],
        ["b", null],
      ],
      [],
      null,
      [["", -1]],
      [
        ["x", 0],
        ["y", 2147483647],
        ["z", null],
      ],
      null,
    ],
    expected: [
      [
        { key: "a", value: 1 },
        { key: "b", value: null },
      ],
      [],
      null,
      [{ key: "", value: -1 }],
      [
        { key: "x", value: 0 },
        { key: "y", value: 2147483647 },
        { key: "z", value: null },
      ],
      null,
    ],
  },
  {
    name: "int_struct_map",
    type: mapOf(new Int64(), new Struct([field("n", new Utf8())])),
    delta: {
      type: "map",
      keyType: "long",
      valueType: { type: "struct", fields: [{ name: "n", type: "string", nullable: true, metadata: {} }] },
      valueContainsNull: true,
    },
    values: [
      [
        [1n, { n: "one" }],
        [I64_MIN, null],
      ],
      null,
      [],
      [[2n, { n: null }]],
      null,
      [[3n, { n: "" }]],
    ],
    expected: [
      [
        { key: "i64:1", value: { n: "one" } },
        { key: `i64:${I64_MIN}`, value: null },
      ],
      null,
      [],
      [{ key: "i64:2", value: { n: null } }],
      null,
      [{ key: "i64:3", value: { n: "" } }],
    ],
  },
];

const ROWS = 6;

/** Every case as one column of one wide table, after an `id` column numbering the rows. */
function wideTable(): Table {
  const columns: TestColumn[] = [[field("id", new Int32(), false), Array.from({ length: ROWS }, (_, i) => i)]];
  for (const c of CASES) columns.push([field(c.name, c.type), c.values]);
  return testTable(columns);
}

/** A column's cells read back, in id order. */
function cellsById(table: Table, column: string): unknown[] {
  const ids = columnCells(table, "id") as number[];
  const cells = columnCells(table, column);
  return ids
    .map((id, i) => [id, cells[i]] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, c]) => c);
}

describe.each([
  ["memory", () => memoryUrl("roundtrip")],
  ["local", () => tempTableDir()],
])("every Delta type round-trips exactly on the %s store", (_store, makeUrl) => {
  let url: string;
  let read: Table;
  let table: DeltaTable;

  beforeAll(async () => {
    url = makeUrl();
    const result = await writeDeltaTable(url, wideTable());
    expect(result.version).toBe(0);
    table = await DeltaTable.open(url);
    read = await table.toArrow();
  });

  it("reads back every row", () => {
    expect(read.numRows).toBe(ROWS);
    expect(read.schema.fields.map((f) => f.name)).toEqual(["id", ...CASES.map((c) => c.name)]);
  });

  it.each(CASES.map((c) => [c.name, c] as const))("%s: the schema records the Delta type and the cells come back unchanged", (name, c) => {
    const schemaField = table.schema.fields.find((f) => f.name === name);
    expect(schemaField).toMatchObject({ type: c.delta, nullable: true });
    expect(cellsById(read, name)).toEqual(c.expected);
  });

  it("keeps the sign of -0 in double columns", () => {
    const doubles = cellsById(read, "double");
    expect(doubles[3]).toBe("f:0");
    const ids = Array.from(read.getChild("id")!.toArray() as Int32Array);
    const values = read.getChild("double")!.toArray() as Float64Array;
    expect(Object.is(values[ids.indexOf(3)], -0)).toBe(true);
  });

  it("keeps the id column NOT NULL", () => {
    expect(table.schema.fields[0]).toMatchObject({ name: "id", type: "integer", nullable: false });
  });

  it("reads back the same from a second, appended file", async () => {
    await (await DeltaTable.open(url)).write(wideTable());
    const twice = await (await DeltaTable.open(url)).toArrow();
    expect(twice.numRows).toBe(2 * ROWS);
    for (const c of CASES) {
      const cells = cellsById(twice, c.name);
      const expected = c.expected.flatMap((e) => [e, e]);
      expect(cells, c.name).toEqual(expected);
    }
  });
});

/** Partition columns: each primitive type that can be one, with nulls and hostile strings. */
interface PartitionCase {
  name: string;
  type: DataType;
  values: unknown[];
  /** The cells read back (canonical form), in row order. */
  expected: unknown[];
  /** `add.partitionValues.p` of each row's file. */
  serialized: Array<string | null>;
}

const PARTITION_CASES: PartitionCase[] = [
  {
    name: "string",
    type: new Utf8(),
    values: ["a/b", "%", "=", " ", "日本", "x y=z%2F", null, "plain", "a:b?c#d", "ü\\", ""],
    // Spark writes the empty string as the null partition; it reads back null
    expected: ["a/b", "%", "=", " ", "日本", "x y=z%2F", null, "plain", "a:b?c#d", "ü\\", null],
    serialized: ["a/b", "%", "=", " ", "日本", "x y=z%2F", null, "plain", "a:b?c#d", "ü\\", null],
  },
  { name: "byte", type: new Int8(), values: [-128, 127, null, 0], expected: [-128, 127, null, 0], serialized: ["-128", "127", null, "0"] },
  {
    name: "short",
    type: new Int16(),
    values: [-32768, 32767, null],
    expected: [-32768, 32767, null],
    serialized: ["-32768", "32767", null],
  },
  {
    name: "integer",
    type: new Int32(),
    values: [-2147483648, 2147483647, null, 7],
    expected: [-2147483648, 2147483647, null, 7],
    serialized: ["-2147483648", "2147483647", null, "7"],
  },
  {
    name: "long",
    type: new Int64(),
    values: [I64_MIN, I64_MAX, 2n ** 53n + 1n, null],
    expected: [`i64:${I64_MIN}`, `i64:${I64_MAX}`, "i64:9007199254740993", null],
    serialized: [String(I64_MIN), String(I64_MAX), "9007199254740993", null],
  },
  {
    name: "date",
    type: new DateDay(),
    values: [0, -1, -719162, null],
    expected: ["date:0d", "date:-1d", "date:-719162d", null],
    serialized: ["1970-01-01", "1969-12-31", "0001-01-01", null],
  },
  {
    name: "timestamp",
    type: utc,
    values: [0n, -1n, 1700000000123456n, null],
    expected: ["ts:0", "ts:-1", "ts:1700000000123456", null],
    serialized: ["1970-01-01T00:00:00.000000Z", "1969-12-31T23:59:59.999999Z", "2023-11-14T22:13:20.123456Z", null],
  },
  {
    name: "timestamp_ntz",
    type: ntz,
    values: [0n, -1n, 1700000000123456n, null],
    expected: ["ts:0", "ts:-1", "ts:1700000000123456", null],
    serialized: ["1970-01-01 00:00:00.000000", "1969-12-31 23:59:59.999999", "2023-11-14 22:13:20.123456", null],
  },
  { name: "boolean", type: new Bool(), values: [true, false, null], expected: [true, false, null], serialized: ["true", "false", null] },
  {
    name: "double",
    type: new Float64(),
    values: [1, 1e10, 0.1, -2.5, null],
    expected: ["f:1", "f:10000000000", "f:0.1", "f:-2.5", null],
    // as Java prints doubles, the way Spark writes them
    serialized: ["1.0", "1.0E10", "0.1", "-2.5", null],
  },
  {
    name: "decimal",
    type: new Decimal(2, 9, 128),
    values: [12345n, -12345n, 0n, null, 999999999n],
    expected: ["dec:123.45", "dec:-123.45", "dec:0.00", null, "dec:9999999.99"],
    serialized: ["123.45", "-123.45", "0.00", null, "9999999.99"],
  },
];

/** Hive's escapePathName, written out independently: the characters Spark escapes in directory names. */
function hiveEscape(text: string): string {
  const escaped = new Set(['"', "#", "%", "'", "*", "/", ":", "=", "?", "\\", "\u007f", "{", "[", "]", "^"]);
  return Array.from(text, (ch) =>
    ch.charCodeAt(0) < 0x20 || escaped.has(ch) ? `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}` : ch,
  ).join("");
}

async function checkPartitionRoundTrip(c: PartitionCase, store: string, url: string): Promise<void> {
  const ids = c.values.map((_, i) => BigInt(i));
  await writeDeltaTable(
    url,
    testTable([
      [field("id", new Int64(), false), ids],
      [field("p", c.type), c.values],
    ]),
    { partitionBy: ["p"] },
  );
  const table = await DeltaTable.open(url);
  expect(table.partitionColumns).toEqual(["p"]);

  const read = await table.toArrow();
  const idCells = columnCells(read, "id") as string[];
  const pCells = columnCells(read, "p");
  const byId = new Map(idCells.map((id, i) => [id, pCells[i]]));
  expect(ids.map((id) => byId.get(`i64:${id}`))).toEqual(c.expected);

  // one file per distinct serialized value; directory p=<escaped> and add.path its URI form
  const adds = [...table.addActions()];
  const distinct = new Set(c.serialized);
  expect(adds).toHaveLength(distinct.size);
  const keys = new Set(await storeKeys(table.store));
  for (const add of adds) {
    const value = add.partitionValues.p ?? null;
    expect(distinct.has(value)).toBe(true);
    const directory = `p=${value === null ? "__HIVE_DEFAULT_PARTITION__" : hiveEscape(value)}`;
    const key = decodeURIComponent(add.path);
    expect(key.startsWith(`${directory}/part-`), `${key} in ${directory}`).toBe(true);
    expect(key.split("/")).toHaveLength(2);
    expect(keys.has(key), key).toBe(true);
    // add.path is a URI path: no raw '%' or space survives unescaped
    expect(add.path).not.toMatch(/%(?![0-9A-F]{2})| /);
    if (store === "local") expect(existsSync(join(url, ...key.split("/")))).toBe(true);
  }
}

describe.each(PARTITION_CASES.map((c) => [c.name, c] as const))("a %s partition column", (_name, c) => {
  it.each([
    ["memory", () => memoryUrl("partition")],
    ["local", () => tempTableDir()],
  ])("round-trips its values and Hive-escapes its directories (%s store)", (store, makeUrl) =>
    checkPartitionRoundTrip(c, store, makeUrl()),
  );
});

describe("a binary partition column", () => {
  it("round-trips non-empty values and nulls", () =>
    checkPartitionRoundTrip(
      {
        name: "binary",
        type: new Binary(),
        values: [new TextEncoder().encode("a/b"), null, Uint8Array.of(0xc3, 0xbc)],
        expected: ["hex:612f62", null, "hex:c3bc"],
        serialized: ["a/b", null, "ü"],
      },
      "memory",
      memoryUrl("bin-part"),
    ));

  // KNOWN BUG (reported): an empty binary value is logged as partitionValues "" while its file
  // goes to the __HIVE_DEFAULT_PARTITION__ directory, so one partition gets two files and two
  // different partitionValues. Flip to `it` once serializePartitionValue maps "" to null for binary.
  it("writes an empty binary value as the null partition, like an empty string", () =>
    checkPartitionRoundTrip(
      {
        name: "binary",
        type: new Binary(),
        values: [new TextEncoder().encode("a/b"), new Uint8Array(), null],
        expected: ["hex:612f62", null, null],
        serialized: ["a/b", null, null],
      },
      "memory",
      memoryUrl("bin-part"),
    ));
});

describe("hostile partition strings in add.path", () => {
  it.each([
    ["a/b", "p=a%252Fb/"],
    ["%", "p=%2525/"],
    ["=", "p=%253D/"],
    [" ", "p=%20/"],
    ["日本", "p=日本/"],
    ["a:b", "p=a%253Ab/"],
  ])("%j is written under %s", async (value, prefix) => {
    const url = memoryUrl("escape");
    await writeDeltaTable(url, [{ id: 1n, p: value }], { partitionBy: ["p"] });
    const [add] = [...(await DeltaTable.open(url)).addActions()];
    expect(add!.path.startsWith(prefix), add!.path).toBe(true);
    expect(add!.partitionValues).toEqual({ p: value });
  });

  it("puts two partition columns in schema-declared partitionBy order", async () => {
    const url = memoryUrl("two-parts");
    await writeDeltaTable(url, [{ id: 1n, a: "x/y", b: 2n }], { partitionBy: ["b", "a"] });
    const [add] = [...(await DeltaTable.open(url)).addActions()];
    expect(decodeURIComponent(add!.path)).toMatch(/^b=2\/a=x%2Fy\/part-/);
    expect(add!.partitionValues).toEqual({ a: "x/y", b: "2" });
  });
});
