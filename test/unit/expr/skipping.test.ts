import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Data,
  DateDay,
  Decimal,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  tableFromIPC,
  TimeUnit,
  Timestamp,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { readParquet } from "parquet-wasm";
import { describe, expect, it } from "vitest";
import { jsonOnlyEngine } from "../../helpers/engine.js";
import { loadSnapshot } from "../../../src/log/snapshot.js";
import { columnMappingMode } from "../../../src/schema/column-mapping.js";
import type { StructType } from "../../../src/schema/types.js";
import { bind } from "../../../src/expr/bind.js";
import { parseExpression } from "../../../src/expr/parse.js";
import { evaluate } from "../../../src/expr/evaluate.js";
import { and, col, type Expression, not, or } from "../../../src/expr/expression.js";
import { parsePartitionValue, partitionColumnsOf, partitionVector } from "../../../src/expr/partition-values.js";
import { canSkipFile, FileSkipper, type SkippingContext } from "../../../src/expr/skipping.js";
import { LocalStore } from "../../../src/storage/local-store.js";
import { rng } from "../../helpers/rng.js";
import { GOLDEN_DIR, TABLES_DIR } from "../../helpers/shared-data.js";

const field = (name: string, type: StructType["fields"][number]["type"], metadata: Record<string, unknown> = {}) => ({
  name,
  type,
  nullable: true,
  metadata,
});

const schema: StructType = {
  type: "struct",
  fields: [
    field("id", "long"),
    field("n", "integer"),
    field("x", "double"),
    field("f", "float"),
    field("s", "string"),
    field("d", "date"),
    field("ts", "timestamp"),
    field("ntz", "timestamp_ntz"),
    field("amount", "decimal(10,2)"),
    field("big", "decimal(38,18)"),
    field("flag", "boolean"),
    field("bin", "binary"),
    field("st", { type: "struct", fields: [field("v", "integer")] }),
    field("part", "string"),
    field("pday", "date"),
  ],
};
const context: SkippingContext = { schema, partitionColumns: ["part", "pday"] };

function skips(
  predicate: string | Expression,
  stats: string | object | undefined,
  partitionValues: Record<string, string | null> = {},
  ctx = context,
): boolean {
  const expr = bind(typeof predicate === "string" ? parseExpression(predicate) : predicate, ctx.schema);
  const json = stats === undefined || typeof stats === "string" ? stats : JSON.stringify(stats);
  return canSkipFile(expr, { stats: json, partitionValues }, ctx);
}

const stat = (min: Record<string, unknown>, max: Record<string, unknown>, nullCount: Record<string, unknown> = {}, numRecords = 10) => ({
  numRecords,
  minValues: min,
  maxValues: max,
  nullCount,
});

