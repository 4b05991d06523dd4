/**
 * Generated columns (`generatedColumns`, field metadata `delta.generationExpression`): omitted
 * columns are computed on write, supplied ones are checked null-safely, and expressions lakelog
 * cannot evaluate are refused before anything is written. Also the date functions
 * (`year`, `month`, `day`, `hour`, `to_date`) the expressions typically use.
 */
import { DateDay, Int32, Int64, type RecordBatch, Table, TimeUnit, Timestamp, Utf8 } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { GeneratedColumnMismatchError, UnsupportedGenerationExpressionError } from "../../../src/errors/feature-errors.js";
import { bindValue } from "../../../src/expr/bind.js";
import { evaluateValue } from "../../../src/expr/evaluate.js";
import { parseExpression } from "../../../src/expr/parse.js";
import type { StructField, StructType } from "../../../src/schema/types.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { canonicalRows, columnCells } from "../../helpers/arrow-rows.js";
import { field, testBatch } from "../../helpers/write-arrow.js";
import { expectRefusedCleanly, memoryUrl, removeTempDirs } from "../../helpers/write-tables.js";

afterAll(removeTempDirs);

const f = (name: string, type: StructField["type"], metadata: Record<string, unknown> = {}, nullable = true): StructField => ({
  name,
  type,
  nullable,
  metadata,
});
const gen = (expression: string) => ({ "delta.generationExpression": expression });
const SCHEMA: StructType = {
  type: "struct",
  fields: [
    f("id", "long"),
    f("ts", "timestamp"),
    f("name", "string"),
    f("yr", "integer", gen("year(ts)")),
    f("nn", "integer", gen("coalesce(year(ts), 0)"), false),
    f("d", "date", gen("CAST(ts AS DATE)")),
    f("next", "long", gen("id + 1")),
    f("lname", "string", gen("lower(substring(name, 1, 3))")),
  ],
};
const TS = (iso: string) => BigInt(Date.parse(iso)) * 1000n;
const DAY = (y: number, m: number, d: number) => Date.UTC(y, m, d) / 86_400_000;

function input(
  ids: bigint[],
  ts: (bigint | null)[],
  names: (string | null)[],
  extra: Array<[ReturnType<typeof field>, unknown[]]> = [],
): RecordBatch {
  return testBatch([
    [field("id", new Int64()), ids],
    [field("ts", new Timestamp(TimeUnit.MICROSECOND, "UTC")), ts],
    [field("name", new Utf8()), names],
    ...extra,
  ]);
}

describe("date functions of the expression language", () => {
  const schema: StructType = { type: "struct", fields: [f("ts", "timestamp"), f("n", "timestamp_ntz"), f("d", "date"), f("s", "string")] };
  const batch = testBatch([
    [field("ts", new Timestamp(TimeUnit.MICROSECOND, "UTC")), [TS("2024-03-05T17:45:00Z"), TS("1969-12-31T23:30:00Z"), null]],
    [field("n", new Timestamp(TimeUnit.MICROSECOND)), [TS("2023-12-31T01:02:03Z"), TS("2000-02-29T00:00:00Z"), TS("1999-01-01T00:00:00Z")]],
    [field("d", new DateDay()), [DAY(2020, 1, 29), DAY(1960, 6, 4), null]],
    [field("s", new Utf8()), ["2021-07-08", "1999-12-31", null]],
  ]);
  it.each<[string, unknown[]]>([
    ["year(ts)", [2024, 1969, null]],
    ["month(ts)", [3, 12, null]],
    ["day(ts)", [5, 31, null]],
    ["dayofmonth(n)", [31, 29, 1]],
    ["hour(ts)", [17, 23, null]],
    ["hour(n)", [1, 0, 0]],
    ["hour(d)", [0, 0, null]],
    ["year(d)", [2020, 1960, null]],
    ["month(d)", [2, 7, null]],
    ["year(s)", [2021, 1999, null]],
    ["year(ts) * 100 + month(ts)", [202403, 196912, null]],
  ])("%s", (text, expected) => {
    const vector = evaluateValue(bindValue(parseExpression(text), schema), batch);
    expect(Array.from({ length: vector.length }, (_, i) => vector.get(i))).toEqual(expected);
  });

  it("to_date(ts) is the UTC date of the timestamp", () => {
    const bound = bindValue(parseExpression("to_date(ts)"), schema);
    expect(bound.type).toBe("date");
    const vector = evaluateValue(bound, batch);
    expect([vector.get(0), vector.get(1), vector.get(2)]).toEqual([Date.UTC(2024, 2, 5), Date.UTC(1969, 11, 31), null]);
  });

  it("refuses a non-date argument with a typed error", () => {
    expect(() => bindValue(parseExpression("year(true)"), schema)).toThrow(/year/);
    expect(() => bindValue(parseExpression("month(ts, ts)"), schema)).toThrow(/1 argument/);
  });
});

