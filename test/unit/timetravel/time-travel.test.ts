import { mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TimestampOutOfRangeError, VersionNotFoundError } from "../../../src/errors/log-errors.js";
import { createEngine } from "../../../src/engine/index.js";
import { commitPath } from "../../../src/log/log-files.js";
import { loadSnapshot } from "../../../src/log/snapshot.js";
import { writeCheckpoint } from "../../../src/ops/maintenance/checkpoint.js";
import { CountingStore } from "../../../src/storage/counting-store.js";
import { LocalStore } from "../../../src/storage/local-store.js";
import { loadSnapshotAtTimestamp } from "../../../src/timetravel/history.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { add, metaData, protocol } from "../../helpers/log-builder.js";
import { writeCommit } from "../../helpers/table-builder.js";

const T0 = Date.parse("2024-03-01T12:00:00Z");

/** A local table with commits 0..n-1 whose files are dated `times[v]`; commitInfo per commit. */
async function datedTable(
  times: number[],
  extra: (v: number) => Record<string, unknown> = () => ({}),
  config: Record<string, string> = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "lakelog-tt-"));
  const store = new LocalStore(dir);
  for (let v = 0; v < times.length; v++) {
    const head = v === 0 ? [protocol(), metaData({ configuration: config })] : [];
    await writeCommit(store, v, [{ commitInfo: { timestamp: times[v], operation: "WRITE", ...extra(v) } }, ...head, add(`f${v}`)]);
    utimesSync(join(dir, commitPath(v)), new Date(times[v]!), new Date(times[v]!));
  }
  return dir;
}