describe("skipping on min/max/nullCount", () => {
  it.each<[string, object | string | undefined, boolean]>([
    ["id > 10", stat({ id: 0 }, { id: 10 }), true],
    ["id > 10", stat({ id: 0 }, { id: 11 }), false],
    ["id >= 10", stat({ id: 0 }, { id: 9 }), true],
    ["id >= 10", stat({ id: 0 }, { id: 10 }), false],
    ["id < 5", stat({ id: 5 }, { id: 9 }), true],
    ["id <= 5", stat({ id: 5 }, { id: 9 }), false],
    ["id = 7", stat({ id: 8 }, { id: 9 }), true],
    ["id = 7", stat({ id: 1 }, { id: 9 }), false],
    ["id != 7", stat({ id: 7 }, { id: 7 }), true],
    ["id != 7", stat({ id: 7 }, { id: 8 }), false],
    ["id IN (1, 50)", stat({ id: 5 }, { id: 40 }), true],
    ["id IN (1, 20)", stat({ id: 5 }, { id: 40 }), false],
    ["id NOT IN (3, 7)", stat({ id: 7 }, { id: 7 }), true],
    ["id > 10", undefined, false],
    ["id > 10", "not json", false],
    ["id > 10", stat({}, {}), false],
    ["id > 10", stat({ id: 0 }, { id: "NaN" }), false],
    ["id IS NULL", stat({}, {}, { id: 0 }), true],
    ["id IS NULL", stat({}, {}, { id: 1 }), false],
    ["id IS NOT NULL", stat({}, {}, { id: 10 }), true],
    ["id IS NOT NULL", stat({}, {}, { id: 9 }), false],
    ["id > 0", stat({}, {}, { id: 10 }), true],
    ["id = 0 OR id IS NULL", stat({ id: 1 }, { id: 5 }, { id: 0 }), true],
    ["n > 2.5", stat({ n: 0 }, { n: 2 }), true],
    ["n = 2.5", stat({ n: 0 }, { n: 2 }), true],
    ["id > 1", { numRecords: 0 }, true],
    ["st.v > 5", stat({ st: { v: 1 } }, { st: { v: 3 } }), true],
    ["st.v > 5", stat({ st: { v: 1 } }, { st: {} }), false],
    ["d > '2024-01-01'", stat({ d: "2023-01-01" }, { d: "2024-01-01" }), true],
    ["d >= '2024-01-01'", stat({ d: "2023-01-01" }, { d: "2024-01-01" }), false],
    ["flag = true", stat({ flag: false }, { flag: false }), true],
    ["flag != true", stat({ flag: true }, { flag: true }), true],
    ["bin = X'01'", stat({ bin: "a" }, { bin: "b" }), false],
    ["id < n", stat({ id: 5, n: 1 }, { id: 9, n: 2 }), false],
  ])("%s with %j skips: %s", (predicate, stats, expected) => {
    expect(skips(predicate, stats)).toBe(expected);
  });

  it("never skips because of an int64 bound that JSON.parse rounded", () => {
    // 9007199254740993 parses as 9007199254740992: as a max it would wrongly exclude 9007199254740993.
    const raw = '{"numRecords":2,"minValues":{"id":1},"maxValues":{"id":9007199254740993}}';
    expect(skips(col("id").gt(9007199254740992n), raw)).toBe(false);
    expect(skips(col("id").eq(9007199254740993n), raw)).toBe(false);
    expect(skips(col("id").gt(9007199254740992n), '{"numRecords":2,"minValues":{"id":1},"maxValues":{"id":9007199254740991}}')).toBe(true);
  });

  it("widens millisecond timestamp bounds by 1 ms (the max was truncated down)", () => {
    const s = stat({ ts: "2021-09-08T11:11:11.100Z" }, { ts: "2021-09-08T11:11:11.123Z" });
    expect(skips("ts > '2021-09-08T11:11:11.123500Z'", s)).toBe(false);
    expect(skips("ts > '2021-09-08T11:11:11.124Z'", s)).toBe(true);
    expect(skips("ts < '2021-09-08T11:11:11.099500Z'", s)).toBe(false);
    expect(skips("ts < '2021-09-08T11:11:11.099Z'", s)).toBe(true);
    expect(skips("ts > '2021-09-08T03:11:11.124Z'", stat({}, { ts: "2021-09-08T11:11:11.123+00:00" }))).toBe(false);
    expect(skips("ts > '2021-09-08T19:11:11.124Z'", stat({}, { ts: "2021-09-08T11:11:11.123-08:00" }))).toBe(true);
    expect(skips("ntz > '2021-11-18 02:30:00.124'", stat({}, { ntz: "2021-11-18T02:30:00.123" }))).toBe(true);
    expect(skips("ntz > '2021-11-18 02:30:00.1235'", stat({}, { ntz: "2021-11-18T02:30:00.123" }))).toBe(false);
  });

  it("treats a string max as possibly truncated: skips only above every string it prefixes", () => {
    const s = stat({ s: "abc" }, { s: "abc" });
    expect(skips("s > 'abd'", s)).toBe(true);
    expect(skips("s = 'abd'", s)).toBe(true);
    expect(skips("s > 'abc'", s)).toBe(false);
    expect(skips("s = 'abcd'", s)).toBe(false);
    expect(skips("s >= 'abcz'", s)).toBe(false);
    expect(skips("s < 'abc'", s)).toBe(true);
    expect(skips("s != 'abc'", s)).toBe(false);
    const long = "x".repeat(32);
    expect(skips(col("s").eq(`${long}yz`), stat({ s: "a" }, { s: long }))).toBe(false);
    expect(skips(col("s").eq("y"), stat({ s: "a" }, { s: long }))).toBe(true);
  });

  it("compares string bounds by code point (U+1F600 sorts above U+FFFF)", () => {
    expect(skips("s > '😀'", stat({ s: "a" }, { s: "\uffff" }))).toBe(true);
    expect(skips("s < '\uffff'", stat({ s: "😀" }, { s: "😀" }))).toBe(true);
  });

  it("compares decimals exactly, and widens bounds of precision > 15 that went through a double", () => {
    expect(skips("amount > 12.34", stat({ amount: 1 }, { amount: 12.34 }))).toBe(true);
    expect(skips("amount > 12.33", stat({ amount: 1 }, { amount: 12.34 }))).toBe(false);
    expect(skips("amount = 12.345", stat({ amount: 1 }, { amount: 12.34 }))).toBe(true);
    expect(skips("amount < -0.5", stat({ amount: -0.5 }, { amount: 3 }))).toBe(true);
    expect(skips("big > 0.1", stat({ big: 0 }, { big: 0.1 }))).toBe(false);
    expect(skips("big > 0.1000001", stat({ big: 0 }, { big: 0.1 }))).toBe(true);
    expect(skips("big > 0.1", stat({ big: 0 }, { big: "0.100000000000000000" }))).toBe(true);
  });

  it("never skips on a float max for predicates NaN satisfies (stats may leave NaN out)", () => {
    const s = stat({ x: 0, f: 0 }, { x: 1, f: 1 });
    expect(skips("x > 5", s)).toBe(false);
    expect(skips("x >= 5", s)).toBe(false);
    expect(skips("x != 1", stat({ x: 1 }, { x: 1 }))).toBe(false);
    expect(skips("x = 'NaN'", s)).toBe(false);
    expect(skips("x = 5", s)).toBe(true);
    expect(skips("x < 0", s)).toBe(true);
    expect(skips("x > 'NaN'", s)).toBe(true);
    expect(skips("x IN (5, 6)", s)).toBe(true);
    expect(skips("x IN (5, 'NaN')", s)).toBe(false);
    expect(skips("f < -0.5", s)).toBe(true);
    expect(skips("f = 1.5", s)).toBe(true);
    expect(skips("x < 0", stat({ x: "NaN" }, { x: "NaN" }))).toBe(false);
    expect(skips("x < 0", stat({ x: "-Infinity" }, { x: 1 }))).toBe(false);
  });

  it("pushes NOT down by De Morgan and operator inversion", () => {
    const s = stat({ id: 11, n: 1 }, { id: 20, n: 5 });
    expect(skips("NOT (id <= 10)", s)).toBe(false);
    expect(skips("NOT (id > 10)", s)).toBe(true);
    expect(skips("NOT (id > 10 OR n > 100)", s)).toBe(true);
    expect(skips("NOT (id > 10 AND n > 100)", s)).toBe(false);
    expect(skips("NOT (NOT (id < 5))", s)).toBe(true);
    expect(skips("NOT (id IN (1, NULL))", s)).toBe(true);
    expect(skips("NOT (id IS NULL)", stat({}, {}, { id: 10 }))).toBe(true);
  });

  it("skips AND when either side does, OR only when both do", () => {
    const s = stat({ id: 0, n: 0 }, { id: 5, n: 5 });
    expect(skips(and(col("id").gt(10), col("n").lt(3)), s)).toBe(true);
    expect(skips(or(col("id").gt(10), col("n").lt(3)), s)).toBe(false);
    expect(skips(or(col("id").gt(10), col("n").gt(7)), s)).toBe(true);
    expect(skips(not(or(col("id").le(10), col("n").ge(0))), s)).toBe(true);
  });
});

