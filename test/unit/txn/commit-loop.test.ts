import { describe, expect, it } from "vitest";
import { createEngine } from "../../../src/engine/index.js";
import { AmbiguousOutcomeError } from "../../../src/errors/storage-errors.js";
import { parseActions } from "../../../src/log/parse-actions.js";
import { loadSnapshot } from "../../../src/log/snapshot.js";
import { MemoryStore } from "../../../src/storage/memory-store.js";
import type { PutOptions, PutResult, StoreCapabilities } from "../../../src/storage/store.js";
import { Transaction } from "../../../src/txn/transaction.js";
import { add, logStore, metaData, protocol } from "../../helpers/log-builder.js";

/** Fails creates of commit files in scripted ways: "lost-response" writes then reports ambiguity; "not-sent" reports ambiguity without writing. */
class FaultyStore extends MemoryStore {
  constructor(
    private script: Array<"lost-response" | "not-sent" | "ok">,
    bucket: string,
  ) {
    super({ bucket, prefix: "table" });
  }
  override async put(path: string, data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    if (options?.mode === "create" && path.endsWith(".json") && this.script.length > 0) {
      const step = this.script.shift();
      if (step === "lost-response") {
        await super.put(path, data, options);
        throw new AmbiguousOutcomeError(path, "faulty");
      }
      if (step === "not-sent") throw new AmbiguousOutcomeError(path, "faulty");
    }
    return super.put(path, data, options);
  }
}

async function baseTable() {
  const { store, commit } = logStore();
  await commit(0, [protocol(), metaData(), add("p0")]);
  return store;
}

const addFile = (path: string) => ({ path, partitionValues: {}, size: 1, modificationTime: 1, dataChange: true });

describe("commit loop", () => {
  it.each([["lost-response" as const], ["not-sent" as const]])("resolves an ambiguous create (%s) to exactly one commit", async (fault) => {
    const base = await baseTable();
    const bucket = (base.rootUrl.match(/^memory:\/\/([^/]+)/) ?? [])[1]!;
    const store = new FaultyStore([fault], bucket);
    const txn = new Transaction(createEngine(store), await loadSnapshot(createEngine(store)));
    txn.addFiles([addFile("new")]);
    const result = await txn.commit({ operation: "WRITE" });
    expect(result.version).toBe(1);
    const versions: string[] = [];
    for await (const o of store.list("_delta_log/")) versions.push(o.path);
    expect(versions).toEqual(["_delta_log/00000000000000000000.json", "_delta_log/00000000000000000001.json"]);
    const written = parseActions(await store.get("_delta_log/00000000000000000001.json"), "v1");
    expect(written.filter((a) => "add" in a)).toHaveLength(1);
    expect((written[0] as { commitInfo: { txnId: string } }).commitInfo.txnId).toBe(result.commitInfo.txnId);
  });

  it("gives up after maxCommitAttempts with a typed error when others keep winning", async () => {
    const base = await baseTable();
    const bucket = (base.rootUrl.match(/^memory:\/\/([^/]+)/) ?? [])[1]!;
    /** Another writer always commits the version this one is about to create. */
    class RacingStore extends MemoryStore {
      override async put(path: string, data: Uint8Array, options?: PutOptions): Promise<PutResult> {
        if (options?.mode === "create" && path.startsWith("_delta_log/")) {
          const other =
            '{"commitInfo":{"operation":"WRITE","isBlindAppend":true}}\n{"add":{"path":"other-' +
            path.slice(-8, -5) +
            '","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}}\n';
          await super.put(path, new TextEncoder().encode(other), { mode: "create" });
        }
        return super.put(path, data, options);
      }
    }
    const store = new RacingStore({ bucket, prefix: "table" });
    const txn = new Transaction(createEngine(store), await loadSnapshot(createEngine(store)), { maxCommitAttempts: 3 });
    txn.addFiles([addFile("late")]);
    await expect(txn.commit({ operation: "WRITE" })).rejects.toMatchObject({
      code: "COMMIT_RETRIES_EXHAUSTED",
      attempts: 3,
      lastVersionTried: 4,
    });
  });

  it("rebases past every commit that won meanwhile, in one read", async () => {
    const store = await baseTable();
    const snapshot = await loadSnapshot(createEngine(store));
    for (let v = 1; v <= 3; v++) {
      const other = new Transaction(createEngine(store), await loadSnapshot(createEngine(store)));
      other.addFiles([addFile(`o${v}`)]);
      await other.commit({ operation: "WRITE" });
    }
    const txn = new Transaction(createEngine(store), snapshot);
    txn.addFiles([addFile("late")]);
    expect(await txn.commit({ operation: "WRITE" })).toMatchObject({ version: 4, attempts: 2 });
  });

  it("records commitInfo: operation, readVersion, isBlindAppend, engine and a txnId", async () => {
    const store = await baseTable();
    const txn = new Transaction(createEngine(store, { clock: { now: () => 1_700_000_000_000 } }), await loadSnapshot(createEngine(store)));
    txn.addFiles([addFile("x")]);
    const { commitInfo } = await txn.commit({
      operation: "WRITE",
      operationParameters: { mode: "Append", partitionBy: [] },
      operationMetrics: { numFiles: 1 },
    });
    expect(commitInfo).toMatchObject({
      timestamp: 1_700_000_000_000,
      operation: "WRITE",
      operationParameters: { mode: "Append", partitionBy: "[]" },
      operationMetrics: { numFiles: "1" },
      readVersion: 0,
      isBlindAppend: true,
      isolationLevel: "WriteSerializable",
      engineInfo: expect.stringMatching(/^lakelog\//),
      txnId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it("refuses to commit through a store that cannot prove atomic create, unless single-writer", async () => {
    const base = await baseTable();
    const bucket = (base.rootUrl.match(/^memory:\/\/([^/]+)/) ?? [])[1]!;
    class Unsafe extends MemoryStore {
      override readonly capabilities: StoreCapabilities = { atomicCreate: "none", conditionalUpdate: false };
    }
    const store = new Unsafe({ bucket, prefix: "table" });
    const snapshot = await loadSnapshot(createEngine(store));
    const txn = new Transaction(createEngine(store), snapshot);
    txn.addFiles([addFile("x")]);
    await expect(txn.commit({ operation: "WRITE" })).rejects.toMatchObject({ code: "UNSUPPORTED_CAPABILITY" });
    const single = new Transaction(createEngine(store), snapshot, { singleWriter: true });
    single.addFiles([addFile("x")]);
    expect((await single.commit({ operation: "WRITE" })).version).toBe(1);
  });

  it("refuses removes on an append-only table", async () => {
    const { store, commit } = logStore();
    await commit(0, [protocol(1, 2), metaData({ configuration: { "delta.appendOnly": "true" } }), add("p0")]);
    const txn = new Transaction(createEngine(store), await loadSnapshot(createEngine(store)));
    txn.removeFiles([{ path: "p0", dataChange: true, deletionTimestamp: 1 }]);
    await expect(txn.commit({ operation: "DELETE" })).rejects.toMatchObject({ code: "WRITE_REFUSED" });
  });

  it("refuses to write a table with a writer feature it does not implement", async () => {
    const { store, commit } = logStore();
    await commit(0, [
      { protocol: { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ["icebergCompatV2", "domainMetadata"] } },
      metaData(),
    ]);
    const txn = new Transaction(createEngine(store), await loadSnapshot(createEngine(store)));
    txn.addFiles([addFile("x")]);
    await expect(txn.commit({ operation: "WRITE" })).rejects.toMatchObject({ code: "UNSUPPORTED_FEATURE", features: ["icebergCompatV2"] });
  });
});
