/**
 * Checkpoints and log cleanup against the real servers (Ceph S3 and Azurite): a checkpoint the
 * reader then starts from, `_last_checkpoint`, a multi-part checkpoint, an automatic checkpoint
 * after the commit that reaches delta.checkpointInterval, and a cleanup (clock moved past the
 * retention) after which the retained versions read and an expired one fails typed.
 */
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { VersionNotFoundError } from "../../src/errors/log-errors.js";
import type { MaintenanceEvent } from "../../src/ops/maintenance/checkpoint-auto.js";
import { openStore } from "../../src/storage/open-store.js";
import type { ObjectStore } from "../../src/storage/store.js";
import { DeltaTable } from "../../src/table/delta-table.js";
import { backendTargets } from "../helpers/cloud-targets.js";

const DAY = 24 * 3600_000;
const stores: ObjectStore[] = [];
afterAll(async () => {
  for (const s of stores.splice(0)) await s.close?.();
});

const schema = { type: "struct" as const, fields: [{ name: "id", type: "long" as const, nullable: true, metadata: {} }] };

async function logFiles(store: ObjectStore): Promise<string[]> {
  const out: string[] = [];
  for await (const m of store.list("_delta_log/")) out.push(m.path.slice("_delta_log/".length));
  return out.sort();
}

describe.each(backendTargets().filter((b) => b.name === "s3" || b.name === "azure"))("checkpoint and log cleanup on $name", ({ fresh }) => {
  it("checkpoints, reads from the checkpoint, checkpoints automatically, and cleans up expired versions", async () => {
    const target = fresh();
    const url = `${target.url}/t-${randomUUID()}`;
    const store = await openStore(url, target.options);
    stores.push(store);
    let table = await DeltaTable.create(url, { schema, store, properties: { "delta.checkpointInterval": "5" } });
    for (let i = 1; i <= 4; i++) await table.write([{ id: BigInt(i) }]);
    table = await table.refresh();

    const metrics = await table.checkpoint();
    expect(metrics).toMatchObject({ version: 4, format: "classic", numAddFiles: 4 });
    const hint = JSON.parse(new TextDecoder().decode(await store.get("_delta_log/_last_checkpoint"))) as Record<string, unknown>;
    expect(hint).toMatchObject({ version: 4, size: metrics.numActions, sizeInBytes: metrics.sizeInBytes, numOfAddFiles: 4 });
    const reopened = await DeltaTable.open(url, { store });
    expect(reopened.snapshot.segment.checkpoint?.version).toBe(4);
    expect((await reopened.toArrow()).numRows).toBe(4);

    const multi = await reopened.checkpoint({ actionsPerPart: 2 });
    expect(multi).toMatchObject({ format: "multipart", parts: Math.ceil(multi.numActions / 2) });
    expect((await (await DeltaTable.open(url, { store })).toArrow()).numRows).toBe(4);

    // version 5 is a multiple of the interval: a checkpoint follows in the background
    const events: MaintenanceEvent[] = [];
    const cleaned = new Promise<void>((resolve) => {
      void table.write([{ id: 5n }], {
        onMaintenance: (e) => {
          events.push(e);
          if (e.kind.startsWith("log-cleanup") || e.kind === "checkpoint-error") resolve();
        },
      });
    });
    await cleaned;
    expect(events.map((e) => e.kind)).toEqual(["checkpoint", "log-cleanup"]);
    expect(await logFiles(store)).toContain("00000000000000000005.checkpoint.parquet");

    // 31 days later everything before the checkpoint of version 5 has expired
    const latest = await DeltaTable.open(url, { store });
    const cleanup = await latest.cleanupLog({ now: Date.now() + 31 * DAY });
    expect(cleanup.checkpointVersion).toBe(5);
    expect(await logFiles(store)).toEqual(["00000000000000000005.checkpoint.parquet", "00000000000000000005.json", "_last_checkpoint"]);
    expect((await (await DeltaTable.open(url, { store, version: 5 })).toArrow()).numRows).toBe(5);
    const err = await DeltaTable.open(url, { store, version: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionNotFoundError);
    expect(err).toMatchObject({ earliest: 5 });
  });
});
