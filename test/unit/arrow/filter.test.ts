import { InternalError } from "../../../src/errors/argument-errors.js";
import {
  Binary,
  Bool,
  type Data,
  DateDay,
  Decimal,
  Dictionary,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeUtf8,
  List,
  makeData,
  Map_,
  RecordBatch,
  Struct,
  tableFromIPC,
  tableToIPC,
  Table,
  TimeUnit,
  Timestamp,
  type DataType,
  Utf8,
  Vector,
  vectorFromArray,
} from "apache-arrow";
import { describe, expect, it } from "vitest";
import { filterBatch, maskToIndices, takeBatch, takeData } from "../../../src/arrow/filter.js";
import { rng } from "../../helpers/rng.js";

const ROWS = 300;

function randomColumns(rand: () => number): Record<string, Data> {
  const maybe = <T>(make: () => T): T | null => (rand() < 0.2 ? null : make());
  const int = (lo: number, hi: number) => Math.floor(lo + rand() * (hi - lo));
  const str = () => ["", "a", "é", "日本", "🙂x", "a longer string that needs a bulk copy"][int(0, 6)]! + int(0, 100);
  const rows = Array.from({ length: ROWS });
  const col = <T extends DataType>(type: T, make: () => unknown): Data =>
    vectorFromArray(rows.map(() => maybe(make)) as never[], type).data[0]!;
  const struct = new Struct([
    new Field("a", new Int32(), true),
    new Field("b", new Utf8(), true),
    new Field("c", new Struct([new Field("d", new Float64(), true)]), true),
  ]);
  const entries = new Struct<{ key: Utf8; value: List<Int32> }>([
    new Field("key", new Utf8(), false),
    new Field("value", new List(new Field("element", new Int32(), true)), true),
  ]);
  const mapType = new Map_(new Field("entries", entries, false));
  const decimalWords = new Uint32Array(ROWS * 4).map(() => int(0, 2 ** 32));
  const nullBits = new Uint8Array(Math.ceil(ROWS / 8)).map(() => int(0, 256));
  return {
    i8: col(new Int8(), () => int(-128, 128)),
    i16: col(new Int16(), () => int(-30000, 30000)),
    i32: col(new Int32(), () => int(-2e9, 2e9)),
    i64: col(new Int64(), () => BigInt(int(-2e9, 2e9)) * 4_000_000_000n + BigInt(int(0, 1e9))),
    f32: col(new Float32(), () => (rand() < 0.1 ? NaN : rand() * 100 - 50)),
    f64: col(new Float64(), () => (rand() < 0.1 ? NaN : rand() * 1e6 - 5e5)),
    bool: col(new Bool(), () => rand() < 0.5),
    utf8: col(new Utf8(), str),
    large: col(new LargeUtf8(), str),
    bin: col(new Binary(), () => Uint8Array.from({ length: int(0, 40) }, () => int(0, 256))),
    dec: makeData({ type: new Decimal(2, 38, 128), length: ROWS, data: decimalWords, nullBitmap: nullBits }),
    date: col(new DateDay(), () => new Date(Date.UTC(2000 + int(0, 30), int(0, 12), int(1, 28)))),
    ts: col(new Timestamp(TimeUnit.MICROSECOND, "UTC"), () => int(0, 2e12)),
    struct: col(struct, () => ({ a: maybe(() => int(-5, 5)), b: maybe(str), c: maybe(() => ({ d: maybe(() => rand()) })) })),
    list: col(new List(new Field("element", new Int32(), true)), () => Array.from({ length: int(0, 5) }, () => maybe(() => int(0, 9)))),
    listOfStruct: col(new List(new Field("element", new Struct([new Field("x", new Int64(), true)]), true)), () =>
      Array.from({ length: int(0, 4) }, () => maybe(() => ({ x: maybe(() => BigInt(int(0, 1000))) }))),
    ),
    map: col(mapType, () => new Map(Array.from({ length: int(0, 3) }, (_, k) => [`k${k}`, maybe(() => [int(0, 9), null])]))),
    dict: col(new Dictionary(new Utf8(), new Int32()), () => ["red", "green", "blue"][int(0, 3)]),
    fixed: col(new FixedSizeList(2, new Field("element", new Int16(), true)), () => [int(0, 100), maybe(() => int(0, 100))]),
  };
}

