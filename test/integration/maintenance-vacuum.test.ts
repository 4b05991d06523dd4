/**
 * Vacuum and restore against the real servers, and vacuum racing a writer process.
 *
 * - On S3 (Ceph) and Azure (Azurite): restore to a version, then a full vacuum (clock moved past
 *   the default retention) deletes the overwritten file and an orphan, never the log or a sibling
 *   table whose name extends this one's (`<id>` vs `<id>0`), and a restore that needs the
 *   vacuumed file is refused typed.
 * - On the local store: a child process appends while the parent runs full vacuums (retention one
 *   hour, over a history aged one day); afterwards every file any committed version since the
 *   race began references exists, every row is readable, and the aged garbage is gone.
 */
import { randomUUID } from "node:crypto";
import { readdirSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { Field, Int32, Schema, Table, Utf8, vectorFromArray } from "apache-arrow";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createEngine } from "../../src/engine/index.js";
import { RestoreMissingFilesError } from "../../src/errors/maintenance-vacuum-errors.js";
import { NotFoundError } from "../../src/errors/storage-errors.js";
import { parseActions } from "../../src/log/parse-actions.js";
import { commitPath } from "../../src/log/log-files.js";
import { loadSnapshot } from "../../src/log/snapshot.js";
import { vacuumTable } from "../../src/ops/maintenance/vacuum.js";
import { openStore } from "../../src/storage/open-store.js";
import type { ObjectStore } from "../../src/storage/store.js";
import { DeltaTable } from "../../src/table/delta-table.js";
import { backendTargets, processBackendTargets } from "../helpers/cloud-targets.js";
import { startChild } from "../helpers/run-child.js";

const DAY = 24 * 3600_000;
const stores: ObjectStore[] = [];
afterAll(async () => {
  for (const s of stores.splice(0)) await s.close?.();
});

async function keys(store: ObjectStore): Promise<string[]> {
  const out: string[] = [];
  for await (const m of store.list("")) out.push(m.path);
  return out.sort();
}

const itemSchema = () =>
  new Schema([new Field("writer", new Int32(), true), new Field("seq", new Int32(), true), new Field("payload", new Utf8(), true)]);
function rows(seq: number, payload: string): Table {
  return new Table(itemSchema(), {
    writer: vectorFromArray([-1], new Int32()),
    seq: vectorFromArray([seq], new Int32()),
    payload: vectorFromArray([payload], new Utf8()),
  });
}

async function payloads(table: DeltaTable): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of table.scan({ columns: ["payload"] })) out.push(...(batch.getChild("payload")!.toArray() as string[]));
  return out.sort();
}

const cloud = backendTargets().filter((b) => b.name === "s3" || b.name === "azure");

describe.each(cloud)("vacuum and restore on $name", ({ fresh }) => {
  it("restores a version, vacuums the overwritten file and an orphan (not the log, not a sibling), then refuses a restore that needs them", async () => {
    const target = fresh();
    const table = await DeltaTable.create(target.url, { schema: itemSchema(), storage: target.options });
    stores.push(table.store);
    await table.write(rows(1, "one"));
    await table.write(rows(2, "two"), { mode: "overwrite" });
    const sibling = await openStore(`${target.url}0`, target.options);
    stores.push(sibling);
    await sibling.put("part-sibling.parquet", new Uint8Array(8));
    await sibling.put("_delta_log/00000000000000000000.json", new Uint8Array(8));
    await table.store.put("part-orphan.parquet", new Uint8Array(8));

    const restored = await table.restore({ version: 1 });
    expect(restored).toMatchObject({ version: 3, restoredVersion: 1, metrics: { numRestoredFiles: 1, numRemovedFiles: 1 } });
    expect(await payloads(await table.refresh())).toEqual(["one"]);
    const twoFile = (await table.loadVersion(2)).files();

    const later = createEngine(table.store, { clock: { now: () => Date.now() + 8 * DAY } });
    const snapshot = await loadSnapshot(later);
    const preview = await vacuumTable(later, snapshot, { mode: "full" });
    expect(preview.filesDeleted).toEqual(["part-orphan.parquet", ...twoFile].sort());
    const before = await keys(table.store);
    const siblingBefore = await keys(sibling);
    const applied = await vacuumTable(later, snapshot, { mode: "full", dryRun: false });
    expect(applied.filesDeleted).toEqual(preview.filesDeleted);
    const after = await keys(table.store);
    expect(before.filter((k) => !after.includes(k))).toEqual(preview.filesDeleted);
    expect(after.filter((k) => k.startsWith("_delta_log/")).length).toBe(before.filter((k) => k.startsWith("_delta_log/")).length + 2);
    expect(await keys(sibling)).toEqual(siblingBefore);
    expect(await payloads(await table.refresh())).toEqual(["one"]);

    const refused = await table.restore({ version: 2 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RestoreMissingFilesError);
    expect((refused as RestoreMissingFilesError).missing).toEqual(twoFile);
  });
});

/** Sets the times of every file under `dir` to `ms`. */
function age(dir: string, ms: number): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) age(path, ms);
    else utimesSync(path, ms / 1000, ms / 1000);
  }
}

const local = processBackendTargets().filter((b) => b.name === "local");

describe.each(local)("vacuum racing a writer process on $name", ({ fresh }) => {
  it("never deletes a file that a committed version references", async () => {
    const target = fresh();
    const url = join(target.url, "table");
    // a history one day old: an overwritten file (tombstone a day old) and an orphan
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() - DAY);
    const table = await DeltaTable.create(url, { schema: itemSchema() });
    await table.write(rows(0, "old"));
    await table.write(rows(0, "seed"), { mode: "overwrite" });
    await table.store.put(`part-orphan-${randomUUID()}.parquet`, new Uint8Array(8));
    vi.useRealTimers();
    age(url, Date.now() - DAY);
    const raceStart = (await table.refresh()).version;

    const COUNT = 25;
    const writer = startChild("test/helpers/children/append-writer.ts", { url, options: {}, id: 0, count: COUNT, maxCommitAttempts: 100 });
    await writer.waitFor((line) => line === "ready");
    writer.send("go");
    let exited = false;
    void writer.done.then(() => (exited = true));
    const deleted: string[] = [];
    let vacuums = 0;
    while (!exited || vacuums === 0) {
      const result = await table.vacuum({ mode: "full", dryRun: false, retentionHours: 1, enforceRetention: false });
      deleted.push(...result.filesDeleted);
      vacuums++;
    }
    const { code, stderr } = await writer.done;
    expect(code, stderr).toBe(0);
    expect(deleted).toHaveLength(2); // the overwritten file and the orphan, by the first vacuum

    const latest = await table.refresh();
    for (let v = raceStart; v <= latest.version; v++) {
      for (const action of parseActions(await table.store.get(commitPath(v)), commitPath(v))) {
        if (!("add" in action)) continue;
        await expect(
          table.store.head(action.add.path).catch((e: unknown) => e),
          `v${v} ${action.add.path}`,
        ).not.toBeInstanceOf(NotFoundError);
      }
    }
    const all = await payloads(latest);
    expect(all).toHaveLength(COUNT + 1);
    console.log(`vacuum race: ${vacuums} full vacuums ran while ${COUNT} appends committed`);
  });
});
