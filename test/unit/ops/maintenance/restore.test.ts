/**
 * RESTORE through `DeltaTable` on the memory and local stores: to a version and to a timestamp
 * (one commit whose adds/removes make the active files equal to that version's, Spark's metrics),
 * metadata restored but the protocol never lowered, typed refusals (a vacuumed file, a version
 * out of range), and a concurrent write making the restore conflict.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { InvalidArgumentError } from "../../../../src/errors/argument-errors.js";
import { RestoreMissingFilesError } from "../../../../src/errors/maintenance-vacuum-errors.js";
import { CommitConflictError } from "../../../../src/errors/txn-errors.js";
import { restoreTable } from "../../../../src/ops/maintenance/restore.js";
import type { StructType } from "../../../../src/schema/types.js";
import { DeltaTable } from "../../../../src/table/delta-table.js";
import { actionsOf, removeTempDirs, tempTableDir } from "../../../helpers/write-tables.js";

afterAll(removeTempDirs);
afterEach(() => {
  vi.useRealTimers();
});

const DAY = 24 * 3600_000;
const SCHEMA: StructType = { type: "struct", fields: [{ name: "id", type: "long", nullable: true, metadata: {} }] };
const rows = (...ids: number[]) => ids.map((id) => ({ id: BigInt(id) }));

async function ids(table: DeltaTable): Promise<number[]> {
  const out: number[] = [];
  for await (const batch of table.scan()) for (const v of batch.getChild("id")!.toArray() as BigInt64Array) out.push(Number(v));
  return out.sort((a, b) => a - b);
}

const sortedFiles = (t: DeltaTable) => t.files().sort();
const sizeOf = (t: DeltaTable) => [...t.addActions()].reduce((n, a) => n + a.size, 0);

const URLS = [
  { name: "memory", url: () => `memory://restore-${randomUUID()}/t` },
  { name: "local", url: () => tempTableDir() },
];

/** v0 create, v1 [1], v2 overwrite [2], v3 append [3]. */
async function threeVersions(url: string): Promise<DeltaTable> {
  const table = await DeltaTable.create(url, { schema: SCHEMA });
  await table.write(rows(1));
  await table.write(rows(2), { mode: "overwrite" });
  await table.write(rows(3));
  return table.refresh();
}

