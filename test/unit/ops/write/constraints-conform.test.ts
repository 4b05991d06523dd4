// conformBatch: write batches made to fit the table schema exactly, and NOT NULL enforcement.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  Data as DataClass,
  Type,
  Binary,
  BinaryView,
  Bool,
  type Data,
  type DataType as ArrowType,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float16,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeBinary,
  LargeList,
  LargeUtf8,
  List,
  makeData,
  Map_,
  Null,
  RecordBatch,
  Struct,
  tableFromIPC,
  TimeUnit,
  Timestamp,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  Utf8View,
  vectorFromArray,
} from "apache-arrow";
import { readParquet } from "parquet-wasm";
import { describe, expect, it } from "vitest";
import { NullConstraintError } from "../../../../src/errors/constraint-errors.js";
import { InvalidSchemaError, SchemaMismatchError } from "../../../../src/errors/schema-errors.js";
import { conformBatch } from "../../../../src/ops/write/conform.js";
import { toArrowSchema } from "../../../../src/schema/arrow-schema.js";
import { parseSchemaString } from "../../../../src/schema/parse-schema.js";
import type { DataType, StructField, StructType } from "../../../../src/schema/types.js";
import { GOLDEN_DIR } from "../../../helpers/shared-data.js";

const field = (name: string, type: DataType, nullable = true): StructField => ({ name, type, nullable, metadata: {} });
const struct = (...fields: StructField[]): StructType => ({ type: "struct", fields });
const col = (values: unknown[], type: ArrowType): Data => vectorFromArray(values as never[], type as never).data[0] as Data;
const af = (name: string, type: ArrowType, nullable = true) => new Field(name, type, nullable);
const mapOf = (key: ArrowType, value: ArrowType) =>
  new Map_(
    new Field<Struct<{ key: ArrowType; value: ArrowType }>>(
      "entries",
      new Struct([af("key", key, false), af("value", value)] as never),
      false,
    ),
  );

/** JSON-friendly values of a column (bigints as strings, nested values as plain objects). */
function values(batch: RecordBatch, name: string): unknown[] {
  const vector = batch.getChild(name)!;
  return JSON.parse(
    JSON.stringify([...vector], (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Array.from(v) : v)),
  );
}

/** Unscaled values of a Decimal128 column (null where null). */
function unscaledDecimals(data: Data): (string | null)[] {
  const words = data.values as Uint32Array;
  return Array.from({ length: data.length }, (_, i) => {
    if (!data.getValid(i)) return null;
    let v = 0n;
    for (let w = 3; w >= 0; w--) v = (v << 32n) | BigInt(words[i * 4 + w]!);
    return String(BigInt.asIntN(128, v));
  });
}

function expectExactSchema(out: RecordBatch, target: StructType): void {
  expect(String(out.schema.fields.map((f) => `${f.name}:${f.type}:${f.nullable}`))).toBe(
    String(toArrowSchema(target).fields.map((f) => `${f.name}:${f.type}:${f.nullable}`)),
  );
  out.data.children.forEach((child, i) => expect(String(child.type)).toBe(String(toArrowSchema(target).fields[i]!.type)));
}

