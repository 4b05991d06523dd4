import { describe, expect, it } from "vitest";
import { rowsToBatch } from "../../../../src/ops/write/input.js";
import { FileStatsCollector, truncateStringMax, truncateStringMin } from "../../../../src/ops/write/stats.js";
import { parseStatsColumns, statsPlanFor } from "../../../../src/ops/write/stats-columns.js";
import { toArrowSchema } from "../../../../src/schema/arrow-schema.js";
import type { DataType, StructField, StructType } from "../../../../src/schema/types.js";
import { bind } from "../../../../src/expr/bind.js";
import { evaluate } from "../../../../src/expr/evaluate.js";
import { and, col, type Expression, type LiteralValue, not, or } from "../../../../src/expr/expression.js";
import { canSkipFile, type SkippingContext } from "../../../../src/expr/skipping.js";

const field = (name: string, type: DataType, metadata: Record<string, unknown> = {}): StructField => ({
  name,
  type,
  nullable: true,
  metadata,
});
const struct = (...fields: StructField[]): StructType => ({ type: "struct", fields });

/** The stats JSON of one file holding `rows` of a table with `schema`. */
function statsOf(
  schema: StructType,
  rows: Record<string, unknown>[],
  configuration: Record<string, string> = {},
  extra: { partitionColumns?: string[]; tightBounds?: boolean; mode?: "none" | "name" } = {},
): string {
  const partitionColumns = extra.partitionColumns ?? [];
  const plan = statsPlanFor(schema, {
    partitionColumns,
    columnMappingMode: extra.mode ?? "none",
    configuration,
    tightBounds: extra.tightBounds,
  });
  const data = struct(...schema.fields.filter((f) => !partitionColumns.includes(f.name)));
  const collector = new FileStatsCollector(plan);
  collector.add(rowsToBatch(rows, 0, rows.length, toArrowSchema(data)));
  return collector.toJson();
}

