/**
 * Row tracking through rewrites (issue 13): delete (copy-on-write), update, merge, replaceWhere,
 * optimize and z-order keep every surviving row's row ID, and unchanged rows their commit
 * version, in the materialized columns of the new files; updated rows get the operation's
 * version, inserted rows fresh IDs; IDs stay unique and under the high-water mark. Run on a
 * memory store and on local disk.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Table } from "apache-arrow";
import { UnsupportedFeatureError } from "../../../src/errors/log-errors.js";
import type { Metadata } from "../../../src/log/actions.js";
import type { StructType } from "../../../src/schema/types.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { Transaction } from "../../../src/txn/transaction.js";
import { rowIdHighWaterMark, ROW_TRACKING_DOMAIN } from "../../../src/txn/row-tracking.js";
import { actionsOf, commitActions, expectRefusedCleanly, memoryUrl, removeTempDirs, tempTableDir } from "../../helpers/write-tables.js";

afterAll(removeTempDirs);

const SCHEMA: StructType = {
  type: "struct",
  fields: [
    { name: "id", type: "long", nullable: true, metadata: {} },
    { name: "v", type: "string", nullable: true, metadata: {} },
  ],
};
const ROW_ID = "delta.rowTracking.materializedRowIdColumnName";
const COMMIT_VERSION = "delta.rowTracking.materializedRowCommitVersionColumnName";

/** id → [row_id, row_commit_version, v] of every row. */
type Rows = Map<number, [rowId: number, version: number, v: string]>;

async function trackedRows(table: DeltaTable): Promise<Rows> {
  const arrow: Table = await table.toArrow({ rowTracking: true });
  const out: Rows = new Map();
  for (let i = 0; i < arrow.numRows; i++) {
    const m = arrow.getChild("_metadata")!.get(i) as { row_id: bigint; row_commit_version: bigint };
    out.set(Number(arrow.getChild("id")!.get(i)), [Number(m.row_id), Number(m.row_commit_version), String(arrow.getChild("v")!.get(i))]);
  }
  expect(out.size).toBe(arrow.numRows);
  return out;
}

const rows = (ids: number[], v: string) => ids.map((id) => ({ id: BigInt(id), v }));

const stores: Array<[string, () => string]> = [
  ["memory", () => memoryUrl("rt-rewrite")],
  ["local disk", () => tempTableDir()],
];

/** A row-tracking table written in three commits (one file each): ids 0-3, 10-12, 20-22. */
async function threeCommits(url: string, properties: Record<string, string> = {}): Promise<DeltaTable> {
  const table = await DeltaTable.create(url, { schema: SCHEMA, properties: { "delta.enableRowTracking": "true", ...properties } });
  await table.write(rows([0, 1, 2, 3], "a"));
  await table.write(rows([10, 11, 12], "b"));
  await table.write(rows([20, 21, 22], "c"));
  return table.refresh();
}

/**
 * The invariants after an operation committed `version`: rows in `changed` got the version (and
 * kept their ID when they existed), rows in `inserted` got fresh IDs above the old mark, every
 * other surviving row kept ID and version; IDs are unique; the mark covers them; a plain scan
 * shows only the table's columns; the commit says the IDs were preserved.
 */
async function expectPreserved(
  table: DeltaTable,
  before: Rows,
  version: number,
  expected: { changed?: number[]; inserted?: number[]; gone?: number[] },
): Promise<Rows> {
  const latest = await table.refresh();
  expect(latest.version).toBe(version);
  const after = await trackedRows(latest);
  const oldMark = Math.max(...[...before.values()].map(([id]) => id));
  for (const id of expected.gone ?? []) expect(after.has(id)).toBe(false);
  for (const [id, [rowId, commitVersion]] of after) {
    if (expected.inserted?.includes(id)) {
      expect(rowId).toBeGreaterThan(oldMark);
      expect(commitVersion).toBe(version);
    } else if (expected.changed?.includes(id)) {
      expect(rowId).toBe(before.get(id)![0]);
      expect(commitVersion).toBe(version);
    } else {
      expect([id, rowId, commitVersion]).toEqual([id, before.get(id)![0], before.get(id)![1]]);
    }
  }
  const ids = [...after.values()].map(([rowId]) => rowId);
  expect(new Set(ids).size).toBe(ids.length);
  expect(rowIdHighWaterMark(latest.snapshot.domains.get(ROW_TRACKING_DOMAIN))).toBeGreaterThanOrEqual(Math.max(...ids));
  expect((await latest.toArrow()).schema.fields.map((f) => f.name)).toEqual(latest.schema.fields.map((f) => f.name));
  const info = (await commitActions(latest.store, version)).find((a) => a.commitInfo)!.commitInfo!;
  expect(info.tags).toEqual({ "delta.rowTracking.preserved": "true" });
  return after;
}

