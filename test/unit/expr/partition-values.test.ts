import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidPartitionValueError } from "../../../src/errors/expression-errors.js";
import { parseSchemaString } from "../../../src/schema/parse-schema.js";
import type { PrimitiveTypeName, StructType } from "../../../src/schema/types.js";
import { type Scalar } from "../../../src/expr/values.js";
import {
  parsePartitionValue,
  partitionColumnsOf,
  partitionValuesToRow,
  partitionVector,
  serializePartitionValue,
} from "../../../src/expr/partition-values.js";
import { GOLDEN_DIR } from "../../helpers/shared-data.js";

const US = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

describe("parsePartitionValue", () => {
  it.each<[string | null, PrimitiveTypeName, Scalar | null]>([
    [null, "integer", null],
    ["", "string", null],
    ["", "long", null],
    ["a b/c=d", "string", "a b/c=d"],
    ["null", "string", "null"],
    ["-128", "byte", -128],
    ["32767", "short", 32767],
    ["-2147483648", "integer", -2147483648],
    ["9223372036854775807", "long", 9223372036854775807n],
    ["-5", "long", -5n],
    ["1.5", "double", 1.5],
    ["1.0E10", "double", 1e10],
    ["-Infinity", "double", -Infinity],
    ["0.1", "float", Math.fround(0.1)],
    ["true", "boolean", true],
    ["FALSE", "boolean", false],
    ["12.50", "decimal(10,2)", { unscaled: 1250n, scale: 2 }],
    ["-0.5", "decimal(3,1)", { unscaled: -5n, scale: 1 }],
    ["7", "decimal(5,3)", { unscaled: 7000n, scale: 3 }],
    ["2021-09-08", "date", 18878],
    ["0001-01-01", "date", -719162],
    ["2021-09-08 11:11:11", "timestamp", US("2021-09-08T11:11:11Z")],
    ["1970-01-01 00:00:00.123456", "timestamp", 123456n],
    ["1970-01-01T00:00:00.123456Z", "timestamp", 123456n],
    ["2021-09-08T13:11:11+02:00", "timestamp", US("2021-09-08T11:11:11Z")],
    ["2021-09-08 11:11:11.5", "timestamp_ntz", US("2021-09-08T11:11:11.5Z")],
  ])("reads %j as %s", (raw, type, expected) => {
    expect(parsePartitionValue(raw, type, "c")).toEqual(expected);
  });

  it("reads NaN for floating types and binary as the string's UTF-8 bytes", () => {
    expect(parsePartitionValue("NaN", "double", "c")).toBeNaN();
    expect(parsePartitionValue("\u0001\u0002é", "binary", "c")).toEqual(Uint8Array.of(1, 2, 0xc3, 0xa9));
  });

  it("reads zone-less timestamps in the zone the option names (DST-aware)", () => {
    const pst = { timeZone: "America/Los_Angeles" };
    expect(parsePartitionValue("2021-09-08 11:11:11", "timestamp", "c", pst)).toBe(US("2021-09-08T18:11:11Z"));
    expect(parsePartitionValue("2021-01-08 11:11:11", "timestamp", "c", pst)).toBe(US("2021-01-08T19:11:11Z"));
    expect(parsePartitionValue("2021-09-08T11:11:11Z", "timestamp", "c", pst)).toBe(US("2021-09-08T11:11:11Z"));
    // 02:30 does not exist on 2021-03-14 in Los Angeles: moved forward like java.time (03:30 PDT).
    expect(parsePartitionValue("2021-03-14 02:30:00", "timestamp", "c", pst)).toBe(US("2021-03-14T10:30:00Z"));
    // 01:30 happens twice on 2021-11-07: the earlier (PDT) instant.
    expect(parsePartitionValue("2021-11-07 01:30:00", "timestamp", "c", pst)).toBe(US("2021-11-07T08:30:00Z"));
    expect(parsePartitionValue("2021-09-08 11:11:11", "timestamp_ntz", "c", pst)).toBe(US("2021-09-08T11:11:11Z"));
    expect(parsePartitionValue("2021-09-08 11:11:11", "timestamp", "c", { timeZone: "Asia/Tokyo" })).toBe(US("2021-09-08T02:11:11Z"));
  });

  it.each<[string, PrimitiveTypeName]>([
    ["128", "byte"],
    ["1.0", "integer"],
    ["9223372036854775808", "long"],
    ["abc", "double"],
    ["yes", "boolean"],
    ["1.234", "decimal(10,2)"],
    ["2021-02-29", "date"],
    ["2021-09-08 25:00:00", "timestamp"],
  ])("refuses %j as %s with a typed error naming the column", (raw, type) => {
    try {
      parsePartitionValue(raw, type, "col_x");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidPartitionValueError);
      expect((err as InvalidPartitionValueError).column).toBe("col_x");
      expect((err as InvalidPartitionValueError).value).toBe(raw);
    }
  });

  it("refuses an unknown time zone", () => {
    expect(() => parsePartitionValue("2021-09-08 11:11:11", "timestamp", "c", { timeZone: "Mars/Olympus" })).toThrow(/unknown time zone/);
  });
});