describe("FileStatsCollector", () => {
  it("writes numRecords, min, max and null counts in schema order with exact longs", () => {
    const schema = struct(field("id", "long"), field("n", "integer"), field("s", "string"));
    const rows = [
      { id: 9007199254740993n, n: 3, s: "b" },
      { id: -9223372036854775808n, n: null, s: "a" },
      { id: 5n, n: -7, s: null },
    ];
    expect(statsOf(schema, rows)).toBe(
      '{"numRecords":3,"minValues":{"id":-9223372036854775808,"n":-7,"s":"a"},"maxValues":{"id":9007199254740993,"n":3,"s":"b"},"nullCount":{"id":0,"n":1,"s":1}}',
    );
  });

  it("counts a field null where its struct is null, and leaves those rows out of min/max", () => {
    const schema = struct(field("st", struct(field("a", "integer"), field("b", struct(field("c", "string"))))));
    const rows = [{ st: { a: 1, b: { c: "x" } } }, { st: null }, { st: { a: null, b: null } }, { st: { a: 4, b: { c: null } } }];
    expect(statsOf(schema, rows)).toBe(
      '{"numRecords":4,"minValues":{"st":{"a":1,"b":{"c":"x"}}},"maxValues":{"st":{"a":4,"b":{"c":"x"}}},"nullCount":{"st":{"a":2,"b":{"c":3}}}}',
    );
  });

  it("writes null counts only for boolean, binary, array, map and variant-free structs; all-null columns have no bounds", () => {
    const schema = struct(
      field("flag", "boolean"),
      field("bin", "binary"),
      field("arr", { type: "array", elementType: "integer", containsNull: true }),
      field("m", { type: "map", keyType: "string", valueType: "long", valueContainsNull: true }),
      field("bits", struct(field("x", "boolean"))),
      field("empty", "double"),
      field("allNullStruct", struct(field("v", "integer"))),
    );
    const rows = [
      {
        flag: true,
        bin: new Uint8Array([1]),
        arr: [1, null],
        m: new Map([["k", 1n]]),
        bits: { x: true },
        empty: null,
        allNullStruct: null,
      },
      { flag: null, bin: null, arr: null, m: null, bits: null, empty: null, allNullStruct: { v: null } },
    ];
    expect(statsOf(schema, rows)).toBe(
      '{"numRecords":2,"minValues":{"allNullStruct":{}},"maxValues":{"allNullStruct":{}},' +
        '"nullCount":{"flag":1,"bin":1,"arr":1,"m":1,"bits":{"x":1},"empty":2,"allNullStruct":{"v":2}}}',
    );
  });

  it("orders NaN above every number: max NaN when present, min NaN only when every value is NaN", () => {
    const schema = struct(field("d", "double"), field("f", "float"), field("nan", "double"), field("z", "double"));
    const rows = [
      { d: 1.5, f: 0.1, nan: NaN, z: -0 },
      { d: NaN, f: -Infinity, nan: NaN, z: 0 },
      { d: -2, f: Infinity, nan: null, z: 0 },
    ];
    expect(statsOf(schema, rows)).toBe(
      '{"numRecords":3,"minValues":{"d":-2.0,"f":"-Infinity","nan":"NaN","z":-0.0},"maxValues":{"d":"NaN","f":"Infinity","nan":"NaN","z":-0.0},"nullCount":{"d":0,"f":0,"nan":1,"z":0}}',
    );
  });

  it("writes decimals with their scale, dates, and timestamps truncated to the millisecond", () => {
    const schema = struct(
      field("dec", "decimal(10,2)"),
      field("big", "decimal(38,18)"),
      field("day", "date"),
      field("ts", "timestamp"),
      field("ntz", "timestamp_ntz"),
    );
    const rows = [
      { dec: "-12.5", big: "12345678901234567890.123456789012345678", day: "2024-02-29", ts: 1_704_103_200_123_999n, ntz: -1n },
      { dec: "0", big: "0", day: "1970-01-01", ts: 1_704_103_200_123_000n, ntz: 1n },
    ];
    expect(statsOf(schema, rows)).toBe(
      '{"numRecords":2,"minValues":{"dec":-12.50,"big":0E-18,"day":"1970-01-01","ts":"2024-01-01T10:00:00.123Z","ntz":"1969-12-31T23:59:59.999"},' +
        '"maxValues":{"dec":0.00,"big":12345678901234567890.123456789012345678,"day":"2024-02-29","ts":"2024-01-01T10:00:00.123Z","ntz":"1970-01-01T00:00:00.000"},' +
        '"nullCount":{"dec":0,"big":0,"day":0,"ts":0,"ntz":0}}',
    );
  });

  it("truncates string bounds to 32 code points, keeping the max above every value", () => {
    const long = "a".repeat(40);
    const schema = struct(field("s", "string"));
    const json = JSON.parse(statsOf(schema, [{ s: long }, { s: "b" }]));
    expect(json.minValues.s).toBe("a".repeat(32));
    expect(json.maxValues.s).toBe("b");
    const json2 = JSON.parse(statsOf(schema, [{ s: long }]));
    expect(json2.maxValues.s).toBe(`${"a".repeat(32)}\ufffd`);
    expect(JSON.parse(statsOf(schema, [{ s: long }], { "delta.dataSkippingStringPrefixLength": "4" })).minValues.s).toBe("aaaa");
  });

  it.each<[string, string, string]>([
    ["a".repeat(33), "a".repeat(32), `${"a".repeat(32)}\ufffd`],
    ["a".repeat(32), "a".repeat(32), "a".repeat(32)],
    [`${"a".repeat(32)}\ufffd\uffffb`, "a".repeat(32), `${"a".repeat(32)}\ufffd\uffff\ufffd`],
    [`${"a".repeat(31)}😀😀x`, `${"a".repeat(31)}😀`, `${"a".repeat(31)}😀😀\ufffd`],
    [`${"😀".repeat(33)}`, "😀".repeat(32), `${"😀".repeat(33)}\ufffd`],
    [`${"a".repeat(32)}😀`, "a".repeat(32), `${"a".repeat(32)}😀\ufffd`],
  ])("truncates %j to min %j, max %j", (value, min, max) => {
    expect(truncateStringMin(value, 32)).toBe(min);
    expect(truncateStringMax(value, 32)).toBe(max);
    expect(truncateStringMax(value, 32) >= value || truncateStringMax(value, 32) === value).toBe(true);
  });

  it("takes the first N leaves (dataSkippingNumIndexedCols), counting structs by their leaves and arrays as one", () => {
    const schema = struct(
      field("a", "long"),
      field("s", struct(field("x", "integer"), field("y", "integer"))),
      field("arr", { type: "array", elementType: "long", containsNull: true }),
      field("z", "long"),
    );
    const rows = [{ a: 1n, s: { x: 1, y: 2 }, arr: [1n], z: 9n }];
    expect(statsOf(schema, rows, { "delta.dataSkippingNumIndexedCols": "2" })).toBe(
      '{"numRecords":1,"minValues":{"a":1,"s":{"x":1}},"maxValues":{"a":1,"s":{"x":1}},"nullCount":{"a":0,"s":{"x":0}}}',
    );
    expect(statsOf(schema, rows, { "delta.dataSkippingNumIndexedCols": "0" })).toBe('{"numRecords":1}');
    expect(JSON.parse(statsOf(schema, rows, { "delta.dataSkippingNumIndexedCols": "-1" })).nullCount).toEqual({
      a: 0,
      s: { x: 0, y: 0 },
      arr: 0,
      z: 0,
    });
    expect(JSON.parse(statsOf(schema, rows, { "delta.dataSkippingNumIndexedCols": "4" })).nullCount).toEqual({
      a: 0,
      s: { x: 0, y: 0 },
      arr: 0,
    });
    expect(JSON.parse(statsOf(schema, rows, { "delta.dataSkippingNumIndexedCols": "nonsense" })).nullCount).toEqual({
      a: 0,
      s: { x: 0, y: 0 },
      arr: 0,
      z: 0,
    });
  });

  it("collects exactly the listed columns (dataSkippingStatsColumns), case-insensitively, in schema order", () => {
    const schema = struct(field("a", "long"), field("S", struct(field("x", "integer"), field("y.z", "integer"))), field("z", "long"));
    const rows = [{ a: 1n, S: { x: 1, "y.z": 2 }, z: 9n }];
    expect(statsOf(schema, rows, { "delta.dataSkippingStatsColumns": "z, s.`y.z`" })).toBe(
      '{"numRecords":1,"minValues":{"S":{"y.z":2},"z":9},"maxValues":{"S":{"y.z":2},"z":9},"nullCount":{"S":{"y.z":0},"z":0}}',
    );
    expect(statsOf(schema, rows, { "delta.dataSkippingStatsColumns": "" })).toBe('{"numRecords":1}');
    expect(JSON.parse(statsOf(schema, rows, { "delta.dataSkippingStatsColumns": "s" })).nullCount).toEqual({ S: { x: 0, "y.z": 0 } });
  });

  it("leaves partition columns out, uses physical names, and adds tightBounds when asked", () => {
    const schema = struct(
      field("p", "string", { "delta.columnMapping.physicalName": "col-p" }),
      field("v", "long", { "delta.columnMapping.physicalName": "col-v" }),
    );
    expect(statsOf(schema, [{ v: 3n }], {}, { partitionColumns: ["p"], tightBounds: true, mode: "name" })).toBe(
      '{"numRecords":1,"minValues":{"col-v":3},"maxValues":{"col-v":3},"nullCount":{"col-v":0},"tightBounds":true}',
    );
  });

  it.each<[string, string[][] | undefined]>([
    ["a", [["a"]]],
    [" a , b.C ", [["a"], ["b", "c"]]],
    ["`a.b`.c, `x``y`", [["a.b", "c"], ["x`y"]]],
    ["a,,b", undefined],
    ["`open", undefined],
    ["a.", undefined],
  ])("parses the stats column list %j", (text, parsed) => {
    expect(parseStatsColumns(text)).toEqual(parsed);
  });
});