describe("writing a table with generated columns", () => {
  it("computes omitted generated columns and records the generatedColumns feature", async () => {
    const table = await DeltaTable.create(memoryUrl("gen"), { schema: SCHEMA });
    expect(table.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 4 });
    await table.write(input([1n, 2n], [TS("2024-03-05T17:45:00Z"), null], ["ALICE", null]));
    const rows = await (await table.refresh()).toArrow();
    expect(canonicalRows(rows, ["id", "yr", "nn", "d", "next", "lname"])).toEqual([
      JSON.stringify({ d: "date:19787d", id: "i64:1", lname: "ali", next: "i64:2", nn: 2024, yr: 2024 }),
      JSON.stringify({ d: null, id: "i64:2", lname: null, next: "i64:3", nn: 0, yr: null }),
    ]);
    expect(columnCells(rows, "nn")).toEqual([2024, 0]);
  });

  it("computes them for plain-object rows that omit them", async () => {
    const table = await DeltaTable.create(memoryUrl("gen-rows"), {
      schema: { ...SCHEMA, fields: SCHEMA.fields.map((x) => ({ ...x, nullable: true })) },
    });
    await table.write([{ id: 7n, ts: new Date("2001-09-09T01:46:40Z"), name: "Bob" }]);
    const rows = await (await table.refresh()).toArrow();
    expect(columnCells(rows, "yr")).toEqual([2001]);
    expect(columnCells(rows, "next")).toEqual(["i64:8"]);
    expect(columnCells(rows, "lname")).toEqual(["bob"]);
  });

  it("accepts supplied values equal to the expression (NULL where it gives NULL)", async () => {
    const table = await DeltaTable.create(memoryUrl("gen-ok"), { schema: SCHEMA });
    const batch = input(
      [1n, 2n],
      [TS("2024-03-05T17:45:00Z"), null],
      ["Ann", null],
      [
        [field("next", new Int64()), [2n, 3n]],
        [field("yr", new Int32()), [2024, null]],
      ],
    );
    await table.write(new Table([batch]));
    expect(table.protocol.minWriterVersion).toBe(4);
    const rows = await (await table.refresh()).toArrow();
    expect(columnCells(rows, "next")).toEqual(["i64:2", "i64:3"]);
  });

  it.each<[string, ReturnType<typeof input>, Partial<GeneratedColumnMismatchError>]>([
    [
      "a wrong value",
      input([1n, 2n], [null, null], [null, null], [[field("next", new Int64()), [2n, 5n]]]),
      { column: "next", expression: "id + 1", row: 1, supplied: 5n, expected: 3n, mismatchingRows: 1 },
    ],
    [
      "a NULL where the expression gives a value",
      input([1n], [null], [null], [[field("next", new Int64()), [null]]]),
      { column: "next", row: 0, supplied: null, expected: 2n },
    ],
    [
      "a value where the expression gives NULL",
      input([1n], [null], [null], [[field("d", new DateDay()), [DAY(2020, 0, 1)]]]),
      { column: "d", row: 0, supplied: "2020-01-01", expected: null },
    ],
  ])("refuses %s with GeneratedColumnMismatchError and writes nothing", async (_title, batch, fields) => {
    const table = await DeltaTable.create(memoryUrl("gen-bad"), { schema: SCHEMA });
    await expectRefusedCleanly(table, () => table.write(batch), GeneratedColumnMismatchError, fields);
  });

  it("refuses an expression lakelog cannot evaluate before writing anything", async () => {
    const schema: StructType = { type: "struct", fields: [f("id", "long"), f("h", "string", gen("md5(id)"))] };
    const table = await DeltaTable.create(memoryUrl("gen-unsupported"), { schema });
    await expectRefusedCleanly(table, () => table.write([{ id: 1n }]), UnsupportedGenerationExpressionError, {
      column: "h",
      expression: "md5(id)",
    });
  });
});