describe.each(URLS)("restore on the $name store", ({ url }) => {
  it("to a version: one RESTORE commit makes the active files equal to that version's", async () => {
    const table = await threeVersions(url());
    const v1 = await table.loadVersion(1);
    const result = await table.restore({ version: 1 });
    expect(result).toMatchObject({ version: 4, restoredVersion: 1 });
    expect(result.metrics).toEqual({
      numRestoredFiles: 1,
      numRemovedFiles: 2,
      restoredFilesSize: sizeOf(v1),
      removedFilesSize: sizeOf(table),
      numOfFilesAfterRestore: 1,
      tableSizeAfterRestore: sizeOf(v1),
    });
    const restored = await table.refresh();
    expect(restored.version).toBe(4);
    expect(sortedFiles(restored)).toEqual(sortedFiles(v1));
    expect(await ids(restored)).toEqual([1]);
    const adds = await actionsOf(table.store, 4, "add");
    const removes = await actionsOf(table.store, 4, "remove");
    expect(adds.map((a) => a.dataChange)).toEqual([true]);
    expect(removes.map((r) => r.dataChange)).toEqual([true, true]);
    const [entry] = await restored.history({ limit: 1 });
    expect(entry).toMatchObject({ operation: "RESTORE", operationParameters: { version: "1" } });
    expect(entry!.operationMetrics).toMatchObject({ numRestoredFiles: "1", numRemovedFiles: "2" });
  });

  it("refuses, typed and without committing, when a file of that version was vacuumed", async () => {
    const table = await threeVersions(url());
    const latest = (await table.refresh()).version;
    // move the clock 8 days on, beyond the default retention, then vacuum for real
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 8 * DAY);
    const vacuumed = await table.vacuum({ dryRun: false });
    expect(vacuumed.filesDeleted).toHaveLength(1);
    const v1Files = (await table.loadVersion(1)).files();
    const err = await table.restore({ version: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestoreMissingFilesError);
    expect(err).toMatchObject({ code: "RESTORE_MISSING_FILES", version: 1, missing: v1Files, missingCount: 1 });
    expect((await table.refresh()).version).toBe(latest + 2); // only VACUUM START and END
  });

  it("restores metadata but never lowers the protocol", async () => {
    const table = await DeltaTable.create(url(), { schema: SCHEMA });
    await table.write(rows(1, 2));
    await table.addConstraint("positive", "id > 0");
    const constrained = await table.refresh();
    expect(constrained.properties["delta.constraints.positive"]).toBe("id > 0");
    await table.restore({ version: 1 });
    const restored = await table.refresh();
    expect(restored.properties["delta.constraints.positive"]).toBeUndefined();
    expect(restored.protocol).toEqual(constrained.protocol);
    expect(await ids(restored)).toEqual([1, 2]);
  });

  it.each([{ version: 99 }, { version: 1.5 }, { version: -1 }, { timestamp: "not a time" }])(
    "refuses the target %j, typed",
    async (target) => {
      const table = await threeVersions(url());
      await expect(table.restore(target as { version: number })).rejects.toBeInstanceOf(InvalidArgumentError);
    },
  );

  it("refuses the current version, by number or by a later timestamp, typed, committing nothing (as Spark and delta-rs)", async () => {
    const table = await threeVersions(url());
    const byVersion = await table.restore({ version: 3 }).catch((e: unknown) => e);
    expect(byVersion).toBeInstanceOf(InvalidArgumentError);
    expect((byVersion as Error).message).toMatch(/from 0 to 2 \(version 3 is the current one, so there is nothing to restore\)/);
    const byTime = await table.restore({ timestamp: new Date(Date.now() + DAY) }).catch((e: unknown) => e);
    expect(byTime).toBeInstanceOf(InvalidArgumentError);
    expect((byTime as Error).message).toMatch(/before the latest commit \(version 3, /);
    expect((await table.refresh()).version).toBe(3);
  });
});

describe("restore", () => {
  it("to a timestamp restores the version current at that time", async () => {
    const t0 = Date.UTC(2026, 0, 1);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(t0);
    const table = await DeltaTable.create(`memory://restore-${randomUUID()}/t`, { schema: SCHEMA });
    await table.write(rows(1));
    vi.setSystemTime(t0 + 2 * DAY);
    await table.write(rows(2), { mode: "overwrite" });
    vi.setSystemTime(t0 + 4 * DAY);
    await table.write(rows(3), { mode: "overwrite" });
    const result = await table.restore({ timestamp: new Date(t0 + 3 * DAY) });
    expect(result.restoredVersion).toBe(2);
    expect(await ids(await table.refresh())).toEqual([2]);
    const [entry] = await (await table.refresh()).history({ limit: 1 });
    expect(entry!.operationParameters).toEqual({ timestamp: new Date(t0 + 3 * DAY).toISOString() });
  });

  it("conflicts with a concurrent overwrite of the files it read", async () => {
    const table = await threeVersions(`memory://restore-${randomUUID()}/t`);
    await table.write(rows(9), { mode: "overwrite" });
    const err = await restoreTable(table.engine, table.snapshot, { version: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommitConflictError);
    expect(await ids(await table.refresh())).toEqual([9]);
  });

  it("is serialised before a concurrent blind append (WriteSerializable), keeping the appended rows", async () => {
    const table = await threeVersions(`memory://restore-${randomUUID()}/t`);
    await table.write(rows(9));
    const result = await restoreTable(table.engine, table.snapshot, { version: 1 });
    expect(result.version).toBe(5);
    expect(await ids(await table.refresh())).toEqual([1, 9]);
  });
});
