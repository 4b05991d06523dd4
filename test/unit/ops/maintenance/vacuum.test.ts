/**
 * Vacuum planning and deleting on hand-built logs, on the memory and the local store, with an
 * injected clock: which files lite and full mode delete (expired tombstones and their deletion
 * vectors; orphans, unreferenced change data and leftover `.lakelog-tmp-*` files in full mode),
 * and what they never touch (`_delta_log/`, hidden paths, files younger than the retention, files
 * referenced by a commit within the retention, absolute paths, a sibling table sharing the name
 * prefix). A dry run lists exactly what the apply deletes.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { uuidToZ85 } from "../../../../src/dv/z85.js";
import { deletionVectorFileKey } from "../../../../src/dv/file.js";
import { createEngine, type Engine } from "../../../../src/engine/index.js";
import type { Action, DeletionVectorDescriptor } from "../../../../src/log/actions.js";
import { loadSnapshot } from "../../../../src/log/snapshot.js";
import { vacuumTable, type VacuumOptions } from "../../../../src/ops/maintenance/vacuum.js";
import { LocalStore } from "../../../../src/storage/local-store.js";
import { MemoryStore } from "../../../../src/storage/memory-store.js";
import type { ObjectStore } from "../../../../src/storage/store.js";
import { metadataFor, writeCommit } from "../../../helpers/table-builder.js";

const DAY = 24 * 3600_000;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "lakelog-vacuum-"));
  dirs.push(dir);
  return dir;
}

/** Two stores side by side whose names share a prefix (`t1`, `t10`), per backend. */
const BACKENDS: Array<{ name: string; pair: () => { t1: ObjectStore; t10: ObjectStore; outside?: string } }> = [
  {
    name: "memory",
    pair: () => {
      const bucket = `vacuum-${randomUUID()}`;
      return { t1: new MemoryStore({ bucket, prefix: "t1" }), t10: new MemoryStore({ bucket, prefix: "t10" }) };
    },
  },
  {
    name: "local",
    pair: () => {
      const dir = tempDir();
      return { t1: new LocalStore(join(dir, "t1")), t10: new LocalStore(join(dir, "t10")), outside: join(dir, "outside.parquet") };
    },
  },
];

const bytes = (n: number) => new Uint8Array(n).fill(7);

function dv(prefix: string): { descriptor: DeletionVectorDescriptor; key: string } {
  const uuid = randomUUID();
  return {
    descriptor: { storageType: "u", pathOrInlineDv: `${prefix}${uuidToZ85(uuid)}`, offset: 1, sizeInBytes: 20, cardinality: 1 },
    key: deletionVectorFileKey(prefix, uuid),
  };
}

const addOf = (path: string, extra: Record<string, unknown> = {}): Action => ({
  add: { path, partitionValues: {}, size: 10, modificationTime: 1, dataChange: true, ...extra },
});
const removeOf = (path: string, deletionTimestamp: number | undefined, extra: Record<string, unknown> = {}): Action => ({
  remove: { path, ...(deletionTimestamp === undefined ? {} : { deletionTimestamp }), dataChange: true, ...extra },
});

interface Fixture {
  store: ObjectStore;
  /** Files (store keys) by role. */
  keys: Record<string, string>;
  /** Cutoff for a 7-day retention: files older than it and not referenced may go. */
  cutoff: number;
  engineAt: (now: number) => Engine;
}

/**
 * Builds a table: data and DV files, then commits 0-2 (all before the cutoff), then a commit 3
 * made after the cutoff that references an old change-data file and removes a file with no
 * deletion timestamp. The clock puts the cutoff between the two groups.
 */
