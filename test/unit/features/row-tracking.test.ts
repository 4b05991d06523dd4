/**
 * Row tracking (`rowTracking`): every added file gets `baseRowId` (after the high-water mark) and
 * `defaultRowCommitVersion` (its commit's version), the commit carries the `delta.rowTracking`
 * domain with the new `rowIdHighWaterMark`, a commit that loses a race re-assigns against the
 * winner instead of failing, and rows a replaceWhere copies keep their IDs (more rewrites in
 * row-tracking-rewrites.test.ts).
 */
import type { Table } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidOperationError } from "../../../src/errors/argument-errors.js";
import { writeTable } from "../../../src/ops/write/write-table.js";
import type { StructType } from "../../../src/schema/types.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { assignRowIds } from "../../../src/txn/row-tracking.js";
import { actionsOf, memoryUrl, removeTempDirs } from "../../helpers/write-tables.js";

afterAll(removeTempDirs);

/** [id, row_id, row_commit_version] per row, sorted by row_id. */
function metadataPairs(table: Table): Array<[string, number, number]> {
  const out: Array<[string, number, number]> = [];
  const ids = table.getChild("id")!;
  const meta = table.getChild("_metadata")!;
  for (let i = 0; i < table.numRows; i++) {
    const m = meta.get(i) as { row_id: bigint; row_commit_version: bigint };
    out.push([String(ids.get(i)), Number(m.row_id), Number(m.row_commit_version)]);
  }
  return out.sort((x, y) => x[1] - y[1]);
}

const SCHEMA: StructType = {
  type: "struct",
  fields: [
    { name: "id", type: "long", nullable: true, metadata: {} },
    { name: "day", type: "string", nullable: true, metadata: {} },
  ],
};
const rows = (n: number, day = "a", from = 0) => Array.from({ length: n }, (_, i) => ({ id: BigInt(from + i), day }));

async function trackedTable(partitionBy: string[] = []): Promise<DeltaTable> {
  return DeltaTable.create(memoryUrl("rowtracking"), { schema: SCHEMA, partitionBy, properties: { "delta.enableRowTracking": "true" } });
}

function rowIdsOf(adds: Array<Record<string, unknown>>): Array<[unknown, unknown, number]> {
  return adds.map((a) => [a.baseRowId, a.defaultRowCommitVersion, (JSON.parse(a.stats as string) as { numRecords: number }).numRecords]);
}

async function highWaterMark(table: DeltaTable, version: number): Promise<unknown> {
  const domains = await actionsOf(table.store, version, "domainMetadata");
  const d = domains.find((x) => x.domain === "delta.rowTracking");
  return d ? (JSON.parse(d.configuration as string) as { rowIdHighWaterMark: number }).rowIdHighWaterMark : undefined;
}