describe("conformBatch: primitive columns", () => {
  it.each<[string, ArrowType, unknown[], DataType, unknown[]]>([
    ["int8", new Int8(), [1, null, -3], "byte", [1, null, -3]],
    ["int8 → long", new Int8(), [1, null, -3], "long", ["1", null, "-3"]],
    ["int16 → integer", new Int16(), [300, -2], "integer", [300, -2]],
    ["int32 → long", new Int32(), [2147483647, null], "long", ["2147483647", null]],
    ["int64", new Int64(), [1n, 9007199254740993n], "long", ["1", "9007199254740993"]],
    ["uint8 → short", new Uint8(), [255, 0], "short", [255, 0]],
    ["uint16 → integer", new Uint16(), [65535], "integer", [65535]],
    ["uint32 → long", new Uint32(), [4294967295, null], "long", ["4294967295", null]],
    ["uint64 → decimal(20,0)", new Uint64(), [18446744073709551615n, null], "decimal(20,0)", ["18446744073709551615", null]],
    ["float16 → float", new Float16(), [1.5, null, -2, 65504], "float", [1.5, null, -2, 65504]],
    ["float32", new Float32(), [0.5], "float", [0.5]],
    ["float32 → double", new Float32(), [0.5, null], "double", [0.5, null]],
    ["int32 → double", new Int32(), [7], "double", [7]],
    ["float64", new Float64(), [Math.PI, NaN], "double", [Math.PI, null]],
    ["utf8", new Utf8(), ["a", null, "é"], "string", ["a", null, "é"]],
    ["large utf8", new LargeUtf8(), ["x", null], "string", ["x", null]],
    [
      "utf8 view",
      new Utf8View(),
      ["a", null, "a long string over twelve bytes", ""],
      "string",
      ["a", null, "a long string over twelve bytes", ""],
    ],
    ["binary", new Binary(), [Uint8Array.of(1, 2), null], "binary", [[1, 2], null]],
    ["large binary", new LargeBinary(), [Uint8Array.of(3)], "binary", [[3]]],
    ["fixed-size binary", new FixedSizeBinary(2), [Uint8Array.of(4, 5), null], "binary", [[4, 5], null]],
    ["binary view", new BinaryView(), [Uint8Array.of(9), new Uint8Array(20).fill(7)], "binary", [[9], Array(20).fill(7)]],
    ["bool", new Bool(), [true, null, false], "boolean", [true, null, false]],
    ["date32", new DateDay(), [new Date(Date.UTC(2024, 0, 2))], "date", [Date.UTC(2024, 0, 2)]],
    ["date64 → date", new DateMillisecond(), [new Date(Date.UTC(2024, 0, 2))], "date", [Date.UTC(2024, 0, 2)]],
    ["date32 → timestamp_ntz at midnight", new DateDay(), [Date.UTC(2024, 0, 2)], "timestamp_ntz", [Date.UTC(2024, 0, 2)]],
    ["timestamp ms UTC → µs", new Timestamp(TimeUnit.MILLISECOND, "UTC"), [1_700_000_000_123], "timestamp", [1_700_000_000_123]],
    ["timestamp s with an offset zone", new Timestamp(TimeUnit.SECOND, "+02:00"), [1_700_000_000_000], "timestamp", [1_700_000_000_000]],
    ["timestamp ns without zone → ntz µs", new Timestamp(TimeUnit.NANOSECOND), [1_700_000_000_000], "timestamp_ntz", [1_700_000_000_000]],
    ["int32 → decimal(10,0)", new Int32(), [-5, null], "decimal(10,0)", ["-5", null]],
    ["dictionary of strings", new Dictionary(new Utf8(), new Int8()), ["b", null, "a", "b"], "string", ["b", null, "a", "b"]],
    ["dictionary of int32 → long", new Dictionary(new Int32(), new Int32()), [5, 5, null], "long", ["5", "5", null]],
    ["all-null column into a nullable column", new Null(), [null, null], "string", [null, null]],
  ])("%s", (_name, arrowType, input, deltaType, expected) => {
    const target = struct(field("v", deltaType));
    const out = conformBatch(new RecordBatch({ v: col(input, arrowType) }), target);
    expectExactSchema(out, target);
    const got = values(out, "v");
    if (deltaType === "timestamp" || deltaType === "timestamp_ntz") {
      const micros = out.getChild("v")!.data[0]!.values as BigInt64Array;
      expect(micros[0]).toBe(BigInt(expected[0] as number) * 1000n);
    } else if (!String(deltaType).startsWith("decimal")) {
      expect(got).toEqual(expected);
    } else {
      expect(unscaledDecimals(out.getChild("v")!.data[0]!)).toEqual(expected);
    }
  });

  it.each<[string, number, number, 128 | 256, bigint[], DataType, string[]]>([
    ["decimal(5,2) → decimal(10,2)", 5, 2, 128, [125n, -1n], "decimal(10,2)", ["125", "-1"]],
    ["decimal(5,2) → decimal(10,4) rescales", 5, 2, 128, [125n], "decimal(10,4)", ["12500"]],
    ["decimal256(20,2) → decimal(20,2)", 20, 2, 256, [-125n, 10n ** 19n], "decimal(20,2)", ["-125", "10000000000000000000"]],
  ])("%s", (_name, precision, scale, bits, unscaled, deltaType, expected) => {
    const stride = bits / 32;
    const words = new Uint32Array(unscaled.length * stride);
    unscaled.forEach((v, i) => {
      let x = BigInt.asUintN(bits, v);
      for (let w = 0; w < stride; w++, x >>= 32n) words[i * stride + w] = Number(x & 0xffffffffn);
    });
    const data = makeData({ type: new Decimal(scale, precision, bits), length: unscaled.length, data: words });
    const target = struct(field("v", deltaType));
    const out = conformBatch(new RecordBatch({ v: data }), target);
    expectExactSchema(out, target);
    expect(unscaledDecimals(out.getChild("v")!.data[0]!)).toEqual(expected);
  });

  it("shares buffers when nothing changes", () => {
    const id = col([1n, 2n], new Int64());
    const out = conformBatch(new RecordBatch({ id }), struct(field("id", "long")));
    expect(out.getChild("id")!.data[0]!.values).toBe(id.values);
  });

  it.each<[string, ArrowType, unknown[], DataType, string]>([
    ["a wider integer", new Int64(), [1n], "integer", "integer"],
    ["double into float", new Float64(), [1], "float", "float"],
    ["string into binary", new Utf8(), ["x"], "binary", "binary"],
    ["timestamp into timestamp_ntz", new Timestamp(TimeUnit.MICROSECOND, "UTC"), [1], "timestamp_ntz", "timestamp_ntz"],
    ["a list into a string", new List(af("item", new Int32())), [[1]], "string", "string"],
  ])("refuses %s with SchemaMismatchError", (_name, arrowType, input, deltaType, expected) => {
    const run = () => conformBatch(new RecordBatch({ v: col(input, arrowType) }), struct(field("v", deltaType)));
    expect(run).toThrow(SchemaMismatchError);
    try {
      run();
    } catch (e) {
      expect((e as SchemaMismatchError).fieldPath).toBe("v");
      expect((e as SchemaMismatchError).expected).toBe(expected);
    }
  });
});