describe("partition pruning", () => {
  it.each<[string, Record<string, string | null>, boolean]>([
    ["part = 'a'", { part: "b" }, true],
    ["part = 'a'", { part: "a" }, false],
    ["part = 'a'", { part: null }, true],
    ["part = 'a'", { part: "" }, true],
    ["part IS NULL", { part: null }, false],
    ["part IS NULL", { part: "a" }, true],
    ["NOT (part = 'a')", { part: null }, true],
    ["part > 'a' AND pday >= '2024-01-02'", { part: "b", pday: "2024-01-01" }, true],
    ["part > 'a' OR pday >= '2024-01-02'", { part: "b", pday: "2024-01-01" }, false],
    ["pday = '2024-01-02'", { pday: "not a date" }, false],
    ["part >= part", { part: "x" }, false],
    ["part >= part", { part: null }, true],
  ])("%s with %j skips: %s", (predicate, values, expected) => {
    expect(skips(predicate, undefined, values)).toBe(expected);
  });

  it("decides partition leaves before, and without, parsing stats", () => {
    const expr = bind(parseExpression("part = 'a' OR id > 100"), schema);
    const skipper = new FileSkipper(expr, context);
    const statsA = JSON.stringify(stat({ id: 0 }, { id: 5 }));
    const a = { part: "a" };
    const b = { part: "b" };
    expect(skipper.canSkip({ stats: statsA, partitionValues: a })).toBe(false);
    expect(skipper.statsParsed).toBe(0);
    expect(skipper.canSkip({ stats: statsA, partitionValues: b })).toBe(true);
    expect(skipper.statsParsed).toBe(1);
    for (let i = 0; i < 100; i++) skipper.canSkip({ stats: undefined, partitionValues: i % 2 ? a : b });
    expect(skipper.partitionsEvaluated).toBe(2);
  });

  it("reads stats and partition values by physical name under column mapping", () => {
    const mapped: StructType = {
      type: "struct",
      fields: [
        field("id", "long", { "delta.columnMapping.physicalName": "col-1" }),
        field(
          "st",
          { type: "struct", fields: [field("v", "integer", { "delta.columnMapping.physicalName": "col-3" })] },
          { "delta.columnMapping.physicalName": "col-2" },
        ),
        field("part", "string", { "delta.columnMapping.physicalName": "col-4" }),
      ],
    };
    const ctx: SkippingContext = { schema: mapped, partitionColumns: ["part"], columnMappingMode: "name" };
    const s = stat({ "col-1": 0, "col-2": { "col-3": 0 } }, { "col-1": 5, "col-2": { "col-3": 5 } });
    expect(skips("id > 5", s, {}, ctx)).toBe(true);
    expect(skips("st.v > 5", s, {}, ctx)).toBe(true);
    expect(skips("id > 5", stat({ id: 0 }, { id: 5 }), {}, ctx)).toBe(false);
    expect(skips("part = 'x'", undefined, { "col-4": "y" }, ctx)).toBe(true);
    expect(skips("part = 'x'", undefined, { part: "y" }, ctx)).toBe(true); // no physical key: the value is null
  });
});