describe("serializePartitionValue", () => {
  it.each<[PrimitiveTypeName, Scalar | null, string | null]>([
    ["string", "a/b=c", "a/b=c"],
    ["string", "", null],
    ["integer", null, null],
    ["long", 2n ** 62n, "4611686018427387904"],
    ["double", NaN, "NaN"],
    ["double", -Infinity, "-Infinity"],
    ["double", 1.5, "1.5"],
    ["float", Math.fround(0.1), String(Math.fround(0.1))],
    ["boolean", false, "false"],
    ["decimal(10,2)", { unscaled: -150n, scale: 2 }, "-1.50"],
    ["decimal(5,3)", { unscaled: 7n, scale: 0 }, "7.000"],
    ["date", 18878, "2021-09-08"],
    ["date", -719162, "0001-01-01"],
    ["timestamp", 123456n, "1970-01-01T00:00:00.123456Z"],
    ["timestamp", -1n, "1969-12-31T23:59:59.999999Z"],
    ["timestamp_ntz", US("2021-09-08T11:11:11.5Z"), "2021-09-08 11:11:11.500000"],
    ["binary", Uint8Array.of(0x61, 0xc3, 0xa9), "aé"],
  ])("writes a %s value as the log stores it, and reads it back", (type, value, text) => {
    expect(serializePartitionValue(value, type)).toBe(text);
    if (text !== null)
      expect(parsePartitionValue(text, type, "c")).toEqual(type === "decimal(5,3)" ? { unscaled: 7000n, scale: 3 } : value);
  });

  it("refuses binary that is not UTF-8 (it would not read back)", () => {
    expect(() => serializePartitionValue(Uint8Array.of(0xff), "binary")).toThrow(TypeError);
  });
});

describe("partition columns and rows", () => {
  const schema: StructType = {
    type: "struct",
    fields: [
      { name: "id", type: "long", nullable: true, metadata: {} },
      { name: "Part", type: "string", nullable: true, metadata: { "delta.columnMapping.physicalName": "col-1" } },
      { name: "day", type: "date", nullable: true, metadata: { "delta.columnMapping.physicalName": "col-2" } },
    ],
  };

  it("maps partition columns to their physical keys under column mapping", () => {
    const columns = partitionColumnsOf(schema, ["part", "day"], "name");
    expect(columns).toEqual([
      { name: "Part", physicalName: "col-1", type: "string" },
      { name: "day", physicalName: "col-2", type: "date" },
    ]);
    expect(partitionValuesToRow({ "col-1": "x", "col-2": "1970-01-02" }, columns)).toEqual({ Part: "x", day: 1 });
    expect(partitionValuesToRow({ "col-1": null }, columns)).toEqual({ Part: null, day: null });
  });

  it("refuses a partition column the schema lacks", () => {
    expect(() => partitionColumnsOf(schema, ["nope"])).toThrow(InvalidPartitionValueError);
  });
});

describe("partitionVector", () => {
  it.each<[PrimitiveTypeName, Scalar, unknown]>([
    ["string", "héllo", "héllo"],
    ["binary", Uint8Array.of(1, 2), Uint8Array.of(1, 2)],
    ["boolean", true, true],
    ["boolean", false, false],
    ["byte", -3, -3],
    ["short", 300, 300],
    ["integer", 7, 7],
    ["long", 2n ** 62n, 2n ** 62n],
    ["float", 1.5, 1.5],
    ["double", NaN, NaN],
    ["date", 18878, Date.UTC(2021, 8, 8)],
    ["timestamp", 1_500_000n, 1500],
    ["timestamp_ntz", 2_000n, 2],
  ])("repeats a %s value", (type, value, expected) => {
    const v = partitionVector(value, type, 70);
    expect(v.length).toBe(70);
    expect(v.nullCount).toBe(0);
    for (const i of [0, 1, 69]) expect(v.get(i)).toEqual(expected);
  });

  it("repeats a decimal value exactly, negatives included", () => {
    const v = partitionVector({ unscaled: -12345n, scale: 2 }, "decimal(10,3)", 5);
    const words = Array.from((v.data[0]!.values as Uint32Array).subarray(8, 12));
    expect(String(v.type)).toBe("Decimal[10e+3]");
    expect(
      BigInt.asIntN(
        128,
        words.reduceRight((acc, w) => (acc << 32n) | BigInt(w), 0n),
      ),
    ).toBe(-123450n);
  });

  it.each<PrimitiveTypeName>(["string", "long", "boolean", "decimal(5,1)", "timestamp", "date"])("builds an all-null %s column", (type) => {
    const v = partitionVector(null, type, 10);
    expect(v.length).toBe(10);
    expect(v.nullCount).toBe(10);
    expect(v.get(3)).toBeNull();
  });
});

const GOLDEN = join(GOLDEN_DIR, "data-reader-partition-values", "delta");

describe.skipIf(!existsSync(GOLDEN))("golden table data-reader-partition-values (needs ../shared/delta-golden)", () => {
  it("reads every file's partition values as their types", () => {
    const actions = readFileSync(join(GOLDEN, "_delta_log", "00000000000000000000.json"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const meta = actions.find((a) => a.metaData).metaData;
    const columns = partitionColumnsOf(parseSchemaString(meta.schemaString), meta.partitionColumns);
    const rows = actions.filter((a) => a.add).map((a) => partitionValuesToRow(a.add.partitionValues, columns));
    const byInt = new Map(rows.map((r) => [r.as_int, r]));
    expect(byInt.get(1)).toEqual({
      as_int: 1,
      as_long: 1n,
      as_byte: 1,
      as_short: 1,
      as_boolean: false,
      as_float: 1,
      as_double: 1,
      as_string: "1",
      as_string_lit_null: "null",
      as_date: 18878,
      as_timestamp: US("2021-09-08T11:11:11Z"),
      as_big_decimal: { unscaled: 1n, scale: 0 },
    });
    expect(Object.values(byInt.get(null)!).every((v) => v === null)).toBe(true);
    const pst =
      rows.length &&
      partitionValuesToRow(actions.find((a) => a.add?.partitionValues.as_int === "0").add.partitionValues, columns, {
        timeZone: "America/Los_Angeles",
      });
    expect(pst && pst.as_timestamp).toBe(US("2021-09-08T18:11:11Z"));
  });
});