async function buildTable(store: ObjectStore, outside?: string): Promise<Fixture> {
  const t0 = Date.now();
  const oldDv = dv("ab");
  const liveDv = dv("");
  const keys: Record<string, string> = {
    live: "live.parquet",
    liveWithDv: "part=x/live-dv.parquet",
    liveDv: liveDv.key,
    oldTombstone: "old.parquet",
    oldTombstoneDv: oldDv.key,
    oldTombstoneWithDv: "part=x/old-dv.parquet",
    recentTombstone: "recent.parquet",
    orphan: "orphan.parquet",
    orphanInPartition: "part=y/orphan.parquet",
    temp: ".lakelog-tmp-1234",
    tempInPartition: "part=x/.lakelog-tmp-5678",
    hiddenDir: "_hidden/file.parquet",
    hiddenFile: ".hidden.parquet",
    success: "_SUCCESS",
    logJunk: "_delta_log/junk.json.tmp",
    cdcOld: "_change_data/cdc-old.parquet",
    cdcReferenced: "_change_data/cdc-kept.parquet",
    removedLater: "removed-later.parquet",
    absoluteInside: "abs-inside.parquet",
  };
  for (const key of Object.values(keys)) await store.put(key, bytes(key.length));
  const root = store.rootUrl.replace(/\/+$/, "");
  const outsideUrl = outside ? `file://${outside}` : "memory://elsewhere/outside.parquet";
  if (outside) writeFileSync(outside, bytes(5));
  await writeCommit(store, 0, [
    { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
    metadataFor(
      [
        ["id", "long"],
        ["part", "string"],
      ],
      ["part"],
    ),
    addOf(keys.live!),
    addOf(keys.oldTombstone!),
    addOf(keys.oldTombstoneWithDv!, { partitionValues: { part: "x" }, deletionVector: oldDv.descriptor }),
    addOf(keys.recentTombstone!),
    addOf(keys.removedLater!),
    addOf(outsideUrl),
  ]);
  await writeCommit(store, 1, [
    removeOf(keys.oldTombstone!, t0 - DAY),
    removeOf(keys.oldTombstoneWithDv!, t0 - DAY, { deletionVector: oldDv.descriptor }),
    removeOf(outsideUrl, t0 - DAY),
    addOf(`${root}/${keys.absoluteInside}`),
  ]);
  await writeCommit(store, 2, [
    removeOf(keys.recentTombstone!, t0 + 30 * DAY),
    addOf(keys.liveWithDv!, { partitionValues: { part: "x" }, deletionVector: liveDv.descriptor }),
  ]);
  await sleep(30);
  const cutoff = Date.now();
  await sleep(30);
  await writeCommit(store, 3, [
    removeOf(keys.removedLater!, undefined),
    { cdc: { path: keys.cdcReferenced!, partitionValues: {}, size: 10, dataChange: false } },
  ]);
  await store.put("young-orphan.parquet", bytes(3));
  keys.youngOrphan = "young-orphan.parquet";
  return { store, keys, cutoff, engineAt: (now) => createEngine(store, { clock: { now: () => now } }) };
}

async function keysOf(store: ObjectStore): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const m of store.list("", { includeHidden: true })) out.add(m.path);
  return out;
}

async function run(f: Fixture, options: VacuumOptions) {
  const engine = f.engineAt(f.cutoff + 7 * DAY);
  return vacuumTable(engine, await loadSnapshot(engine), options);
}

describe.each(BACKENDS)("vacuum on the $name store", ({ pair }) => {
  it("lite deletes the files and deletion vectors of expired tombstones only", async () => {
    const { t1, outside } = pair();
    const f = await buildTable(t1, outside);
    const result = await run(f, { mode: "lite" });
    expect(result.dryRun).toBe(true);
    expect(result.filesDeleted).toEqual([f.keys.oldTombstoneDv, f.keys.oldTombstone, f.keys.oldTombstoneWithDv].sort());
    expect(result.bytes).toBe(result.filesDeleted.reduce((n, k) => n + k.length, 0));
  });

  it("full deletes orphans, temp files and unreferenced change data, and keeps everything referenced, hidden, young or in the log", async () => {
    const { t1, outside } = pair();
    const f = await buildTable(t1, outside);
    const result = await run(f, { mode: "full" });
    const k = f.keys;
    expect(result.filesDeleted).toEqual(
      [k.oldTombstone, k.oldTombstoneDv, k.oldTombstoneWithDv, k.orphan, k.orphanInPartition, k.temp, k.tempInPartition, k.cdcOld]
        .map(String)
        .sort(),
    );
  });

  it.each(["lite", "full"] as const)(
    "%s: the apply deletes exactly what the dry run listed, commits VACUUM START/END, and the table still reads",
    async (mode) => {
      const { t1, t10, outside } = pair();
      const f = await buildTable(t1, outside);
      await t10.put("orphan.parquet", bytes(4));
      await t10.put("_delta_log/00000000000000000000.json", bytes(4));
      const sibling = await keysOf(t10);
      const before = await keysOf(t1);
      const preview = await run(f, { mode });
      const applied = await run(f, { mode, dryRun: false });
      expect(applied.dryRun).toBe(false);
      expect(applied.filesDeleted).toEqual(preview.filesDeleted);
      const after = await keysOf(t1);
      expect([...before].filter((key) => !after.has(key)).sort()).toEqual(preview.filesDeleted);
      expect([...after].filter((key) => key.startsWith("_delta_log/") && !before.has(key)).sort()).toEqual([
        "_delta_log/00000000000000000004.json",
        "_delta_log/00000000000000000005.json",
      ]);
      expect(await keysOf(t10)).toEqual(sibling);
      if (outside) expect(existsSync(outside)).toBe(true);
      const snapshot = await loadSnapshot(f.engineAt(Date.now()));
      expect(snapshot.version).toBe(5);
      for (let i = 0; i < snapshot.files.length; i++) {
        const key = snapshot.files.path(i).replace(`${t1.rootUrl}/`, "");
        if (!key.includes("://")) expect(after.has(key)).toBe(true);
      }
      expect(after.has(f.keys.liveDv!)).toBe(true);
    },
  );

  it("never deletes a file younger than the retention, even an orphan", async () => {
    const { t1, outside } = pair();
    const f = await buildTable(t1, outside);
    const engine = f.engineAt(f.cutoff + 7 * DAY);
    const result = await vacuumTable(engine, await loadSnapshot(engine), { mode: "full", retentionHours: 24 * 365 });
    expect(result.filesDeleted).toEqual([]);
  });
});

