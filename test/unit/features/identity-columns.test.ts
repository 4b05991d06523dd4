/**
 * Identity columns (`identityColumns`, field metadata `delta.identity.*`): omitted values are
 * allocated after the high-water mark (`start + k * step`), the commit records the new mark in the
 * schema, GENERATED ALWAYS refuses explicit values, BY DEFAULT keeps them, and two writers that
 * allocate from the same mark conflict (the loser fails typed, writes nothing, and a retry
 * allocates fresh values).
 */
import { Int64, Utf8 } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import {
  IdentityColumnUpdateError,
  IdentityColumnValueError,
  IdentityOverflowError,
  InvalidIdentityColumnError,
} from "../../../src/errors/feature-errors.js";
import { MetadataChangedError } from "../../../src/errors/txn-errors.js";
import type { StructField, StructType } from "../../../src/schema/types.js";
import { writeTable } from "../../../src/ops/write/write-table.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { columnCells } from "../../helpers/arrow-rows.js";
import { field, testBatch } from "../../helpers/write-arrow.js";
import { dataFileKeys, expectRefusedCleanly, memoryUrl, removeTempDirs } from "../../helpers/write-tables.js";

afterAll(removeTempDirs);

function identitySchema(start: number, step: number, allowExplicitInsert: boolean, extra: Record<string, unknown> = {}): StructType {
  const id: StructField = {
    name: "id",
    type: "long",
    nullable: false,
    metadata: {
      "delta.identity.start": start,
      "delta.identity.step": step,
      "delta.identity.allowExplicitInsert": allowExplicitInsert,
      ...extra,
    },
  };
  return { type: "struct", fields: [id, { name: "v", type: "string", nullable: true, metadata: {} }] };
}

const rows = (...vs: string[]) => vs.map((v) => ({ v }));
const ids = async (table: DeltaTable) =>
  columnCells(await (await table.refresh()).toArrow(), "id")
    .map((x) => String(x).replace("i64:", ""))
    .sort((a, b) => Number(a) - Number(b));
const markOf = (table: DeltaTable) => table.schema.fields[0]!.metadata["delta.identity.highWaterMark"];