describe("row tracking", () => {
  it("creates the table with rowTracking + domainMetadata and names the materialized columns", async () => {
    const table = await trackedTable();
    expect(table.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ["domainMetadata", "rowTracking"] });
    expect(table.properties["delta.rowTracking.materializedRowIdColumnName"]).toMatch(/^_row-id-col-/);
    expect(table.properties["delta.rowTracking.materializedRowCommitVersionColumnName"]).toMatch(/^_row-commit-version-col-/);
  });

  it("assigns consecutive row ID ranges per file and commit, and records the high-water mark", async () => {
    const table = await trackedTable(["day"]);
    await table.write(rows(3, "a"));
    expect(rowIdsOf(await actionsOf(table.store, 1, "add"))).toEqual([[0, 1, 3]]);
    expect(await highWaterMark(table, 1)).toBe(2);
    await table.write([...rows(2, "b", 10), ...rows(4, "c", 20)]);
    const adds = rowIdsOf(await actionsOf(table.store, 2, "add"));
    expect(adds.map(([, v]) => v)).toEqual([2, 2]);
    const sorted = adds.map(([base, , n]) => [base as number, n]).sort((x, y) => x[0]! - y[0]!);
    expect(sorted[0]![0]).toBe(3);
    expect(sorted[1]![0]).toBe(3 + sorted[0]![1]!);
    expect(sorted[1]![0]! + sorted[1]![1]! - 1).toBe(8);
    expect(await highWaterMark(table, 2)).toBe(8);
  });

  it("a commit that loses the race re-assigns its row IDs after the winner's instead of failing", async () => {
    const table = await trackedTable();
    const stale = await DeltaTable.open(table.url, { store: table.store });
    await table.write(rows(5));
    const result = await writeTable(stale.engine, stale.snapshot, rows(2));
    expect(result.version).toBe(2);
    expect(result.commit?.attempts).toBe(2);
    expect(rowIdsOf(await actionsOf(table.store, 2, "add"))).toEqual([[5, 2, 2]]);
    expect(await highWaterMark(table, 2)).toBe(6);
  });

  it("gives a whole-table overwrite fresh row IDs", async () => {
    const table = await trackedTable();
    await table.write(rows(3));
    await table.write(rows(2), { mode: "overwrite" });
    expect(rowIdsOf(await actionsOf(table.store, 2, "add"))).toEqual([[3, 2, 2]]);
  });

  it("keeps the row IDs of the rows a replaceWhere copies (was refused before issue 13); written rows are new", async () => {
    const table = await trackedTable();
    await table.write(rows(4));
    const latest = await table.refresh();
    const result = await latest.write(rows(1, "a", 100), { mode: "overwrite", replaceWhere: "id >= 100 OR id = 0" });
    expect(result.metrics.numCopiedRows).toBe(3);
    const after = metadataPairs(await (await table.refresh()).toArrow({ rowTracking: true }));
    expect(after).toEqual([
      ["1", 1, 1],
      ["2", 2, 1],
      ["3", 3, 1],
      ["100", 4, 2],
    ]);
  });

  it("keeps row IDs and the high-water mark through a checkpoint", async () => {
    const table = await trackedTable();
    await table.write(rows(3));
    await table.write(rows(2));
    await (await table.refresh()).checkpoint();
    const reloaded = await DeltaTable.open(table.url, { store: table.store });
    expect(Array.from(reloaded.addActions(), (a) => [a.baseRowId, a.defaultRowCommitVersion]).sort()).toEqual([
      [0, 1],
      [3, 2],
    ]);
    await reloaded.write(rows(1));
    expect(rowIdsOf(await actionsOf(table.store, 3, "add"))).toEqual([[5, 3, 1]]);
  });

  it("reads _metadata.row_id and row_commit_version on request, also under a filter", async () => {
    const table = await trackedTable();
    await table.write(rows(3, "a", 0));
    await table.write(rows(2, "b", 10));
    const latest = await table.refresh();
    const all = await latest.toArrow({ rowTracking: true });
    const pairs = metadataPairs(all);
    expect(pairs).toEqual([
      ["0", 0, 1],
      ["1", 1, 1],
      ["2", 2, 1],
      ["10", 3, 2],
      ["11", 4, 2],
    ]);
    const filtered = metadataPairs(await latest.toArrow({ rowTracking: true, filter: "id >= 2", columns: ["id"] }));
    expect(filtered).toEqual([
      ["2", 2, 1],
      ["10", 3, 2],
      ["11", 4, 2],
    ]);
    // without the option the column is absent
    expect((await latest.toArrow()).schema.fields.map((f) => f.name)).toEqual(["id", "day"]);
  });

  it("keeps row IDs of the rows a deletion vector leaves (physical row index)", async () => {
    const table = await DeltaTable.create(memoryUrl("rowtracking-dv"), {
      schema: SCHEMA,
      properties: { "delta.enableRowTracking": "true", "delta.enableDeletionVectors": "true" },
    });
    await table.write(rows(4));
    await table.delete("id = 1 OR id = 2");
    const latest = await table.refresh();
    expect(metadataPairs(await latest.toArrow({ rowTracking: true }))).toEqual([
      ["0", 0, 1],
      ["3", 3, 1],
    ]);
  });

  it("refuses to read row IDs of a table without row tracking", async () => {
    const table = await DeltaTable.create(memoryUrl("no-rowtracking"), { schema: SCHEMA });
    await expect(table.toArrow({ rowTracking: true })).rejects.toBeInstanceOf(InvalidOperationError);
  });

  it("keeps the baseRowId of a re-added file and assigns none to it", () => {
    const add = (path: string, baseRowId?: number) => ({
      add: {
        path,
        partitionValues: {},
        size: 1,
        modificationTime: 0,
        dataChange: true,
        stats: '{"numRecords":4}',
        baseRowId,
        defaultRowCommitVersion: baseRowId === undefined ? undefined : 3,
      },
    });
    const out = assignRowIds([add("old", 10), add("new")], 7, 20);
    expect(out.map((a) => ("add" in a ? [a.add.path, a.add.baseRowId, a.add.defaultRowCommitVersion] : Object.keys(a)[0]))).toEqual([
      "domainMetadata",
      ["old", 10, 3],
      ["new", 21, 7],
    ]);
  });
});
