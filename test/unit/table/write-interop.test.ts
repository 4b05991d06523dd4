/**
 * Interop: DuckDB reads the Parquet files lakelog writes (paths from `addActions()`, since
 * `delta_scan` needs an extension download) and gets the same values, with the Parquet logical
 * types Delta readers expect; DuckDB's Hive partitioning reads lakelog's escaped directories back.
 */
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
  TimeUnit,
  Timestamp,
  Utf8,
} from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeltaTable, writeDeltaTable } from "../../../src/table/delta-table.js";
import { type DuckDB, openDuckDB, sqlPaths, sqlString } from "../../helpers/write-duckdb.js";
import { field, testTable, type TestColumn } from "../../helpers/write-arrow.js";
import { removeTempDirs, tempTableDir } from "../../helpers/write-tables.js";

const I64_MAX = 2n ** 63n - 1n;
const mapType = new Map_(field("key_value", new Struct([field("key", new Utf8(), false), field("value", new Int32())]), false));

interface InteropCase {
  name: string;
  type: DataType;
  /** Rows 0..3. */
  values: unknown[];
  /** SQL rendering the column as text in DuckDB. */
  sql: string;
  /** DuckDB's text for each row (null for NULL). */
  duck: Array<string | null>;
}

const CASES: InteropCase[] = [
  { name: "b", type: new Int8(), values: [-128, 127, null, 0], sql: "b::VARCHAR", duck: ["-128", "127", null, "0"] },
  { name: "sh", type: new Int16(), values: [-32768, 32767, null, 1], sql: "sh::VARCHAR", duck: ["-32768", "32767", null, "1"] },
  {
    name: "i",
    type: new Int32(),
    values: [-2147483648, 2147483647, null, 2],
    sql: "i::VARCHAR",
    duck: ["-2147483648", "2147483647", null, "2"],
  },
  {
    name: "l",
    type: new Int64(),
    values: [-(2n ** 63n), I64_MAX, 2n ** 53n + 1n, null],
    sql: "l::VARCHAR",
    duck: [String(-(2n ** 63n)), String(I64_MAX), "9007199254740993", null],
  },
  {
    name: "f",
    type: new Float32(),
    values: [Math.fround(-0.1), NaN, Infinity, null],
    sql: "f::DOUBLE::VARCHAR",
    duck: ["-0.10000000149011612", "nan", "inf", null],
  },
  {
    name: "d",
    type: new Float64(),
    values: [-0, -Infinity, 5e-324, Number.MAX_VALUE],
    sql: "d::VARCHAR",
    duck: ["-0.0", "-inf", "5e-324", "1.7976931348623157e+308"],
  },
  {
    name: "dec5",
    type: new Decimal(2, 5, 128),
    values: [-12345n, 99999n, 1n, null],
    sql: "dec5::VARCHAR",
    duck: ["-123.45", "999.99", "0.01", null],
  },
  {
    name: "dec18",
    type: new Decimal(6, 18, 128),
    values: [10n ** 18n - 1n, -1n, null, 0n],
    sql: "dec18::VARCHAR",
    duck: ["999999999999.999999", "-0.000001", null, "0.000000"],
  },
  {
    name: "dec38",
    type: new Decimal(10, 38, 128),
    values: [10n ** 38n - 1n, -(10n ** 38n - 1n), -1n, null],
    sql: "dec38::VARCHAR",
    duck: ["9999999999999999999999999999.9999999999", "-9999999999999999999999999999.9999999999", "-0.0000000001", null],
  },
  { name: "s", type: new Utf8(), values: ["", "日本語 🦆", null, "a'b"], sql: "s", duck: ["", "日本語 🦆", null, "a'b"] },
  {
    name: "bin",
    type: new Binary(),
    values: [new Uint8Array(), Uint8Array.of(0, 255, 16), null, Uint8Array.of(1)],
    sql: "hex(bin)",
    duck: ["", "00FF10", null, "01"],
  },
  { name: "bool", type: new Bool(), values: [true, false, null, true], sql: "bool::VARCHAR", duck: ["true", "false", null, "true"] },
  {
    name: "dt",
    type: new DateDay(),
    values: [-719162, -1, 2932896, null],
    sql: "dt::VARCHAR",
    duck: ["0001-01-01", "1969-12-31", "9999-12-31", null],
  },
  {
    name: "ts",
    type: new Timestamp(TimeUnit.MICROSECOND, "UTC"),
    values: [-1n, 0n, 1700000000123456n, null],
    sql: "ts::VARCHAR",
    duck: ["1969-12-31 23:59:59.999999+00", "1970-01-01 00:00:00+00", "2023-11-14 22:13:20.123456+00", null],
  },
  {
    name: "ntz",
    type: new Timestamp(TimeUnit.MICROSECOND, null),
    values: [-1n, 0n, 1700000000123456n, null],
    sql: "ntz::VARCHAR",
    duck: ["1969-12-31 23:59:59.999999", "1970-01-01 00:00:00", "2023-11-14 22:13:20.123456", null],
  },
  {
    name: "st",
    type: new Struct([field("a", new Int32()), field("b", new Utf8())]),
    values: [{ a: 1, b: "x" }, null, { a: null, b: null }, { a: -1, b: "" }],
    sql: "st::VARCHAR",
    duck: ["{'a': 1, 'b': x}", null, "{'a': NULL, 'b': NULL}", "{'a': -1, 'b': ''}"],
  },
  {
    name: "arr",
    type: new List(field("element", new Int32())),
    values: [[1, null, 3], null, [], [7]],
    sql: "arr::VARCHAR",
    duck: ["[1, NULL, 3]", null, "[]", "[7]"],
  },
  {
    name: "arr_st",
    type: new List(field("element", new Struct([field("k", new Utf8())]))),
    values: [[{ k: "a" }, null], [], null, [{ k: null }]],
    sql: "arr_st::VARCHAR",
    duck: ["[{'k': a}, NULL]", "[]", null, "[{'k': NULL}]"],
  },
  {
    name: "m",
    type: mapType,
    values: [
      [
        ["a", 1],
        ["b", null],
      ],
      null,
      [],
      [["z", -1]],
    ],
    sql: "m::VARCHAR",
    duck: ["{a=1, b=NULL}", null, "{}", "{z=-1}"],
  },
];

