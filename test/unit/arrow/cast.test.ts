import {
  Binary,
  Bool,
  type Data,
  type DataType,
  DateDay,
  DateMillisecond,
  Decimal,
  Field,
  FixedSizeBinary,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeUtf8,
  List,
  Map_,
  makeData,
  Null,
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
import { nullData } from "../../../src/arrow/data.js";
import { castData, normalizeBatch } from "../../../src/arrow/cast.js";
import { ParquetCastError } from "../../../src/errors/parquet-errors.js";
import { cell, decimalData } from "../engine/fixtures.js";

const values = (data: Data) => Array.from({ length: data.length }, (_, i) => cell(data, i));
const col = (items: unknown[], type: DataType) => vectorFromArray(items as never[], type).data[0] as Data;
const ts = (type: DataType, raw: (bigint | null)[]) =>
  makeData({
    type: type as TimestampMicrosecond,
    length: raw.length,
    nullCount: raw.filter((v) => v === null).length,
    nullBitmap: Uint8Array.from([raw.reduce((bits, v, i) => (v === null ? bits : bits | (1 << i)), 0)]),
    data: BigInt64Array.from(raw, (v) => v ?? 0n),
  });
const mapType = (value: DataType) => {
  const entries = new Struct([new Field("key", new Utf8(), false), new Field("value", value, true)]) as Struct<{
    key: Utf8;
    value: DataType;
  }>;
  return new Map_(new Field("entries", entries));
};

describe("castData on leaves", () => {
  it.each([
    ["Int8 → Int64", col([1, -2, null, 127], new Int8()), new Int64(), ["1n", "-2n", null, "127n"]],
    ["Int16 → Int32", col([-300, null], new Int16()), new Int32(), ["-300", null]],
    ["Int32 → Int64", col([-2147483648, 2147483647], new Int32()), new Int64(), ["-2147483648n", "2147483647n"]],
    ["Int64 → Int32 in range", col([5n, -5n], new Int64()), new Int32(), ["5", "-5"]],
    ["Int32 → Float64", col([3, null], new Int32()), new Float64(), ["3", null]],
    ["Int64 → Float64", col([2n ** 40n], new Int64()), new Float64(), [String(2 ** 40)]],
    ["Float32 → Float64", col([0.5, null], new Float32()), new Float64(), ["0.5", null]],
    ["LargeUtf8 → Utf8", col(["a", null, "ccc"], new LargeUtf8()), new Utf8(), ["a", null, "ccc"]],
    ["FixedSizeBinary → Binary", col([new Uint8Array([1, 2]), null], new FixedSizeBinary(2)), new Binary(), ["0102", null]],
    ["Utf8 → Binary", col(["A"], new Utf8()), new Binary(), ["41"]],
    ["Date64 → Date32 (floors)", col([new Date(86_400_000 * 3 + 5), null], new DateMillisecond()), new DateDay(), ["3d", null]],
    ["Null → Int32", makeData({ type: new Null(), length: 2 }), new Int32(), [null, null]],
  ])("%s", (_name, data, target, expected) => {
    const out = castData(data, target);
    expect(out.type).toBe(target);
    expect(values(out)).toEqual(expected);
  });

  it.each([
    ["ms UTC → µs UTC", ts(new TimestampMillisecond("UTC"), [1n, -1n, null]), new TimestampMicrosecond("UTC"), ["1000us", "-1000us", null]],
    [
      "ns → µs floors toward negative infinity",
      ts(new TimestampNanosecond("UTC"), [1999n, -1n]),
      new TimestampMicrosecond("UTC"),
      ["1us", "-1us"],
    ],
    ["µs +00:00 → µs UTC relabels", ts(new TimestampMicrosecond("+00:00"), [42n]), new TimestampMicrosecond("UTC"), ["42us"]],
    ["µs UTC → µs without zone (ntz)", ts(new TimestampMicrosecond("UTC"), [42n]), new TimestampMicrosecond(), ["42us"]],
    [
      "Date32 → Timestamp µs (date → timestamp_ntz widening)",
      col([new Date(86_400_000)], new DateDay()),
      new TimestampMicrosecond(),
      ["86400000000us"],
    ],
  ])("timestamps: %s", (_name, data, target, expected) => {
    const out = castData(data, target);
    expect(String(out.type)).toBe(String(target));
    expect(values(out)).toEqual(expected);
  });

  it.each([
    ["rescales (10,2) → (12,4)", [12345n, -1n, null], [10, 2], [12, 4], ["123.4500", "-0.0100", null]],
    ["relabels (10,2) → (20,2)", [12345n], [10, 2], [20, 2], ["123.45"]],
    ["keeps precision 38", [10n ** 37n], [38, 0], [38, 0], ["1" + "0".repeat(37)]],
  ])("decimals: %s", (_name, unscaled, [p0, s0], [p1, s1], expected) => {
    const out = castData(
      decimalData(unscaled as (bigint | null)[], new Decimal(s0 as number, p0 as number, 128)),
      new Decimal(s1 as number, p1 as number, 128),
    );
    expect(values(out)).toEqual(expected);
  });

  it("converts integers to decimals", () => {
    expect(values(castData(col([7, -3], new Int32()), new Decimal(2, 12, 128)))).toEqual(["7.00", "-3.00"]);
  });

  it.each([
    ["Int64 → Int32 overflow", col([2n ** 40n], new Int64()), new Int32()],
    ["Int16 → Int8 overflow", col([300], new Int16()), new Int8()],
    ["Decimal scale shrinking", decimalData([1n], new Decimal(2, 10, 128)), new Decimal(1, 10, 128)],
    ["Decimal precision overflow", decimalData([99999n], new Decimal(1, 5, 128)), new Decimal(1, 4, 128)],
    ["Utf8 → Int32", col(["1"], new Utf8()), new Int32()],
    ["Float64 → Int64", col([1.5], new Float64()), new Int64()],
    ["Bool → Utf8", col([true], new Bool()), new Utf8()],
    ["Struct → Int32", col([{ a: 1 }], new Struct([new Field("a", new Int32())])), new Int32()],
  ])("refuses %s with ParquetCastError", (_name, data, target) => {
    expect(() => castData(data, target, "col")).toThrow(ParquetCastError);
  });

  it("ignores out-of-range values in null slots", () => {
    const data = makeData({
      type: new Int64(),
      length: 2,
      nullCount: 1,
      nullBitmap: Uint8Array.from([0b01]),
      data: BigInt64Array.from([1n, 2n ** 50n]),
    });
    expect(values(castData(data, new Int32()))).toEqual(["1", null]);
  });
});

describe("castData on nested values", () => {
  const inner = new Struct([new Field("x", new Int32(), true), new Field("y", new Utf8(), true)]);

  it("matches struct children by name, fills new nullable children with null, drops extra ones", () => {
    const data = col([{ x: 1, y: "a" }, null, { x: 3, y: "c" }], inner);
    const target = new Struct([new Field("y", new Utf8(), true), new Field("z", new Float64(), true), new Field("x", new Int64(), true)]);
    expect(values(castData(data, target))).toEqual([{ y: "a", z: null, x: "1n" }, null, { y: "c", z: null, x: "3n" }]);
  });

  it("refuses a missing non-nullable struct child", () => {
    const target = new Struct([new Field("w", new Int32(), false)]);
    expect(() => castData(col([{ x: 1, y: "a" }], inner), target, "s")).toThrow(/s\.w/);
  });

  it("converts list elements and renames the element field", () => {
    const data = col([[1, 2], null, []], new List(new Field("item", new Int32(), true)));
    const target = new List(new Field("element", new Int64(), true));
    const out = castData(data, target);
    expect(out.type).toBe(target);
    expect(values(out)).toEqual([["1n", "2n"], null, []]);
  });

  it("converts map values and keeps keys", () => {
    const data = col([new Map([["k", 1]]), null], mapType(new Int32()));
    expect(values(castData(data, mapType(new Int64())))).toEqual([[["k", "1n"]], null]);
  });

  it("converts lists of structs recursively", () => {
    const data = col([[{ x: 1, y: "a" }], [null]], new List(new Field("e", inner, true)));
    const target = new List(new Field("element", new Struct([new Field("x", new Int64(), true)]), true));
    expect(values(castData(data, target))).toEqual([[{ x: "1n" }], [null]]);
  });

  it("keeps a sliced input's rows", () => {
    const data = col([1, 2, null, 4, 5], new Int32()).slice(2, 3);
    expect(values(castData(data, new Int64()))).toEqual([null, "4n", "5n"]);
  });
});

describe("nullData", () => {
  it.each([
    new Int32(),
    new Int64(),
    new Utf8(),
    new Bool(),
    new Decimal(2, 10, 128),
    new TimestampMicrosecond("UTC"),
    new Struct([new Field("a", new Int32(), true)]),
    new List(new Field("element", new Utf8(), true)),
    mapType(new Int64()),
  ])("builds an all-null %s column", (type) => {
    const data = nullData(type, 3);
    expect(data.length).toBe(3);
    expect(data.nullCount).toBe(3);
    expect(values(data)).toEqual([null, null, null]);
  });
});

describe("normalizeBatch", () => {
  const fields = [new Field("b", new Int32(), true), new Field("a", new Utf8(), true)];
  const batch = new RecordBatch(
    new Schema(fields),
    makeData({ type: new Struct(fields), length: 2, children: [col([1, 2], new Int32()), col(["x", "y"], new Utf8())] }),
  );

  it("returns exactly the target schema: order, types, added nullable columns", () => {
    const target = new Schema([
      new Field("a", new Utf8(), true),
      new Field("new", new Float64(), true),
      new Field("b", new Int64(), false, new Map([["k", "v"]])),
    ]);
    const out = normalizeBatch(batch, target);
    expect(out.schema.fields).toStrictEqual(target.fields);
    expect(out.numRows).toBe(2);
    expect(out.schema.fields[2]?.metadata.get("k")).toBe("v");
    expect(values(out.data.children[0] as Data)).toEqual(["x", "y"]);
    expect(values(out.data.children[1] as Data)).toEqual([null, null]);
    expect(values(out.data.children[2] as Data)).toEqual(["1n", "2n"]);
  });

  it("refuses a missing non-nullable column, naming it", () => {
    const target = new Schema([new Field("required", new Int32(), false)]);
    expect(() => normalizeBatch(batch, target)).toThrow(ParquetCastError);
    expect(() => normalizeBatch(batch, target)).toThrow(/required/);
  });

  it("shares buffers when the types already match", () => {
    const out = normalizeBatch(batch, new Schema([fields[0] as Field]));
    expect(out.data.children[0]?.values).toBe(batch.data.children[0]?.values);
  });
});
