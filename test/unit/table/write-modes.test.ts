/**
 * Write modes through the facade: append, overwrite, `replaceWhere` on partition and data
 * columns, `writeDeltaTable`'s modes on existing and missing tables, exactly-once application
 * transactions, and what each commit's `commitInfo` says.
 */
import { Int64, Struct, Utf8 } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidSchemaError } from "../../../src/errors/schema-errors.js";
import { CommitConflictError, ConcurrentTransactionError, TableExistsError, WriteRefusedError } from "../../../src/errors/txn-errors.js";
import { col } from "../../../src/expr/expression.js";
import type { StructField, StructType } from "../../../src/schema/types.js";
import { DeltaTable, writeDeltaTable } from "../../../src/table/delta-table.js";
import { columnCells } from "../../helpers/arrow-rows.js";
import { field, testTable } from "../../helpers/write-arrow.js";
import {
  actionsOf,
  activePaths,
  commitActions,
  dataFileKeys,
  expectRefusedCleanly,
  memoryUrl,
  removeTempDirs,
  storeKeys,
  tempTableDir,
} from "../../helpers/write-tables.js";

afterAll(removeTempDirs);

const f = (name: string, type: StructField["type"], nullable = true): StructField => ({ name, type, nullable, metadata: {} });
const SCHEMA: StructType = { type: "struct", fields: [f("id", "long"), f("p", "string"), f("v", "string")] };

/** Rows `{id, p, v}` for the given ids, all in partition `p`. */
const rowsIn = (p: string | null, ...ids: number[]) => ids.map((id) => ({ id: BigInt(id), p, v: `v${id}` }));

/** The latest version's ids (sorted) and their `v`s. */
async function contents(table: DeltaTable): Promise<Array<[number, string | null]>> {
  return contentsAt(await table.refresh());
}

/** The ids (sorted) and `v`s of the version `table` is at. */
async function contentsAt(table: DeltaTable): Promise<Array<[number, string | null]>> {
  const read = await table.toArrow();
  const ids = columnCells(read, "id") as string[];
  const vs = columnCells(read, "v") as Array<string | null>;
  return ids.map((id, i): [number, string | null] => [Number(id.slice(4)), vs[i] ?? null]).sort((a, b) => a[0] - b[0]);
}

/** Every `add.path` any commit of the table ever logged (decoded to store keys). */
async function everAddedPaths(table: DeltaTable): Promise<string[]> {
  const latest = await table.refresh();
  const out: string[] = [];
  for (let v = 0; v <= latest.version; v++)
    for (const add of await actionsOf(table.store, v, "add")) out.push(decodeURIComponent(add.path as string));
  return out;
}

async function partitionedTable(url = memoryUrl("modes")): Promise<DeltaTable> {
  const table = await DeltaTable.create(url, { schema: SCHEMA, partitionBy: ["p"] });
  await table.write([...rowsIn("a", 1, 2), ...rowsIn("b", 3, 4), ...rowsIn("c", 5), ...rowsIn(null, 6)]);
  return table.refresh();
}