describe("conformBatch: names, order and missing columns", () => {
  const target = struct(
    field("id", "long", false),
    field("name", "string"),
    field("s", struct(field("a", "integer"), field("B", "string"))),
  );

  it("renames to the table's spelling, reorders (also inside structs) and fills missing nullable fields", () => {
    const s = col([{ b: "x" }, null], new Struct([af("b", new Utf8())]));
    const out = conformBatch(new RecordBatch({ S: s, ID: col([1, 2], new Int32()) }), target);
    expectExactSchema(out, target);
    expect(values(out, "id")).toEqual(["1", "2"]);
    expect(values(out, "name")).toEqual([null, null]);
    expect(values(out, "s")).toEqual([{ a: null, B: "x" }, null]);
  });

  it("refuses an extra column, naming it", () => {
    expect(() => conformBatch(new RecordBatch({ id: col([1n], new Int64()), extra: col([1], new Int32()) }), target)).toThrow(/extra/);
  });

  it("refuses an extra nested field", () => {
    const s = col([{ a: 1, z: 2 }], new Struct([af("a", new Int32()), af("z", new Int32())]));
    expect(() => conformBatch(new RecordBatch({ id: col([1n], new Int64()), s }), target)).toThrow(/s\.z/);
  });

  it("refuses a missing non-nullable column", () => {
    expect(() => conformBatch(new RecordBatch({ name: col(["x"], new Utf8()) }), target)).toThrow(SchemaMismatchError);
  });

  it("refuses columns whose names differ only in case", () => {
    expect(() => conformBatch(new RecordBatch({ id: col([1n], new Int64()), ID: col([1n], new Int64()) }), target)).toThrow(
      InvalidSchemaError,
    );
  });

  it("handles sliced input batches", () => {
    const batch = new RecordBatch({
      id: col([1n, 2n, 3n, 4n], new Int64()),
      name: col(["a", null, "c", "d"], new Utf8()),
      s: col([null, { a: 1, B: "q" }, { a: 2, B: null }, null], new Struct([af("a", new Int8()), af("B", new Utf8())])),
    });
    const out = conformBatch(batch.slice(1, 3), target);
    expect(values(out, "id")).toEqual(["2", "3"]);
    expect(values(out, "name")).toEqual([null, "c"]);
    expect(values(out, "s")).toEqual([
      { a: 1, B: "q" },
      { a: 2, B: null },
    ]);
  });
});

