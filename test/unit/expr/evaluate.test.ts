import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  Binary,
  Bool,
  type Data,
  DateDay,
  Decimal,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Struct,
  tableFromIPC,
  TimeUnit,
  Timestamp,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { readParquet } from "parquet-wasm";
import { describe, expect, it } from "vitest";
import { UnknownColumnError } from "../../../src/errors/expression-errors.js";
import { parseSchemaString } from "../../../src/schema/parse-schema.js";
import type { StructType } from "../../../src/schema/types.js";
import { bind } from "../../../src/expr/bind.js";
import { parseExpression } from "../../../src/expr/parse.js";
import { evaluate, evaluateTriState } from "../../../src/expr/evaluate.js";
import { and, col, type CompareOp, type Expression, type LiteralValue, lit, not, or } from "../../../src/expr/expression.js";
import { rng } from "../../helpers/rng.js";
import { GOLDEN_DIR } from "../../helpers/shared-data.js";

const field = (name: string, type: StructType["fields"][number]["type"]) => ({ name, type, nullable: true, metadata: {} });

function run(expr: Expression | string, batch: RecordBatch, schema: StructType): number[] {
  return Array.from(evaluate(bind(typeof expr === "string" ? parseExpression(expr) : expr, schema), batch));
}

function batchOf(columns: Record<string, Data>): RecordBatch {
  return new RecordBatch(columns);
}

