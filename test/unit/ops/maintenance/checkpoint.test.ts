/**
 * table.checkpoint(): a table read through the checkpoint we write is the table read from its
 * commits (files, rows, schema, protocol, metadata, app transactions), for Spark-written tables
 * copied to a temp folder; multi-part and v2 checkpoints; `_last_checkpoint`; stats options;
 * tombstone retention.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Field } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine } from "../../../../src/engine/index.js";
import type { AddFile } from "../../../../src/log/actions.js";
import { loadSnapshot, type Snapshot } from "../../../../src/log/snapshot.js";
import { writeCheckpoint } from "../../../../src/ops/maintenance/checkpoint.js";
import { LocalStore } from "../../../../src/storage/local-store.js";
import { DeltaTable } from "../../../../src/table/delta-table.js";
import { canonicalRows } from "../../../helpers/arrow-rows.js";
import { GOLDEN_DIR, TABLES_DIR, hasShared } from "../../../helpers/shared-data.js";
import { cleanupTempTables, copyTableToTemp } from "../../../helpers/temp-table.js";

afterAll(cleanupTempTables);

/** Active files with dataChange left out (checkpoints record false, as Spark's do). */
function filesOf(snapshot: Snapshot): string[] {
  return [...snapshot.files].map((a: AddFile) => JSON.stringify({ ...a, dataChange: undefined })).sort();
}

async function stateOf(table: DeltaTable, withRows: boolean) {
  const s = table.snapshot;
  return {
    version: s.version,
    files: filesOf(s),
    rows: withRows ? canonicalRows(await table.toArrow()) : [],
    schema: s.metadata.schemaString,
    metadata: s.metadata,
    protocol: s.protocol,
    txns: [...s.txns.values()],
    domains: [...s.domains.values()],
  };
}

const cases = [
  {
    name: "partitioned, deletion vectors (golden dv-partitioned-with-checkpoint)",
    dir: join(GOLDEN_DIR, "dv-partitioned-with-checkpoint", "delta"),
    rows: true,
  },
  {
    name: "unpartitioned with removes (golden basic-with-inserts-deletes-checkpoint)",
    dir: join(GOLDEN_DIR, "basic-with-inserts-deletes-checkpoint", "delta"),
    rows: true,
  },
  {
    name: "column mapping by name (golden table-with-columnmapping-mode-name)",
    dir: join(GOLDEN_DIR, "table-with-columnmapping-mode-name", "delta"),
    rows: true,
  },
  { name: "app transactions (golden deltalog-getChanges)", dir: join(GOLDEN_DIR, "deltalog-getChanges", "delta"), rows: false },
  { name: "deletion vectors (delta-rs table-with-dv-small)", dir: join(TABLES_DIR, "table-with-dv-small"), rows: true },
];

