/**
 * The row removal of a partial overwrite (`replaceWhere`), done with DELETE's pieces
 * (`src/ops/row-level/replace-where.ts`): rows already deleted by a deletion vector are not counted
 * again, and a data-column predicate copies the other rows of the files it touches.
 */
import { describe, expect, it } from "vitest";
import type { StructField, StructType } from "../../../../src/schema/types.js";
import { MemoryStore } from "../../../../src/storage/memory-store.js";
import { DeltaTable } from "../../../../src/table/delta-table.js";

const f = (name: string, type: StructField["type"]): StructField => ({ name, type, nullable: true, metadata: {} });
const SCHEMA: StructType = { type: "struct", fields: [f("id", "long"), f("p", "string"), f("v", "string")] };
const rows = (p: string, ...ids: number[]) => ids.map((id) => ({ id: BigInt(id), p, v: `v${id}` }));

async function ids(table: DeltaTable): Promise<number[]> {
  const t = await (await table.refresh()).toArrow({ columns: ["id"] });
  return Array.from(t.getChild("id")!.toArray() as BigInt64Array, Number).sort((a, b) => a - b);
}

/** A partitioned table with deletion vectors: ids 1-4 in p=a (id 2 deleted by a vector), 5-6 in p=b. */
async function tableWithVector(): Promise<DeltaTable> {
  const store = new MemoryStore();
  const table = await DeltaTable.create(store.rootUrl, {
    schema: SCHEMA,
    partitionBy: ["p"],
    properties: { "delta.enableDeletionVectors": "true" },
    store,
  });
  await table.write([...rows("a", 1, 2, 3, 4), ...rows("b", 5, 6)]);
  const deleted = await (await table.refresh()).delete("id = 2");
  expect(deleted.metrics.numDeletionVectorsAdded).toBe(1);
  return table.refresh();
}

describe("replaceWhere on a table with deletion vectors", () => {
  it("a partition-column predicate counts only the live rows of the files it removes", async () => {
    const table = await tableWithVector();
    const result = await table.write(rows("a", 10), { mode: "overwrite", replaceWhere: "p = 'a'" });
    expect(result.metrics).toMatchObject({ numRemovedFiles: 1, numDeletedRows: 3, numCopiedRows: 0 });
    expect(await ids(table)).toEqual([5, 6, 10]);
  });

  it("a data-column predicate copies the live rows it does not match and leaves deleted rows out", async () => {
    const table = await tableWithVector();
    const result = await table.write(rows("a", 3), { mode: "overwrite", replaceWhere: "id = 3" });
    expect(result.metrics).toMatchObject({ numRemovedFiles: 1, numDeletedRows: 1, numCopiedRows: 2 });
    expect(await ids(table)).toEqual([1, 3, 4, 5, 6]);
  });
});
