import { createRequire } from "node:module";
import type * as Arrow from "apache-arrow";
import { Field, RecordBatch, Schema, Table, tableFromArrays, Type, Utf8 } from "apache-arrow";
import { isForeignBatch } from "../../../../src/arrow/adopt.js";
import { NullConstraintError } from "../../../../src/errors/constraint-errors.js";
import { describe, expect, it } from "vitest";
import { createEngine, parquetWasm } from "../../../../src/engine/index.js";
import { SchemaMismatchError } from "../../../../src/errors/schema-errors.js";
import { SchemaInferenceError } from "../../../../src/ops/write/errors.js";
import { writeDataFiles } from "../../../../src/ops/write/files.js";
import { openWriteInput } from "../../../../src/ops/write/input.js";
import { toArrowSchema } from "../../../../src/schema/arrow-schema.js";
import type { StructType } from "../../../../src/schema/types.js";
import { MemoryStore } from "../../../../src/storage/memory-store.js";

async function collect(batches: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

/** Rows of batches as plain JSON-able values (bigints as strings). */
function rowsOf(batches: RecordBatch[]): unknown[] {
  return JSON.parse(
    JSON.stringify(
      new Table(batches).toArray().map((r) => r.toJSON()),
      (_, v) => (typeof v === "bigint" ? String(v) : v),
    ),
  );
}

const typeOf = (schema: Schema, name: string) => String(schema.fields.find((f) => f.name === name)?.type);

describe("inferring a schema from plain objects", () => {
  it.each<[string, unknown[], string]>([
    ["integers → long", [1, 2, -3], "Int64"],
    ["bigints → long", [1n, 2n ** 62n], "Int64"],
    ["integers and bigints → long", [1, 2n], "Int64"],
    ["fractions → double", [1, 2.5], "Float64"],
    ["NaN → double", [1, NaN], "Float64"],
    ["integers past 2^63 → double", [1, 2 ** 64], "Float64"],
    ["strings", ["a", null], "Utf8"],
    ["booleans", [true, undefined], "Bool"],
    ["Dates → timestamp (UTC)", [new Date(0)], "Timestamp<MICROSECOND, UTC>"],
    ["Uint8Arrays → binary", [new Uint8Array([1]), Buffer.from("x")], "Binary"],
    ["arrays → list of the element type", [[1, 2], [], null, [3.5]], "List<Float64>"],
    ["objects → struct of their keys", [{ a: 1 }, { b: "x" }, null], "Struct<{a:Int64, b:Utf8}>"],
    ["Maps → map", [new Map([["k", 1]])], "Map<{key:Utf8, value:Int64}>"],
  ])("%s", async (_, values, type) => {
    const { schema } = await openWriteInput(values.map((v) => ({ c: v })));
    expect(typeOf(schema, "c")).toBe(type);
    expect(schema.fields[0]!.nullable).toBe(true);
  });

  it("orders columns by first appearance and fills missing keys with nulls", async () => {
    const { schema, batches } = await openWriteInput([{ b: 1, a: "x" }, { c: true }, { a: null, b: 2 }]);
    expect(schema.fields.map((f) => f.name)).toEqual(["b", "a", "c"]);
    expect(rowsOf(await collect(batches))).toEqual([
      { b: "1", a: "x", c: null },
      { b: null, a: null, c: true },
      { b: "2", a: null, c: null },
    ]);
  });

  it.each<[string, unknown[], string]>([
    ["null everywhere", [{ a: 1, n: null }, { a: 2 }], "n"],
    ["mixed kinds", [{ m: 1 }, { m: "1" }], "m"],
    ["bigints with fractions", [{ m: 1n }, { m: 1.5 }], "m"],
    ["always-empty arrays", [{ l: [] }, { l: null }], "l.element"],
    ["nested mixed kinds", [{ s: { x: [1] } }, { s: { x: { y: 1 } } }], "s.x"],
    ["unsupported values", [{ f: () => 1 }], "f"],
  ])("refuses %s, naming the column", async (_, rows, column) => {
    const err = await openWriteInput(rows as Record<string, unknown>[]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaInferenceError);
    expect((err as SchemaInferenceError).columnPath).toBe(column);
  });

  it("refuses rows that are not plain objects", async () => {
    await expect(openWriteInput([{ a: 1 }, 5] as never)).rejects.toBeInstanceOf(SchemaInferenceError);
  });

  it("builds batches of batchRows rows from a large array", async () => {
    const rows = Array.from({ length: 100_001 }, (_, i) => ({ i, s: `v${i % 7}` }));
    const { batches } = await openWriteInput(rows, { batchRows: 30_000 });
    const out = await collect(batches);
    expect(out.map((b) => b.numRows)).toEqual([30_000, 30_000, 30_000, 10_001]);
    expect(out[3]!.get(10_000)?.toJSON()).toEqual({ i: 100_000n, s: "v5" });
  });
});

describe("typing plain objects by a given schema", () => {
  const table: StructType = {
    type: "struct",
    fields: [
      { name: "id", type: "long", nullable: false, metadata: {} },
      { name: "Amount", type: "decimal(10,2)", nullable: true, metadata: {} },
      { name: "day", type: "date", nullable: true, metadata: {} },
      { name: "ts", type: "timestamp", nullable: true, metadata: {} },
      { name: "small", type: "short", nullable: true, metadata: {} },
      { name: "tags", type: { type: "array", elementType: "string", containsNull: true }, nullable: true, metadata: {} },
      {
        name: "attrs",
        type: { type: "map", keyType: "string", valueType: "integer", valueContainsNull: true },
        nullable: true,
        metadata: {},
      },
      {
        name: "st",
        type: { type: "struct", fields: [{ name: "x", type: "float", nullable: true, metadata: {} }] },
        nullable: true,
        metadata: {},
      },
    ],
  };
  const arrow = toArrowSchema(table);

  it("converts each value to the column's type, keys matched case-insensitively, and appends inferred extra columns", async () => {
    const rows = [
      {
        id: 1,
        amount: "12.5",
        day: "2024-02-29",
        ts: new Date(Date.UTC(2024, 0, 1, 10)),
        small: 7,
        tags: ["a", null],
        attrs: { k: 1 },
        st: { x: 0.5 },
        extra: "e",
      },
      {
        id: 2n,
        Amount: 3,
        day: new Date(Date.UTC(1969, 11, 31, 23)),
        ts: "2024-01-01T10:00:00.000001Z",
        small: null,
        tags: [],
        attrs: new Map([["z", null]]),
        st: null,
      },
      { id: 3, ts: 1_704_103_200_000_002n },
    ];
    const { schema, batches } = await openWriteInput(rows, { schema: arrow });
    expect(schema.fields.map((f) => f.name)).toEqual([...arrow.fields.map((f) => f.name), "extra"]);
    expect(rowsOf(await collect(batches))).toEqual([
      {
        id: "1",
        Amount: '"1250"',
        day: 19782 * 86_400_000,
        ts: 1_704_103_200_000,
        small: 7,
        tags: ["a", null],
        attrs: { k: 1 },
        st: { x: 0.5 },
        extra: "e",
      },
      {
        id: "2",
        Amount: '"300"',
        day: -86_400_000,
        ts: 1_704_103_200_000.001,
        small: null,
        tags: [],
        attrs: { z: null },
        st: null,
        extra: null,
      },
      { id: "3", Amount: null, day: null, ts: 1_704_103_200_000.002, small: null, tags: null, attrs: null, st: null, extra: null },
    ]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a fractional long", { id: 1.5 }, "id"],
    ["an out-of-range short", { id: 1, small: 40_000 }, "small"],
    ["a decimal with too many digits", { id: 1, amount: "1.234" }, "Amount"],
    ["a decimal beyond its precision", { id: 1, amount: 1e9 }, "Amount"],
    ["a string in a date column", { id: 1, day: "tomorrow" }, "day"],
    ["a number in a timestamp column", { id: 1, ts: 5 }, "ts"],
    ["an unknown struct field", { id: 1, st: { y: 1 } }, "st.y"],
    ["a wrong element type", { id: 1, tags: [1] }, "tags.element"],
  ])("refuses %s with SchemaMismatchError naming the column", async (_, row, column) => {
    const { batches } = await openWriteInput([row], { schema: arrow });
    const err = await collect(batches).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaMismatchError);
    expect((err as SchemaMismatchError).fieldPath).toBe(column);
  });

  it("refuses a null in a non-nullable column with the NOT NULL error Arrow input gets", async () => {
    const { batches } = await openWriteInput([{ id: 1 }, { id: null }], { schema: arrow });
    const err = await collect(batches).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NullConstraintError);
    expect(err).toMatchObject({ code: "NOT_NULL_VIOLATION", columnPath: "id", row: 1 });
  });

  it("gives an empty input the schema", async () => {
    const { schema, batches } = await openWriteInput([], { schema: arrow });
    expect(schema.fields.map((f) => f.name)).toEqual(arrow.fields.map((f) => f.name));
    expect(await collect(batches)).toEqual([]);
    await expect(openWriteInput([])).rejects.toBeInstanceOf(SchemaInferenceError);
  });
});