describe("conformBatch: nested types", () => {
  it("converts lists, large lists and fixed-size lists element-wise", () => {
    const target = struct(
      field("a", { type: "array", elementType: "long", containsNull: true }),
      field("b", { type: "array", elementType: "string", containsNull: true }),
      field("c", { type: "array", elementType: "double", containsNull: true }),
    );
    const out = conformBatch(
      new RecordBatch({
        a: col([[1, null], null, []], new List(af("item", new Int16()))),
        b: col([["x"], ["y", "z"], null], new LargeList(af("item", new Utf8()))),
        c: col([[1, 2], null, [3, null]], new FixedSizeList(2, af("item", new Float32()))),
      }),
      target,
    );
    expectExactSchema(out, target);
    expect(values(out, "a")).toEqual([["1", null], null, []]);
    expect(values(out, "b")).toEqual([["x"], ["y", "z"], null]);
    expect(values(out, "c")).toEqual([[1, 2], null, [3, null]]);
  });

  it("converts map keys and values", () => {
    const target = struct(field("m", { type: "map", keyType: "string", valueType: "long", valueContainsNull: true }));
    const type = mapOf(new Utf8(), new Int32());
    const out = conformBatch(
      new RecordBatch({
        m: col(
          [
            new Map([
              ["k", 1],
              ["j", null],
            ]),
            null,
          ],
          type,
        ),
      }),
      target,
    );
    expectExactSchema(out, target);
    expect(values(out, "m")).toEqual([{ k: "1", j: null }, null]);
  });
});

describe("conformBatch: NOT NULL enforcement", () => {
  const sType = (nullable: boolean) => new Struct([af("a", new Int32(), nullable), af("b", new Utf8(), true)]);
  const catchNull = (fn: () => unknown): NullConstraintError => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(NullConstraintError);
      return e as NullConstraintError;
    }
    throw new Error("expected a NullConstraintError");
  };

  it("refuses a null in a non-nullable top-level column, naming the column, row and count", () => {
    const error = catchNull(() =>
      conformBatch(new RecordBatch({ id: col([1, null, 3, null], new Int32()) }), struct(field("id", "integer", false))),
    );
    expect([error.columnPath, error.row, error.count]).toEqual(["id", 1, 2]);
    expect(error.message).toMatch(/id is null at row 1/);
  });

  it("refuses a null non-nullable field inside a non-null struct", () => {
    const target = struct(field("s", struct(field("a", "integer", false), field("b", "string"))));
    const error = catchNull(() =>
      conformBatch(
        new RecordBatch({
          s: col(
            [
              { a: 1, b: "x" },
              { a: null, b: "y" },
            ],
            sType(true),
          ),
        }),
        target,
      ),
    );
    expect([error.columnPath, error.row]).toEqual(["s.a", 1]);
  });

  it("allows a non-nullable field to be null where its nullable struct is null", () => {
    const target = struct(field("s", struct(field("a", "integer", false), field("b", "string"))));
    const out = conformBatch(new RecordBatch({ s: col([{ a: 1, b: "x" }, null], sType(true)) }), target);
    expect(values(out, "s")).toEqual([{ a: 1, b: "x" }, null]);
  });

  it("fills a missing nullable struct field but refuses a missing non-nullable one", () => {
    const target = struct(field("s", struct(field("a", "integer", false), field("b", "string"))));
    expect(() => conformBatch(new RecordBatch({ s: col([{ b: "x" }], new Struct([af("b", new Utf8())])) }), target)).toThrow(
      SchemaMismatchError,
    );
  });

  it("refuses a null element of an array whose elements are not nullable, naming the batch row", () => {
    const target = struct(field("tags", { type: "array", elementType: "string", containsNull: false }));
    const error = catchNull(() =>
      conformBatch(new RecordBatch({ tags: col([["a"], null, ["b", "c"], ["d", null]], new List(af("item", new Utf8()))) }), target),
    );
    expect([error.columnPath, error.row, error.count]).toEqual(["tags.element", 3, 1]);
  });

  it("allows null arrays whose elements are not nullable", () => {
    const target = struct(field("tags", { type: "array", elementType: "string", containsNull: false }));
    expect(values(conformBatch(new RecordBatch({ tags: col([null, ["x"]], new List(af("item", new Utf8()))) }), target), "tags")).toEqual([
      null,
      ["x"],
    ]);
  });

  it("refuses a null map value when values are not nullable, and checks structs inside arrays", () => {
    const mapTarget = struct(field("m", { type: "map", keyType: "string", valueType: "integer", valueContainsNull: false }));
    const mapType = mapOf(new Utf8(), new Int32());
    const error = catchNull(() =>
      conformBatch(new RecordBatch({ m: col([new Map([["k", 1]]), new Map([["j", null]])], mapType) }), mapTarget),
    );
    expect([error.columnPath, error.row]).toEqual(["m.value", 1]);

    const listTarget = struct(
      field("l", { type: "array", containsNull: true, elementType: struct(field("a", "integer", false), field("b", "string")) }),
    );
    const listType = new List(af("item", sType(true)));
    const nested = catchNull(() =>
      conformBatch(new RecordBatch({ l: col([[{ a: 1, b: null }, null], [{ a: null, b: "x" }]], listType) }), listTarget),
    );
    expect([nested.columnPath, nested.row]).toEqual(["l.element.a", 1]);
  });
});

