import { describe, expect, it } from "vitest";
import {
  CorruptLogError,
  InvalidTablePropertyError,
  MissingActionError,
  MissingLogVersionsError,
  TableNotFoundError,
  UnsupportedFeatureError,
  VersionNotFoundError,
} from "../../../src/errors/log-errors.js";
import { createEngine } from "../../../src/engine/index.js";
import { loadSnapshot, loadSnapshotIfExists } from "../../../src/log/snapshot.js";
import { writeCheckpoint } from "../../../src/ops/maintenance/checkpoint.js";
import { jsonOnlyEngine } from "../../helpers/engine.js";
import { add, logStore, metaData, protocol, remove } from "../../helpers/log-builder.js";

const paths = (snapshot: Awaited<ReturnType<typeof loadSnapshot>>) => [...snapshot.files].map((f) => f.path).sort();

describe("loadSnapshot replay rules", () => {
  it("applies adds and removes oldest first and keeps the newest protocol and metadata", async () => {
    const { store, commit } = logStore();
    await commit(0, [protocol(), metaData(), add("a"), add("b")]);
    await commit(1, [remove("a"), add("c")]);
    await commit(2, [metaData({ configuration: { k: "v" } }), protocol(1, 3)]);
    const snapshot = await loadSnapshot(jsonOnlyEngine(store));
    expect(snapshot.version).toBe(2);
    expect(paths(snapshot)).toEqual(["b", "c"]);
    expect(snapshot.properties).toEqual({ k: "v" });
    expect(snapshot.protocol.minWriterVersion).toBe(3);
    expect([...snapshot.tombstones.values()].map((r) => r.path)).toEqual(["a"]);
  });

  it("treats a re-added file as active again with its newest add", async () => {
    const { store, commit } = logStore();
    await commit(0, [protocol(), metaData(), add("foo", { modificationTime: 1 })]);
    await commit(1, [remove("foo")]);
    await commit(2, [add("foo", { modificationTime: 7 })]);
    const snapshot = await loadSnapshot(jsonOnlyEngine(store));
    expect([...snapshot.files].map((f) => [f.path, f.modificationTime])).toEqual([["foo", 7]]);
    expect(snapshot.tombstones.size).toBe(0);
  });

  it("matches a remove to an add spelled differently (file: URI vs path, escapes)", async () => {
    const { store, commit } = logStore();
    await commit(0, [protocol(), metaData(), add("file:///abs/with%20space/p@%23h"), add("x%3D1/f")]);
    await commit(1, [remove("file:/abs/with%20space/p@%23h"), remove("x=1/f")]);
    expect((await loadSnapshot(jsonOnlyEngine(store))).files.length).toBe(0);
  });

  it("keys files by path and deletion vector", async () => {
    const dv = (id: string) => ({ storageType: "i", pathOrInlineDv: id, sizeInBytes: 1, cardinality: 1 });
    const { store, commit } = logStore();
    await commit(0, [protocol(), metaData(), add("f")]);
    await commit(1, [remove("f"), add("f", { deletionVector: dv("one") })]);
    await commit(2, [remove("f", { deletionVector: dv("one") }), add("f", { deletionVector: dv("two") })]);
    const snapshot = await loadSnapshot(jsonOnlyEngine(store));
    expect(snapshot.files.length).toBe(1);
    expect(snapshot.files.deletionVector(0)?.pathOrInlineDv).toBe("two");
  });

  it("keeps the newest txn per app and drops removed domains", async () => {
    const { store, commit } = logStore();
    await commit(0, [
      protocol(),
      metaData(),
      { txn: { appId: "etl", version: 3 } },
      { domainMetadata: { domain: "d", configuration: "{}", removed: false } },
    ]);
    await commit(1, [{ txn: { appId: "etl", version: 4 } }, { domainMetadata: { domain: "d", configuration: "", removed: true } }]);
    const snapshot = await loadSnapshot(jsonOnlyEngine(store));
    expect(snapshot.txns.get("etl")?.version).toBe(4);
    expect(snapshot.domains.has("d")).toBe(false);
  });

  it("travels to an earlier version", async () => {
    const { store, commit } = logStore();
    await commit(0, [protocol(), metaData(), add("a")]);
    await commit(1, [add("b")]);
    await commit(2, [remove("a")]);
    expect(paths(await loadSnapshot(jsonOnlyEngine(store), { version: 1 }))).toEqual(["a", "b"]);
    expect(paths(await loadSnapshot(jsonOnlyEngine(store), { version: 0 }))).toEqual(["a"]);
  });
});