describe("Arrow inputs", () => {
  const make = (from: number, n: number) => tableFromArrays({ a: Int32Array.from({ length: n }, (_, i) => from + i) }).batches[0]!;

  it("takes a Table, a RecordBatch, an array of batches and (async) iterables", async () => {
    const table = new Table([make(0, 2), make(2, 1)]);
    for (const input of [
      table,
      [make(0, 2), make(2, 1)],
      (function* () {
        yield make(0, 2);
        yield make(2, 1);
      })(),
      (async function* () {
        yield make(0, 2);
        yield make(2, 1);
      })(),
    ]) {
      const { schema, batches } = await openWriteInput(input);
      expect(schema.fields.map((f) => f.name)).toEqual(["a"]);
      expect(rowsOf(await collect(batches))).toEqual([{ a: 0 }, { a: 1 }, { a: 2 }]);
    }
    const single = await openWriteInput(make(5, 1));
    expect(rowsOf(await collect(single.batches))).toEqual([{ a: 5 }]);
  });

  it("learns the schema of an async source from its first batch only, and closes the source when the consumer stops", async () => {
    let pulled = 0;
    let closed = false;
    const source = (async function* () {
      try {
        for (let i = 0; i < 5; i++) {
          pulled++;
          yield make(i, 1);
        }
      } finally {
        closed = true;
      }
    })();
    const { schema, batches } = await openWriteInput(source);
    expect(pulled).toBe(1);
    expect(String(schema.fields[0]!.type)).toBe("Int32");
    for await (const b of batches) {
      expect(b.numRows).toBe(1);
      break;
    }
    expect(closed).toBe(true);
  });

  it("uses the given schema for an empty async source and fails without one", async () => {
    const empty = async function* (): AsyncGenerator<RecordBatch> {};
    const schema = new Schema([new Field("s", new Utf8(), true)]);
    expect((await openWriteInput(empty(), { schema })).schema.fields[0]!.name).toBe("s");
    await expect(openWriteInput(empty())).rejects.toBeInstanceOf(SchemaInferenceError);
  });

  it("refuses items that are not record batches", async () => {
    const { batches } = await openWriteInput(
      (function* () {
        yield make(0, 1);
        yield { a: 1 } as never;
      })(),
    );
    await expect(collect(batches)).rejects.toBeInstanceOf(SchemaInferenceError);
  });

  it("adopts a table made by apache-arrow's CommonJS build and writes it", async () => {
    const cjs = createRequire(import.meta.url)("apache-arrow") as typeof Arrow;
    expect(cjs.RecordBatch).not.toBe(RecordBatch);
    const foreign = new cjs.Table({
      id: cjs.vectorFromArray([1n, 2n, 3n], new cjs.Int64()),
      name: cjs.vectorFromArray(["x", null, "z"], new cjs.Utf8()),
      n: cjs.vectorFromArray([7, 8, 9], new cjs.Int32()),
    });
    const { schema, batches } = await openWriteInput(foreign as unknown as Table);
    expect(Object.getPrototypeOf(schema)).toBe(Schema.prototype);
    const table: StructType = {
      type: "struct",
      fields: [
        { name: "id", type: "long", nullable: true, metadata: {} },
        { name: "name", type: "string", nullable: true, metadata: {} },
        { name: "n", type: "integer", nullable: true, metadata: {} },
      ],
    };
    const adopted = await collect(batches);
    expect(Object.getPrototypeOf(adopted[0])).toBe(RecordBatch.prototype);
    const store = new MemoryStore();
    const { adds } = await writeDataFiles(createEngine(store), adopted, {
      schema: table,
      partitionColumns: ["n"],
      columnMappingMode: "none",
      configuration: {},
    });
    expect(adds.map((a) => a.partitionValues.n)).toEqual(["7", "8", "9"]);
    const read: RecordBatch[] = [];
    for (const add of adds) for await (const b of parquetWasm.read(store, add.path)) read.push(b);
    expect(rowsOf(read)).toEqual([
      { id: "1", name: "x" },
      { id: "2", name: null },
      { id: "3", name: "z" },
    ]);
    expect(JSON.parse(adds[1]!.stats!)).toEqual({
      numRecords: 1,
      minValues: { id: 2 },
      maxValues: { id: 2 },
      nullCount: { id: 0, name: 1 },
    });
  });

  it("adopts a single foreign RecordBatch and foreign batches in an iterable", async () => {
    const cjs = createRequire(import.meta.url)("apache-arrow") as typeof Arrow;
    const foreign = cjs.tableFromArrays({ a: Int32Array.from([1, 2]) }).batches[0]!;
    for (const input of [
      foreign,
      [foreign],
      (async function* () {
        yield foreign;
      })(),
    ]) {
      const { batches } = await openWriteInput(input as never);
      const [b] = await collect(batches);
      expect(isForeignBatch(b!)).toBe(false);
      expect(b!.schema.fields[0]!.type.typeId).toBe(Type.Int);
    }
  });
});