const GOLDEN = GOLDEN_DIR;

/**
 * Parquet read raw gives INT96 and some TIMESTAMP columns without a zone; lakelog's reader labels
 * them UTC (as Spark wrote them). Do the same here so the raw file stands for writer input.
 */
function labelUtc(batch: RecordBatch, target: StructType): RecordBatch {
  const columns = Object.fromEntries(
    batch.schema.fields.map((f, i) => {
      const data = batch.data.children[i]!;
      const wanted = target.fields.find((t) => t.name === f.name)?.type;
      const type = f.type as Timestamp;
      if (wanted !== "timestamp" || f.typeId !== Type.Timestamp || type.timezone) return [f.name, data];
      return [f.name, new DataClass(new Timestamp(type.unit, "UTC"), data.offset, data.length, data.nullCount, data.buffers)];
    }),
  );
  return new RecordBatch(columns);
}

describe.skipIf(!existsSync(GOLDEN))("conformBatch on golden data files (needs ../shared/delta-golden)", () => {
  it.each([
    "parquet-all-types",
    "data-reader-primitives",
    "data-reader-array-primitives",
    "data-reader-array-complex-objects",
    "data-reader-nested-struct",
    "parquet-decimal-dictionaries",
    "basic-decimal-table",
    "data-reader-partition-values",
  ])("%s: every data file conforms to its table schema (partition columns excluded)", (name) => {
    const dir = join(GOLDEN, name, "delta");
    const log = join(dir, "_delta_log");
    const meta = readdirSync(log)
      .filter((f) => f.endsWith(".json"))
      .flatMap((f) => readFileSync(join(log, f), "utf8").split("\n"))
      .filter((l) => l.includes('"metaData"'))
      .map((l) => JSON.parse(l).metaData)
      .filter((m) => m?.schemaString)
      .at(-1);
    const schema = parseSchemaString(meta.schemaString);
    const target: StructType = { type: "struct", fields: schema.fields.filter((f) => !meta.partitionColumns.includes(f.name)) };
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter(
      (f) => f.endsWith(".parquet") && !f.startsWith("_delta_log"),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const table = tableFromIPC(readParquet(readFileSync(join(dir, file))).intoIPCStream());
      for (const raw of table.batches) {
        const batch = labelUtc(raw, target);
        const out = conformBatch(batch, target);
        expectExactSchema(out, target);
        expect(out.numRows).toBe(batch.numRows);
      }
    }
  });
});