describe("time travel", () => {
  it("opens an earlier version with its files", async () => {
    const dir = await datedTable([T0, T0 + 1000, T0 + 2000]);
    const v1 = await DeltaTable.open(dir, { version: 1 });
    expect(v1.version).toBe(1);
    expect(v1.files().sort()).toEqual(["f0", "f1"]);
    const latest = await v1.refresh();
    expect(latest.version).toBe(2);
  });

  it.each([
    ["exactly at a commit", T0 + 10_000, 1],
    ["between two commits", T0 + 15_000, 1],
    ["at the first commit", T0, 0],
    ["after the last commit", T0 + 999_999, 2],
  ])("by timestamp %s picks the newest version committed at or before it", async (_label, at, version) => {
    const dir = await datedTable([T0, T0 + 10_000, T0 + 20_000]);
    expect((await DeltaTable.open(dir, { timestamp: at })).version).toBe(version);
    expect((await DeltaTable.open(dir, { timestamp: new Date(at).toISOString() })).version).toBe(version);
  });

  it("refuses a time before the first commit, naming the available range", async () => {
    const dir = await datedTable([T0, T0 + 10_000]);
    const err = await DeltaTable.open(dir, { timestamp: T0 - 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimestampOutOfRangeError);
    expect(err).toMatchObject({ earliest: T0, latest: T0 + 10_000 });
  });

  it("treats commit file times as strictly increasing, as Spark does", async () => {
    // v2's file is older than v1's: it counts as v1's time + 1 ms
    const dir = await datedTable([T0, T0 + 10_000, T0 + 5_000]);
    expect((await DeltaTable.open(dir, { timestamp: T0 + 10_000 })).version).toBe(1);
    expect((await DeltaTable.open(dir, { timestamp: T0 + 10_001 })).version).toBe(2);
  });

  it("uses in-commit timestamps when the table has them, not file times", async () => {
    const ict = [T0 + 100_000, T0 + 200_000, T0 + 300_000];
    const dir = await datedTable([T0, T0 + 1, T0 + 2], (v) => ({ inCommitTimestamp: ict[v] }), {
      "delta.enableInCommitTimestamps": "true",
      "delta.inCommitTimestampEnablementVersion": "0",
    });
    expect((await DeltaTable.open(dir, { timestamp: T0 + 250_000 })).version).toBe(1);
    const latest = await DeltaTable.open(dir);
    expect(latest.timestamp.getTime()).toBe(ict[2]);
  });

  it("a version loaded from its own checkpoint has its in-commit timestamp, not a file time", async () => {
    const ict = [T0 + 100_000, T0 + 200_000, T0 + 300_000];
    const dir = await datedTable([T0, T0 + 1, T0 + 2], (v) => ({ inCommitTimestamp: ict[v] }), {
      "delta.enableInCommitTimestamps": "true",
      "delta.inCommitTimestampEnablementVersion": "0",
    });
    const engine = createEngine(new LocalStore(dir));
    await writeCheckpoint(engine, await loadSnapshot(engine));
    const latest = await DeltaTable.open(dir);
    expect(latest.snapshot.segment.checkpoint?.version).toBe(2);
    expect(latest.timestamp.getTime()).toBe(ict[2]);
    expect((await DeltaTable.open(dir, { version: 1 })).timestamp.getTime()).toBe(ict[1]);
  });

  it("uses file times before the version that enabled in-commit timestamps, and them from there on", async () => {
    const ict = [undefined, T0 + 500_000, T0 + 600_000];
    const dir = await datedTable([T0, T0 + 1000, T0 + 2000], (v) => (ict[v] === undefined ? {} : { inCommitTimestamp: ict[v] }), {
      "delta.enableInCommitTimestamps": "true",
      "delta.inCommitTimestampEnablementVersion": "1",
    });
    expect((await DeltaTable.open(dir, { timestamp: T0 + 1500 })).version).toBe(0);
    expect((await DeltaTable.open(dir, { timestamp: T0 + 550_000 })).version).toBe(1);
    expect((await DeltaTable.open(dir, { timestamp: T0 + 600_000 })).version).toBe(2);
  });

  it("lists the log once to open by timestamp, and reads no _last_checkpoint", async () => {
    const dir = await datedTable([T0, T0 + 10_000, T0 + 20_000]);
    const store = new CountingStore(new LocalStore(dir));
    const snapshot = await loadSnapshotAtTimestamp(createEngine(store), T0 + 15_000);
    expect(snapshot.version).toBe(1);
    expect(store.counters.list).toBe(1);
    expect(store.gets.filter((p) => p.endsWith("_last_checkpoint"))).toEqual([]);
  });

  it("counts time from the oldest checkpoint once log cleanup removed the first commits", async () => {
    const times = Array.from({ length: 12 }, (_, v) => T0 + v * 1000);
    const dir = await datedTable(times);
    const engine = createEngine(new LocalStore(dir));
    await writeCheckpoint(engine, await loadSnapshot(engine, { version: 10 }));
    // as log cleanup leaves it: commits 8 and 9 kept (not yet expired) but unreadable without commit 0
    for (let v = 0; v < 8; v++) rmSync(join(dir, commitPath(v)));
    const err = await DeltaTable.open(dir, { timestamp: T0 + 8_500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimestampOutOfRangeError);
    expect(err).toMatchObject({ earliest: T0 + 10_000, latest: T0 + 11_000 });
    expect((await loadSnapshotAtTimestamp(engine, T0 + 10_500)).version).toBe(10);
    expect((await DeltaTable.open(dir, { timestamp: T0 + 10_500 })).version).toBe(10);
  });

  it("names the readable versions when asked for one that does not exist", async () => {
    const dir = await datedTable([T0, T0 + 1000]);
    await expect(DeltaTable.open(dir, { version: 7 })).rejects.toBeInstanceOf(VersionNotFoundError);
  });

  it("lists history newest first, with limit, up to the loaded version", async () => {
    const dir = await datedTable([T0, T0 + 1000, T0 + 2000], (v) => ({ userMetadata: `run-${v}` }));
    const table = await DeltaTable.open(dir);
    const history = await table.history();
    expect(history.map((h) => [h.version, h.userMetadata, h.timestamp])).toEqual([
      [2, "run-2", T0 + 2000],
      [1, "run-1", T0 + 1000],
      [0, "run-0", T0],
    ]);
    expect((await table.history({ limit: 1 })).map((h) => h.version)).toEqual([2]);
    expect((await (await table.loadVersion(1)).history()).map((h) => h.version)).toEqual([1, 0]);
  });
});
