/**
 * Type widening (`typeWidening`, `delta.enableTypeWidening`): a `schemaMode: "merge"` write of
 * wider data widens the table's columns (byte → short → int → long, float → double,
 * date → timestamp_ntz, decimal precision/scale increase), records each change in the field's
 * `delta.typeChanges`, gives the table the `typeWidening` reader-writer feature, and files
 * written before the change read back in the new types.
 */
import { DateDay, Decimal, Float32, Float64, Int16, Int32, Int64, Int8, TimeUnit, Timestamp } from "apache-arrow";
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { SchemaMismatchError } from "../../../src/errors/schema-errors.js";
import { MemoryStore } from "../../../src/storage/memory-store.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { canonicalRows } from "../../helpers/arrow-rows.js";
import { metadataFor, writeCommit } from "../../helpers/table-builder.js";
import { field, testBatch } from "../../helpers/write-arrow.js";
import { expectRefusedCleanly, memoryUrl, removeTempDirs } from "../../helpers/write-tables.js";

afterAll(removeTempDirs);

const DAY = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / 86_400_000;
const NARROW = () =>
  testBatch([
    [field("b", new Int8()), [1, -2]],
    [field("s", new Int16()), [300, null]],
    [field("i", new Int32()), [70000, 5]],
    [field("f", new Float32()), [1.5, -0.25]],
    [field("d", new DateDay()), [DAY(2024, 2, 29), null]],
    [field("dec", new Decimal(2, 5, 128)), [12345n, -1n]],
  ]);
const WIDE = () =>
  testBatch([
    [field("b", new Int16()), [1000]],
    [field("s", new Int32()), [100000]],
    [field("i", new Int64()), [2n ** 40n]],
    [field("f", new Float64()), [0.1]],
    [field("d", new Timestamp(TimeUnit.MICROSECOND)), [BigInt(Date.UTC(2024, 2, 1, 12)) * 1000n]],
    [field("dec", new Decimal(3, 8, 128)), [123456789n]],
  ]);

async function narrowTable(properties: Record<string, string>): Promise<DeltaTable> {
  const table = await DeltaTable.create(memoryUrl("widen"), { schema: NARROW().schema, properties });
  await table.write(NARROW());
  return table.refresh();
}

describe("type widening on merge writes", () => {
  it("widens every supported type, records delta.typeChanges and the typeWidening feature", async () => {
    const table = await narrowTable({ "delta.enableTypeWidening": "true" });
    expect(table.protocol).toEqual({
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ["typeWidening"],
      writerFeatures: ["typeWidening"],
    });
    await table.write(WIDE(), { schemaMode: "merge" });
    const latest = await table.refresh();
    const types = Object.fromEntries(latest.schema.fields.map((f) => [f.name, f.type]));
    expect(types).toEqual({ b: "short", s: "integer", i: "long", f: "double", d: "timestamp_ntz", dec: "decimal(8,3)" });
    const changes = Object.fromEntries(latest.schema.fields.map((f) => [f.name, f.metadata["delta.typeChanges"]]));
    expect(changes).toEqual({
      b: [{ fromType: "byte", toType: "short" }],
      s: [{ fromType: "short", toType: "integer" }],
      i: [{ fromType: "integer", toType: "long" }],
      f: [{ fromType: "float", toType: "double" }],
      d: [{ fromType: "date", toType: "timestamp_ntz" }],
      dec: [{ fromType: "decimal(5,2)", toType: "decimal(8,3)" }],
    });
    // the file written before the change reads in the new types
    const rows = canonicalRows(await latest.toArrow(), ["b", "i", "d", "dec"]);
    expect(rows).toHaveLength(3);
    expect(rows.join("\n")).toContain('"i":"i64:70000"');
    // a filter on a widened column skips by the old file's statistics correctly
    const filtered = await latest.toArrow({ filter: "i > 100000" });
    expect(filtered.numRows).toBe(1);
    const dated = await latest.toArrow({ filter: "d >= TIMESTAMP_NTZ '2024-02-29 00:00:00'" });
    expect(dated.numRows).toBe(2);
  });

  it("widens a second time, appending to the history", async () => {
    const table = await narrowTable({ "delta.enableTypeWidening": "true" });
    await table.write(WIDE(), { schemaMode: "merge" });
    await table.write(testBatch([[field("b", new Int32()), [1 << 20]]]), { schemaMode: "merge" });
    const b = (await table.refresh()).schema.fields[0]!;
    expect(b.type).toBe("integer");
    expect(b.metadata["delta.typeChanges"]).toEqual([
      { fromType: "byte", toType: "short" },
      { fromType: "short", toType: "integer" },
    ]);
  });

  it("keeps a typeWidening-preview table on the preview feature while widening", async () => {
    const bucket = `preview-${randomUUID()}`;
    const store = new MemoryStore({ bucket, prefix: "t" });
    const protocol = {
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ["typeWidening-preview"],
      writerFeatures: ["typeWidening-preview"],
    };
    const meta = metadataFor([["i", "integer"]], [], { "delta.enableTypeWidening": "true" });
    await writeCommit(store, 0, [{ protocol }, meta]);
    const table = await DeltaTable.open(`memory://${bucket}/t`);
    await table.write(testBatch([[field("i", new Int64()), [2n ** 40n]]]), { schemaMode: "merge" });
    const latest = await table.refresh();
    expect(latest.protocol).toEqual(protocol);
    expect(latest.schema.fields[0]!.type).toBe("long");
  });

  it("refuses to widen without delta.enableTypeWidening, writing nothing", async () => {
    const table = await narrowTable({});
    await expectRefusedCleanly(table, () => table.write(WIDE(), { schemaMode: "merge" }), SchemaMismatchError);
  });
});
