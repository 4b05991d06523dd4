/**
 * A partial overwrite (`replaceWhere`) on a change-data-feed table: a data-column predicate writes
 * `delete` change rows for the rows it replaces and `insert` rows for the rows written, and none
 * for rows copied unchanged; a partition-column predicate writes no change data files (the feed
 * infers them from add/remove).
 */
import { Table, type RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { StructField, StructType } from "../../../../src/schema/types.js";
import { MemoryStore } from "../../../../src/storage/memory-store.js";
import { DeltaTable } from "../../../../src/table/delta-table.js";
import { actionsOf } from "../../../helpers/write-tables.js";

const f = (name: string, type: StructField["type"]): StructField => ({ name, type, nullable: true, metadata: {} });
const SCHEMA: StructType = { type: "struct", fields: [f("id", "long"), f("p", "string"), f("name", "string")] };

async function changeRows(iterable: AsyncIterable<RecordBatch>): Promise<string[]> {
  const batches: RecordBatch[] = [];
  for await (const b of iterable) batches.push(b);
  const t = new Table(batches);
  return Array.from({ length: t.numRows }, (_, i) => {
    const r = t.get(i)!;
    return `${r.id}/${r.p}/${r.name}:${r._change_type}@${r._commit_version}`;
  }).sort();
}

describe("replaceWhere on a change-data-feed table", () => {
  it("a data-column predicate records the replaced rows as deletes and the written rows as inserts, copied rows not at all", async () => {
    const store = new MemoryStore();
    const table = await DeltaTable.create(store.rootUrl, {
      schema: SCHEMA,
      partitionBy: ["p"],
      properties: { "delta.enableChangeDataFeed": "true" },
      store,
    });
    await table.write([
      { id: 1n, p: "a", name: "one" },
      { id: 2n, p: "a", name: "two" },
      { id: 3n, p: "b", name: "three" },
    ]);
    const replaced = await table.write([{ id: 1n, p: "a", name: "uno" }], { mode: "overwrite", replaceWhere: "id = 1" });
    expect(replaced.metrics).toMatchObject({ numDeletedRows: 1, numCopiedRows: 1 });
    const cdcs = await actionsOf(store, replaced.version, "cdc");
    expect(cdcs).toHaveLength(2);
    expect(cdcs.every((c) => c.dataChange === false && (c.path as string).startsWith("_change_data/p=a/"))).toBe(true);
    expect(await changeRows((await table.refresh()).changes({ startingVersion: replaced.version }))).toEqual([
      "1/a/one:delete@2",
      "1/a/uno:insert@2",
    ]);
    const rows = (await (await table.refresh()).toArrow())
      .toArray()
      .map((r) => `${r.id}/${r.name}`)
      .sort();
    expect(rows).toEqual(["1/uno", "2/two", "3/three"]);
  });

  it("a partition-column predicate writes no change data files; the feed infers the changes", async () => {
    const store = new MemoryStore();
    const table = await DeltaTable.create(store.rootUrl, {
      schema: SCHEMA,
      partitionBy: ["p"],
      properties: { "delta.enableChangeDataFeed": "true" },
      store,
    });
    await table.write([
      { id: 1n, p: "a", name: "one" },
      { id: 3n, p: "b", name: "three" },
    ]);
    const replaced = await table.write([{ id: 4n, p: "b", name: "four" }], { mode: "overwrite", replaceWhere: "p = 'b'" });
    expect(await actionsOf(store, replaced.version, "cdc")).toEqual([]);
    expect(await changeRows((await table.refresh()).changes({ startingVersion: replaced.version }))).toEqual([
      "3/b/three:delete@2",
      "4/b/four:insert@2",
    ]);
  });
});
