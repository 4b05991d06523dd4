/**
 * The store contract, run unchanged against every backend: local, memory, the real S3-compatible
 * server and Azurite (both started by test/setup/servers.ts).
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlreadyExistsError, InvalidPathError, NotFoundError, PreconditionError } from "../../../src/errors/storage-errors.js";
import { openStore } from "../../../src/storage/open-store.js";
import { compareKeys } from "../../../src/storage/paths.js";
import type { ObjectStore } from "../../../src/storage/store.js";
import { backendTargets, type CloudTarget } from "../../helpers/cloud-targets.js";
import { startChild } from "../../helpers/run-child.js";

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

async function collect(iterable: AsyncIterable<{ path: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const meta of iterable) out.push(meta.path);
  return out;
}

async function putAll(store: ObjectStore, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 64) {
    await Promise.all(keys.slice(i, i + 64).map((k) => store.put(k, text(k))));
  }
}

describe.each(backendTargets())("store contract: $name", ({ name, fresh }) => {
  let target: CloudTarget;
  let store: ObjectStore;

  beforeAll(async () => {
    target = fresh();
    store = await openStore(target.url, target.options);
  });
  afterAll(async () => {
    await store?.close?.();
  });

  it("writes, reads back, and overwrites an object", async () => {
    await store.put("basic/a.txt", text("first"));
    expect(decode(await store.get("basic/a.txt"))).toBe("first");
    await store.put("basic/a.txt", text("second, longer"));
    expect(decode(await store.get("basic/a.txt"))).toBe("second, longer");
    const meta = await store.head("basic/a.txt");
    expect(meta.path).toBe("basic/a.txt");
    expect(meta.size).toBe(14);
    expect(Math.abs(meta.lastModified - Date.now())).toBeLessThan(10 * 60_000);
  });

  it("reports a missing object as NotFoundError on get and head, and deletes it idempotently", async () => {
    await expect(store.get("missing/none")).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.head("missing/none")).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.delete("missing/none")).resolves.toBeUndefined();
  });

  it("create succeeds once and then fails with AlreadyExistsError, leaving the first content", async () => {
    await store.put("create/v0.json", text("winner"), { mode: "create" });
    const second = store.put("create/v0.json", text("loser"), { mode: "create" });
    await expect(second).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(second).rejects.toMatchObject({ code: "ALREADY_EXISTS", path: "create/v0.json" });
    expect(decode(await store.get("create/v0.json"))).toBe("winner");
  });

  it("32 concurrent creates of one key from separate processes: exactly one wins", async () => {
    if (name === "memory") {
      // a memory store is private to its process; the in-process race below covers it
      const results = await Promise.allSettled(
        Array.from({ length: 32 }, (_, i) => store.put("race/key", text(`writer-${i}`), { mode: "create" })),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(results.filter((r) => r.status === "rejected" && r.reason instanceof AlreadyExistsError)).toHaveLength(31);
      return;
    }
    const children = Array.from({ length: 32 }, (_, id) =>
      startChild("test/helpers/children/race-create.ts", { url: target.url, options: target.options, key: "race/key", id }),
    );
    await Promise.all(children.map((c) => c.waitFor((l) => l === "ready")));
    for (const c of children) c.send("go");
    const outcomes = await Promise.all(
      children.map(async (c) => JSON.parse(await c.waitFor((l) => l.startsWith("{"))) as { id: number; outcome: string }),
    );
    await Promise.all(children.map((c) => c.done));
    const winners = outcomes.filter((o) => o.outcome === "won");
    expect(winners).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === "ALREADY_EXISTS")).toHaveLength(31);
    expect(decode(await store.get("race/key"))).toBe(`writer-${winners[0]!.id}`);
  });

  it("compare-and-swap: the right etag replaces, a stale one fails with PreconditionError", async () => {
    const first = await store.put("cas/obj", text("v1"));
    const etag = first.etag ?? (await store.head("cas/obj")).etag;
    expect(etag).toBeTruthy();
    const second = await store.put("cas/obj", text("v2"), { mode: { ifMatch: etag! } });
    expect(decode(await store.get("cas/obj"))).toBe("v2");
    await expect(store.put("cas/obj", text("v3"), { mode: { ifMatch: etag! } })).rejects.toBeInstanceOf(PreconditionError);
    expect(decode(await store.get("cas/obj"))).toBe("v2");
    const current = second.etag ?? (await store.head("cas/obj")).etag;
    await store.put("cas/obj", text("v3"), { mode: { ifMatch: current! } });
    expect(decode(await store.get("cas/obj"))).toBe("v3");
  });

  it("lists 2,500 keys in byte order across pages, with startAfter", async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `list/k${String(i).padStart(5, "0")}`);
    // no key is both an object and a "directory" (`a` and `a/b`): a filesystem cannot hold that
    const tricky = ["list/A", "list/a-b", "list/a.b", "list/a/b", "list/a0", "list/é", "list/z"];
    await putAll(store, [...keys, ...tricky]);
    const expected = [...keys, ...tricky].sort(compareKeys);
    const listed = await collect(store.list("list/"));
    expect(listed).toEqual(expected);
    const after = expected[1234]!;
    expect(await collect(store.list("list/", { startAfter: after }))).toEqual(expected.slice(1235));
    // a prefix is a plain string prefix, not a directory
    expect(await collect(store.list("list/a"))).toEqual(["list/a-b", "list/a.b", "list/a/b", "list/a0"]);
    expect(await collect(store.list("list/nothing-here"))).toEqual([]);
  });

  it("reads middle, open-ended and suffix ranges, clamped to the object", async () => {
    const bytes = new Uint8Array(1000).map((_, i) => i % 251);
    await store.put("range/obj", bytes);
    expect(await store.get("range/obj", { range: { offset: 100, length: 50 } })).toEqual(bytes.slice(100, 150));
    expect(await store.get("range/obj", { range: { offset: 990 } })).toEqual(bytes.slice(990));
    expect(await store.get("range/obj", { range: { suffix: 8 } })).toEqual(bytes.slice(992));
    expect(await store.get("range/obj", { range: { suffix: 5000 } })).toEqual(bytes);
    expect(await store.get("range/obj", { range: { offset: 900, length: 500 } })).toEqual(bytes.slice(900));
    expect((await store.get("range/obj", { range: { offset: 1000 } })).byteLength).toBe(0);
  });

  it("streams a 40 MiB upload with bounded memory", async () => {
    if (name === "memory") {
      // a memory store is private to its process and holds objects in its heap by design:
      // check the streamed content only
      const chunks = Array.from({ length: 40 }, (_, i) => new Uint8Array(1 << 20).fill(i));
      await store.putStream(
        "stream/big.bin",
        (async function* () {
          yield* chunks;
        })(),
      );
      const read = await store.get("stream/big.bin");
      expect(read.byteLength).toBe(40 << 20);
      expect(read[(7 << 20) + 5]).toBe(7);
      return;
    }
    const child = startChild(
      "test/helpers/children/stream-upload.ts",
      { url: target.url, options: target.options, key: "stream/big.bin", megabytes: 40 },
      ["--expose-gc"],
    );
    const result = await child.done;
    expect(result.code, result.stderr).toBe(0);
    const { peakBytes, sha256 } = JSON.parse(result.stdout.trim().split("\n").pop()!) as { peakBytes: number; sha256: string };
    const read = await store.get("stream/big.bin");
    expect(read.byteLength).toBe(40 << 20);
    expect(createHash("sha256").update(read).digest("hex")).toBe(sha256);
    expect(peakBytes).toBeLessThan(32 << 20);
  });

  it("deletes 1,500 keys (and some that never existed) in batches", async () => {
    const keys = Array.from({ length: 1500 }, (_, i) => `del/${String(i).padStart(4, "0")}`);
    await putAll(store, keys);
    expect(await collect(store.list("del/"))).toHaveLength(1500);
    await store.deleteMany([...keys, "del/never-1", "del/never-2"]);
    expect(await collect(store.list("del/"))).toEqual([]);
  });

  it("normalises paths and refuses any that climb out of the root", async () => {
    await store.put("norm//a/./b", text("x"));
    expect(decode(await store.get("norm/a/b"))).toBe("x");
    expect(decode(await store.get("norm/a/c/../b"))).toBe("x");
    for (const bad of ["../escape", "a/../../escape", "..", ""]) {
      await expect(store.get(bad)).rejects.toBeInstanceOf(InvalidPathError);
      await expect(store.put(bad, text("x"))).rejects.toBeInstanceOf(InvalidPathError);
    }
  });

  it("rejects calls whose signal has already fired", async () => {
    const signal = AbortSignal.abort();
    await expect(store.put("abort/x", text("x"), { signal })).rejects.toMatchObject({ name: "AbortError" });
    await expect(store.head("abort/x")).rejects.toBeInstanceOf(NotFoundError);
  });
});