describe("evaluate: typed comparisons", () => {
  it("orders doubles like Spark: NaN equals NaN and is above +Infinity; -0 equals 0", () => {
    const values = [1, NaN, -Infinity, Infinity, -0, 0, null];
    const batch = batchOf({ x: vectorFromArray(values, new Float64()).data[0]! });
    const schema: StructType = { type: "struct", fields: [field("x", "double")] };
    expect(run("x > 0", batch, schema)).toEqual([1, 1, 0, 1, 0, 0, 0]);
    expect(run("x = 'NaN'", batch, schema)).toEqual([0, 1, 0, 0, 0, 0, 0]);
    expect(run("x < 'NaN'", batch, schema)).toEqual([1, 0, 1, 1, 1, 1, 0]);
    expect(run("x >= 'NaN'", batch, schema)).toEqual([0, 1, 0, 0, 0, 0, 0]);
    expect(run("x > 'Infinity'", batch, schema)).toEqual([0, 1, 0, 0, 0, 0, 0]);
    expect(run("x = 0", batch, schema)).toEqual([0, 0, 0, 0, 1, 1, 0]);
    expect(run("x != 1", batch, schema)).toEqual([0, 1, 1, 1, 1, 1, 0]);
    expect(run("NOT (x <= 0)", batch, schema)).toEqual([1, 1, 0, 1, 0, 0, 0]);
  });

  it("rounds float literals to 32 bits so f = 0.1 matches a stored 0.1f", () => {
    const batch = batchOf({ f: vectorFromArray([0.1, 0.2, null], new Float32()).data[0]! });
    const schema: StructType = { type: "struct", fields: [field("f", "float")] };
    expect(run("f = 0.1", batch, schema)).toEqual([1, 0, 0]);
    expect(run("f > 0.1", batch, schema)).toEqual([0, 1, 0]);
  });

  it("compares decimals exactly, negatives and literals of other scales included", () => {
    const unscaled = [-150n, -1n, 0n, 1n, 150n, 99999999999n, -(10n ** 11n) + 1n];
    const words = new Uint32Array(unscaled.length * 4);
    unscaled.forEach((v, i) => {
      let r = BigInt.asUintN(128, v);
      for (let k = 0; k < 4; k++, r >>= 32n) words[i * 4 + k] = Number(r & 0xffffffffn);
    });
    const batch = batchOf({ d: makeData({ type: new Decimal(2, 12, 128), length: unscaled.length, data: words }) });
    const schema: StructType = { type: "struct", fields: [field("d", "decimal(12,2)")] };
    expect(run("d < '-0.005'", batch, schema)).toEqual([1, 1, 0, 0, 0, 0, 1]);
    expect(run("d >= -1.5", batch, schema)).toEqual([1, 1, 1, 1, 1, 1, 0]);
    expect(run("d = 1.50", batch, schema)).toEqual([0, 0, 0, 0, 1, 0, 0]);
    expect(run("d = 1.505", batch, schema)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(run("d != 1.505", batch, schema)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(run("d > '999999999.98'", batch, schema)).toEqual([0, 0, 0, 0, 0, 1, 0]);
    expect(run(col("d").lt(10n ** 40n), batch, schema)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(run(col("d").in(["0.01", "-999999999.99", 7]), batch, schema)).toEqual([0, 0, 0, 1, 0, 0, 1]);
  });

  it("compares int64 across the 32-bit word boundary and at the extremes", () => {
    const values = [-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n, 2n ** 32n, -(2n ** 32n), 2n ** 32n - 1n, null];
    const batch = batchOf({ v: vectorFromArray(values, new Int64()).data[0]! });
    const schema: StructType = { type: "struct", fields: [field("v", "long")] };
    expect(run(col("v").gt(2n ** 32n - 1n), batch, schema)).toEqual([0, 1, 0, 0, 1, 0, 0, 0]);
    expect(run(col("v").le(-(2n ** 32n)), batch, schema)).toEqual([1, 0, 0, 0, 0, 1, 0, 0]);
    expect(run(col("v").eq(-1), batch, schema)).toEqual([0, 0, 1, 0, 0, 0, 0, 0]);
    expect(run("v < -9223372036854775808", batch, schema)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(run("v <= 9223372036854775807", batch, schema)).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
    expect(run("v > 99999999999999999999", batch, schema)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(run("v >= -0.5", batch, schema)).toEqual([0, 1, 0, 1, 1, 0, 1, 0]);
  });

  it.each([
    [TimeUnit.SECOND, [0n, 1n, 2n]],
    [TimeUnit.MILLISECOND, [0n, 1000n, 2000n]],
    [TimeUnit.MICROSECOND, [0n, 1_000_000n, 2_000_000n]],
    [TimeUnit.NANOSECOND, [0n, 1_000_000_000n, 2_000_000_000n]],
  ])("compares timestamps stored in unit %s against microsecond literals exactly", (unit, raw) => {
    const data = makeData({ type: new Timestamp(unit, "UTC"), length: 3, data: BigInt64Array.from(raw) });
    const batch = batchOf({ ts: data });
    const schema: StructType = { type: "struct", fields: [field("ts", "timestamp")] };
    expect(run("ts > '1970-01-01T00:00:00.5Z'", batch, schema)).toEqual([0, 1, 1]);
    expect(run("ts <= '1970-01-01 00:00:01'", batch, schema)).toEqual([1, 1, 0]);
    expect(run("ts = '1970-01-01T00:00:01.000001Z'", batch, schema)).toEqual([0, 0, 0]);
    expect(run("ts = '1970-01-01T01:00:01+01:00'", batch, schema)).toEqual([0, 1, 0]);
    expect(run(col("ts").lt(new Date(1500)), batch, schema)).toEqual([1, 1, 0]);
  });

  it("orders strings by code point like Spark (U+1F600 above U+FFFF), not by UTF-16 unit", () => {
    const batch = batchOf({ s: vectorFromArray(["\uffff", "😀", "a", "", null, "ab"], new Utf8()).data[0]! });
    const schema: StructType = { type: "struct", fields: [field("s", "string")] };
    expect(run("s > '\uffff'", batch, schema)).toEqual([0, 1, 0, 0, 0, 0]);
    expect(run("s < 'ab'", batch, schema)).toEqual([0, 0, 1, 1, 0, 0]);
    expect(run("s = ''", batch, schema)).toEqual([0, 0, 0, 1, 0, 0]);
  });

  it("compares binary bytewise and booleans with false below true", () => {
    const batch = batchOf({
      b: vectorFromArray([Uint8Array.of(0, 255), Uint8Array.of(1), Uint8Array.of(), null], new Binary()).data[0]!,
      flag: vectorFromArray([true, false, null, true], new Bool()).data[0]!,
    });
    const schema: StructType = { type: "struct", fields: [field("b", "binary"), field("flag", "boolean")] };
    expect(run("b < X'01'", batch, schema)).toEqual([1, 0, 1, 0]);
    expect(run("flag", batch, schema)).toEqual([1, 0, 0, 1]);
    expect(run("NOT flag", batch, schema)).toEqual([0, 1, 0, 0]);
    expect(run("flag > false", batch, schema)).toEqual([1, 0, 0, 1]);
  });

  it("compares dates as days and accepts Date literals", () => {
    const batch = batchOf({
      d: vectorFromArray([new Date(Date.UTC(2024, 0, 1)), new Date(Date.UTC(2024, 0, 2)), null], new DateDay()).data[0]!,
    });
    const schema: StructType = { type: "struct", fields: [field("d", "date")] };
    expect(run("d IN ('2024-01-01', '2024-01-03')", batch, schema)).toEqual([1, 0, 0]);
    expect(run("d < '2024-01-01T12:00:00Z'", batch, schema)).toEqual([1, 0, 0]);
    expect(run(col("d").ge(new Date(Date.UTC(2024, 0, 2))), batch, schema)).toEqual([0, 1, 0]);
  });
});

describe("evaluate: three-valued logic, nesting and lookups", () => {
  const struct = new Struct([new Field("x", new Int64(), true), new Field("y", new Utf8(), true)]);
  const batch = batchOf({
    id: vectorFromArray([1, 2, 3, null, 5], new Int32()).data[0]!,
    s: vectorFromArray([{ x: 1n, y: "a" }, null, { x: null, y: "c" }, { x: 4n, y: null }, { x: 5n, y: "e" }], struct).data[0]!,
    tag: vectorFromArray(["red", "blue", null, "red", "green"], new Dictionary(new Utf8(), new Int32())).data[0]!,
  });
  const schema: StructType = {
    type: "struct",
    fields: [
      field("id", "integer"),
      field("S", { type: "struct", fields: [field("x", "long"), field("y", "string")] }),
      field("tag", "string"),
    ],
  };

  it("selects only TRUE rows: NULL comparisons select nothing, NOT NULL is NULL", () => {
    expect(run("id > 1", batch, schema)).toEqual([0, 1, 1, 0, 1]);
    expect(run("NOT (id > 1)", batch, schema)).toEqual([1, 0, 0, 0, 0]);
    expect(run("id = NULL", batch, schema)).toEqual([0, 0, 0, 0, 0]);
    expect(run("id > 1 OR id IS NULL", batch, schema)).toEqual([0, 1, 1, 1, 1]);
    expect(Array.from(evaluateTriState(bind(parseExpression("id > 1 AND NULL"), schema), batch))).toEqual([0, 1, 1, 1, 1]);
  });

  it("treats a field of a null struct as null, and resolves names case-insensitively", () => {
    expect(run("s.x >= 1", batch, schema)).toEqual([1, 0, 0, 1, 1]);
    expect(run("S.X IS NULL", batch, schema)).toEqual([0, 1, 1, 0, 0]);
    expect(run("s IS NULL", batch, schema)).toEqual([0, 1, 0, 0, 0]);
    expect(run("s.y IN ('a', 'e')", batch, schema)).toEqual([1, 0, 0, 0, 1]);
  });

  it("evaluates IN with NULL in the list and NOT IN like SQL", () => {
    expect(run("id IN (1, NULL)", batch, schema)).toEqual([1, 0, 0, 0, 0]);
    expect(run("id NOT IN (1, NULL)", batch, schema)).toEqual([0, 0, 0, 0, 0]);
    expect(run("id NOT IN (1, 2)", batch, schema)).toEqual([0, 0, 1, 0, 1]);
    const many = Array.from({ length: 40 }, (_, k) => k * 2 + 1);
    expect(run(col("id").in(many), batch, schema)).toEqual([1, 0, 1, 0, 1]);
    expect(run(col("id").in([...many.map(String), null]), batch, schema)).toEqual([1, 0, 1, 0, 1]);
  });

  it("evaluates dictionary-encoded strings and column-to-column comparisons", () => {
    expect(run("tag = 'red'", batch, schema)).toEqual([1, 0, 0, 1, 0]);
    expect(run("tag > 'c'", batch, schema)).toEqual([1, 0, 0, 1, 1]);
    expect(run(col("id").eq(col("s.x")), batch, schema)).toEqual([1, 0, 0, 0, 1]);
    expect(run(and(col("id").lt(col("s.x")), lit(true)), batch, schema)).toEqual([0, 0, 0, 0, 0]);
  });

  it("reads sliced batches at their offset", () => {
    const sliced = batch.slice(1, 5);
    expect(run("id > 2", sliced, schema)).toEqual([0, 1, 0, 1]);
    expect(run("s.x IS NULL", sliced, schema)).toEqual([1, 1, 0, 0]);
    expect(run("tag = 'red'", sliced, schema)).toEqual([0, 0, 1, 0]);
  });

  it("names the column when the batch lacks it", () => {
    const other: StructType = { type: "struct", fields: [...schema.fields, field("missing", "integer")] };
    expect(() => run("missing = 1", batch, other)).toThrow(UnknownColumnError);
  });
});

type Kind = "int" | "long" | "double" | "float" | "string" | "decimal" | "date" | "ts" | "bool" | "binary";
interface Column {
  name: string;
  kind: Kind;
  data: Data;
  /** Reference value of row i (null for null), comparable with `refCompare`. */
  ref: (i: number) => unknown;
  /** A literal for the predicate and its reference value, taken from row i. */
  literal: (i: number) => [LiteralValue, unknown];
}

function refCompare(a: unknown, b: unknown, kind: Kind): number {
  if (kind === "string" || kind === "binary") return Buffer.compare(a as Buffer, b as Buffer);
  if (kind === "double" || kind === "float") {
    const [x, y] = [a as number, b as number];
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y) ? 0 : Number.isNaN(x) ? 1 : -1;
  }
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

function randomColumns(rand: () => number, rows: number): Column[] {
  const int = (lo: number, hi: number) => Math.floor(lo + rand() * (hi - lo));
  const nullable = <T>(make: () => T) => Array.from({ length: rows }, () => (rand() < 0.15 ? null : make()));
  const ints = nullable(() => int(-50, 50));
  const longs = nullable(() => BigInt(int(-3, 3)) * 2n ** 32n + BigInt(int(-5, 5)));
  const doubles = nullable(() => [NaN, Infinity, -0, 0.5, -2.25, 7][int(0, 6)]!);
  const floats = nullable(() => Math.fround(int(-20, 20) / 8));
  const strings = nullable(() => ["", "a", "ab", "é", "😀", "\uffff", "b"][int(0, 7)]!);
  const decimals = nullable(() => BigInt(int(-2000, 2000)));
  const dates = nullable(() => int(19000, 19010));
  const stamps = nullable(() => BigInt(int(-5, 5)) * 1_000_001n);
  const bools = nullable(() => rand() < 0.5);
  const bins = nullable(() => Uint8Array.from({ length: int(0, 3) }, () => int(0, 3)));
  const decWords = new Uint32Array(rows * 4);
  decimals.forEach((v, i) => {
    let r = BigInt.asUintN(128, v ?? 0n);
    for (let k = 0; k < 4; k++, r >>= 32n) decWords[i * 4 + k] = Number(r & 0xffffffffn);
  });
  const decBits = new Uint8Array(Math.ceil(rows / 8));
  decimals.forEach((v, i) => v !== null && (decBits[i >> 3]! |= 1 << (i & 7)));
  const fmtDec = (v: bigint) => `${v < 0n ? "-" : ""}${(v < 0n ? -v : v) / 100n}.${String((v < 0n ? -v : v) % 100n).padStart(2, "0")}`;
  const fmtDate = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
  const same =
    <T>(values: (T | null)[]) =>
    (i: number) =>
      values[i] ?? null;
  const pair =
    <T>(values: (T | null)[], toLit: (v: T) => LiteralValue, toRef: (v: T) => unknown) =>
    (i: number): [LiteralValue, unknown] => {
      const v = values[i];
      return v === null || v === undefined ? [null, null] : [toLit(v), toRef(v)];
    };
  const id = <T>(v: T) => v;
  const buf = (v: string | Uint8Array) => Buffer.from(v as never);
  return [
    {
      name: "i",
      kind: "int",
      data: vectorFromArray(ints, new Int32()).data[0]!,
      ref: same(ints),
      literal: pair(
        ints.map((v) => (v === null ? null : v + int(-1, 2))),
        id,
        id,
      ),
    },
    { name: "l", kind: "long", data: vectorFromArray(longs, new Int64()).data[0]!, ref: same(longs), literal: pair(longs, id, id) },
    {
      name: "d",
      kind: "double",
      data: vectorFromArray(doubles, new Float64()).data[0]!,
      ref: same(doubles),
      literal: pair(doubles, id, id),
    },
    { name: "f", kind: "float", data: vectorFromArray(floats, new Float32()).data[0]!, ref: same(floats), literal: pair(floats, id, id) },
    {
      name: "s",
      kind: "string",
      data: vectorFromArray(strings, new Utf8()).data[0]!,
      ref: (i) => (strings[i] === null ? null : buf(strings[i]!)),
      literal: pair(strings, id, buf),
    },
    {
      name: "m",
      kind: "decimal",
      data: makeData({ type: new Decimal(2, 12, 128), length: rows, data: decWords, nullBitmap: decBits }),
      ref: same(decimals),
      literal: pair(decimals, fmtDec, id),
    },
    {
      name: "t",
      kind: "date",
      data: makeData({ type: new DateDay(), length: rows, data: Int32Array.from(dates, (v) => v ?? 0), nullBitmap: bitsOf(dates) }),
      ref: same(dates),
      literal: pair(dates, fmtDate, id),
    },
    {
      name: "ts",
      kind: "ts",
      data: makeData({
        type: new Timestamp(TimeUnit.MICROSECOND, "UTC"),
        length: rows,
        data: BigInt64Array.from(stamps, (v) => v ?? 0n),
        nullBitmap: bitsOf(stamps),
      }),
      ref: same(stamps),
      literal: pair(stamps, id, id),
    },
    {
      name: "b",
      kind: "bool",
      data: vectorFromArray(bools, new Bool()).data[0]!,
      ref: (i) => (bools[i] === null ? null : Number(bools[i])),
      literal: pair(bools, id, Number),
    },
    {
      name: "y",
      kind: "binary",
      data: vectorFromArray(bins, new Binary()).data[0]!,
      ref: (i) => (bins[i] === null ? null : buf(bins[i]!)),
      literal: pair(bins, id, buf),
    },
  ];
}

function bitsOf(values: unknown[]): Uint8Array {
  const bits = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => v !== null && (bits[i >> 3]! |= 1 << (i & 7)));
  return bits;
}

const DELTA_TYPES: Record<Kind, string> = {
  int: "integer",
  long: "long",
  double: "double",
  float: "float",
  string: "string",
  decimal: "decimal(12,2)",
  date: "date",
  ts: "timestamp",
  bool: "boolean",
  binary: "binary",
};

describe("evaluate: random predicates against a row-by-row reference", () => {
  const rows = 257;
  const rand = rng(7);
  const columns = randomColumns(rand, rows);
  const batch = batchOf(Object.fromEntries(columns.map((c) => [c.name, c.data])));
  const schema: StructType = { type: "struct", fields: columns.map((c) => field(c.name, DELTA_TYPES[c.kind] as never)) };
  const ops: CompareOp[] = ["=", "!=", "<", "<=", ">", ">="];

  /** A random predicate and its reference: a function from row to true/false/null. */
  function randomPredicate(depth: number): [Expression, (row: number) => boolean | null] {
    const r = rand();
    if (depth > 0 && r < 0.35) {
      const [a, fa] = randomPredicate(depth - 1);
      const [b, fb] = randomPredicate(depth - 1);
      if (r < 0.15)
        return [
          and(a, b),
          (i) => {
            const x = fa(i),
              y = fb(i);
            return x === false || y === false ? false : x === null || y === null ? null : true;
          },
        ];
      if (r < 0.3)
        return [
          or(a, b),
          (i) => {
            const x = fa(i),
              y = fb(i);
            return x === true || y === true ? true : x === null || y === null ? null : false;
          },
        ];
      return [
        not(a),
        (i) => {
          const x = fa(i);
          return x === null ? null : !x;
        },
      ];
    }
    const c = columns[Math.floor(rand() * columns.length)]!;
    const leaf = rand();
    if (leaf < 0.1) return [col(c.name).isNull(), (i) => c.ref(i) === null];
    if (leaf < 0.25) {
      const picks = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => c.literal(Math.floor(rand() * rows)));
      const hasNull = picks.some(([v]) => v === null);
      return [
        col(c.name).in(picks.map(([v]) => v)),
        (i) => {
          const v = c.ref(i);
          if (v === null) return null;
          if (picks.some(([l, ref]) => l !== null && refCompare(v, ref, c.kind) === 0)) return true;
          return hasNull ? null : false;
        },
      ];
    }
    const op = ops[Math.floor(rand() * ops.length)]!;
    const [value, ref] = c.literal(Math.floor(rand() * rows));
    return [
      col(c.name)[({ "=": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge" } as const)[op]](value),
      (i) => {
        const v = c.ref(i);
        if (v === null || ref === null) return null;
        const k = refCompare(v, ref, c.kind);
        return { "=": k === 0, "!=": k !== 0, "<": k < 0, "<=": k <= 0, ">": k > 0, ">=": k >= 0 }[op];
      },
    ];
  }

  it("agrees with the reference on 400 random predicates over every primitive type", () => {
    for (let round = 0; round < 400; round++) {
      const [expr, reference] = randomPredicate(2);
      const expected = Array.from({ length: rows }, (_, i) => (reference(i) === true ? 1 : 0));
      expect(
        run(expr, batch, schema),
        JSON.stringify(expr, (_, v) => (typeof v === "bigint" ? `${v}n` : v)),
      ).toEqual(expected);
      const offset = 1 + Math.floor(rand() * 100);
      expect(run(expr, batch.slice(offset, rows), schema)).toEqual(expected.slice(offset));
    }
  });
});

const GOLDEN = GOLDEN_DIR;

describe.skipIf(!existsSync(GOLDEN))("evaluate on golden Parquet files (needs ../shared/delta-golden)", () => {
  it("matches a get()-based reference on every column of parquet-all-types", () => {
    const dir = join(GOLDEN, "parquet-all-types", "delta");
    const file = readdirSync(dir).find((f) => f.endsWith(".parquet"))!;
    const table = tableFromIPC(readParquet(readFileSync(join(dir, file))).intoIPCStream());
    const log = readFileSync(join(dir, "_delta_log", "00000000000000000000.json"), "utf8");
    const meta = log
      .split("\n")
      .map((l) => (l ? JSON.parse(l) : {}))
      .find((a) => a.metaData)!.metaData;
    const schema = parseSchemaString(meta.schemaString);
    const batch = table.batches[0]!;
    const cases: [string, (row: Record<string, unknown>) => boolean][] = [
      ["ByteType > 3", (r) => r.ByteType !== null && (r.ByteType as number) > 3],
      ["LongType <= 100", (r) => r.LongType !== null && (r.LongType as bigint) <= 100n],
      [
        "DoubleType >= 1.5 OR FloatType < 0.5",
        (r) => (r.DoubleType !== null && (r.DoubleType as number) >= 1.5) || (r.FloatType !== null && (r.FloatType as number) < 0.5),
      ],
      ["StringType IN ('1', '2', '33')", (r) => ["1", "2", "33"].includes(r.StringType as string)],
      ["BooleanType AND IntegerType IS NOT NULL", (r) => r.BooleanType === true && r.IntegerType !== null],
      ["nested_struct.ac.aca = 3", (r) => (r.nested_struct as { ac?: { aca?: number } } | null)?.ac?.aca === 3],
      ["TimestampType > '1970-01-01T00:00:00.050Z'", (r) => r.TimestampType !== null && (r.TimestampType as number) > 50],
      ["DateType <= '1970-01-10'", (r) => r.DateType !== null && (r.DateType as number) <= 9 * 86_400_000],
    ];
    const rows = Array.from({ length: batch.numRows }, (_, i) => batch.get(i)!.toJSON() as Record<string, unknown>);
    for (const [predicate, reference] of cases) {
      expect(run(predicate, batch, schema), predicate).toEqual(rows.map((r) => (reference(r) ? 1 : 0)));
    }
  });
});
