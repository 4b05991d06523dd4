/**
 * Writing variant columns: a table created with variant columns (top level, in a struct, an
 * array and a map) gets the variantType feature; JS values, `EncodedVariant`s and plain Arrow
 * structs of binary metadata/value are written unshredded and read back equal; statistics hold
 * only null counts for variants; values with no variant form, shredded or malformed input are
 * refused typed with the table unchanged; a scan of a variant table writes a variant table again.
 */
import { Binary, Field, Int64, Struct } from "apache-arrow";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../src/errors/argument-errors.js";
import { SchemaMismatchError } from "../../../src/errors/schema-errors.js";
import { MalformedVariantError } from "../../../src/errors/variant-errors.js";
import type { StructType } from "../../../src/schema/types.js";
import { DeltaTable, writeDeltaTable } from "../../../src/table/delta-table.js";
import { decodeVariant } from "../../../src/variant/decode.js";
import { encodeVariant } from "../../../src/variant/encode.js";
import { EncodedVariant, VariantDecimal } from "../../../src/variant/values.js";
import { testTable } from "../../helpers/write-arrow.js";
import { actionsOf, memoryUrl } from "../../helpers/write-tables.js";

const f = (name: string, type: StructType["fields"][number]["type"], nullable = true) => ({ name, type, nullable, metadata: {} });
const SCHEMA: StructType = {
  type: "struct",
  fields: [
    f("id", "long", false),
    f("v", "variant"),
    f("s", { type: "struct", fields: [f("inner", "variant")] }),
    f("arr", { type: "array", elementType: "variant", containsNull: true }),
    f("m", { type: "map", keyType: "string", valueType: "variant", valueContainsNull: true }),
  ],
};

type Pair = { metadata: Uint8Array; value: Uint8Array } | null;
const decode = (p: Pair) => (p === null ? undefined : decodeVariant(p.metadata, p.value));

/** The table's rows with every variant decoded (undefined for a NULL variant column). */
async function readBack(table: DeltaTable): Promise<Array<Record<string, unknown>>> {
  const arrow = await (await table.refresh()).toArrow();
  return arrow.toArray().map((row: Record<string, unknown>) => {
    const r = row as { id: bigint; v: Pair; s: { inner: Pair } | null; arr: { toArray(): Pair[] } | null; m: Map<string, Pair> | null };
    return {
      id: r.id,
      v: decode(r.v),
      inner: r.s ? decode(r.s.inner) : undefined,
      arr: r.arr ? r.arr.toArray().map(decode) : undefined,
      m: r.m ? Object.fromEntries([...r.m].map(([k, x]) => [k, decode(x)])) : undefined,
    };
  });
}