// ---------------------------------------------------------------------------------------------
// Property test: the reader's FileSkipper must never skip a file holding a matching row.

const RANDOM_SCHEMA = struct(
  field("b", "byte"),
  field("i", "integer"),
  field("l", "long"),
  field("f", "float"),
  field("d", "double"),
  field("dec", "decimal(10,2)"),
  field("big", "decimal(38,18)"),
  field("s", "string"),
  field("dt", "date"),
  field("ts", "timestamp"),
  field("ntz", "timestamp_ntz"),
  field("flag", "boolean"),
  field("st", struct(field("v", "integer"), field("w", "string"))),
);

/** A small seeded generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHARS = ["a", "b", "z", "é", "\u00ff", "\ufffc", "\ufffd", "\uffff", "😀", "𝄞", "0"];

function generators(r: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const str = () => Array.from({ length: pick([0, 1, 3, 31, 32, 33, 40]) }, () => pick(CHARS)).join("");
  const bigDec = () =>
    `${r() < 0.5 ? "-" : ""}${Math.floor(r() * 1e9)}${Math.floor(r() * 1e9)}.${String(Math.floor(r() * 1e9)).padStart(9, "0")}`;
  const values: Record<string, () => unknown> = {
    b: () => int(-128, 127),
    i: () => pick([int(-5, 5), int(-2147483648, 2147483647)]),
    l: () =>
      pick([
        BigInt(int(-5, 5)),
        2n ** 53n + BigInt(int(-3, 3)),
        -(2n ** 63n),
        2n ** 63n - 1n,
        BigInt(int(-1e9, 1e9)),
        2147483647n,
        2147483648n,
      ]),
    f: () => Math.fround(pick([r() * 10 - 5, NaN, -0, 0, Infinity, -Infinity, 1e-40, int(-3, 3)])),
    d: () => pick([r() * 10 - 5, NaN, -0, 0, Infinity, -Infinity, 5e-324, int(-3, 3)]),
    dec: () => (int(-99999, 99999) / 100).toFixed(2),
    big: () => bigDec(),
    s: () => str(),
    dt: () => pick(["1970-01-01", "2024-02-29", "0001-01-01", "9999-12-31", "1969-12-31"]),
    ts: () => pick([BigInt(int(-5000, 5000)), 1_704_103_200_123_456n + BigInt(int(-2000, 2000)), -62_135_596_800_000_000n]),
    ntz: () => BigInt(int(-3000, 3000)),
    flag: () => r() < 0.5,
    st: () => (r() < 0.2 ? null : { v: r() < 0.2 ? null : int(-3, 3), w: r() < 0.2 ? null : str() }),
  };
  return { pick, int, values };
}

function perturb(v: unknown, r: () => number): unknown {
  const k = Math.floor(r() * 3) - 1;
  if (typeof v === "bigint") return v + BigInt(k);
  if (typeof v === "number") return Number.isInteger(v) ? v + k : v + k * Math.abs(v) * 1e-7;
  if (typeof v === "string" && /^-?\d+\.\d+$/.test(v)) return v.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
  if (typeof v === "string")
    return [v, v.slice(0, -1), `${v}a`, `${v}\uffff`, v.slice(0, 32), `${v.slice(0, 32)}\ufffd`][Math.floor(r() * 6)];
  return v;
}

describe("stats written here are skippable by FileSkipper and never skip a matching file", () => {
  const context: SkippingContext = { schema: RANDOM_SCHEMA };
  const columns = ["b", "i", "l", "f", "d", "dec", "big", "s", "dt", "ts", "ntz", "flag", "st.v", "st.w"];

  it("over random files and predicates", () => {
    const r = rng(20240601);
    const { pick, int, values } = generators(r);
    let skipped = 0;
    let checked = 0;
    for (let trial = 0; trial < 150; trial++) {
      const n = int(1, 12);
      const rows = Array.from({ length: n }, () =>
        Object.fromEntries(Object.entries(values).map(([name, gen]) => [name, r() < 0.15 ? null : gen()])),
      );
      const batch = rowsToBatch(rows, 0, n, toArrowSchema(RANDOM_SCHEMA));
      const collector = new FileStatsCollector(
        statsPlanFor(RANDOM_SCHEMA, { partitionColumns: [], columnMappingMode: "none", configuration: {} }),
      );
      collector.add(batch);
      const stats = collector.toJson();
      const literal = (column: string): LiteralValue => {
        const [top, sub] = column.split(".");
        const source = rows[int(0, n - 1)]![top!];
        const v = sub ? (values.st!() as Record<string, unknown> | null)?.[sub] : (source ?? values[top!]!());
        const picked = sub && source && r() < 0.7 ? (source as Record<string, unknown>)[sub] : v;
        return (picked ?? (sub === "v" ? 0 : "x")) as LiteralValue;
      };
      const leaf = (): Expression => {
        const column = pick(columns);
        const c = col(column);
        const v = perturb(literal(column), r) as LiteralValue;
        switch (int(0, 9)) {
          case 0:
            return c.eq(v);
          case 1:
            return c.ne(v);
          case 2:
            return c.lt(v);
          case 3:
            return c.le(v);
          case 4:
            return c.gt(v);
          case 5:
            return c.ge(v);
          case 6:
            return c.in([v, perturb(literal(column), r) as LiteralValue]);
          case 7:
            return c.notIn([v]);
          case 8:
            return c.isNull();
          default:
            return c.isNotNull();
        }
      };
      for (let q = 0; q < 40; q++) {
        const shape = int(0, 4);
        const expr = shape === 0 ? and(leaf(), leaf()) : shape === 1 ? or(leaf(), leaf()) : shape === 2 ? not(leaf()) : leaf();
        let bound;
        try {
          bound = bind(expr, RANDOM_SCHEMA);
        } catch {
          continue; // a literal the column cannot hold (e.g. a fractional value for an integer)
        }
        const matches = evaluate(bound, batch).some((m) => m === 1);
        const skip = canSkipFile(bound, { stats, partitionValues: {} }, context);
        checked++;
        if (skip) skipped++;
        if (matches && skip)
          throw new Error(`wrongly skipped: ${JSON.stringify(expr, (_, x) => (typeof x === "bigint" ? `${x}n` : x))} on ${stats}`);
      }
    }
    expect(checked).toBeGreaterThan(3000);
    expect(skipped).toBeGreaterThan(checked / 10);
  });

  it.each<[string, Record<string, unknown>[], Expression]>([
    ["long", [{ l: 5n }, { l: 9n }], col("l").gt(9n)],
    ["integer", [{ i: 5 }], col("i").lt(5)],
    ["byte", [{ b: -3 }], col("b").eq(4)],
    ["float", [{ f: 0.5 }], col("f").lt(0.25)],
    ["double", [{ d: 0.5 }], col("d").lt(0.25)],
    ["decimal", [{ dec: "1.25" }], col("dec").gt("1.26")],
    ["big decimal", [{ big: "1.5" }], col("big").lt("1")],
    ["string", [{ s: "m" }], col("s").gt("n")],
    ["long string", [{ s: "a".repeat(40) }], col("s").gt("b")],
    ["date", [{ dt: "2024-02-29" }], col("dt").gt("2024-03-01")],
    ["timestamp", [{ ts: 1_704_103_200_123_456n }], col("ts").gt(1_704_103_200_125_000n)],
    ["timestamp_ntz", [{ ntz: 0n }], col("ntz").lt(-2000n)],
    ["nested", [{ st: { v: 1, w: "q" } }], col("st.v").gt(1)],
    ["null count", [{ flag: true }], col("flag").isNull()],
  ])("skips on %s", (_, rows, expr) => {
    const batch = rowsToBatch(rows, 0, rows.length, toArrowSchema(RANDOM_SCHEMA));
    const collector = new FileStatsCollector(
      statsPlanFor(RANDOM_SCHEMA, { partitionColumns: [], columnMappingMode: "none", configuration: {} }),
    );
    collector.add(batch);
    expect(canSkipFile(bind(expr, RANDOM_SCHEMA), { stats: collector.toJson(), partitionValues: {} }, context)).toBe(true);
  });
});
