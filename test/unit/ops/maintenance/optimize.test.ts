/**
 * OPTIMIZE by bin-packing through the facade, on the memory store and local disk: which files are
 * merged and which stay, rows and partitions kept, the commit's shape (`dataChange: false`,
 * Spark's operation parameters), concurrency (an append racing it is fine, a delete of a file it
 * compacts fails typed), deletion vectors applied, and refusals and aborts leaving the table as it was.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createEngine } from "../../../../src/engine/index.js";
import { InvalidOptimizeOptionError, OptimizePredicateError } from "../../../../src/errors/optimize-errors.js";
import { ConcurrentDeleteReadError } from "../../../../src/errors/txn-errors.js";
import { loadSnapshot } from "../../../../src/log/snapshot.js";
import { optimizeTable, type OptimizeProgress } from "../../../../src/ops/maintenance/optimize.js";
import type { StructField, StructType } from "../../../../src/schema/types.js";
import { LocalStore } from "../../../../src/storage/local-store.js";
import { DeltaTable } from "../../../../src/table/delta-table.js";
import { canonicalRows } from "../../../helpers/arrow-rows.js";
import { hasShared, TABLES_DIR } from "../../../helpers/shared-data.js";
import { cleanupTempTables, copyTableToTemp } from "../../../helpers/temp-table.js";
import {
  actionsOf,
  activePaths,
  expectRefusedCleanly,
  memoryUrl,
  removeTempDirs,
  storeKeys,
  tempTableDir,
} from "../../../helpers/write-tables.js";

afterAll(() => {
  removeTempDirs();
  cleanupTempTables();
});

const f = (name: string, type: StructField["type"]): StructField => ({ name, type, nullable: true, metadata: {} });
const SCHEMA: StructType = { type: "struct", fields: [f("id", "long"), f("p", "string"), f("v", "string")] };

/** Rows `{id, p, v}` for ids `from` .. `from + count - 1`, all in partition `p`. */
const rows = (p: string | null, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: BigInt(from + i), p, v: `v${from + i}` }));

async function allRows(table: DeltaTable): Promise<string[]> {
  return canonicalRows(await (await table.refresh()).toArrow());
}

/** A table partitioned by `p`: one large file in `a` (5,000 rows), then `small` one-append files of 3 rows in `a` and in `b`. */
async function fragmentedTable(url: string, small = 3): Promise<{ table: DeltaTable; largePath: string }> {
  let table = await DeltaTable.create(url, { schema: SCHEMA, partitionBy: ["p"] });
  await table.write(rows("a", 100_000, 5000));
  table = await table.refresh();
  const largePath = activePaths(table)[0]!;
  for (let i = 0; i < small; i++) {
    await table.write(rows("a", i * 10, 3));
    await table.write(rows("b", 1000 + i * 10, 3));
  }
  return { table: await table.refresh(), largePath };
}

/** Size of the large file: files smaller than it are compaction candidates. */
function sizeOf(table: DeltaTable, path: string): number {
  return Array.from(table.addActions()).find((a) => a.path === path)!.size;
}

