/**
 * table.cleanupLog(): expired commits and checkpoints go, the newest checkpoint at or before the
 * cutoff and everything after it stay, every retained version stays readable, and time travel to
 * a deleted version fails typed naming the earliest version. File ages are set with utimes on a
 * local table; "now" is passed in.
 */
import { mkdtempSync, readdirSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidTablePropertyError, VersionNotFoundError } from "../../../../src/errors/log-errors.js";
import { createEngine } from "../../../../src/engine/index.js";
import { loadSnapshot } from "../../../../src/log/snapshot.js";
import { writeCheckpoint } from "../../../../src/ops/maintenance/checkpoint.js";
import { LocalStore } from "../../../../src/storage/local-store.js";
import { DeltaTable } from "../../../../src/table/delta-table.js";

const DAY = 86400_000;
const roots: string[] = [];
afterAll(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

const schema = { type: "struct" as const, fields: [{ name: "id", type: "long" as const, nullable: true, metadata: {} }] };

/** A local table with versions 0..5 (one row per write), a checkpoint at `checkpointAt`. */
async function tableWithHistory(checkpointAt: number[], properties: Record<string, string> = {}) {
  const root = mkdtempSync(join(tmpdir(), "lakelog-cleanup-"));
  roots.push(root);
  const url = join(root, "t");
  let table = await DeltaTable.create(url, { schema, properties });
  for (let i = 1; i <= 5; i++) await table.write([{ id: BigInt(i) }], { autoCheckpoint: false });
  table = await table.refresh();
  const engine = createEngine(new LocalStore(url));
  for (const v of checkpointAt) await writeCheckpoint(engine, await loadSnapshot(engine, { version: v }));
  return { url, log: join(url, "_delta_log"), table: await table.refresh() };
}

/** Sets the modification time of every log file of versions `from..to` to `ms`. */
function age(log: string, from: number, to: number, ms: number): void {
  for (const name of readdirSync(log)) {
    const m = /^(\d{20})\./.exec(name);
    if (m && Number(m[1]) >= from && Number(m[1]) <= to) utimesSync(join(log, name), ms / 1000, ms / 1000);
  }
}

const names = (log: string) =>
  readdirSync(log)
    .filter((n) => /^\d{20}\./.test(n))
    .sort();

describe("table.cleanupLog()", () => {
  it("deletes the commits and checkpoints before the newest expired checkpoint, keeping every later version readable", async () => {
    const { url, log, table } = await tableWithHistory([2, 3]);
    const now = Date.now();
    age(log, 0, 3, now - 40 * DAY);
    const metrics = await table.cleanupLog({ now });
    expect(metrics.checkpointVersion).toBe(3);
    expect(metrics.deleted.map((p) => p.replace("_delta_log/", "")).sort()).toEqual([
      "00000000000000000000.json",
      "00000000000000000001.json",
      "00000000000000000002.checkpoint.parquet",
      "00000000000000000002.json",
    ]);
    expect(names(log)).toEqual([
      "00000000000000000003.checkpoint.parquet",
      "00000000000000000003.json",
      "00000000000000000004.json",
      "00000000000000000005.json",
    ]);
    for (const v of [3, 4, 5]) {
      const t = await DeltaTable.open(url, { version: v });
      expect((await t.toArrow()).numRows).toBe(v);
    }
    const err = await DeltaTable.open(url, { version: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionNotFoundError);
    expect(err).toMatchObject({ requested: 2, earliest: 3, latest: 5 });
  });

  it.each([
    ["every part expired: it counts", [], 3],
    ["one part young: it does not count", ["00000000000000000003.checkpoint.0000000002.0000000003.parquet"], 2],
  ])("a multi-part checkpoint with %s", async (_, youngParts, expected) => {
    const { url, log, table } = await tableWithHistory([2]);
    const engine = createEngine(new LocalStore(url));
    const multi = await writeCheckpoint(engine, await loadSnapshot(engine, { version: 3 }), { actionsPerPart: 2 });
    expect(multi.format).toBe("multipart");
    const now = Date.now();
    age(log, 0, 3, now - 40 * DAY);
    for (const name of youngParts) utimesSync(join(log, name), now / 1000, now / 1000);
    const metrics = await table.cleanupLog({ now });
    expect(metrics.checkpointVersion).toBe(expected);
    for (const v of [expected, 5]) expect((await (await DeltaTable.open(url, { version: v })).toArrow()).numRows).toBe(v);
  });

  it("deletes nothing when no checkpoint is older than the retention", async () => {
    const { log, table } = await tableWithHistory([4]);
    const now = Date.now();
    age(log, 0, 3, now - 40 * DAY); // the commits are old, the checkpoint is not
    const metrics = await table.cleanupLog({ now });
    expect(metrics.deleted).toEqual([]);
    expect(names(log)).toHaveLength(7);
  });

  it("stops at the first commit younger than the retention, so the commits left stay contiguous", async () => {
    const { url, log, table } = await tableWithHistory([3]);
    const now = Date.now();
    age(log, 0, 3, now - 40 * DAY);
    age(log, 1, 1, now); // commit 1 is recent
    const metrics = await table.cleanupLog({ now });
    expect(metrics.deleted.map((p) => p.replace("_delta_log/", ""))).toEqual(["00000000000000000000.json"]);
    expect(names(log).filter((n) => n.endsWith(".json"))).toEqual([1, 2, 3, 4, 5].map((v) => `${String(v).padStart(20, "0")}.json`));
    for (const v of [3, 5]) expect((await DeltaTable.open(url, { version: v })).version).toBe(v);
    // versions before the kept checkpoint are not guaranteed: 1 needs the deleted commit 0
    await expect(DeltaTable.open(url, { version: 1 })).rejects.toMatchObject({ code: "VERSION_NOT_FOUND", earliest: 3 });
  });

  it("honours delta.logRetentionDuration and the engine clock when no 'now' is given", async () => {
    const { url, log } = await tableWithHistory([3], { "delta.logRetentionDuration": "interval 2 days" });
    const now = Date.now();
    age(log, 0, 3, now - 3 * DAY);
    const table = await DeltaTable.open(url);
    expect((await table.cleanupLog({ now: now - 2 * DAY })).deleted).toEqual([]);
    expect((await table.cleanupLog()).deleted).toHaveLength(3);
  });

  it("refuses an unparsable delta.logRetentionDuration with a typed error instead of guessing", async () => {
    const { table } = await tableWithHistory([], { "delta.logRetentionDuration": "interval 1 month" });
    await expect(table.cleanupLog()).rejects.toBeInstanceOf(InvalidTablePropertyError);
  });
});
