/**
 * Shredded variants (VariantShredding.md) rebuilt into unshredded `{metadata, value}`: the rules
 * of the specification's tables (fully and partially shredded objects, missing fields, a field
 * present as null, values that are not objects, shredded arrays with null elements, primitives of
 * every listed type), the typed refusals, and the whole read path: a Parquet file of the shredded
 * layout in a table with the `variantShredding` feature, read through `DeltaTable`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  Binary,
  Bool,
  type Data,
  DateDay,
  Decimal,
  Field,
  FixedSizeBinary,
  Float32,
  Int32,
  Int64,
  Int8,
  List,
  RecordBatch,
  Schema,
  Struct,
  TimeUnit,
  Timestamp,
  Uint32,
  Utf8,
  makeData,
  makeVector,
} from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { writeParquetBuffer } from "../../../src/engine/parquet-write.js";
import { UnsupportedFeatureError } from "../../../src/errors/log-errors.js";
import { MalformedVariantError } from "../../../src/errors/variant-errors.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { variantField } from "../../../src/variant/arrow.js";
import { decodeVariant, parseMetadata } from "../../../src/variant/decode.js";
import { encodeBoolean, encodeObject, encodeVariant } from "../../../src/variant/encode.js";
import { unshredColumn } from "../../../src/variant/shredding.js";
import { VariantDate, VariantDecimal, VariantTimestamp, VariantUuid } from "../../../src/variant/values.js";
import { arrowData } from "../../helpers/write-arrow.js";
import { removeTempDirs, tempTableDir } from "../../helpers/write-tables.js";

afterAll(removeTempDirs);

const bin = () => new Binary();
const pair = (typed?: Field["type"]) =>
  new Struct([new Field("value", bin(), true), ...(typed ? [new Field("typed_value", typed, true)] : [])]);
const shredded = (typed: Field["type"]) =>
  new Struct([new Field("metadata", bin(), false), new Field("value", bin(), true), new Field("typed_value", typed, true)]);

/** The decoded rows of a rebuilt variant column (null for a null row). */
function decodedRows(data: Data): unknown[] {
  const vector = makeVector(data);
  return Array.from({ length: data.length }, (_, i) => {
    const row = vector.get(i) as { metadata: Uint8Array; value: Uint8Array } | null;
    return row === null ? null : decodeVariant(row.metadata, row.value);
  });
}

const M = encodeVariant({ a: 0, b: 0, c: 0, tags: 0 }).metadata;
const id = (name: string) => parseMetadata(M).idOf(name)!;
const v = (x: unknown) => encodeVariant(x).value;

const objectType = shredded(
  new Struct([
    new Field("a", pair(new Int32()), false),
    new Field("b", pair(new Utf8()), false),
    new Field("tags", pair(new List(new Field("element", pair(new Utf8()), false))), false),
  ]),
);

// VariantShredding.md's object table, one row per case
const objectRows = [
  {
    metadata: M,
    value: null,
    typed_value: { a: { typed_value: 1 }, b: { typed_value: "x" }, tags: { typed_value: [{ typed_value: "p" }] } },
  },
  {
    metadata: M,
    value: encodeObject([{ id: id("c"), value: encodeBoolean(true) }], parseMetadata(M).size),
    typed_value: { a: { typed_value: 2 }, b: {}, tags: {} },
  },
  { metadata: M, value: v("not an object"), typed_value: null },
  { metadata: M, value: null, typed_value: { a: { value: v("a string") }, b: { value: v(null) }, tags: {} } },
  null,
  { metadata: M, value: null, typed_value: { a: {}, b: {}, tags: {} } },
  { metadata: M, value: null, typed_value: null },
  { metadata: M, value: null, typed_value: { a: {}, b: {}, tags: { typed_value: [{ typed_value: "p" }, { value: v(null) }] } } },
];
const objectExpected = [
  { a: 1, b: "x", tags: ["p"] },
  { a: 2, c: true },
  "not an object",
  { a: "a string", b: null },
  null,
  {},
  null,
  { tags: ["p", null] },
];