describe("identity columns", () => {
  it("allocates start + k * step after the high-water mark and records the mark in the commit", async () => {
    const table = await DeltaTable.create(memoryUrl("identity"), { schema: identitySchema(10, 5, false) });
    expect(table.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 6 });
    expect(markOf(table)).toBeUndefined();
    await table.write(rows("a", "b", "c"));
    expect(markOf(await table.refresh())).toBe(20);
    await table.write(testBatch([[field("v", new Utf8()), ["d", "e"]]]));
    const latest = await table.refresh();
    expect(markOf(latest)).toBe(30);
    expect(await ids(latest)).toEqual(["10", "15", "20", "25", "30"]);
    // the mark is a JSON number in the schema string, as Spark writes it
    expect(latest.metadata.schemaString).toContain('"delta.identity.highWaterMark":30');
  });

  it("counts down with a negative step", async () => {
    const table = await DeltaTable.create(memoryUrl("identity-neg"), { schema: identitySchema(-1, -2, false) });
    await table.write(rows("a", "b", "c"));
    expect(await ids(table)).toEqual(["-5", "-3", "-1"]);
    expect(markOf(await table.refresh())).toBe(-5);
  });

  it("refuses explicit values for GENERATED ALWAYS and writes nothing", async () => {
    const table = await DeltaTable.create(memoryUrl("identity-always"), { schema: identitySchema(1, 1, false) });
    await expectRefusedCleanly(table, () => table.write([{ id: 5n, v: "x" }]), IdentityColumnValueError, {
      column: "id",
      code: "IDENTITY_EXPLICIT_VALUE",
    });
    const batch = testBatch([
      [field("id", new Int64(), false), [1n]],
      [field("v", new Utf8()), ["x"]],
    ]);
    await expectRefusedCleanly(table, () => table.write(batch), IdentityColumnValueError, { column: "id" });
  });

  it.each([
    ["ALWAYS", false],
    ["BY DEFAULT", true],
  ])("refuses UPDATE and MERGE assignments to a GENERATED %s identity column, table unchanged", async (_kind, byDefault) => {
    const table = await DeltaTable.create(memoryUrl("identity-update"), { schema: identitySchema(1, 1, byDefault) });
    await table.write(rows("a", "b"));
    const latest = await table.refresh();
    await expectRefusedCleanly(latest, () => latest.update({ set: { id: "100" }, where: "v = 'a'" }), IdentityColumnUpdateError, {
      column: "id",
      code: "IDENTITY_COLUMN_UPDATE",
    });
    await expectRefusedCleanly(
      latest,
      () =>
        latest
          .merge([{ v: "a", w: 1 }], { on: "target.v = source.v" })
          .whenMatchedUpdate({ set: { id: "source.w" } })
          .execute(),
      IdentityColumnUpdateError,
      { column: "id" },
    );
    // the other columns can still be updated
    await latest.update({ set: { v: "'z'" }, where: "v = 'a'" });
    expect(await ids(latest)).toEqual(["1", "2"]);
  });

  it("MERGE inserts get identity values after the high-water mark; ALWAYS refuses an explicit value, BY DEFAULT keeps it", async () => {
    const always = await DeltaTable.create(memoryUrl("identity-merge"), { schema: identitySchema(1, 1, false) });
    await always.write(rows("a", "b"));
    let latest = await always.refresh();
    // insertAll from rows without the identity column, and an explicit insert clause
    await latest
      .merge(rows("b", "c", "d"), { on: "target.v = source.v" })
      .whenNotMatchedInsertAll()
      .execute();
    latest = await latest.refresh();
    expect(await ids(latest)).toEqual(["1", "2", "3", "4"]);
    expect(markOf(latest)).toBe(4);
    await latest
      .merge(rows("e"), { on: "target.v = source.v" })
      .whenNotMatchedInsert({ values: { v: "source.v" } })
      .execute();
    latest = await latest.refresh();
    expect(await ids(latest)).toEqual(["1", "2", "3", "4", "5"]);
    await expectRefusedCleanly(
      latest,
      () =>
        latest
          .merge([{ v: "f", w: 9 }], { on: "target.v = source.v" })
          .whenNotMatchedInsert({ values: { v: "source.v", id: "source.w" } })
          .execute(),
      IdentityColumnValueError,
      { column: "id" },
    );
    const byDefault = await DeltaTable.create(memoryUrl("identity-merge-default"), { schema: identitySchema(1, 1, true) });
    await byDefault.write(rows("a"));
    await (
      await byDefault.refresh()
    )
      .merge([{ id: 100n, v: "x" }], { on: "target.v = source.v" })
      .whenNotMatchedInsertAll()
      .execute();
    const after = await byDefault.refresh();
    expect(await ids(after)).toEqual(["1", "100"]);
    expect(markOf(after)).toBe(1);
  });

  it("keeps explicit values for BY DEFAULT without moving the mark, and generates the omitted ones", async () => {
    const table = await DeltaTable.create(memoryUrl("identity-default"), { schema: identitySchema(1, 1, true) });
    await table.write([{ id: 100n, v: "explicit" }]);
    expect(markOf(await table.refresh())).toBeUndefined();
    await table.write(rows("a", "b"));
    expect(await ids(table)).toEqual(["1", "2", "100"]);
    expect(markOf(await table.refresh())).toBe(2);
  });

  it.each<[string, StructType, Partial<InvalidIdentityColumnError>]>([
    ["a zero step", identitySchema(1, 0, false), { column: "id" }],
    ["a non-integer start", identitySchema(1.5, 1, false), { column: "id" }],
  ])("refuses %s typed before writing", async (_title, schema, fields) => {
    const table = await DeltaTable.create(memoryUrl("identity-bad"), { schema });
    await expectRefusedCleanly(table, () => table.write(rows("a")), InvalidIdentityColumnError, fields);
  });

  it("refuses values past the long range with IdentityOverflowError", async () => {
    const schema = identitySchema(1, 1, false, { "delta.identity.highWaterMark": "9223372036854775806" });
    const table = await DeltaTable.create(memoryUrl("identity-overflow"), { schema });
    await expectRefusedCleanly(table, () => table.write(rows("a", "b")), IdentityOverflowError, { column: "id", rows: 2 });
  });

  it("a concurrent allocation loses with MetadataChangedError, leaves no file, and a retry gets fresh values", async () => {
    const url = memoryUrl("identity-race");
    const a = await DeltaTable.create(url, { schema: identitySchema(1, 1, false) });
    // b plans its write on version 0 (allocating 1), a commits version 1 (allocating 1, 2) first
    const b = await DeltaTable.open(url, { store: a.store });
    await a.write(rows("a1", "a2"));
    const before = await dataFileKeys(a.store);
    await expect(writeTable(b.engine, b.snapshot, rows("b1"))).rejects.toBeInstanceOf(MetadataChangedError);
    expect(await dataFileKeys(a.store)).toEqual(before);
    // the API-level retry (DeltaTable.write loads the latest version) allocates after a's mark
    await b.write(rows("b1"));
    expect(await ids(a)).toEqual(["1", "2", "3"]);
  });
});