describe("bin-packing", () => {
  it.each([
    ["memory", () => memoryUrl("optimize")],
    ["local", () => tempTableDir()],
  ])("merges the small files of each partition and leaves the large one (%s store)", async (_name, makeUrl) => {
    const { table, largePath } = await fragmentedTable(makeUrl());
    const before = await allRows(table);
    const smallPaths = activePaths(table).filter((p) => p !== largePath);
    const metrics = await table.optimize({ minFileSize: sizeOf(table, largePath), targetSize: 64 * 1024 * 1024 });
    const after = await table.refresh();

    expect(metrics).toMatchObject({
      committed: true,
      version: table.version + 1,
      numFilesRemoved: 6,
      numFilesAdded: 2,
      partitionsOptimized: 2,
    });
    expect(metrics).toMatchObject({ totalConsideredFiles: 7, totalFilesSkipped: 1, preserveInsertionOrder: true, numRowsRewritten: 18 });
    expect(metrics.filesRemoved).toMatchObject({ totalFiles: 6 });
    expect(metrics.filesAdded.totalFiles).toBe(2);
    expect(await allRows(after)).toEqual(before);
    const active = activePaths(after);
    expect(active).toContain(largePath);
    for (const p of smallPaths) expect(active).not.toContain(p);
    // one file per partition besides the large one, each with its partition's values
    const added = Array.from(after.addActions()).filter((a) => a.path !== largePath);
    expect(added.map((a) => a.partitionValues).sort((x, y) => String(x.p).localeCompare(String(y.p)))).toEqual([{ p: "a" }, { p: "b" }]);
    for (const add of added) expect(JSON.parse(add.stats!)).toMatchObject({ numRecords: 9 });
    // partition values live in the log only, never in the rewritten data files
    const info = await createEngine(after.store).parquet.readInfo(after.store, decodeURIComponent(added[0]!.path));
    expect(info.schema.fields.map((x) => x.name)).toEqual(["id", "v"]);
  });

  it("keeps a null partition's values and rows", async () => {
    let table = await DeltaTable.create(memoryUrl("optimize-null"), { schema: SCHEMA, partitionBy: ["p"] });
    for (let i = 0; i < 3; i++) await table.write([...rows(null, i * 10, 2), ...rows("x", 500 + i * 10, 2)]);
    table = await table.refresh();
    const before = await allRows(table);
    const metrics = await table.optimize({ where: "p IS NULL" });
    expect(metrics).toMatchObject({ numFilesRemoved: 3, numFilesAdded: 1, partitionsOptimized: 1 });
    const after = await table.refresh();
    expect(await allRows(after)).toEqual(before);
    const nullFiles = Array.from(after.addActions()).filter((a) => a.partitionValues.p === null);
    expect(nullFiles).toHaveLength(1);
    expect(Array.from(after.addActions()).filter((a) => a.partitionValues.p === "x")).toHaveLength(3);
  });

  it("commits removes and adds with dataChange false and Spark's OPTIMIZE commitInfo", async () => {
    const { table, largePath } = await fragmentedTable(memoryUrl("optimize-commit"));
    const metrics = await table.optimize({ minFileSize: sizeOf(table, largePath) });
    const [info] = await actionsOf(table.store, metrics.version, "commitInfo");
    expect(info).toMatchObject({
      operation: "OPTIMIZE",
      operationParameters: { predicate: "[]", zOrderBy: "[]", clusterBy: "[]", auto: "false" },
      isolationLevel: "SnapshotIsolation",
      isBlindAppend: false,
      readVersion: table.version,
    });
    expect((info!.operationMetrics as Record<string, string>).numRemovedFiles).toBe("6");
    expect((info!.operationMetrics as Record<string, string>).numAddedFiles).toBe("2");
    const removes = await actionsOf(table.store, metrics.version, "remove");
    const adds = await actionsOf(table.store, metrics.version, "add");
    expect(removes).toHaveLength(6);
    expect(adds).toHaveLength(2);
    for (const action of [...removes, ...adds]) expect(action.dataChange).toBe(false);
  });

  it("restricts itself to the partitions `where` selects, recording the predicate", async () => {
    const { table, largePath } = await fragmentedTable(memoryUrl("optimize-where"));
    const bFiles = activePaths(table).filter((p) => p.startsWith("p=b/"));
    const metrics = await table.optimize({ where: "p = 'a'", minFileSize: sizeOf(table, largePath) });
    expect(metrics).toMatchObject({ numFilesRemoved: 3, numFilesAdded: 1, totalConsideredFiles: 4, partitionsOptimized: 1 });
    const after = await table.refresh();
    for (const p of bFiles) expect(activePaths(after)).toContain(p);
    const [info] = await actionsOf(table.store, metrics.version, "commitInfo");
    const predicate = JSON.parse((info!.operationParameters as Record<string, string>).predicate!) as string[];
    expect(predicate).toHaveLength(1);
    expect(predicate[0]).toMatch(/p\W*=\W*'a'/);
  });

  it("refuses a `where` on a data column, typed, and changes nothing", async () => {
    const { table } = await fragmentedTable(memoryUrl("optimize-where-data"));
    const err = await expectRefusedCleanly(table, () => table.optimize({ where: "id > 5" }), OptimizePredicateError, { column: "id" });
    expect(err.partitionColumns).toEqual(["p"]);
  });

  it.each([
    [{ targetSize: 0 }, "targetSize"],
    [{ maxConcurrency: -1 }, "maxConcurrency"],
    [{ minFileSize: Number.NaN }, "minFileSize"],
  ])("refuses invalid options %o typed", async (options, option) => {
    const { table } = await fragmentedTable(memoryUrl("optimize-options"), 1);
    await expectRefusedCleanly(table, () => table.optimize(options), InvalidOptimizeOptionError, { option });
  });

  it("compacts a row-tracking table, each row keeping its row ID and commit version (was refused before issue 13)", async () => {
    let table = await DeltaTable.create(memoryUrl("optimize-row-tracking"), {
      schema: SCHEMA,
      properties: { "delta.enableRowTracking": "true" },
    });
    await table.write(rows("a", 0, 3));
    await table.write(rows("a", 10, 3));
    table = await table.refresh();
    const tracked = async (t: DeltaTable) => {
      const arrow = await t.toArrow({ rowTracking: true });
      return Array.from({ length: arrow.numRows }, (_, i) => {
        const m = arrow.getChild("_metadata")!.get(i) as { row_id: bigint; row_commit_version: bigint };
        return [Number(arrow.getChild("id")!.get(i)), Number(m.row_id), Number(m.row_commit_version)];
      }).sort((x, y) => x[0]! - y[0]!);
    };
    const before = await tracked(table);
    const metrics = await optimizeTable({ engine: table.engine }, table.snapshot);
    expect(metrics).toMatchObject({ committed: true, numFilesRemoved: 2, numFilesAdded: 1 });
    const after = await table.refresh();
    expect(await tracked(after)).toEqual(before);
    // the new file gets fresh default IDs above the old ones; its materialized columns hold the old ones
    expect(Array.from(after.addActions(), (a) => [a.baseRowId, a.defaultRowCommitVersion])).toEqual([[6, metrics.version]]);
  });

  it("commits nothing when every partition has at most one small file", async () => {
    const { table, largePath } = await fragmentedTable(memoryUrl("optimize-noop"), 1);
    const keys = await storeKeys(table.store);
    const metrics = await table.optimize({ minFileSize: sizeOf(table, largePath) });
    expect(metrics).toMatchObject({
      committed: false,
      version: table.version,
      numFilesAdded: 0,
      numFilesRemoved: 0,
      totalConsideredFiles: 3,
      totalFilesSkipped: 3,
    });
    expect(await storeKeys(table.store)).toEqual(keys);
  });

  it("splits a partition's small files into bins of at most the target size", async () => {
    let table = await DeltaTable.create(memoryUrl("optimize-bins"), { schema: SCHEMA });
    for (let i = 0; i < 6; i++) await table.write(rows(null, i * 100, 50));
    table = await table.refresh();
    const size = Array.from(table.addActions())[0]!.size;
    const before = await allRows(table);
    // each bin fits two files: three bins of two, rewritten two at a time
    const progress: OptimizeProgress[] = [];
    const metrics = await table.optimize({
      targetSize: size * 2 + 1,
      minFileSize: size * 10,
      maxConcurrency: 2,
      onProgress: (p) => progress.push(p),
    });
    expect(metrics).toMatchObject({ numFilesRemoved: 6, partitionsOptimized: 1 });
    expect(progress.map((p) => p.binsDone)).toEqual([1, 2, 3]);
    expect(progress.at(-1)).toMatchObject({ binsTotal: 3, filesRemoved: 6, filesAdded: metrics.numFilesAdded });
    expect(metrics.numFilesAdded).toBeGreaterThanOrEqual(3);
    expect(await allRows(table)).toEqual(before);
  });
});