describe("unshredColumn", () => {
  it("rebuilds shredded and partially shredded objects, missing fields, nulls and arrays as the specification says", () => {
    const data = arrowData(objectType, objectRows);
    const out = unshredColumn(data, variantField("v", true), "f.parquet");
    expect(out.type.children.map((f: Field) => f.name)).toEqual(["metadata", "value"]);
    expect(decodedRows(out)).toStrictEqual(objectExpected);
  });

  it("returns unshredded data untouched (same object)", () => {
    const type = new Struct([new Field("metadata", bin(), false), new Field("value", bin(), false)]);
    const data = arrowData(type, [{ metadata: M, value: v(1) }]);
    expect(unshredColumn(data, variantField("v", true), "f.parquet")).toBe(data);
  });

  it("rebuilds variants nested in structs and lists", () => {
    const element = shredded(new Int64());
    const type = new Struct([new Field("xs", new List(new Field("element", element, true)), true)]);
    const data = arrowData(type, [
      { xs: [{ metadata: M, value: null, typed_value: 7n }, null, { metadata: M, value: v("s"), typed_value: null }] },
    ]);
    const target = new Field("s", new Struct([new Field("xs", new List(variantField("element", true)), true)]), true);
    const out = unshredColumn(data, target, "f.parquet");
    const xs = makeVector(out).get(0)!.xs as { toArray(): Array<{ metadata: Uint8Array; value: Uint8Array } | null> };
    expect(xs.toArray().map((r) => (r ? decodeVariant(r.metadata, r.value) : null))).toStrictEqual([7, null, "s"]);
  });

  it.each([
    ["boolean", new Bool(), true, true],
    ["int8", new Int8(), -5, -5],
    ["int64", new Int64(), 2n ** 60n, 2n ** 60n],
    ["float", new Float32(), 1.5, 1.5],
    ["decimal4", new Decimal(2, 9, 128), -1250n, new VariantDecimal(-1250n, 2)],
    ["decimal16", new Decimal(0, 30, 128), 10n ** 29n, new VariantDecimal(10n ** 29n, 0)],
    ["date", new DateDay(), 19_000, new VariantDate(19_000)],
    ["timestamp", new Timestamp(TimeUnit.MICROSECOND, "UTC"), 5n, new VariantTimestamp(5n)],
    ["timestamp_ntz nanos", new Timestamp(TimeUnit.NANOSECOND, null), 5n, new VariantTimestamp(5n, "nanos", false)],
    ["binary", new Binary(), Uint8Array.of(1, 2), Uint8Array.of(1, 2)],
  ])("rebuilds a shredded %s", (_name, type, stored, expected) => {
    const data = arrowData(shredded(type), [
      { metadata: M, value: null, typed_value: stored },
      { metadata: M, value: v("n/a"), typed_value: null },
    ]);
    expect(decodedRows(unshredColumn(data, variantField("v", true), "f.parquet"))).toStrictEqual([expected, "n/a"]);
  });

  it("rebuilds a shredded uuid (fixed-size binary of 16)", () => {
    const uuid = VariantUuid.parse("123e4567-e89b-12d3-a456-426614174000")!;
    const type = shredded(new FixedSizeBinary(16));
    const typed = makeData({ type: new FixedSizeBinary(16), length: 1, nullCount: 0, data: uuid.bytes });
    const [metadata, value] = [arrowData(bin(), [M]), arrowData(bin(), [null])];
    const data = makeData({ type, length: 1, nullCount: 0, children: [metadata, value, typed] });
    expect(decodedRows(unshredColumn(data, variantField("v", true), "f.parquet"))).toStrictEqual([uuid]);
  });

  it("refuses a shredded type the specification does not list, naming variantShredding", () => {
    const data = arrowData(shredded(new Uint32()), [{ metadata: M, value: null, typed_value: 1 }]);
    const err = (() => {
      try {
        unshredColumn(data, variantField("v", true), "f.parquet");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UnsupportedFeatureError);
    expect((err as UnsupportedFeatureError).features).toEqual(["variantShredding"]);
  });

  it.each([
    ["a value beside a shredded primitive", shredded(new Int32()), { metadata: M, value: v(1), typed_value: 1 }],
    ["a partially shredded value that is not an object", objectType, { ...objectRows[1]!, value: v("s") }],
  ])("refuses %s as malformed", (_name, type, row) => {
    expect(() => unshredColumn(arrowData(type, [row]), variantField("v", true), "f.parquet")).toThrow(MalformedVariantError);
  });

  it("refuses a shredded field name the metadata lacks", () => {
    const metadata = encodeVariant({ b: 0, tags: 0 }).metadata;
    const data = arrowData(objectType, [{ metadata, value: null, typed_value: { a: { typed_value: 1 }, b: {}, tags: {} } }]);
    expect(() => unshredColumn(data, variantField("v", true), "f.parquet")).toThrow(/"a" is not in the metadata/);
  });
});

describe("reading a table with shredded files", () => {
  it("returns the unshredded struct for every row of a shredded Parquet file", async () => {
    const dir = tempTableDir();
    mkdirSync(join(dir, "_delta_log"), { recursive: true });
    const schema = new Schema([new Field("id", new Int64(), true), new Field("v", objectType, true)]);
    const ids = objectRows.map((_, i) => BigInt(i));
    const batch = new RecordBatch(
      schema,
      makeData({
        type: new Struct(schema.fields),
        length: ids.length,
        nullCount: 0,
        children: [arrowData(new Int64(), ids), arrowData(objectType, objectRows)],
      }),
    );
    const { data } = writeParquetBuffer([batch]);
    writeFileSync(join(dir, "part-0.parquet"), data);
    const deltaSchema = {
      type: "struct",
      fields: [
        { name: "id", type: "long", nullable: true, metadata: {} },
        { name: "v", type: "variant", nullable: true, metadata: {} },
      ],
    };
    const features = ["variantShredding", "variantType"];
    const log = [
      { protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: features, writerFeatures: features } },
      {
        metaData: {
          id: "shredded",
          format: { provider: "parquet", options: {} },
          schemaString: JSON.stringify(deltaSchema),
          partitionColumns: [],
          configuration: { "delta.enableVariantShredding": "true" },
          createdTime: 0,
        },
      },
      { add: { path: "part-0.parquet", partitionValues: {}, size: data.byteLength, modificationTime: 0, dataChange: true } },
    ];
    writeFileSync(join(dir, "_delta_log", "00000000000000000000.json"), log.map((a) => JSON.stringify(a)).join("\n") + "\n");
    const table = await DeltaTable.open(dir);
    const read = await table.toArrow();
    expect(
      read
        .getChild("v")!
        .data.map((d) => decodedRows(d))
        .flat(),
    ).toStrictEqual(objectExpected);
    // an append of unshredded rows is allowed (shredding is optional per file) and both read back
    await table.write([{ id: 100n, v: encodeVariant({ a: 3 }) }]);
    const after = await table.refresh();
    const appended = await after.toArrow({ filter: "id = 100" });
    expect(decodedRows(appended.getChild("v")!.data[0]!)).toStrictEqual([{ a: 3 }]);
    expect((await after.toArrow()).numRows).toBe(objectRows.length + 1);
  });
});