describe("soundness: a skipped file never holds a matching row", () => {
  const rand = rng(11);
  const int = (lo: number, hi: number) => Math.floor(lo + rand() * (hi - lo));
  const local: StructType = {
    type: "struct",
    fields: [
      field("id", "long"),
      field("x", "double"),
      field("s", "string"),
      field("d", "date"),
      field("ts", "timestamp"),
      field("m", "decimal(20,3)"),
      field("p", "integer"),
    ],
  };

  /** Rows of one file plus the stats a writer would record (strings cut to 4 chars, timestamps to ms). */
  function randomFile(): { batch: RecordBatch; stats: string; partitionValues: Record<string, string | null> } {
    const rows = int(1, 8);
    const maybe = <T>(make: () => T) => Array.from({ length: rows }, () => (rand() < 0.2 ? null : make()));
    const ids = maybe(() => (rand() < 0.2 ? 2n ** 53n + BigInt(int(-3, 4)) : BigInt(int(-20, 20))));
    const xs = maybe(() => [NaN, -1.5, 0, 2.25, 7, Infinity][int(0, 6)]!);
    const ss = maybe(() => ["", "a", "ab", "abcdef", "abcdz", "b", "😀"][int(0, 7)]!);
    const ds = maybe(() => int(19000, 19010));
    const ts = maybe(() => BigInt(int(-5, 5)) * 1000n + BigInt(int(0, 3)) * 499n);
    const ms = maybe(() => BigInt(int(-3000, 3000)));
    const part = rand() < 0.2 ? null : int(0, 4);
    const nonNull = <T>(v: (T | null)[]) => v.filter((x): x is T => x !== null);
    const cmp = (a: unknown, b: unknown) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);
    const range = <T>(v: (T | null)[], ignore: (x: T) => boolean = () => false): [T, T] | undefined => {
      const vals = nonNull(v)
        .filter((x) => !ignore(x))
        .sort(cmp);
      return vals.length ? [vals[0]!, vals[vals.length - 1]!] : undefined;
    };
    const min: Record<string, unknown> = {};
    const max: Record<string, unknown> = {};
    const nulls: Record<string, number> = {};
    const put = (name: string, r: [unknown, unknown] | undefined, values: unknown[]) => {
      nulls[name] = values.filter((v) => v === null).length;
      if (r) [min[name], max[name]] = r;
    };
    put("id", range(ids)?.map(Number) as never, ids);
    put("x", range(xs, Number.isNaN), xs); // like Parquet stats: NaN left out
    const strs = nonNull(ss).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    put("s", strs.length ? [[...strs[0]!].slice(0, 4).join(""), [...strs[strs.length - 1]!].slice(0, 4).join("")] : undefined, ss);
    put("d", range(ds)?.map((v) => new Date(v * 86_400_000).toISOString().slice(0, 10)) as never, ds);
    // Millisecond precision, truncated toward zero (so rounded up before 1970), like some writers.
    put("ts", range(ts)?.map((v) => new Date(Number(v / 1000n)).toISOString()) as never, ts);
    put("m", range(ms)?.map((v) => Number(v) / 1000) as never, ms);
    const stats = JSON.stringify({ numRecords: rows, minValues: min, maxValues: max, nullCount: nulls });
    const bits = (v: unknown[]) =>
      Uint8Array.from({ length: Math.ceil(rows / 8) }, (_, k) =>
        v.slice(k * 8, k * 8 + 8).reduce<number>((acc, x, j) => acc | (x === null ? 0 : 1 << j), 0),
      );
    const words = new Uint32Array(rows * 4);
    ms.forEach((v, i) => {
      let r = BigInt.asUintN(128, v ?? 0n);
      for (let k = 0; k < 4; k++, r >>= 32n) words[i * 4 + k] = Number(r & 0xffffffffn);
    });
    const columns: Record<string, Data> = {
      id: vectorFromArray(ids, new Int64()).data[0]!,
      x: vectorFromArray(xs, new Float64()).data[0]!,
      s: vectorFromArray(ss, new Utf8()).data[0]!,
      d: makeData({ type: new DateDay(), length: rows, data: Int32Array.from(ds, (v) => v ?? 0), nullBitmap: bits(ds) }),
      ts: makeData({
        type: new Timestamp(TimeUnit.MICROSECOND, "UTC"),
        length: rows,
        data: BigInt64Array.from(ts, (v) => v ?? 0n),
        nullBitmap: bits(ts),
      }),
      m: makeData({ type: new Decimal(3, 20, 128), length: rows, data: words, nullBitmap: bits(ms) }),
      p: vectorFromArray(Array.from({ length: rows }, () => part)).data[0]!,
    };
    return { batch: new RecordBatch(columns), stats, partitionValues: { p: part === null ? null : String(part) } };
  }

  function randomPredicate(depth: number): Expression {
    const r = rand();
    if (depth > 0 && r < 0.4) {
      const a = randomPredicate(depth - 1);
      const b = randomPredicate(depth - 1);
      return r < 0.15 ? and(a, b) : r < 0.3 ? or(a, b) : not(a);
    }
    const ops = ["eq", "ne", "lt", "le", "gt", "ge"] as const;
    const op = ops[int(0, ops.length)]!;
    const leaves: (() => Expression)[] = [
      () => col("id")[op](rand() < 0.3 ? 2n ** 53n + BigInt(int(-4, 5)) : BigInt(int(-22, 22))),
      () => col("x")[op]([NaN, -1.5, 0, 1, 2.25, 7, Infinity][int(0, 7)]!),
      () => col("s")[op](["", "a", "ab", "abc", "abcd", "abcde", "abcdz", "abd", "b", "😀", "\uffff"][int(0, 11)]!),
      () => col("d")[op](new Date((19000 + int(-1, 12)) * 86_400_000).toISOString().slice(0, 10)),
      () => col("ts")[op](BigInt(int(-6, 6)) * 1000n + BigInt(int(0, 4)) * 333n),
      () => col("m")[op](`${int(-4, 4)}.${int(0, 1000)}`),
      () => col("p")[op](int(-1, 5)),
      () => col(["id", "x", "s", "d", "ts", "m", "p"][int(0, 7)]!)[rand() < 0.5 ? "isNull" : "isNotNull"](),
      () => col("id").in([BigInt(int(-20, 20)), BigInt(int(-20, 20)), ...(rand() < 0.3 ? [null] : [])]),
    ];
    return leaves[int(0, leaves.length)]!();
  }

  it.each([1, 2])("holds for 3000 random predicates over random files with writer-like stats (set %i)", () => {
    const files = Array.from({ length: 60 }, randomFile);
    const ctx: SkippingContext = { schema: local, partitionColumns: ["p"] };
    let skipped = 0;
    for (let round = 0; round < 3000; round++) {
      const expr = bind(randomPredicate(2), local);
      const skipper = new FileSkipper(expr, ctx);
      for (const file of files) {
        if (!skipper.canSkip(file)) continue;
        skipped++;
        const matches = evaluate(expr, file.batch).reduce((a, b) => a + b, 0);
        if (matches > 0)
          expect.fail(
            `skipped a file with ${matches} matching rows: ${JSON.stringify(expr, (_, v) => (typeof v === "bigint" ? `${v}n` : v))} stats ${file.stats} partition ${JSON.stringify(file.partitionValues)}`,
          );
      }
    }
    expect(skipped).toBeGreaterThan(10_000); // and it does skip
  });
});

