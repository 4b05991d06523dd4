/**
 * DELETE and the change data feed against the real servers: on S3 (Ceph) and on Azure (Azurite),
 * a partitioned table with deletion vectors and the change feed gets a row-level delete (a DV file
 * is written and read back by the scan), a copy-on-write delete on a table without vectors, and a
 * metadata-only partition delete; the change feed returns every insert and delete.
 */
import { describe, expect, it } from "vitest";
import type { RecordBatch } from "apache-arrow";
import type { StructField, StructType } from "../../src/schema/types.js";
import { DeltaTable } from "../../src/table/delta-table.js";
import { backendTargets } from "../helpers/cloud-targets.js";

const f = (name: string, type: StructField["type"]): StructField => ({ name, type, nullable: true, metadata: {} });
const SCHEMA: StructType = { type: "struct", fields: [f("id", "long"), f("p", "string")] };
const rows = (p: string, from: number, count: number) => Array.from({ length: count }, (_, i) => ({ id: BigInt(from + i), p }));

async function ids(table: DeltaTable): Promise<number[]> {
  const t = await (await table.refresh()).toArrow({ columns: ["id"] });
  return Array.from(t.getChild("id")!.toArray() as BigInt64Array, Number).sort((a, b) => a - b);
}

async function changeRows(iterable: AsyncIterable<RecordBatch>): Promise<string[]> {
  const out: string[] = [];
  for await (const b of iterable)
    for (let i = 0; i < b.numRows; i++)
      out.push(`${b.getChild("id")!.get(i)}:${b.getChild("_change_type")!.get(i)}@${b.getChild("_commit_version")!.get(i)}`);
  return out.sort();
}

const clouds = backendTargets().filter((b) => b.name === "s3" || b.name === "azure");

describe.each(clouds)("delete and changes on $name", ({ fresh }) => {
  it.each([true, false])("deletion vectors %s: row-level and partition deletes, then the change feed", async (dv) => {
    const target = fresh();
    const properties: Record<string, string> = { "delta.enableChangeDataFeed": "true" };
    if (dv) properties["delta.enableDeletionVectors"] = "true";
    const table = await DeltaTable.create(target.url, { schema: SCHEMA, partitionBy: ["p"], properties, storage: target.options });
    await table.write(rows("a", 0, 10));
    await table.write(rows("b", 10, 5));
    const rowLevel = await table.delete("id = 2 OR id = 5", { inlineDeletionVectorMaxBytes: 0 });
    expect(rowLevel.metrics).toMatchObject(
      dv
        ? { numDeletedRows: 2, numDeletionVectorsAdded: 1, numAddedFiles: 0, numAddedChangeFiles: 1 }
        : { numDeletedRows: 2, numCopiedRows: 8, numAddedFiles: 1, numRemovedFiles: 1, numAddedChangeFiles: 1 },
    );
    const partition = await table.delete("p = 'b'");
    expect(partition.metrics).toMatchObject({ numDeletedRows: 5, numRemovedFiles: 1, numAddedChangeFiles: 0 });
    expect(await ids(table)).toEqual([0, 1, 3, 4, 6, 7, 8, 9]);
    const latest = await table.refresh();
    if (dv) expect([...latest.addActions()][0]!.deletionVector).toMatchObject({ storageType: "u", cardinality: 2 });
    const expected = [
      ...Array.from({ length: 10 }, (_, i) => `${i}:insert@1`),
      ...Array.from({ length: 5 }, (_, i) => `${10 + i}:insert@2`),
      "2:delete@3",
      "5:delete@3",
      ...Array.from({ length: 5 }, (_, i) => `${10 + i}:delete@4`),
    ].sort();
    expect(await changeRows(latest.changes({ startingVersion: 0 }))).toEqual(expected);
    await latest.store.close?.();
  });
});

describe.each(clouds)("update and merge on $name", ({ fresh }) => {
  it.each([true, false])("deletion vectors %s: an update and an upsert, read back and in the change feed", async (dv) => {
    const target = fresh();
    const properties: Record<string, string> = { "delta.enableChangeDataFeed": "true" };
    if (dv) properties["delta.enableDeletionVectors"] = "true";
    const table = await DeltaTable.create(target.url, { schema: SCHEMA, partitionBy: ["p"], properties, storage: target.options });
    await table.write(rows("a", 0, 6)); // version 1
    const updated = await table.update({ where: "id = 1", set: { id: "id + 100" } }); // version 2
    expect(updated.version).toBe(2);
    expect(updated.metrics).toMatchObject({ numUpdatedRows: 1 });
    expect(await ids(table)).toEqual([0, 2, 3, 4, 5, 101]);
    const merged = await (
      await table.refresh()
    )
      .merge(
        [
          { id: 2n, p: "b" },
          { id: 50n, p: "c" },
        ],
        { on: "target.id = source.id" },
      )
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .execute(); // version 3
    expect(merged.version).toBe(3);
    expect(merged.metrics).toMatchObject({ numTargetRowsUpdated: 1, numTargetRowsInserted: 1 });
    const latest = await table.refresh();
    const t = await latest.toArrow({ columns: ["id", "p"] });
    const got = Array.from({ length: t.numRows }, (_, i) => `${t.getChild("id")!.get(i)}${t.getChild("p")!.get(i)}`).sort();
    expect(got).toEqual(["0a", "101a", "2b", "3a", "4a", "50c", "5a"]);
    const changes = await changeRows(latest.changes({ startingVersion: 2 }));
    expect(changes).toEqual(
      ["1:update_preimage@2", "101:update_postimage@2", "2:update_preimage@3", "2:update_postimage@3", "50:insert@3"].sort(),
    );
    await latest.store.close?.();
  });
});