describe("variant columns", () => {
  it("a new table with variant columns gets the variantType reader-writer feature", async () => {
    const table = await DeltaTable.create(memoryUrl("variant-protocol"), { schema: SCHEMA });
    expect(table.protocol).toEqual({
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ["variantType"],
      writerFeatures: ["variantType"],
    });
    expect(table.arrowSchema.fields[1]!.metadata.get("ARROW:extension:name")).toBe("arrow.parquet.variant");
  });

  it("JS values at the top level, in a struct, an array and a map read back equal", async () => {
    const table = await DeltaTable.create(memoryUrl("variant-rows"), { schema: SCHEMA });
    const rows = [
      {
        id: 1n,
        v: { event: "click", n: 3, tags: ["a", "b"], at: null },
        s: { inner: [1, 2.5, "x"] },
        arr: [true, null, { k: {} }],
        m: { a: 1 },
      },
      { id: 2n, v: null, s: null, arr: null, m: null },
      { id: 3n, v: encodeVariant(null), s: { inner: "s" }, arr: [], m: new Map([["k", new VariantDecimal(1234n, 2)]]) },
    ];
    await table.write(rows);
    const back = await readBack(table);
    expect(back).toStrictEqual([
      // a JS null element is a NULL array element, not a variant null (encodeVariant(null) is one)
      { id: 1n, v: rows[0]!.v, inner: [1, 2.5, "x"], arr: [true, undefined, { k: {} }], m: { a: 1 } },
      { id: 2n, v: undefined, inner: undefined, arr: undefined, m: undefined },
      { id: 3n, v: null, inner: "s", arr: [], m: { k: new VariantDecimal(1234n, 2) } },
    ]);
  });

  it("arbitrary JSON values round-trip through a table", async () => {
    const table = await DeltaTable.create(memoryUrl("variant-prop"), { schema: SCHEMA });
    const values = fc.sample(fc.jsonValue(), { numRuns: 200, seed: 13 });
    await table.write(values.map((v, i) => ({ id: BigInt(i), v: encodeVariant(v) })));
    const back = await readBack(table);
    expect(back.map((r) => r.v)).toStrictEqual(values);
  });

  it("writes null counts and no min/max values for variant columns", async () => {
    const table = await DeltaTable.create(memoryUrl("variant-stats"), { schema: SCHEMA });
    const result = await table.write([{ id: 1n, v: 5 }, { id: 2n }]);
    const [add] = await actionsOf(table.store, result.version, "add");
    const stats = JSON.parse((add as { stats: string }).stats) as Record<string, Record<string, unknown>>;
    expect(stats.nullCount!.v).toBe(1);
    expect(stats.minValues).not.toHaveProperty("v");
    expect(stats.maxValues).not.toHaveProperty("v");
    expect(stats.minValues!.id).toBe(1);
  });

  it("accepts already-encoded Arrow structs of binary value and metadata (any field order)", async () => {
    const table = await DeltaTable.create(memoryUrl("variant-arrow"), {
      schema: { type: "struct", fields: [f("id", "long"), f("v", "variant")] },
    });
    const encoded = encodeVariant({ k: [1, 2] });
    const storage = new Struct([new Field("value", new Binary(), false), new Field("metadata", new Binary(), false)]);
    await table.write(
      testTable([
        [new Field("id", new Int64()), [1n, 2n]],
        [new Field("v", storage), [{ value: encoded.value, metadata: encoded.metadata }, null]],
      ]),
    );
    expect((await readBack(table)).map((r) => r.v)).toStrictEqual([{ k: [1, 2] }, undefined]);
  });

  it("a scan of a variant table creates a variant table again", async () => {
    const source = await DeltaTable.create(memoryUrl("variant-src"), { schema: SCHEMA });
    await source.write([{ id: 1n, v: { a: 1 }, arr: ["x"], m: { k: 2 } }]);
    const url = memoryUrl("variant-copy");
    await writeDeltaTable(url, await (await source.refresh()).toArrow());
    const copy = await DeltaTable.open(url);
    expect(copy.schema).toEqual(SCHEMA);
    expect((await readBack(copy))[0]).toMatchObject({ v: { a: 1 }, arr: ["x"], m: { k: 2 } });
  });

  it("a new table from rows holding EncodedVariants gets variant columns (top level, in arrays and objects)", async () => {
    const url = memoryUrl("variant-infer");
    await writeDeltaTable(url, [{ id: 1n, v: encodeVariant({ a: 1 }), list: [encodeVariant("x")], obj: { inner: encodeVariant(2) } }]);
    const table = await DeltaTable.open(url);
    expect(table.schema.fields.map((x) => x.type)).toEqual([
      "long",
      "variant",
      { type: "array", elementType: "variant", containsNull: true },
      { type: "struct", fields: [f("inner", "variant")] },
    ]);
    expect(table.protocol.readerFeatures).toEqual(["variantType"]);
  });

  it("delete and update rewrite files of a variant table and keep the variants", async () => {
    const table = await DeltaTable.create(memoryUrl("variant-dml"), { schema: SCHEMA });
    await table.write([
      { id: 1n, v: { a: 1 }, arr: [1] },
      { id: 2n, v: { a: 2 }, arr: [2] },
      { id: 3n, v: "three", m: { k: null } },
    ]);
    await (await table.refresh()).delete("id = 2");
    await (await table.refresh()).update({ where: "id = 3", set: { id: "30" } });
    const back = await readBack(table);
    expect(back.map((r) => [r.id, r.v, r.arr, r.m]).sort((a, b) => Number((a[0] as bigint) - (b[0] as bigint)))).toStrictEqual([
      [1n, { a: 1 }, [1], undefined],
      [30n, "three", undefined, { k: undefined }],
    ]);
  });

  it("optimize rewrites a variant table and keeps the variants", async () => {
    const table = await DeltaTable.create(memoryUrl("variant-optimize"), { schema: SCHEMA });
    await table.write([{ id: 1n, v: { a: 1 }, arr: [{ x: 1 }] }]);
    await (await table.refresh()).write([{ id: 2n, v: [2], m: { k: "v" } }]);
    await (await table.refresh()).optimize();
    const optimized = await table.refresh();
    expect(optimized.files().length).toBe(1);
    const back = (await readBack(optimized))
      .map((r) => [r.id, r.v, r.arr, r.m])
      .sort((a, b) => Number((a[0] as bigint) - (b[0] as bigint)));
    expect(back).toStrictEqual([
      [1n, { a: 1 }, [{ x: 1 }], undefined],
      [2n, [2], undefined, { k: "v" }],
    ]);
  });

  it("merge copies variant columns from the source (update and insert); an expression for one is refused typed, the table unchanged", async () => {
    const table = await DeltaTable.create(memoryUrl("variant-merge"), { schema: SCHEMA });
    await table.write([{ id: 1n, v: { a: 1 }, s: { inner: [1, 2] } }]);
    const before = await table.refresh();
    const refused = await before
      .merge([{ id: 1n, v: encodeVariant("updated") }], { on: "target.id = source.id" })
      .whenMatchedUpdate({ set: { v: "'text'" } })
      .execute()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidArgumentError);
    expect((await before.refresh()).version).toBe(before.version);
    const result = await before
      .merge(
        [
          { id: 1n, v: encodeVariant("updated") },
          { id: 2n, v: encodeVariant({ b: [true, null] }) },
        ],
        { on: "target.id = source.id" },
      )
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .execute();
    expect(result.metrics).toMatchObject({ numTargetRowsUpdated: 1, numTargetRowsInserted: 1 });
    const rows = (await readBack(table)).sort((a, b) => Number(a.id) - Number(b.id));
    // the columns the source lacks keep their values (update) or are NULL (insert)
    expect(rows).toEqual([
      { id: 1n, v: "updated", inner: [1, 2], arr: undefined, m: undefined },
      { id: 2n, v: { b: [true, null] }, inner: undefined, arr: undefined, m: undefined },
    ]);
  });

  it.each([
    ["a Map inside a value", { id: 1n, v: { m: new Map() } }, InvalidArgumentError],
    ["a forged EncodedVariant", { id: 1n, v: new EncodedVariant(Uint8Array.of(1, 0, 0), Uint8Array.of(6 << 2)) }, MalformedVariantError],
  ])("refuses %s typed, the table unchanged", async (_name, row, type) => {
    const table = await DeltaTable.create(memoryUrl("variant-bad"), { schema: SCHEMA });
    await expect(table.write([row])).rejects.toBeInstanceOf(type);
    expect((await table.refresh()).version).toBe(0);
  });

  it("refuses a shredded struct (typed_value) for a variant column", async () => {
    const table = await DeltaTable.create(memoryUrl("variant-shred"), {
      schema: { type: "struct", fields: [f("id", "long"), f("v", "variant")] },
    });
    const shredded = new Struct([
      new Field("metadata", new Binary(), false),
      new Field("value", new Binary(), true),
      new Field("typed_value", new Int64(), true),
    ]);
    const data = testTable([
      [new Field("id", new Int64()), [1n]],
      [new Field("v", shredded), [{ metadata: encodeVariant(1).metadata, value: null, typed_value: 1n }]],
    ]);
    await expect(table.write(data)).rejects.toBeInstanceOf(SchemaMismatchError);
    expect((await table.refresh()).version).toBe(0);
  });
});