describe("row-level changes of a table with generated columns", () => {
  const NULLABLE: StructType = { ...SCHEMA, fields: SCHEMA.fields.map((x) => ({ ...x, nullable: true })) };
  const COLUMNS = ["id", "yr", "nn", "d", "next", "lname"];
  async function twoRows(properties: Record<string, string> = {}): Promise<DeltaTable> {
    const table = await DeltaTable.create(memoryUrl("gen-dml"), { schema: NULLABLE, properties });
    await table.write([
      { id: 1n, ts: new Date("2024-03-05T17:45:00Z"), name: "Alice" },
      { id: 2n, ts: new Date("2001-09-09T01:46:40Z"), name: "Bob" },
    ]);
    return table.refresh();
  }

  it.each([
    ["copy-on-write", {}],
    ["deletion vectors", { "delta.enableDeletionVectors": "true" }],
  ])("an update of the columns they read recomputes them (%s)", async (_title, properties) => {
    const table = await twoRows(properties);
    await table.update({ where: "id = 1", set: { ts: "TIMESTAMP '1999-12-31 23:00:00'", id: "10", name: "'ZOE'" } });
    expect(canonicalRows(await (await table.refresh()).toArrow(), COLUMNS)).toEqual([
      JSON.stringify({ d: "date:10956d", id: "i64:10", lname: "zoe", next: "i64:11", nn: 1999, yr: 1999 }),
      JSON.stringify({ d: "date:11574d", id: "i64:2", lname: "bob", next: "i64:3", nn: 2001, yr: 2001 }),
    ]);
  });

  it("an update setting a generated column checks it: a wrong value is refused typed, the right one kept", async () => {
    const table = await twoRows();
    await expectRefusedCleanly(table, () => table.update({ where: "id = 1", set: { next: "5" } }), GeneratedColumnMismatchError, {
      column: "next",
      supplied: 5n,
      expected: 2n,
    });
    await table.update({ where: "id = 1", set: { id: "4", next: "5" } });
    expect(columnCells(await (await table.refresh()).toArrow(), "next").sort()).toEqual(["i64:3", "i64:5"]);
  });

  it("a merge recomputes them for updated rows and computes them for inserted rows that omit them", async () => {
    const table = await twoRows();
    await table
      .merge(
        [
          { id: 2n, name: "ROB", src: 1 },
          { id: 3n, name: "Cy", src: 1 },
        ],
        { on: "target.id = source.id" },
      )
      .whenMatchedUpdate({ set: { name: "source.name", ts: "TIMESTAMP '2010-01-01 00:00:00'" } })
      .whenNotMatchedInsert({ values: { id: "source.id", name: "source.name" } })
      .execute();
    expect(canonicalRows(await (await table.refresh()).toArrow(), COLUMNS)).toEqual([
      JSON.stringify({ d: "date:14610d", id: "i64:2", lname: "rob", next: "i64:3", nn: 2010, yr: 2010 }),
      JSON.stringify({ d: "date:19787d", id: "i64:1", lname: "ali", next: "i64:2", nn: 2024, yr: 2024 }),
      JSON.stringify({ d: null, id: "i64:3", lname: "cy", next: "i64:4", nn: 0, yr: null }),
    ]);
  });
});