const GOLDEN = GOLDEN_DIR;

describe.skipIf(!existsSync(GOLDEN))("golden tables with stats (needs ../shared/delta-golden)", () => {
  const tables = [
    "data-skipping-basic-stats-all-types",
    "data-skipping-basic-stats-all-types-columnmapping-name",
    "data-skipping-basic-stats-all-types-columnmapping-id",
    "data-skipping-partition-and-data-column",
    "data-reader-timestamp_ntz",
  ];
  const predicates: Record<string, string[]> = {
    "data-skipping-basic-stats-all-types": [
      "as_int > 0",
      "as_long = 0",
      "as_string > '0'",
      "as_date < '2000-01-02'",
      "as_timestamp > '2000-01-01T08:00:00Z'",
      "as_big_decimal < 1",
      "as_float IS NULL",
      "as_double >= 0.0 AND as_short != 0",
    ],
    "data-skipping-partition-and-data-column": ["part = 1", "part = 0 AND id > 0", "id = 2 OR part IS NULL", "NOT (part = 1)"],
    "data-reader-timestamp_ntz": [
      "tsNtz = '2021-11-18 02:30:00.123'",
      "tsNtz < '2013-07-05 17:01:00.123'",
      "tsNtz > '2021-11-18 02:30:00.123'",
      "id IN (0, 3)",
    ],
  };
  predicates["data-skipping-basic-stats-all-types-columnmapping-name"] = predicates["data-skipping-basic-stats-all-types"]!;
  predicates["data-skipping-basic-stats-all-types-columnmapping-id"] = predicates["data-skipping-basic-stats-all-types"]!;

  it.each(tables)("%s: never skips a file whose rows match, and skips some that do not", async (name) => {
    const root = join(GOLDEN, name, "delta");
    const snapshot = await loadSnapshot(jsonOnlyEngine(new LocalStore(root)));
    const mode = columnMappingMode(snapshot.properties);
    const schema = snapshot.schema;
    const logicalOf = new Map(
      schema.fields.map((f) => [mode === "none" ? f.name : String(f.metadata["delta.columnMapping.physicalName"]), f.name]),
    );
    const ctx: SkippingContext = { schema, partitionColumns: snapshot.partitionColumns, columnMappingMode: mode };
    let skipped = 0;
    for (const predicate of predicates[name]!) {
      const expr = bind(parseExpression(predicate), schema);
      const skipper = new FileSkipper(expr, ctx);
      for (let i = 0; i < snapshot.files.length; i++) {
        const file = { stats: snapshot.files.stats(i), partitionValues: snapshot.files.partitionValues(i) };
        if (!skipper.canSkip(file)) continue;
        skipped++;
        const bytes = readFileSync(join(root, decodeURIComponent(snapshot.files.path(i))));
        const table = tableFromIPC(readParquet(bytes).intoIPCStream());
        const columns: Record<string, Data> = {};
        table.schema.fields.forEach((f, k) => (columns[logicalOf.get(f.name) ?? f.name] = table.batches[0]!.data.children[k]!));
        for (const c of partitionColumnsOf(schema, snapshot.partitionColumns, mode)) {
          const value = parsePartitionValue(file.partitionValues[c.physicalName], c.type, c.physicalName);
          columns[c.name] = partitionVector(value, c.type, table.numRows).data[0]!;
        }
        const matches = evaluate(expr, new RecordBatch(columns)).reduce((a, b) => a + b, 0);
        expect(matches, `${predicate} skipped ${snapshot.files.path(i)}`).toBe(0);
      }
    }
    expect(skipped).toBeGreaterThan(0);
  });
});