describe.skipIf(!hasShared(GOLDEN_DIR) || !hasShared(TABLES_DIR))("table.checkpoint() round trip", () => {
  it.each(cases)("$name: reopened from our checkpoint, the table reads identically", async ({ dir, rows }) => {
    const copy = copyTableToTemp(dir);
    const before = await DeltaTable.open(copy);
    const expected = await stateOf(before, rows);
    const metrics = await before.checkpoint();
    expect(metrics.version).toBe(before.version);
    expect(metrics.numAddFiles).toBe(before.snapshot.files.length);
    const after = await DeltaTable.open(copy);
    // the reader started from our checkpoint, not from the commits
    expect(after.snapshot.segment.checkpoint?.files.map((f) => f.path)).toEqual(metrics.files);
    expect(after.snapshot.segment.commits).toEqual([]);
    expect(await stateOf(after, rows)).toEqual(expected);
  });

  it("writes _last_checkpoint with version, size, sizeInBytes and numOfAddFiles", async () => {
    const copy = copyTableToTemp(join(GOLDEN_DIR, "dv-partitioned-with-checkpoint", "delta"));
    const metrics = await (await DeltaTable.open(copy)).checkpoint();
    const hint = JSON.parse(readFileSync(join(copy, "_delta_log", "_last_checkpoint"), "utf8")) as Record<string, unknown>;
    expect(hint).toEqual({ version: 15, size: metrics.numActions, sizeInBytes: metrics.sizeInBytes, numOfAddFiles: 15 });
    expect(metrics).toMatchObject({ format: "classic", parts: 1, numActions: 2 + 15 });
  });

  it("splits into a multi-part checkpoint above actionsPerPart, which the reader assembles", async () => {
    const copy = copyTableToTemp(join(GOLDEN_DIR, "dv-partitioned-with-checkpoint", "delta"));
    const table = await DeltaTable.open(copy);
    const expected = await stateOf(table, true);
    const metrics = await table.checkpoint({ actionsPerPart: 4 });
    expect(metrics).toMatchObject({ format: "multipart", parts: 5, numActions: 17 });
    expect(metrics.files).toEqual(
      [1, 2, 3, 4, 5].map((i) => `_delta_log/00000000000000000015.checkpoint.000000000${i}.0000000005.parquet`),
    );
    const hint = JSON.parse(readFileSync(join(copy, "_delta_log", "_last_checkpoint"), "utf8")) as Record<string, unknown>;
    expect(hint).toMatchObject({ version: 15, parts: 5, size: 17 });
    const after = await DeltaTable.open(copy);
    expect(after.snapshot.segment.checkpoint?.files).toHaveLength(5);
    expect(await stateOf(after, true)).toEqual(expected);
  });

  it("writes a v2 checkpoint with sidecars when the table has v2Checkpoint", async () => {
    const copy = copyTableToTemp(join(TABLES_DIR, "v2-checkpoints-json-with-sidecars"));
    const log = join(copy, "_delta_log");
    const latestVersion = (await DeltaTable.open(copy)).version;
    // Spark already checkpointed the latest version: remove its checkpoint so ours is the one read
    for (const name of readdirSync(log))
      if (name.startsWith(`${String(latestVersion).padStart(20, "0")}.checkpoint.`)) rmSync(join(log, name));
    const table = await DeltaTable.open(copy);
    const expected = await stateOf(table, true);
    const metrics = await table.checkpoint({ actionsPerPart: 2 });
    expect(metrics.format).toBe("v2");
    expect(metrics.sidecars).toBe(Math.ceil(table.snapshot.files.length / 2));
    expect(metrics.files.filter((f) => f.startsWith("_delta_log/_sidecars/"))).toHaveLength(metrics.sidecars);
    const top = metrics.files[metrics.files.length - 1]!;
    expect(top).toMatch(/^_delta_log\/\d{20}\.checkpoint\.[0-9a-f-]{36}\.parquet$/);
    const after = await DeltaTable.open(copy);
    expect(after.snapshot.segment.checkpoint?.files.map((f) => f.path)).toEqual([top]);
    expect(await stateOf(after, true)).toEqual(expected);
  });

  it("keeps tombstones younger than deletedFileRetentionDuration and drops older ones", async () => {
    const copy = copyTableToTemp(join(GOLDEN_DIR, "basic-with-inserts-deletes-checkpoint", "delta"));
    const store = new LocalStore(copy);
    const snapshot = await loadSnapshot(createEngine(store));
    const times = [...snapshot.tombstones.values()].map((r) => r.deletionTimestamp ?? 0);
    expect(times.length).toBeGreaterThan(0);
    const newest = Math.max(...times);
    // one hour after the newest removal every tombstone is within the default week
    const kept = await writeCheckpoint(createEngine(store, { clock: { now: () => newest + 3600_000 } }), snapshot);
    expect(kept.numRemoveFiles).toBe(times.filter((t) => t > newest + 3600_000 - 7 * 86400_000).length);
    expect(kept.numRemoveFiles).toBeGreaterThan(0);
    const reread = await loadSnapshot(createEngine(store));
    expect(reread.tombstones.size).toBe(kept.numRemoveFiles);
    // eight days later none is
    const dropped = await writeCheckpoint(createEngine(store, { clock: { now: () => newest + 8 * 86400_000 } }), snapshot);
    expect(dropped.numRemoveFiles).toBe(0);
  });

  it("omits the JSON stats when writeStatsAsJson is false and the reader rebuilds them from stats_parsed", async () => {
    const copy = copyTableToTemp(join(GOLDEN_DIR, "basic-with-inserts-deletes-checkpoint", "delta"));
    const table = await DeltaTable.open(copy);
    const txn = table.transaction();
    txn.setMetadata({
      ...table.metadata,
      configuration: { ...table.metadata.configuration, "delta.checkpoint.writeStatsAsJson": "false" },
    });
    await txn.commit({ operation: "SET TBLPROPERTIES" });
    const latest = await table.refresh();
    const metrics = await latest.checkpoint();
    const info = await createEngine(new LocalStore(copy)).parquet.readInfo(new LocalStore(copy), metrics.files[0]!);
    const add = info.schema.fields.find((f) => f.name === "add")!;
    const names = (add.type.children as Field[]).map((c) => c.name);
    expect(names).toContain("stats_parsed");
    expect(names).not.toContain("stats");
    const after = await DeltaTable.open(copy);
    expect(after.snapshot.segment.checkpoint?.version).toBe(latest.version);
    const numRecords = (s: Snapshot) => [...s.files].map((a) => (JSON.parse(a.stats ?? "{}") as { numRecords?: number }).numRecords).sort();
    expect(numRecords(after.snapshot)).toEqual(numRecords(latest.snapshot));
    expect(numRecords(after.snapshot).every((n) => typeof n === "number")).toBe(true);
  });

  it("removes the files it wrote when the write fails, leaving the log as it was", async () => {
    const copy = copyTableToTemp(join(GOLDEN_DIR, "dv-partitioned-with-checkpoint", "delta"));
    const table = await DeltaTable.open(copy);
    const before = readdirSync(join(copy, "_delta_log")).sort();
    const controller = new AbortController();
    let parts = 0;
    const failing = table.checkpoint({
      actionsPerPart: 4,
      signal: controller.signal,
      onProgress: () => {
        if (++parts === 2) controller.abort();
      },
    });
    await expect(failing).rejects.toThrow();
    expect(readdirSync(join(copy, "_delta_log")).sort()).toEqual(before);
  });
});