describe("append and overwrite", () => {
  it.each([
    ["memory", () => memoryUrl("append")],
    ["local", () => tempTableDir()],
  ])("appends add rows and keep the old files (%s store)", async (_store, makeUrl) => {
    const table = await partitionedTable(makeUrl());
    const before = activePaths(table);
    const result = await table.write(rowsIn("a", 7));
    expect(result).toMatchObject({ version: 2, skipped: false, metrics: { numFiles: 1, numOutputRows: 1, numRemovedFiles: 0 } });
    const after = await table.refresh();
    expect(activePaths(after)).toEqual(expect.arrayContaining(before));
    expect(activePaths(after)).toHaveLength(before.length + 1);
    expect((await contents(table)).map(([id]) => id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("does not move the table object: write leaves it at its version until refresh", async () => {
    const table = await partitionedTable();
    await table.write(rowsIn("a", 9));
    expect(table.version).toBe(1);
    expect((await table.refresh()).version).toBe(2);
  });

  it.each([
    ["memory", () => memoryUrl("overwrite")],
    ["local", () => tempTableDir()],
  ])("overwrite replaces every row and logs a remove per old file (%s store)", async (_store, makeUrl) => {
    const table = await partitionedTable(makeUrl());
    const old = activePaths(table);
    const result = await table.write(rowsIn("z", 100), { mode: "overwrite" });
    expect(result.metrics).toMatchObject({ numFiles: 1, numOutputRows: 1, numRemovedFiles: old.length });
    expect(await contents(table)).toEqual([[100, "v100"]]);
    const removes = await actionsOf(table.store, result.version, "remove");
    expect(removes.map((r) => r.path).sort()).toEqual(old);
    for (const r of removes)
      expect(r).toMatchObject({
        dataChange: true,
        deletionTimestamp: expect.any(Number),
        extendedFileMetadata: true,
        size: expect.any(Number),
      });
    // the removed files stay in the store for time travel (vacuum deletes them)
    const keys = new Set(await storeKeys(table.store));
    for (const path of old) expect(keys.has(decodeURIComponent(path))).toBe(true);
    expect((await contentsAt(await table.loadVersion(1))).length).toBe(6);
  });

  it("overwrite with no rows empties the table", async () => {
    const table = await partitionedTable();
    const empty = testTable([
      [field("id", new Int64()), []],
      [field("p", new Utf8()), []],
      [field("v", new Utf8()), []],
    ]);
    const result = await table.write(empty, { mode: "overwrite" });
    expect(result.metrics).toMatchObject({ numFiles: 0, numOutputRows: 0, numRemovedFiles: 4 });
    expect(await contents(table)).toEqual([]);
    expect(activePaths(await table.refresh())).toEqual([]);
  });

  it("an append of no rows commits nothing", async () => {
    const table = await partitionedTable();
    const result = await table.write([]);
    expect(result.version).toBe(table.version);
    expect(result.commit).toBeUndefined();
    expect((await table.refresh()).version).toBe(table.version);
  });
});

describe("replaceWhere", () => {
  it.each([
    ["a SQL string", "p = 'b'"],
    ["an expression", col("p").eq("b")],
  ])("on a partition column replaces only that partition (%s)", async (_title, predicate) => {
    const table = await partitionedTable();
    const untouched = [...table.addActions()]
      .filter((a) => a.partitionValues.p !== "b")
      .map((a) => a.path)
      .sort();
    const replaced = [...table.addActions()].filter((a) => a.partitionValues.p === "b").map((a) => a.path);
    const result = await table.write(rowsIn("b", 30, 40, 50), { mode: "overwrite", replaceWhere: predicate });
    const after = await table.refresh();
    const paths = activePaths(after);
    for (const p of untouched) expect(paths).toContain(p);
    for (const p of replaced) expect(paths).not.toContain(p);
    expect(paths).toHaveLength(untouched.length + 1);
    expect((await actionsOf(table.store, result.version, "remove")).map((r) => r.path)).toEqual(replaced);
    expect((await contents(table)).map(([id]) => id)).toEqual([1, 2, 5, 6, 30, 40, 50]);
    expect(result.metrics).toMatchObject({ numRemovedFiles: 1, numDeletedRows: 2, numCopiedRows: 0, numOutputRows: 3 });
  });

  it("on a partition column keeps the null partition (NULL = 'b' is not true)", async () => {
    const table = await partitionedTable();
    await table.write(rowsIn("b", 30), { mode: "overwrite", replaceWhere: "p = 'b'" });
    expect(await contents(table)).toContainEqual([6, "v6"]);
  });

  it("can target the null partition with IS NULL", async () => {
    const table = await partitionedTable();
    await table.write(rowsIn(null, 60), { mode: "overwrite", replaceWhere: "p IS NULL" });
    expect((await contents(table)).map(([id]) => id)).toEqual([1, 2, 3, 4, 5, 60]);
  });

  it("on a data column rewrites the touched files, keeps their other rows and leaves other files alone", async () => {
    const table = await DeltaTable.create(memoryUrl("replace-data"), { schema: SCHEMA });
    await table.write(rowsIn("x", 1, 2, 3, 4, 5));
    await (await table.refresh()).write(rowsIn("x", 10, 11, 12));
    const before = await table.refresh();
    const [first, second] = [...before.addActions()].map((a) => a.path);
    const result = await before.write(
      [
        { id: 1n, p: "x", v: "new1" },
        { id: 2n, p: "x", v: "new2" },
      ],
      { mode: "overwrite", replaceWhere: "id < 3" },
    );
    expect(result.metrics).toMatchObject({ numRemovedFiles: 1, numDeletedRows: 2, numCopiedRows: 3, numOutputRows: 5 });
    const after = await before.refresh();
    expect(activePaths(after)).toContain(second);
    expect(activePaths(after)).not.toContain(first);
    expect(await contents(after)).toEqual([
      [1, "new1"],
      [2, "new2"],
      [3, "v3"],
      [4, "v4"],
      [5, "v5"],
      [10, "v10"],
      [11, "v11"],
      [12, "v12"],
    ]);
    const removes = await actionsOf(after.store, result.version, "remove");
    expect(removes.map((r) => r.path)).toEqual([first]);
  });

  it("on a data column matching nothing only adds the new rows", async () => {
    const table = await DeltaTable.create(memoryUrl("replace-none"), { schema: SCHEMA });
    await table.write(rowsIn("x", 1, 2));
    const before = await table.refresh();
    const result = await before.write(rowsIn("x", 50), { mode: "overwrite", replaceWhere: "id >= 50" });
    expect(result.metrics).toMatchObject({ numRemovedFiles: 0, numDeletedRows: 0 });
    expect(activePaths(await before.refresh())).toEqual(expect.arrayContaining(activePaths(before)));
  });

  it("refuses written rows that do not match the predicate, committing nothing", async () => {
    const table = await partitionedTable();
    const err = await expectRefusedCleanly(
      table,
      () => table.write([...rowsIn("b", 30), ...rowsIn("c", 31)], { mode: "overwrite", replaceWhere: "p = 'b'" }),
      WriteRefusedError,
    );
    expect(err.code).toBe("WRITE_REFUSED");
    expect(err.reason).toContain("replaceWhere");
  });

  it("refuses written rows where the predicate is NULL", async () => {
    const table = await partitionedTable();
    await expectRefusedCleanly(
      table,
      () => table.write(rowsIn(null, 30), { mode: "overwrite", replaceWhere: "p = 'b'" }),
      WriteRefusedError,
    );
  });

  it("refuses replaceWhere without mode overwrite", async () => {
    const table = await partitionedTable();
    await expect(table.write(rowsIn("b", 30), { replaceWhere: "p = 'b'" })).rejects.toThrow(/overwrite/);
    expect((await table.refresh()).version).toBe(table.version);
  });

  it("lets concurrent replaceWheres on different partitions both land, and refuses the second on the same partition", async () => {
    const table = await partitionedTable();
    const disjoint = await Promise.all([
      table.write(rowsIn("a", 10), { mode: "overwrite", replaceWhere: "p = 'a'" }),
      table.write(rowsIn("b", 20), { mode: "overwrite", replaceWhere: "p = 'b'" }),
    ]);
    expect(disjoint.map((r) => r.version).sort()).toEqual([2, 3]);
    expect((await contents(table)).map(([id]) => id)).toEqual([5, 6, 10, 20]);
    const same = await Promise.allSettled([
      table.write(rowsIn("c", 30), { mode: "overwrite", replaceWhere: "p = 'c'" }),
      table.write(rowsIn("c", 31), { mode: "overwrite", replaceWhere: "p = 'c'" }),
    ]);
    expect(same.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const failed = same.find((o) => o.status === "rejected") as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(CommitConflictError);
    const ids = (await contents(table)).map(([id]) => id);
    expect(ids.filter((id) => id === 30 || id === 31)).toHaveLength(1);
    expect(ids).not.toContain(5);
    // the loser's data file was deleted
    expect(await dataFileKeys(table.store)).toEqual([...new Set(await everAddedPaths(table))].sort());
  });

  it("writes the predicate into commitInfo", async () => {
    const table = await partitionedTable();
    const result = await table.write(rowsIn("b", 30), { mode: "overwrite", replaceWhere: "p = 'b'" });
    const [info] = await actionsOf(table.store, result.version, "commitInfo");
    expect(info!.operationParameters).toMatchObject({ mode: "Overwrite", predicate: expect.stringMatching(/p.*=.*'b'/) });
    expect(info!.isBlindAppend).toBe(false);
  });
});

describe("writeDeltaTable modes", () => {
  const data = () => rowsIn("a", 1, 2);
  const existing = async () => {
    const url = memoryUrl("wdt");
    await writeDeltaTable(url, rowsIn("old", 100), { partitionBy: ["p"] });
    return url;
  };

  it.each(["error", "ignore", "append", "overwrite", undefined] as const)("creates a missing table in mode %s", async (mode) => {
    const url = memoryUrl("wdt-new");
    const result = await writeDeltaTable(url, data(), { mode, partitionBy: ["p"] });
    expect(result).toMatchObject({ version: 0, skipped: false });
    const table = await DeltaTable.open(url);
    expect(table.partitionColumns).toEqual(["p"]);
    expect((await contents(table)).map(([id]) => id)).toEqual([1, 2]);
  });

  it.each(["error", undefined] as const)("refuses an existing table in mode %s, writing nothing", async (mode) => {
    const url = await existing();
    const table = await DeltaTable.open(url);
    await expectRefusedCleanly(table, () => writeDeltaTable(url, data(), { mode }), TableExistsError);
  });

  it("leaves an existing table alone in mode ignore", async () => {
    const url = await existing();
    const table = await DeltaTable.open(url);
    const keys = await storeKeys(table.store);
    const result = await writeDeltaTable(url, data(), { mode: "ignore" });
    expect(result).toMatchObject({ version: 0, skipped: true, metrics: { numFiles: 0 } });
    expect(await storeKeys(table.store)).toEqual(keys);
  });

  it("appends to an existing table in mode append", async () => {
    const url = await existing();
    const result = await writeDeltaTable(url, data(), { mode: "append" });
    expect(result.version).toBe(1);
    expect((await contents(await DeltaTable.open(url))).map(([id]) => id)).toEqual([1, 2, 100]);
  });

  it("replaces an existing table's rows in mode overwrite", async () => {
    const url = await existing();
    const result = await writeDeltaTable(url, data(), { mode: "overwrite" });
    expect(result.version).toBe(1);
    expect((await contents(await DeltaTable.open(url))).map(([id]) => id)).toEqual([1, 2]);
  });

  it("lets exactly one of two racing first writes create the table", async () => {
    const url = memoryUrl("wdt-race");
    const outcomes = await Promise.allSettled([writeDeltaTable(url, rowsIn("a", 1)), writeDeltaTable(url, rowsIn("a", 2))]);
    expect(
      outcomes.filter((o) => o.status === "fulfilled").map((o) => (o as PromiseFulfilledResult<{ version: number }>).value.version),
    ).toEqual([0]);
    const table = await DeltaTable.open(url);
    expect(table.version).toBe(0);
    // the loser's data file was deleted
    expect(await dataFileKeys(table.store)).toEqual(activePaths(table).map((p) => decodeURIComponent(p)));
  });

  it("the loser of two racing first writes gets TABLE_EXISTS in mode error", async () => {
    const url = memoryUrl("wdt-race-error");
    const outcomes = await Promise.allSettled([writeDeltaTable(url, rowsIn("a", 1)), writeDeltaTable(url, rowsIn("a", 2))]);
    expect((outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult).reason).toBeInstanceOf(TableExistsError);
  });

  it("the loser of two racing first writes in mode ignore writes nothing and leaves no data file", async () => {
    const url = memoryUrl("wdt-race-ignore");
    const outcomes = await Promise.all([
      writeDeltaTable(url, rowsIn("a", 1), { mode: "ignore" }),
      writeDeltaTable(url, rowsIn("a", 2), { mode: "ignore" }),
    ]);
    expect(outcomes.map((o) => o.skipped).sort()).toEqual([false, true]);
    expect(outcomes.map((o) => o.version)).toEqual([0, 0]);
    const table = await DeltaTable.open(url);
    expect(table.version).toBe(0);
    expect(await dataFileKeys(table.store)).toEqual(activePaths(table).map((p) => decodeURIComponent(p)));
  });

  it("both of two racing first appends land", async () => {
    const url = memoryUrl("wdt-race-append");
    const outcomes = await Promise.allSettled([
      writeDeltaTable(url, rowsIn("a", 1), { mode: "append" }),
      writeDeltaTable(url, rowsIn("a", 2), { mode: "append" }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled"]);
    expect((await contents(await DeltaTable.open(url))).map(([id]) => id)).toEqual([1, 2]);
  });

  it("creates the table with properties, name and description", async () => {
    const url = memoryUrl("wdt-meta");
    await writeDeltaTable(url, data(), { properties: { "owner.team": "data" }, name: "events", description: "test table" });
    const table = await DeltaTable.open(url);
    expect(table.metadata).toMatchObject({ name: "events", description: "test table", configuration: { "owner.team": "data" } });
  });
});

describe("exactly-once writes with txn", () => {
  it("skips a repeated or older application version and proceeds with a newer one", async () => {
    const table = await partitionedTable();
    const first = await table.write(rowsIn("a", 10), { txn: { appId: "etl", version: 3 } });
    expect(first).toMatchObject({ version: 2, skipped: false });
    expect(await actionsOf(table.store, 2, "txn")).toEqual([{ appId: "etl", version: 3, lastUpdated: expect.any(Number) }]);

    const at2 = await table.refresh();
    const keys = await storeKeys(table.store);
    const again = await at2.write(rowsIn("a", 11), { txn: { appId: "etl", version: 3 } });
    expect(again).toMatchObject({ version: 2, skipped: true, metrics: { numFiles: 0, numOutputRows: 0 } });
    const older = await at2.write(rowsIn("a", 12), { txn: { appId: "etl", version: 1 } });
    expect(older).toMatchObject({ version: 2, skipped: true });
    expect(await storeKeys(table.store)).toEqual(keys);

    const other = await at2.write(rowsIn("a", 13), { txn: { appId: "other-app", version: 0 } });
    expect(other).toMatchObject({ version: 3, skipped: false });
    const next = await (await at2.refresh()).write(rowsIn("a", 14), { txn: { appId: "etl", version: 4 } });
    expect(next).toMatchObject({ version: 4, skipped: false });
    expect((await contents(table)).map(([id]) => id)).toEqual([1, 2, 3, 4, 5, 6, 10, 13, 14]);
    const latest = await table.refresh();
    expect(latest.snapshot.txns.get("etl")?.version).toBe(4);
    expect(latest.snapshot.txns.get("other-app")?.version).toBe(0);
  });

  it("skips a repeat from a stale table object (writes apply to the latest version)", async () => {
    const table = await partitionedTable();
    await table.write(rowsIn("a", 10), { txn: { appId: "etl", version: 3 } });
    // `table` is still at version 1, which has no etl transaction
    expect(table.snapshot.txns.has("etl")).toBe(false);
    const keys = await storeKeys(table.store);
    expect(await table.write(rowsIn("a", 11), { txn: { appId: "etl", version: 3 } })).toMatchObject({ skipped: true, version: 2 });
    expect(await storeKeys(table.store)).toEqual(keys);
  });

  it("lets exactly one of two racing writes of the same application version land", async () => {
    const table = await partitionedTable();
    const outcomes = await Promise.allSettled([
      table.write(rowsIn("a", 20), { txn: { appId: "etl", version: 5 } }),
      table.write(rowsIn("a", 21), { txn: { appId: "etl", version: 5 } }),
    ]);
    const landed = outcomes.filter((o) => o.status === "fulfilled" && !o.value.skipped);
    expect(landed).toHaveLength(1);
    const other = outcomes.find((o) => o !== landed[0])!;
    // the loser either saw the winner's txn before writing (skipped) or lost the commit race (conflict)
    if (other.status === "rejected") expect(other.reason).toBeInstanceOf(ConcurrentTransactionError);
    else expect(other.value.skipped).toBe(true);
    const latest = await table.refresh();
    expect(latest.version).toBe(2);
    const ids = (await contentsAt(latest)).map(([id]) => id);
    expect(ids.filter((id) => id === 20 || id === 21)).toHaveLength(1);
    // no orphan: every data file in the store was logged by some commit
    expect(await dataFileKeys(table.store)).toEqual([...new Set(await everAddedPaths(table))].sort());
  });

  it("records the application version on the write that creates the table", async () => {
    const url = memoryUrl("txn-create");
    await writeDeltaTable(url, rowsIn("a", 1), { txn: { appId: "etl", version: 7 } });
    const table = await DeltaTable.open(url);
    expect(table.snapshot.txns.get("etl")?.version).toBe(7);
    expect(await table.write(rowsIn("a", 2), { txn: { appId: "etl", version: 7 } })).toMatchObject({ skipped: true, version: 0 });
  });

  it("records the application version even when no rows are written", async () => {
    const table = await partitionedTable();
    const result = await table.write([], { txn: { appId: "etl", version: 1 } });
    expect(result).toMatchObject({ version: 2, skipped: false });
    expect((await table.refresh()).snapshot.txns.get("etl")?.version).toBe(1);
  });
});

describe("commitInfo", () => {
  it("of an append: WRITE, mode Append, partitionBy, metrics, blind append, readVersion, txnId, engineInfo, userMetadata", async () => {
    const table = await partitionedTable();
    const result = await table.write([...rowsIn("a", 10, 11), ...rowsIn("b", 12)], { userMetadata: "batch 42" });
    const actions = await commitActions(table.store, result.version);
    expect(Object.keys(actions[0]!)).toEqual(["commitInfo"]);
    const info = actions[0]!.commitInfo!;
    expect(info).toMatchObject({
      operation: "WRITE",
      operationParameters: { mode: "Append", partitionBy: '["p"]' },
      isBlindAppend: true,
      readVersion: 1,
      userMetadata: "batch 42",
      engineInfo: expect.stringMatching(/^lakelog\/\d+\.\d+\.\d+/),
      txnId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      timestamp: expect.any(Number),
    });
    const metrics = info.operationMetrics as Record<string, string>;
    const adds = await actionsOf(table.store, result.version, "add");
    expect(metrics).toMatchObject({ numFiles: "2", numOutputRows: "3", numRemovedFiles: "0" });
    expect(metrics.numOutputBytes).toBe(String(adds.reduce((n, a) => n + (a.size as number), 0)));
    expect(result.commit?.commitInfo.txnId).toBe(info.txnId);
  });

  it("of an overwrite: mode Overwrite, not a blind append, removed files counted", async () => {
    const table = await partitionedTable();
    const result = await table.write(rowsIn("a", 10), { mode: "overwrite" });
    const [info] = await actionsOf(table.store, result.version, "commitInfo");
    expect(info).toMatchObject({
      operation: "WRITE",
      operationParameters: { mode: "Overwrite", partitionBy: '["p"]' },
      isBlindAppend: false,
      readVersion: 1,
    });
    expect(info!.operationParameters).not.toHaveProperty("predicate");
    expect(info!.operationMetrics).toMatchObject({ numRemovedFiles: "4", numFiles: "1", numOutputRows: "1" });
  });

  it("of the write creating a table: no readVersion, partitionBy [] when unpartitioned", async () => {
    const url = memoryUrl("ci-create");
    await writeDeltaTable(url, rowsIn("a", 1));
    const table = await DeltaTable.open(url);
    const [info] = await actionsOf(table.store, 0, "commitInfo");
    expect(info).toMatchObject({ operation: "WRITE", operationParameters: { mode: "Append", partitionBy: "[]" } });
    expect(info).not.toHaveProperty("readVersion");
    const [entry] = await table.history();
    expect(entry).toMatchObject({ version: 0, operation: "WRITE" });
  });

  it("shows in history, newest first, with CREATE TABLE for DeltaTable.create", async () => {
    const table = await partitionedTable();
    await table.write(rowsIn("a", 10), { mode: "overwrite" });
    const history = await (await table.refresh()).history();
    expect(history.map((h) => [h.version, h.operation, h.operationParameters?.mode])).toEqual([
      [2, "WRITE", "Overwrite"],
      [1, "WRITE", "Append"],
      [0, "CREATE TABLE", undefined],
    ]);
  });
});

describe("files the writer leaves", () => {
  it("names data files part-<n>-<uuid>-c000.snappy.parquet and rolls at targetFileSize", async () => {
    const table = await DeltaTable.create(memoryUrl("roll"), { schema: SCHEMA });
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ id: BigInt(i), p: "x", v: `value-${i}-${"x".repeat(20)}` }));
    const result = await table.write(rows, { targetFileSize: 64 * 1024 });
    expect(result.metrics.numFiles).toBeGreaterThan(1);
    const after = await table.refresh();
    for (const path of activePaths(after)) expect(path).toMatch(/^part-\d{5}-[0-9a-f-]{36}-c000\.snappy\.parquet$/);
    expect((await contents(after)).length).toBe(20_000);
    expect(await dataFileKeys(after.store)).toHaveLength(result.metrics.numFiles);
  });

  it.each([
    ["flat data (batches pooled)", false],
    ["nested data (more partitions than open files)", true],
  ])("puts every row of many interleaved partitions in its own partition's files: %s", async (_title, nested) => {
    const schema: StructType = {
      type: "struct",
      fields: [f("id", "long"), f("p", "long"), f("x", nested ? { type: "struct", fields: [f("v", "long")] } : "long")],
    };
    const table = await DeltaTable.create(memoryUrl("many-partitions"), { schema, partitionBy: ["p"] });
    const batches = [0, 1, 2].map((k) => {
      const ids = Array.from({ length: 400 }, (_, i) => BigInt(k * 400 + i));
      return testTable([
        [field("id", new Int64()), ids],
        [field("p", new Int64()), ids.map((id) => id % 40n)],
        [field("x", nested ? new Struct([field("v", new Int64())]) : new Int64()), ids.map((id) => (nested ? { v: id } : id))],
      ]).batches[0]!;
    });
    const result = await table.write(batches);
    const after = await table.refresh();
    expect(new Set([...after.addActions()].map((a) => a.partitionValues.p)).size).toBe(40);
    expect(result.metrics.numFiles).toBe([...after.addActions()].length);
    const read = await after.toArrow();
    const ids = columnCells(read, "id") as string[];
    const ps = columnCells(read, "p") as string[];
    const xs = columnCells(read, "x");
    expect(ids).toHaveLength(1200);
    ids.forEach((id, i) => {
      const n = BigInt(id.slice(4));
      expect(ps[i]).toBe(`i64:${n % 40n}`);
      expect(xs[i]).toEqual(nested ? { v: id } : id);
    });
    expect(new Set(ids).size).toBe(1200);
  });

  it.each([
    ["zstd", /\.zstd\.parquet$/],
    ["uncompressed", /-c000\.parquet$/],
  ] as const)("writes %s files", async (compression, pattern) => {
    const table = await DeltaTable.create(memoryUrl("codec"), { schema: SCHEMA });
    await table.write(rowsIn("x", 1, 2), { compression });
    const after = await table.refresh();
    expect(activePaths(after)[0]).toMatch(pattern);
    expect((await contents(after)).map(([id]) => id)).toEqual([1, 2]);
  });

  it("records per-file statistics (numRecords, min, max, nullCount) on data columns", async () => {
    const table = await DeltaTable.create(memoryUrl("stats"), { schema: SCHEMA, partitionBy: ["p"] });
    await table.write([...rowsIn("a", 5, -3, 9), { id: null as unknown as bigint, p: "a", v: null as unknown as string }]);
    const [add] = [...(await table.refresh()).addActions()];
    expect(JSON.parse(add!.stats!)).toEqual({
      numRecords: 4,
      minValues: { id: -3, v: "v-3" },
      maxValues: { id: 9, v: "v9" },
      nullCount: { id: 1, v: 1 },
    });
  });

  it("reports progress through onProgress, ending at the rows and files written", async () => {
    const table = await partitionedTable();
    const seen: Array<{ rows: number; files: number; bytes: number }> = [];
    const result = await table.write([...rowsIn("a", 10, 11), ...rowsIn("b", 12)], { onProgress: (p) => seen.push({ ...p }) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toMatchObject({ rows: 3, files: result.metrics.numFiles });
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.rows).toBeGreaterThanOrEqual(seen[i - 1]!.rows);
  });

  it("refuses repartitioning by a column the data lacks with INVALID_SCHEMA, writing nothing", async () => {
    const table = await partitionedTable();
    await expectRefusedCleanly(
      table,
      () => table.write(rowsIn("a", 1), { mode: "overwrite", schemaMode: "overwrite", partitionBy: ["nope"] }),
      InvalidSchemaError,
      { fieldPath: "nope" },
    );
  });
});
