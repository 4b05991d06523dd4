import { describe, expect, it } from "vitest";
import {
  bigDecimalText,
  dateText,
  javaDoubleJson,
  javaDoubleText,
  javaFloatText,
  renderJsonObject,
  timestampText,
} from "../../../../src/ops/write/stats-json.js";

describe("Java number text", () => {
  it.each<[number, string]>([
    [0, "0.0"],
    [-0, "-0.0"],
    [1, "1.0"],
    [-1.5, "-1.5"],
    [100, "100.0"],
    [9999999, "9999999.0"],
    [1e7, "1.0E7"],
    [12345678, "1.2345678E7"],
    [46612611.77, "4.661261177E7"], // golden parquet-all-types maxValues.DoubleType
    [234234.23, "234234.23"],
    [1.234, "1.234"],
    [0.001, "0.001"],
    [0.0001, "1.0E-4"],
    [1.234e-5, "1.234E-5"],
    [Math.PI, "3.141592653589793"],
    [1e21, "1.0E21"],
    [1e23, "1.0E23"],
    [Number.MAX_VALUE, "1.7976931348623157E308"],
    [Number.MIN_VALUE, "4.9E-324"],
    [2e-323, "2.0E-323"],
    [0.5, "0.5"],
    [123456.789, "123456.789"],
  ])("Double.toString(%s) = %s", (x, text) => {
    expect(javaDoubleText(x)).toBe(text);
  });

  it.each<[number, string]>([
    [0.1, "0.1"],
    [0.234, "0.234"], // golden parquet-all-types minValues.FloatType
    [46.566, "46.566"],
    [1e10, "1.0E10"],
    [3.4028234663852886e38, "3.4028235E38"],
    [1.401298464324817e-45, "1.4E-45"],
    [16777216, "1.6777216E7"],
    [1 / 3, "0.33333334"],
    [-2.5, "-2.5"],
  ])("Float.toString(%s) = %s", (x, text) => {
    expect(javaFloatText(Math.fround(x))).toBe(text);
  });

  it("writes non-finite doubles as quoted strings, as Jackson does", () => {
    expect([NaN, Infinity, -Infinity].map(javaDoubleJson)).toEqual(['"NaN"', '"Infinity"', '"-Infinity"']);
  });
});

describe("BigDecimal.toString", () => {
  it.each<[bigint, number, string]>([
    [0n, 10, "0E-10"], // golden basic-decimal-table-legacy col3
    [0n, 5, "0.00000"],
    [0n, 2, "0.00"],
    [-567800n, 5, "-5.67800"], // golden delta-1.2.1-only-struct-stats
    [-99999999999999999999n, 10, "-9999999999.9999999999"],
    [30000000000n, 10, "3.0000000000"],
    [12345n, 2, "123.45"],
    [5n, 0, "5"],
    [-100n, 0, "-100"],
    [1n, 6, "0.000001"],
    [1n, 7, "1E-7"],
    [-1n, 7, "-1E-7"],
    [123n, 9, "1.23E-7"],
  ])("%s scale %s → %s", (unscaled, scale, text) => {
    expect(bigDecimalText(unscaled, scale)).toBe(text);
  });
});

describe("date and timestamp text", () => {
  it.each<[bigint, boolean, string | undefined]>([
    [0n, true, "1970-01-01T00:00:00.000Z"],
    [-1n, true, "1969-12-31T23:59:59.999Z"],
    [-1000n, true, "1969-12-31T23:59:59.999Z"],
    [-1001n, true, "1969-12-31T23:59:59.998Z"],
    [1_704_103_200_123_456n, true, "2024-01-01T10:00:00.123Z"],
    [1_704_103_200_123_999n, false, "2024-01-01T10:00:00.123"],
    [253_402_300_799_999_999n, true, "9999-12-31T23:59:59.999Z"],
    [253_402_300_800_000_000n, true, undefined],
    [-62_135_596_800_000_000n, true, "0001-01-01T00:00:00.000Z"],
    [-62_135_596_800_000_001n, true, undefined],
  ])("%s µs (utc %s) → %s", (micros, utc, text) => {
    expect(timestampText(micros, utc)).toBe(text);
  });

  it("writes dates as YYYY-MM-DD within years 1–9999 only", () => {
    expect([0, -1, 10957, 2932896, 2932897, -719162, -719163].map(dateText)).toEqual([
      "1970-01-01",
      "1969-12-31",
      "2000-01-01",
      "9999-12-31",
      undefined,
      "0001-01-01",
      undefined,
    ]);
  });
});

describe("renderJsonObject", () => {
  it("keeps insertion order, escapes keys and nests objects", () => {
    const inner = new Map<string, string | Map<string, string>>([['b"', "1"]]);
    expect(
      renderJsonObject(
        new Map<string, string | typeof inner>([
          ["z", "2"],
          ["a", inner],
        ]),
      ),
    ).toBe('{"z":2,"a":{"b\\"":1}}');
  });
});