describe("concurrency", () => {
  it("succeeds when an append commits between its read and its commit", async () => {
    const { table, largePath } = await fragmentedTable(memoryUrl("optimize-append"));
    const engine = createEngine(table.store);
    const read = await loadSnapshot(engine);
    await table.write(rows("a", 50_000, 4));
    const expected = await allRows(table);
    const metrics = await optimizeTable({ engine }, read, { minFileSize: sizeOf(table, largePath) });
    expect(metrics).toMatchObject({ committed: true, version: read.version + 2, numFilesRemoved: 6 });
    expect(await allRows(table)).toEqual(expected);
  });

  it("fails typed when a file it compacts was removed concurrently, and no row comes back", async () => {
    const { table, largePath } = await fragmentedTable(memoryUrl("optimize-delete"));
    const engine = createEngine(table.store);
    const read = await loadSnapshot(engine);
    // a concurrent overwrite of partition a removes the files being compacted there
    await table.write(rows("a", 70_000, 2), { mode: "overwrite", replaceWhere: "p = 'a'" });
    const winner = await table.refresh();
    const expected = await allRows(winner);
    const keys = await storeKeys(table.store);
    const promise = optimizeTable({ engine }, read, { minFileSize: sizeOf(table, largePath) });
    await expect(promise).rejects.toBeInstanceOf(ConcurrentDeleteReadError);
    await expect(promise).rejects.toMatchObject({ winningVersion: winner.version });
    const after = await table.refresh();
    expect(after.version).toBe(winner.version);
    expect(await allRows(after)).toEqual(expected);
    const ids = canonicalRows(await after.toArrow(), ["id"]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(await storeKeys(table.store)).toEqual(keys); // its new files were deleted
  });
});

describe("deletion vectors and aborts", () => {
  it.skipIf(!hasShared(TABLES_DIR))("applies the deletion vector of a rewritten file", async () => {
    const dir = copyTableToTemp(`${TABLES_DIR}/table-with-dv-small`);
    const table = await DeltaTable.open(dir, { store: new LocalStore(dir) });
    const before = await allRows(table);
    expect(before).toHaveLength(8);
    const metrics = await table.optimize();
    expect(metrics).toMatchObject({
      committed: true,
      numFilesRemoved: 1,
      numFilesAdded: 1,
      numDeletionVectorsRemoved: 1,
      numRowsRewritten: 8,
    });
    const after = await table.refresh();
    expect(await allRows(after)).toEqual(before);
    const [add] = Array.from(after.addActions());
    expect(add!.deletionVector).toBeUndefined();
    expect(JSON.parse(add!.stats!)).toMatchObject({ numRecords: 8, minValues: { value: 1 }, maxValues: { value: 8 }, tightBounds: true });
    const [remove] = await actionsOf(table.store, metrics.version, "remove");
    expect(remove).toMatchObject({ dataChange: false, deletionVector: { cardinality: 2 } });
  });

  it("leaves the table unchanged when aborted after the first bin", async () => {
    const { table, largePath } = await fragmentedTable(memoryUrl("optimize-abort"));
    const controller = new AbortController();
    const keys = await storeKeys(table.store);
    const promise = table.optimize({
      minFileSize: sizeOf(table, largePath),
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(promise).rejects.toMatchObject({ name: "AbortError" });
    expect((await table.refresh()).version).toBe(table.version);
    expect(await storeKeys(table.store)).toEqual(keys);
  });

  it("writes nothing when the signal has already fired", async () => {
    const { table } = await fragmentedTable(memoryUrl("optimize-aborted"), 2);
    const keys = await storeKeys(table.store);
    await expect(table.optimize({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: "AbortError" });
    expect(await storeKeys(table.store)).toEqual(keys);
  });
});

describe("column mapping", () => {
  it("keeps physical column names in the rewritten files", async () => {
    let table = await DeltaTable.create(memoryUrl("optimize-cm"), {
      schema: SCHEMA,
      partitionBy: ["p"],
      properties: { "delta.columnMapping.mode": "name" },
    });
    for (let i = 0; i < 3; i++) await table.write(rows("a", i * 10, 3));
    table = await table.refresh();
    const before = await allRows(table);
    const metrics = await table.optimize();
    expect(metrics).toMatchObject({ numFilesRemoved: 3, numFilesAdded: 1 });
    const after = await table.refresh();
    expect(await allRows(after)).toEqual(before);
    const [add] = Array.from(after.addActions());
    const physical = after.schema.fields.find((x) => x.name === "v")!.metadata["delta.columnMapping.physicalName"] as string;
    expect(physical).toMatch(/^col-/);
    expect(Object.keys(JSON.parse(add!.stats!).minValues as object)).toContain(physical);
    const info = await createEngine(after.store).parquet.readInfo(after.store, decodeURIComponent(add!.path));
    expect(info.schema.fields.map((x) => x.name)).toContain(physical);
  });
});