const BIG = join(TABLES_DIR, "300k-add-files-100-col-partitioned");

describe.skipIf(!existsSync(BIG))("300k-file table (needs ../shared/delta-tables)", () => {
  it("prunes by partition once per distinct partition and keeps files without stats", async () => {
    const snapshot = await loadSnapshot(jsonOnlyEngine(new LocalStore(BIG)));
    const ctx: SkippingContext = { schema: snapshot.schema, partitionColumns: snapshot.partitionColumns };
    const skipper = new FileSkipper(bind(parseExpression("partition_col = 'part_1' OR col_3 > 5"), snapshot.schema), ctx);
    const kept = skipper.selectFiles(snapshot.files);
    let expected = 0;
    for (let i = 0; i < snapshot.files.length; i++) if (snapshot.files.partitionValues(i).partition_col === "part_1") expected++;
    expect(kept.length).toBe(snapshot.files.length); // col_3 > 5 has no stats: every file may match
    const onlyPartition = new FileSkipper(bind(parseExpression("partition_col = 'part_1'"), snapshot.schema), ctx);
    expect(onlyPartition.selectFiles(snapshot.files).length).toBe(expected);
    expect(onlyPartition.partitionsEvaluated).toBeLessThanOrEqual(100);
    expect(onlyPartition.statsParsed).toBe(0);
  }, 60_000);
});