/** A value as plain data, for deep comparison. */
function norm(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number" && Number.isNaN(v)) return "NaN";
  if (v instanceof Vector) return [...v].map(norm);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, norm);
  if (v instanceof Date) return v.getTime();
  if (typeof v === "object") {
    const row = v as { toJSON?: () => unknown; [Symbol.iterator]?: unknown };
    if (v.constructor?.name === "MapRow") return [...(v as Iterable<[unknown, unknown]>)].map(([k, x]) => [norm(k), norm(x)]);
    const obj = row.toJSON ? (row.toJSON() as Record<string, unknown>) : (v as Record<string, unknown>);
    return Object.fromEntries(Object.entries(obj).map(([k, x]) => [k, norm(x)]));
  }
  return v;
}

function expectRowsEqual(actual: RecordBatch, source: RecordBatch, indices: ArrayLike<number>): void {
  expect(actual.numRows).toBe(indices.length);
  expect(actual.schema.fields.map(String)).toEqual(source.schema.fields.map(String));
  for (let c = 0; c < source.numCols; c++) {
    const got = actual.getChildAt(c)!;
    const src = source.getChildAt(c)!;
    const name = source.schema.fields[c]!.name;
    const expected = Array.from(indices, (i) => norm(src.get(i)));
    expect(
      Array.from({ length: got.length }, (_, i) => norm(got.get(i))),
      name,
    ).toEqual(expected);
    expect(got.nullCount, `${name} nullCount`).toBe(expected.filter((v) => v === null).length);
  }
}

describe("filterBatch and takeBatch", () => {
  const rand = rng(42);
  const batch = new RecordBatch(randomColumns(rand));

  it.each([
    ["the whole batch", () => batch],
    ["a slice with an unaligned offset", () => batch.slice(37, 251)],
    ["a slice of a slice", () => batch.slice(5, 290).slice(3, 200)],
  ])("filters %s like a get()-based reference, for every column type", (_, source) => {
    const b = source();
    for (const density of [0.5, 0.05, 0.95]) {
      const mask = Uint8Array.from({ length: b.numRows }, () => (rand() < density ? 1 : 0));
      expectRowsEqual(filterBatch(b, mask), b, maskToIndices(mask));
    }
  });

  it("takes rows in any order, with repeats", () => {
    const b = batch.slice(11, 280);
    const indices = Uint32Array.from({ length: 500 }, () => Math.floor(rand() * b.numRows));
    expectRowsEqual(takeBatch(b, indices), b, indices);
  });

  it("returns the same batch when the mask selects every row", () => {
    expect(filterBatch(batch, new Uint8Array(batch.numRows).fill(1))).toBe(batch);
  });

  it("returns an empty batch with the same schema when the mask selects nothing", () => {
    const out = filterBatch(batch, new Uint8Array(batch.numRows));
    expect(out.numRows).toBe(0);
    expect(out.schema.fields.map(String)).toEqual(batch.schema.fields.map(String));
  });

  it("builds buffers that survive an Arrow IPC round trip", () => {
    const mask = Uint8Array.from({ length: batch.numRows }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const out = filterBatch(batch.slice(7, 200), mask.subarray(0, 193));
    const back = tableFromIPC(tableToIPC(new Table([out])));
    expectRowsEqual(
      back.batches[0]!,
      out,
      Array.from({ length: out.numRows }, (_, i) => i),
    );
  });

  it("rejects a mask of the wrong length and an index out of range", () => {
    expect(() => filterBatch(batch, new Uint8Array(3))).toThrow(InternalError);
    expect(() => takeBatch(batch, Uint32Array.of(0, ROWS))).toThrow(InternalError);
  });

  it("gathers Int64 and Float64 bits exactly (no bigint or NaN-payload changes)", () => {
    const raw = new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0x7ff8_dead_beef_0001n, -1n]);
    const data = makeData({ type: new Int64(), length: 4, data: raw });
    const out = takeData(data, Uint32Array.of(3, 2, 0, 1));
    expect(Array.from(out.values as BigInt64Array)).toEqual([-1n, 0x7ff8_dead_beef_0001n, -(2n ** 63n), 2n ** 63n - 1n]);
  });
});