describe("loadSnapshot from a checkpoint", () => {
  it("reports the same add actions as from the commits, dataChange included", async () => {
    const { store, commit } = logStore();
    await commit(0, [protocol(), metaData(), add("a", { stats: '{"numRecords":1}' })]);
    // an OPTIMIZE-style commit: its add says dataChange false
    await commit(1, [remove("a", { dataChange: false }), add("b", { dataChange: false, tags: { t: "v" } })]);
    const engine = createEngine(store);
    const fromCommits = await loadSnapshot(engine);
    await writeCheckpoint(engine, fromCommits);
    const fromCheckpoint = await loadSnapshot(engine);
    expect(fromCheckpoint.segment.checkpoint?.version).toBe(1);
    expect([...fromCheckpoint.files]).toEqual([...fromCommits.files]);
    expect([...fromCommits.files].map((f) => f.dataChange)).toEqual([true]);
  });
});

describe("loadSnapshot with a malformed table property", () => {
  it("still opens the table; the property raises where it is read", async () => {
    const { store, commit } = logStore();
    await commit(0, [protocol(), metaData({ configuration: { "delta.enableInCommitTimestamps": "yes" } }), add("a")]);
    const snapshot = await loadSnapshot(jsonOnlyEngine(store));
    expect(paths(snapshot)).toEqual(["a"]);
    expect(() => snapshot.tableProperties.enableInCommitTimestamps).toThrow(InvalidTablePropertyError);
  });
});

describe("loadSnapshotIfExists", () => {
  it("resolves with undefined where there is no table, and with the snapshot where there is one", async () => {
    const { store, commit } = logStore();
    expect(await loadSnapshotIfExists(jsonOnlyEngine(store))).toBeUndefined();
    await commit(0, [protocol(), metaData(), add("a")]);
    const snapshot = await loadSnapshotIfExists(jsonOnlyEngine(store));
    expect(snapshot?.version).toBe(0);
    expect(paths(snapshot!)).toEqual(["a"]);
  });

  it("still rejects a version the table does not have", async () => {
    const { store, commit } = logStore();
    await commit(0, [protocol(), metaData()]);
    await expect(loadSnapshotIfExists(jsonOnlyEngine(store), { version: 3 })).rejects.toBeInstanceOf(VersionNotFoundError);
  });
});

describe("loadSnapshot errors", () => {
  it("refuses a location without commits", async () => {
    const { store } = logStore();
    await expect(loadSnapshot(jsonOnlyEngine(store))).rejects.toBeInstanceOf(TableNotFoundError);
  });

  it("names the file and line of a corrupt commit", async () => {
    const { store, commit } = logStore();
    await commit(0, [protocol(), metaData()]);
    await store.put("_delta_log/00000000000000000001.json", new TextEncoder().encode('{"add":{"path":"a","size":1}}\n{"add": oops}\n'));
    const err = await loadSnapshot(jsonOnlyEngine(store)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptLogError);
    expect(err).toMatchObject({ file: "_delta_log/00000000000000000001.json", line: 2 });
  });

  it("reports a gap in the commits", async () => {
    const { store, commit } = logStore();
    await commit(0, [protocol(), metaData()]);
    await commit(2, [add("x")]);
    await expect(loadSnapshot(jsonOnlyEngine(store))).rejects.toMatchObject({ code: "MISSING_LOG_VERSIONS", missing: [1] });
    await expect(loadSnapshot(jsonOnlyEngine(store))).rejects.toBeInstanceOf(MissingLogVersionsError);
  });

  it("names the readable range for a version that does not exist", async () => {
    const { store, commit } = logStore();
    await commit(0, [protocol(), metaData()]);
    await commit(1, [add("x")]);
    const err = await loadSnapshot(jsonOnlyEngine(store), { version: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionNotFoundError);
    expect(err).toMatchObject({ requested: 5, earliest: 0, latest: 1 });
  });

  it.each([
    ["protocol", [metaData(), add("a")]],
    ["metaData", [protocol(), add("a")]],
  ])("refuses a log without %s", async (missing, actions) => {
    const { store, commit } = logStore();
    await commit(0, actions);
    await expect(loadSnapshot(jsonOnlyEngine(store))).rejects.toMatchObject({ code: "MISSING_ACTION", action: missing });
    await expect(loadSnapshot(jsonOnlyEngine(store))).rejects.toBeInstanceOf(MissingActionError);
  });

  it.each([
    [{ minReaderVersion: 99, minWriterVersion: 7 }, ["readerVersion 99"]],
    [{ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["deletionVectors", "futureThing"], writerFeatures: [] }, ["futureThing"]],
  ])("refuses unsupported reader protocol %j", async (p, features) => {
    const { store, commit } = logStore();
    await commit(0, [{ protocol: p }, metaData()]);
    const err = await loadSnapshot(jsonOnlyEngine(store)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedFeatureError);
    expect(err).toMatchObject({ features });
  });
});
