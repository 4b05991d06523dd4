/**
 * DELETE through the facade on the memory store: copy-on-write and deletion vectors, partitioned
 * and not, metadata-only deletes (no data file touched), predicates matching nothing (no commit,
 * as Spark skips empty commits), the commit's shape (operation, predicate, metrics), merging with
 * an existing vector of a Spark-written table, and concurrency (a conflicting delete fails typed,
 * a blind append does not).
 */
import { afterAll, describe, expect, it } from "vitest";
import { createEngine } from "../../../../src/engine/index.js";
import { ConcurrentAppendError, ConcurrentDeleteReadError } from "../../../../src/errors/txn-errors.js";
import { loadSnapshot } from "../../../../src/log/snapshot.js";
import { deleteRows } from "../../../../src/ops/row-level/delete.js";
import type { StructField, StructType } from "../../../../src/schema/types.js";
import { CountingStore } from "../../../../src/storage/counting-store.js";
import { MemoryStore } from "../../../../src/storage/memory-store.js";
import { DeltaTable } from "../../../../src/table/delta-table.js";
import { canonicalRows } from "../../../helpers/arrow-rows.js";
import { hasShared, TABLES_DIR } from "../../../helpers/shared-data.js";
import { cleanupTempTables, copyTableToTemp } from "../../../helpers/temp-table.js";
import { actionsOf, activePaths, storeKeys } from "../../../helpers/write-tables.js";

afterAll(() => cleanupTempTables());

const f = (name: string, type: StructField["type"]): StructField => ({ name, type, nullable: true, metadata: {} });
const SCHEMA: StructType = { type: "struct", fields: [f("id", "long"), f("p", "string"), f("v", "string")] };
const rows = (p: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: BigInt(from + i), p, v: `v${from + i}` }));

async function ids(table: DeltaTable): Promise<number[]> {
  const t = await (await table.refresh()).toArrow({ columns: ["id"] });
  return Array.from(t.getChild("id")!.toArray() as BigInt64Array, Number).sort((a, b) => a - b);
}