describe("retention boundary (injected clock)", () => {
  it("keeps a tombstone deleted exactly at the cutoff and deletes it one millisecond later", async () => {
    const store = new MemoryStore();
    await store.put("a.parquet", bytes(1));
    // removed after the file was written, so the file's age never decides the outcome
    const removedAt = Date.now() + 5;
    await writeCommit(store, 0, [
      { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
      metadataFor([["id", "long"]]),
      addOf("a.parquet"),
    ]);
    await writeCommit(store, 1, [removeOf("a.parquet", removedAt)]);
    const at = async (now: number) => {
      const engine = createEngine(store, { clock: { now: () => now } });
      return (await vacuumTable(engine, await loadSnapshot(engine), { mode: "lite", retentionHours: 24 * 7 })).filesDeleted;
    };
    expect(await at(removedAt + 7 * DAY)).toEqual([]);
    expect(await at(removedAt + 7 * DAY + 1)).toEqual(["a.parquet"]);
  });
});

describe("leftover temporary files of the local store (a write killed before its rename)", () => {
  it("full vacuum sweeps expired ones in _delta_log/ and _delta_log/_sidecars/ too, keeps young ones, and the table still reads", async () => {
    const dir = join(tempDir(), "t");
    const store = new LocalStore(dir);
    await writeCommit(store, 0, [
      { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
      metadataFor([["id", "long"]]),
      addOf("live.parquet"),
    ]);
    await store.put("live.parquet", bytes(4));
    const stale = [
      "_delta_log/.lakelog-tmp-0b8e6c2a",
      "_delta_log/.lakelog-tmp-_last_checkpoint.lakelog-lock",
      "_delta_log/_sidecars/.lakelog-tmp-5f1d",
      ".lakelog-tmp-77aa",
    ];
    const young = "_delta_log/.lakelog-tmp-young";
    mkdirSync(join(dir, "_delta_log", "_sidecars"), { recursive: true });
    for (const key of [...stale, young]) writeFileSync(join(dir, key), bytes(3));
    const now = Date.now() + 8 * DAY;
    utimesSync(join(dir, young), new Date(now), new Date(now)); // written "just now" by a live writer
    const engine = createEngine(store, { clock: { now: () => now } });

    const preview = await vacuumTable(engine, await loadSnapshot(engine), { mode: "full" });
    expect(preview.filesDeleted).toEqual([...stale].sort());
    const lite = await vacuumTable(engine, await loadSnapshot(engine), { mode: "lite" });
    expect(lite.filesDeleted).toEqual([]);

    const applied = await vacuumTable(engine, await loadSnapshot(engine), { mode: "full", dryRun: false });
    expect(applied.filesDeleted).toEqual(preview.filesDeleted);
    for (const key of stale) expect(existsSync(join(dir, key))).toBe(false);
    expect(existsSync(join(dir, young))).toBe(true);
    const snapshot = await loadSnapshot(engine);
    expect(snapshot.version).toBe(2);
    expect(snapshot.files.length).toBe(1);
  });
});
