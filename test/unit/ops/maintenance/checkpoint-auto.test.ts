/**
 * Automatic checkpoints: after a commit whose version is a multiple of delta.checkpointInterval a
 * checkpoint is written in the background (then expired log cleanup); it never fails the commit,
 * reports through onMaintenance, and can be turned off per call.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createEngine } from "../../../../src/engine/index.js";
import { loadSnapshot } from "../../../../src/log/snapshot.js";
import { readTableProperties } from "../../../../src/log/table-properties.js";
import type { MaintenanceEvent } from "../../../../src/ops/maintenance/checkpoint-auto.js";
import { MemoryStore } from "../../../../src/storage/memory-store.js";
import type { PutStreamOptions } from "../../../../src/storage/store.js";
import { DeltaTable, writeDeltaTable } from "../../../../src/table/delta-table.js";

const schema = { type: "struct" as const, fields: [{ name: "id", type: "long" as const, nullable: true, metadata: {} }] };

/** Resolves with the first event of `kind`. */
function waitFor(kind: MaintenanceEvent["kind"]) {
  let resolve!: (e: MaintenanceEvent) => void;
  const promise = new Promise<MaintenanceEvent>((r) => (resolve = r));
  const events: MaintenanceEvent[] = [];
  const onMaintenance = (e: MaintenanceEvent) => {
    events.push(e);
    if (e.kind === kind) resolve(e);
  };
  return { promise, onMaintenance, events };
}

async function checkpointFiles(store: MemoryStore): Promise<string[]> {
  const out: string[] = [];
  for await (const m of store.list("_delta_log/")) if (m.path.includes(".checkpoint.")) out.push(m.path);
  return out;
}

describe("automatic checkpoints", () => {
  it("uses Spark's default interval of 10", () => {
    expect(readTableProperties({}).checkpointInterval).toBe(10);
  });

  it("checkpoints after the commit whose version is a multiple of delta.checkpointInterval, then cleans the log", async () => {
    const store = new MemoryStore();
    const table = await DeltaTable.create(`memory://auto-${randomUUID()}/t`, {
      schema,
      store,
      properties: { "delta.checkpointInterval": "3" },
    });
    const none = waitFor("checkpoint");
    await table.write([{ id: 1n }], { onMaintenance: none.onMaintenance });
    await table.write([{ id: 2n }], { onMaintenance: none.onMaintenance });
    const due = waitFor("log-cleanup");
    const result = await table.write([{ id: 3n }], { onMaintenance: due.onMaintenance });
    expect(result.version).toBe(3);
    // the commit resolved before the checkpoint was written
    expect(await checkpointFiles(store)).toEqual([]);
    await due.promise;
    expect(due.events.map((e) => e.kind)).toEqual(["checkpoint", "log-cleanup"]);
    expect(due.events[0]).toMatchObject({ kind: "checkpoint", metrics: { version: 3, numAddFiles: 3 } });
    expect(none.events).toEqual([]);
    expect(await checkpointFiles(store)).toEqual(["_delta_log/00000000000000000003.checkpoint.parquet"]);
    const reread = await loadSnapshot(createEngine(store));
    expect(reread.segment.checkpoint?.version).toBe(3);
  });

  it("writes nothing with autoCheckpoint: false", async () => {
    const store = new MemoryStore();
    const table = await DeltaTable.create(`memory://auto-${randomUUID()}/t`, {
      schema,
      store,
      properties: { "delta.checkpointInterval": "1" },
    });
    const events: MaintenanceEvent[] = [];
    await table.write([{ id: 1n }], { autoCheckpoint: false, onMaintenance: (e) => events.push(e) });
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual([]);
    expect(await checkpointFiles(store)).toEqual([]);
  });

  it("reports a failed checkpoint through onMaintenance while the commit succeeds", async () => {
    const inner = new MemoryStore();
    // a store whose streamed uploads into the log (checkpoint files) fail; data files still upload
    const failing = Object.assign(Object.create(inner) as MemoryStore, {
      putStream: (path: string, source: AsyncIterable<Uint8Array>, options?: PutStreamOptions) =>
        path.startsWith("_delta_log/") ? Promise.reject(new Error("disk full")) : inner.putStream(path, source, options),
    });
    await writeDeltaTable(`memory://auto-${randomUUID()}/t`, [{ id: 0n }], {
      store: failing,
      properties: { "delta.checkpointInterval": "1" },
      autoCheckpoint: false,
    });
    const table = await DeltaTable.open(inner.rootUrl, { store: failing });
    const failed = waitFor("checkpoint-error");
    const result = await table.write([{ id: 1n }], { onMaintenance: failed.onMaintenance });
    expect(result.version).toBe(1);
    const event = await failed.promise;
    expect(event).toMatchObject({ kind: "checkpoint-error", version: 1 });
    expect((await (await table.refresh()).toArrow()).numRows).toBe(2);
  });

  it("also runs after commits of table.transaction()", async () => {
    const store = new MemoryStore();
    const table = await DeltaTable.create(`memory://auto-${randomUUID()}/t`, {
      schema,
      store,
      properties: { "delta.checkpointInterval": "1" },
    });
    const done = waitFor("checkpoint");
    const txn = table.transaction({ onMaintenance: done.onMaintenance });
    txn.setMetadata({ ...table.metadata, description: "described" });
    await txn.commit({ operation: "SET TBLPROPERTIES" });
    expect(await done.promise).toMatchObject({ metrics: { version: 1 } });
  });
});
