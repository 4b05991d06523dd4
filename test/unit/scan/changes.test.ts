/**
 * The change data feed read through the facade on the memory store: inserts inferred from appends,
 * deletes from the change data files DELETE writes (copy-on-write and deletion vectors) and from
 * whole-file removes, the change columns' types and values, `columns`/`filter`, version and
 * timestamp ranges, and typed refusals (feed not enabled, a vacuumed file, a bad range).
 */
import { describe, expect, it } from "vitest";
import { Table, Type, type RecordBatch } from "apache-arrow";
import { ChangeDataFeedNotEnabledError, ChangeDataFileMissingError, ChangeDataVersionError } from "../../../src/errors/row-level-errors.js";
import type { StructField, StructType } from "../../../src/schema/types.js";
import { MemoryStore } from "../../../src/storage/memory-store.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { actionsOf, storeKeys } from "../../helpers/write-tables.js";

const f = (name: string, type: StructField["type"]): StructField => ({ name, type, nullable: true, metadata: {} });
const SCHEMA: StructType = { type: "struct", fields: [f("id", "long"), f("p", "string")] };
const rows = (p: string, from: number, count: number) => Array.from({ length: count }, (_, i) => ({ id: BigInt(from + i), p }));

async function collect(iterable: AsyncIterable<RecordBatch>): Promise<Table> {
  const batches = [];
  for await (const b of iterable) batches.push(b);
  return new Table(batches);
}

/** `id:type@version` strings, sorted. */
function changeRows(table: Table): string[] {
  const out: string[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const row = table.get(i)!;
    out.push(`${row.id}:${row._change_type}@${row._commit_version}`);
  }
  return out.sort();
}

/** v0 create, v1 ids 0-4 in a, v2 ids 10-12 in b, v3 delete id 3 (row level), v4 delete p = 'b' (whole files). */
async function cdfTable(dv: boolean): Promise<{ table: DeltaTable; store: MemoryStore }> {
  const store = new MemoryStore();
  const properties: Record<string, string> = { "delta.enableChangeDataFeed": "true" };
  if (dv) properties["delta.enableDeletionVectors"] = "true";
  const table = await DeltaTable.create(store.rootUrl, { schema: SCHEMA, partitionBy: ["p"], properties, store });
  await table.write(rows("a", 0, 5));
  await table.write(rows("b", 10, 3));
  await table.delete("id = 3");
  await table.delete("p = 'b'");
  return { table: await table.refresh(), store };
}

describe.each([false, true])("changes (deletion vectors: %s)", (dv) => {
  it("returns inserts, row-level deletes from change data files and inferred whole-file deletes", async () => {
    const { table, store } = await cdfTable(dv);
    const [cdc] = await actionsOf(store, 3, "cdc");
    expect(cdc).toMatchObject({ partitionValues: { p: "a" }, dataChange: false });
    expect(cdc!.path).toMatch(/^_change_data\/p=a\/cdc-[0-9a-f-]{36}\.c000\.snappy\.parquet$/);
    expect(await actionsOf(store, 4, "cdc")).toEqual([]);
    const changes = await collect(table.changes({ startingVersion: 0 }));
    expect(changes.schema.fields.map((x) => x.name)).toEqual(["id", "p", "_change_type", "_commit_version", "_commit_timestamp"]);
    expect(changes.schema.fields[3]!.type.typeId).toBe(Type.Int);
    expect(changes.schema.fields[4]!.type.typeId).toBe(Type.Timestamp);
    expect(changeRows(changes)).toEqual(
      [
        "0:insert@1",
        "1:insert@1",
        "2:insert@1",
        "3:insert@1",
        "4:insert@1",
        "10:insert@2",
        "11:insert@2",
        "12:insert@2",
        "3:delete@3",
        "10:delete@4",
        "11:delete@4",
        "12:delete@4",
      ].sort(),
    );
    const p = changes.getChild("p")!.toArray() as string[];
    expect(new Set(p)).toEqual(new Set(["a", "b"]));
  });

  it("honours columns, filter and a version range", async () => {
    const { table } = await cdfTable(dv);
    const deletes = await collect(
      table.changes({ startingVersion: 2, endingVersion: 3, columns: ["id"], filter: "_change_type = 'delete' OR id = 11" }),
    );
    expect(deletes.schema.fields.map((x) => x.name)).toEqual(["id", "_change_type", "_commit_version", "_commit_timestamp"]);
    expect(changeRows(deletes)).toEqual(["11:insert@2", "3:delete@3"]);
  });
});

describe("changes: time and refusals", () => {
  it("commit timestamps follow versions, and a starting timestamp picks the first commit at or after it", async () => {
    const { table } = await cdfTable(false);
    const all = await collect(table.changes({ startingVersion: 1 }));
    const byVersion = new Map<number, number>();
    for (let i = 0; i < all.numRows; i++) {
      const row = all.get(i)!;
      byVersion.set(Number(row._commit_version), Number(row._commit_timestamp));
    }
    const versions = [...byVersion.keys()].sort();
    for (let i = 1; i < versions.length; i++) expect(byVersion.get(versions[i]!)!).toBeGreaterThan(byVersion.get(versions[i - 1]!)!);
    const fromV3 = await collect(table.changes({ startingTimestamp: new Date(byVersion.get(3)!) }));
    expect(new Set(changeRows(fromV3).map((r) => r.split("@")[1]))).toEqual(new Set(["3", "4"]));
  });

  it("refuses a table without the change data feed", async () => {
    const store = new MemoryStore();
    const table = await DeltaTable.create(store.rootUrl, { schema: SCHEMA, store });
    await table.write(rows("a", 0, 2));
    await expect(collect(table.changes({ startingVersion: 0 }))).rejects.toBeInstanceOf(ChangeDataFeedNotEnabledError);
  });

  it("refuses when a file of the range was vacuumed, and a start after the latest version", async () => {
    const { table, store } = await cdfTable(false);
    const cdcKey = (await storeKeys(store)).find((k) => k.startsWith("_change_data/"))!;
    await store.delete(cdcKey);
    await expect(collect(table.changes({ startingVersion: 3 }))).rejects.toBeInstanceOf(ChangeDataFileMissingError);
    await expect(collect(table.changes({ startingVersion: 9 }))).rejects.toBeInstanceOf(ChangeDataVersionError);
  });
});