/** The materialized column names each data file added in `version` holds (physical schema). */
async function materializedInFiles(table: DeltaTable, version: number): Promise<string[][]> {
  const names = [table.properties[ROW_ID]!, table.properties[COMMIT_VERSION]!];
  const adds = await actionsOf(table.store, version, "add");
  const out: string[][] = [];
  for (const add of adds) {
    const info = await table.engine.parquet.readInfo(table.store, decodeURIComponent(add.path as string));
    out.push(info.schema.fields.map((f) => f.name).filter((n) => names.includes(n)));
  }
  return out;
}

describe.each(stores)("row tracking through rewrites (%s)", (_, location) => {
  it("copy-on-write delete keeps the surviving rows' IDs and versions", async () => {
    const table = await threeCommits(location());
    const before = await trackedRows(table);
    const result = await table.delete("id = 1 OR id = 21");
    expect(result.metrics.numCopiedRows).toBe(5);
    await expectPreserved(table, before, result.version!, { gone: [1, 21] });
    const latest = await table.refresh();
    expect(await materializedInFiles(latest, result.version!)).toEqual([
      [latest.properties[ROW_ID], latest.properties[COMMIT_VERSION]],
      [latest.properties[ROW_ID], latest.properties[COMMIT_VERSION]],
    ]);
  });

  it("update keeps the rows' IDs; updated rows get the update's version", async () => {
    const table = await threeCommits(location());
    const before = await trackedRows(table);
    const result = await table.update({ where: "id = 11", set: { v: "'x'" } });
    const after = await expectPreserved(table, before, result.version!, { changed: [11] });
    expect(after.get(11)![2]).toBe("x");
  });

  it("update with deletion vectors gives the updated rows' new file their IDs", async () => {
    const table = await threeCommits(location(), { "delta.enableDeletionVectors": "true" });
    const before = await trackedRows(table);
    const result = await table.update({ where: "id = 2 OR id = 22", set: { v: "'x'" } });
    expect(result.metrics.numDeletionVectorsAdded).toBe(2);
    await expectPreserved(table, before, result.version!, { changed: [2, 22] });
  });

  it("merge keeps matched rows' IDs, deletes, and gives inserted rows fresh IDs", async () => {
    const table = await threeCommits(location());
    const before = await trackedRows(table);
    const source = [...rows([12], "m"), ...rows([20], "d"), ...rows([99, 98], "new")];
    const result = await table
      .merge(source, { on: "target.id = source.id" })
      .whenMatchedDelete({ where: "source.v = 'd'" })
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .execute();
    expect(result.metrics).toMatchObject({ numTargetRowsUpdated: 1, numTargetRowsDeleted: 1, numTargetRowsInserted: 2 });
    const after = await expectPreserved(table, before, result.version!, { changed: [12], inserted: [98, 99], gone: [20] });
    expect(after.get(12)![2]).toBe("m");
  });

  it("replaceWhere keeps the copied rows' IDs; the written rows are new", async () => {
    const table = await threeCommits(location());
    const before = await trackedRows(table);
    const result = await table.write(rows([2], "r"), { mode: "overwrite", replaceWhere: "id = 2" });
    expect(result.metrics.numCopiedRows).toBe(3);
    await expectPreserved(table, before, result.version, { inserted: [2] });
  });

  it.each([
    ["bin-packing", {}],
    ["z-order", { zOrderBy: ["v", "id"] }],
  ])("optimize (%s) keeps every row's ID and version", async (_, options) => {
    const table = await threeCommits(location());
    const before = await trackedRows(table);
    const metrics = await table.optimize(options);
    expect(metrics).toMatchObject({ committed: true, numFilesRemoved: 3, numFilesAdded: 1 });
    await expectPreserved(table, before, metrics.version, {});
  });

  it("carries IDs through a chain of rewrites (update, optimize, delete) and later appends stay unique", async () => {
    const table = await threeCommits(location());
    const first = await trackedRows(table);
    const updated = await table.update({ where: "id = 10", set: { v: "'u'" } });
    const afterUpdate = await expectPreserved(table, first, updated.version!, { changed: [10] });
    const optimized = await table.optimize();
    const afterOptimize = await expectPreserved(table, afterUpdate, optimized.version, {});
    // the optimized file's materialized columns are read back: the update's version survives
    expect(afterOptimize.get(10)![1]).toBe(updated.version);
    const deleted = await table.delete("id = 0");
    await expectPreserved(table, afterOptimize, deleted.version!, { gone: [0] });
    await table.write(rows([50, 51], "z"));
    const final = await trackedRows(await table.refresh());
    const ids = [...final.values()].map(([rowId]) => rowId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(final.get(10)![0]).toBe(first.get(10)![0]);
  });
});

describe("row tracking through rewrites: table states", () => {
  it("names the materialized columns in the commit when an enabled table lacks them", async () => {
    const table = await threeCommits(memoryUrl("rt-unnamed"));
    // a table enabled by a writer that did not name the columns (the protocol requires them; be lenient)
    const configuration = { ...table.snapshot.metadata.configuration };
    delete configuration[ROW_ID];
    delete configuration[COMMIT_VERSION];
    const txn = new Transaction(table.engine, table.snapshot);
    txn.setMetadata({ ...table.snapshot.metadata, configuration } as Metadata);
    await txn.commit({ operation: "SET TBLPROPERTIES" });
    const unnamed = await table.refresh();
    expect(unnamed.properties[ROW_ID]).toBeUndefined();
    const before = await trackedRows(unnamed);
    const metrics = await unnamed.optimize();
    const metaData = (await actionsOf(unnamed.store, metrics.version, "metaData"))[0]!;
    const named = (metaData.configuration as Record<string, string>)[ROW_ID]!;
    expect(named).toMatch(/^_row-id-col-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((metaData.configuration as Record<string, string>)[COMMIT_VERSION]).toMatch(/^_row-commit-version-col-/);
    await expectPreserved(unnamed, before, metrics.version, {});
  });

  it("column mapping, partitions and change data: IDs kept, change data files without the row tracking columns", async () => {
    const schema: StructType = {
      type: "struct",
      fields: [...SCHEMA.fields, { name: "day", type: "string", nullable: true, metadata: {} }],
    };
    const table = await DeltaTable.create(memoryUrl("rt-cm"), {
      schema,
      partitionBy: ["day"],
      properties: { "delta.enableRowTracking": "true", "delta.columnMapping.mode": "name", "delta.enableChangeDataFeed": "true" },
    });
    await table.write([...rows([0, 1], "a").map((r) => ({ ...r, day: "d1" })), ...rows([2, 3], "a").map((r) => ({ ...r, day: "d2" }))]);
    await table.write(rows([10, 11], "b").map((r) => ({ ...r, day: "d1" })));
    const tracked = await table.refresh();
    const before = await trackedRows(tracked);
    const result = await tracked.update({ where: "id = 1 OR id = 3", set: { v: "'x'", day: "'d3'" } });
    const after = await expectPreserved(tracked, before, result.version!, { changed: [1, 3] });
    expect([after.get(1)![2], after.get(3)![2]]).toEqual(["x", "x"]);
    const latest = await tracked.refresh();
    const both = [latest.properties[ROW_ID], latest.properties[COMMIT_VERSION]];
    // each rewritten file (per source file: its kept rows in d1/d2, its updated row in d3) holds both columns
    expect(await materializedInFiles(latest, result.version!)).toEqual([both, both, both, both]);
    const cdcs = await actionsOf(tracked.store, result.version!, "cdc");
    expect(cdcs.length).toBeGreaterThan(0);
    for (const cdc of cdcs) {
      const info = await tracked.engine.parquet.readInfo(tracked.store, decodeURIComponent(cdc.path as string));
      expect(info.schema.fields.some((f) => f.name.startsWith("_row-"))).toBe(false);
    }
    const changes: string[] = [];
    for await (const batch of (await tracked.refresh()).changes({ startingVersion: result.version! })) {
      expect(batch.schema.fields.map((f) => f.name)).toEqual(["id", "v", "day", "_change_type", "_commit_version", "_commit_timestamp"]);
      for (let i = 0; i < batch.numRows; i++) changes.push(`${batch.getChild("id")!.get(i)}:${batch.getChild("_change_type")!.get(i)}`);
    }
    expect(changes.sort()).toEqual(["1:update_postimage", "1:update_preimage", "3:update_postimage", "3:update_preimage"]);
  });

  it("a table that only supports row tracking is optimized with fresh IDs and no materialized columns", async () => {
    const table = await DeltaTable.create(memoryUrl("rt-supported"), {
      schema: SCHEMA,
      properties: { "delta.feature.rowTracking": "supported" },
    });
    await table.write(rows([0, 1], "a"));
    await table.write(rows([2, 3], "b"));
    const latest = await table.refresh();
    expect(latest.protocol.writerFeatures).toContain("rowTracking");
    const metrics = await latest.optimize();
    expect(metrics.committed).toBe(true);
    const adds = await actionsOf(latest.store, metrics.version, "add");
    expect(adds.map((a) => [a.baseRowId, a.defaultRowCommitVersion])).toEqual([[4, metrics.version]]);
    const info = await latest.engine.parquet.readInfo(latest.store, decodeURIComponent(adds[0]!.path as string));
    expect(info.schema.fields.map((f) => f.name)).toEqual(["id", "v"]);
  });

  it("refuses a commit that moves rows without saying how their row IDs were handled, writing nothing", async () => {
    const table = await threeCommits(memoryUrl("rt-guard"));
    const [first, second] = [...table.addActions()];
    const txn = new Transaction(table.engine, table.snapshot);
    txn.removeFiles([{ path: first!.path, deletionTimestamp: 0, dataChange: true }]);
    txn.addFiles([{ ...second!, path: "moved.parquet", baseRowId: undefined, defaultRowCommitVersion: undefined }]);
    const err = await expectRefusedCleanly(table, () => txn.commit({ operation: "WRITE" }), UnsupportedFeatureError);
    expect(err.features).toEqual(["rowTracking"]);
  });
});