/** DuckDB's Parquet schema for leaf columns: [name, physical type, logical type text fragment]. */
const LOGICAL: Array<[string, string, RegExp | null]> = [
  ["l", "INT64", null],
  ["dec38", "FIXED_LEN_BYTE_ARRAY", /DecimalType\(scale=10, precision=38\)/],
  ["dec5", "INT32|INT64|FIXED_LEN_BYTE_ARRAY", /DecimalType\(scale=2, precision=5\)/],
  ["dt", "INT32", /DateType/],
  ["ts", "INT64", /isAdjustedToUTC=1.*MICROS=MicroSeconds/],
  ["ntz", "INT64", /isAdjustedToUTC=0.*MICROS=MicroSeconds/],
  ["s", "BYTE_ARRAY", /StringType/],
  ["bin", "BYTE_ARRAY", null],
];

let duck: DuckDB;
beforeAll(async () => {
  duck = await openDuckDB();
});
afterAll(() => {
  duck.close();
  removeTempDirs();
});

/** Local file paths of the table's active data files. */
function filePaths(dir: string, table: DeltaTable): string[] {
  return Array.from(table.addActions(), (a) => join(dir, ...decodeURIComponent(a.path).split("/")));
}

describe("DuckDB reads lakelog's data files", () => {
  let dir: string;
  let files: string[];

  beforeAll(async () => {
    dir = tempTableDir();
    const columns: TestColumn[] = [[field("id", new Int32(), false), [0, 1, 2, 3]]];
    for (const c of CASES) columns.push([field(c.name, c.type), c.values]);
    await writeDeltaTable(dir, testTable(columns));
    files = filePaths(dir, await DeltaTable.open(dir));
    expect(files).toHaveLength(1);
  });

  it.each(CASES.map((c) => [c.name, c] as const))("%s: same values", async (_name, c) => {
    const rows = await duck.rows(`SELECT ${c.sql} FROM read_parquet(${sqlPaths(files)}) ORDER BY id`);
    expect(rows.map((r) => r[0])).toEqual(c.duck);
  });

  it.each(LOGICAL)("%s: physical type %s with the Delta logical type", async (name, physical, logical) => {
    const [row] = await duck.rows(`SELECT type, logical_type FROM parquet_schema(${sqlString(files[0]!)}) WHERE name = ${sqlString(name)}`);
    expect(row![0]).toMatch(new RegExp(`^(${physical})$`));
    if (logical) expect(row![1]).toMatch(logical);
  });

  it("sees the row count the add action's stats claim", async () => {
    const table = await DeltaTable.open(dir);
    const [add] = [...table.addActions()];
    const [[count]] = (await duck.rows(`SELECT count(*) FROM read_parquet(${sqlPaths(files)})`)) as [[string]];
    expect(Number(count)).toBe((JSON.parse(add!.stats!) as { numRecords: number }).numRecords);
    expect(add!.size).toBe(Number((await duck.rows(`SELECT file_size_bytes FROM parquet_file_metadata(${sqlString(files[0]!)})`))[0]![0]));
  });
});

describe("DuckDB reads a partitioned lakelog table", () => {
  it("from the files of addActions, partition values from Hive directories matching add.partitionValues", async () => {
    const dir = tempTableDir();
    const values = ["a/b", "% =", null, "日本", "x:y", "plain"];
    await writeDeltaTable(
      dir,
      testTable([
        [field("id", new Int64()), values.map((_, i) => BigInt(i))],
        [field("p", new Utf8()), values],
        [field("n", new Int32()), values.map((_, i) => i * 10)],
      ]),
      { partitionBy: ["p"] },
    );
    const table = await DeltaTable.open(dir);
    const files = filePaths(dir, table);
    expect(files).toHaveLength(values.length);
    // the data files hold only the data columns
    const fileColumns = await duck.rows(
      `SELECT DISTINCT name FROM parquet_schema(${sqlPaths(files)}) WHERE name IN ('id', 'p', 'n') ORDER BY name`,
    );
    expect(fileColumns.map((r) => r[0])).toEqual(["id", "n"]);
    const rows = await duck.rows(
      `SELECT id::VARCHAR, n::VARCHAR, p FROM read_parquet(${sqlPaths(files)}, hive_partitioning = true) ORDER BY id`,
    );
    // DuckDB unescapes the directory names and reads __HIVE_DEFAULT_PARTITION__ as NULL
    expect(rows).toEqual(values.map((v, i) => [String(i), String(i * 10), v]));
    // and lakelog's own read agrees on every row
    const read = await table.toArrow();
    expect(read.numRows).toBe(values.length);
  });
});