/** A table with three files: ids 0-9 in p=a, 10-19 in p=a, 20-29 in p=b. */
async function threeFiles(options: {
  partitioned: boolean;
  dv?: boolean;
  cdf?: boolean;
}): Promise<{ table: DeltaTable; store: MemoryStore }> {
  const store = new MemoryStore();
  const properties: Record<string, string> = {};
  if (options.dv) properties["delta.enableDeletionVectors"] = "true";
  if (options.cdf) properties["delta.enableChangeDataFeed"] = "true";
  const table = await DeltaTable.create(store.rootUrl, {
    schema: SCHEMA,
    partitionBy: options.partitioned ? ["p"] : [],
    properties,
    store,
  });
  await table.write(rows("a", 0, 10));
  await table.write(rows("a", 10, 10));
  await table.write(rows("b", 20, 10));
  return { table: await table.refresh(), store };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe.each([false, true])("delete (partitioned: %s)", (partitioned) => {
  it("copy-on-write rewrites only the file holding matching rows and commits DELETE with Spark's parameters", async () => {
    const { table, store } = await threeFiles({ partitioned });
    const before = activePaths(table);
    const touched = table.matchingAddActions("id >= 12 AND id < 15").map((a) => a.path);
    expect(touched).toHaveLength(1);
    const result = await table.delete("id >= 12 AND id < 15");
    expect(result.version).toBe(4);
    expect(await ids(table)).toEqual([...range(0, 12), ...range(15, 30)]);
    expect(result.metrics).toMatchObject({
      numDeletedRows: 3,
      numCopiedRows: 7,
      numRemovedFiles: 1,
      numAddedFiles: 1,
      numDeletionVectorsAdded: 0,
      numAddedChangeFiles: 0,
    });
    const after = activePaths(await table.refresh());
    expect(after.filter((p) => before.includes(p)).sort()).toEqual(before.filter((p) => p !== touched[0]).sort());
    const [info] = await actionsOf(store, 4, "commitInfo");
    expect(info).toMatchObject({
      operation: "DELETE",
      operationParameters: { predicate: '["id >= 12 AND id < 15"]' },
      isBlindAppend: false,
      readVersion: 3,
    });
    expect((info!.operationMetrics as Record<string, string>).numDeletedRows).toBe("3");
  });

  it("deletion vectors mark the rows instead of rewriting, and a second delete merges with the vector", async () => {
    const { table, store } = await threeFiles({ partitioned, dv: true });
    const first = await table.delete("id = 12 OR id = 14");
    expect(first.metrics).toMatchObject({
      numDeletedRows: 2,
      numCopiedRows: 0,
      numAddedFiles: 0,
      numRemovedFiles: 0,
      numDeletionVectorsAdded: 1,
    });
    const [added] = await actionsOf(store, 4, "add");
    const [removed] = await actionsOf(store, 4, "remove");
    expect(added!.path).toBe(removed!.path);
    expect(added!.dataChange).toBe(true);
    expect(added!.stats).toContain('"tightBounds":false');
    expect(added!.deletionVector).toMatchObject({ storageType: "i", cardinality: 2 });
    const second = await table.delete("id = 13", { inlineDeletionVectorMaxBytes: 0 });
    expect(second.metrics).toMatchObject({ numDeletedRows: 1, numDeletionVectorsUpdated: 1, numDeletionVectorsAdded: 0 });
    const [readded] = await actionsOf(store, 5, "add");
    const [replaced] = await actionsOf(store, 5, "remove");
    expect(replaced!.deletionVector).toMatchObject({ storageType: "i", cardinality: 2 });
    expect(readded!.deletionVector).toMatchObject({ storageType: "u", cardinality: 3, offset: 1 });
    expect(await ids(table)).toEqual([...range(0, 12), ...range(15, 30)]);
    expect((await storeKeys(store)).filter((k) => /deletion_vector_[0-9a-f-]{36}\.bin$/.test(k))).toHaveLength(1);
  });

  it("removes a file whole, without a vector, when every live row matches", async () => {
    const { table } = await threeFiles({ partitioned, dv: true });
    const result = await table.delete("id >= 10 AND id < 20 AND v IS NOT NULL");
    expect(result.metrics).toMatchObject({ numDeletedRows: 10, numRemovedFiles: 1, numAddedFiles: 0, numDeletionVectorsAdded: 0 });
    expect(await ids(table)).toEqual([...range(0, 10), ...range(20, 30)]);
  });

  it("a predicate matching no row commits nothing", async () => {
    const { table } = await threeFiles({ partitioned, dv: true });
    const result = await table.delete("id = 5 AND v = 'nope'");
    expect(result.version).toBeUndefined();
    expect(result.metrics.numDeletedRows).toBe(0);
    expect((await table.refresh()).version).toBe(3);
  });

  it("without a predicate removes every file from metadata alone", async () => {
    const { table } = await threeFiles({ partitioned });
    const result = await table.delete();
    expect(result.metrics).toMatchObject({ numDeletedRows: 30, numRemovedFiles: 3, numAddedFiles: 0 });
    expect(await ids(table)).toEqual([]);
    expect((await (await table.refresh()).history({ limit: 1 }))[0]!.operationParameters).toEqual({ predicate: "[]" });
  });
});

describe("delete aborted", () => {
  it("rejects with the abort reason and leaves the table as it was", async () => {
    const { table } = await threeFiles({ partitioned: false, dv: true });
    const controller = new AbortController();
    controller.abort();
    await expect(table.delete("id = 3", { signal: controller.signal })).rejects.toThrow();
    expect((await table.refresh()).version).toBe(3);
    expect(await ids(table)).toEqual(range(0, 30));
  });
});

describe("delete on partition columns only", () => {
  it("removes whole files without reading or writing any data file", async () => {
    const { store } = await threeFiles({ partitioned: true, dv: true, cdf: true });
    const counting = new CountingStore(store);
    const table = await DeltaTable.open(store.rootUrl, { store: counting });
    counting.gets.length = 0;
    const result = await table.delete("p = 'a'");
    expect(result.metrics).toMatchObject({ numDeletedRows: 20, numRemovedFiles: 2, numAddedFiles: 0, numAddedChangeFiles: 0 });
    expect(counting.gets.filter((k) => !k.startsWith("_delta_log/"))).toEqual([]);
    expect(counting.counters.putStream).toBe(0);
    expect(await ids(table)).toEqual(range(20, 30));
  });
});

describe("delete under concurrency", () => {
  it("fails with ConcurrentDeleteReadError when a concurrent commit removed a file it reads, and commits nothing", async () => {
    const { table, store } = await threeFiles({ partitioned: true });
    const engine = createEngine(store);
    const stale = await loadSnapshot(engine);
    await table.delete("p = 'a'");
    await expect(deleteRows({ engine }, stale, "id = 12")).rejects.toBeInstanceOf(ConcurrentDeleteReadError);
    expect((await table.refresh()).version).toBe(4);
    expect(await ids(table)).toEqual(range(20, 30));
  });

  it("fails with ConcurrentAppendError when a concurrent delete rewrote a file its predicate could match (as Spark)", async () => {
    const { table, store } = await threeFiles({ partitioned: false });
    const engine = createEngine(store);
    const stale = await loadSnapshot(engine);
    await table.delete("id = 11");
    await expect(deleteRows({ engine }, stale, "id = 12")).rejects.toBeInstanceOf(ConcurrentAppendError);
    expect(await ids(table)).toEqual(range(0, 30).filter((i) => i !== 11));
  });

  it("commits after a concurrent blind append, keeping the appended rows", async () => {
    const { table, store } = await threeFiles({ partitioned: true, dv: true });
    const engine = createEngine(store);
    const stale = await loadSnapshot(engine);
    await table.write(rows("a", 100, 5));
    const result = await deleteRows({ engine }, stale, "id = 12");
    expect(result.version).toBe(5);
    expect(await ids(table)).toEqual([...range(0, 30).filter((i) => i !== 12), ...range(100, 105)]);
  });
});

describe.skipIf(!hasShared(TABLES_DIR))("delete on a Spark table with a deletion vector", () => {
  it("merges new deleted rows with the table's existing vector (table-with-dv-small)", async () => {
    const dir = copyTableToTemp(`${TABLES_DIR}/table-with-dv-small`);
    const table = await DeltaTable.open(dir);
    const before = canonicalRows(await table.toArrow());
    expect(before).toHaveLength(8);
    const result = await table.delete("value = 4");
    expect(result.metrics).toMatchObject({ numDeletedRows: 1, numDeletionVectorsUpdated: 1 });
    const after = await table.refresh();
    const add = [...after.addActions()][0]!;
    expect(add.deletionVector).toMatchObject({ cardinality: 3 });
    expect(canonicalRows(await after.toArrow())).toEqual(before.filter((r) => r !== '{"value":4}'));
  });
});
