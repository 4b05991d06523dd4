import { describe, expect, it } from "vitest";
import {
  AlreadyExistsError,
  AmbiguousOutcomeError,
  NotFoundError,
  PermissionDeniedError,
  TransientError,
} from "../../../src/errors/storage-errors.js";
import { FaultStore, InjectedFault } from "../../../src/storage/fault-store.js";
import { MemoryStore } from "../../../src/storage/memory-store.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield bytes(p);
}

async function listed(store: FaultStore, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const m of store.list(prefix)) out.push(m.path);
  return out;
}

describe("FaultStore", () => {
  it("passes calls through and counts them in order, per method", async () => {
    const store = new FaultStore(new MemoryStore());
    await store.put("a", bytes("1"));
    await store.putStream("b", chunks("x", "y"));
    expect(text(await store.get("b"))).toBe("xy");
    expect((await store.head("a")).size).toBe(1);
    expect(await listed(store)).toEqual(["a", "b"]);
    await store.delete("a");
    await store.deleteMany(["b"]);
    expect(store.calls).toBe(7);
    expect(store.log.map((c) => `${c.n}:${c.method}:${c.path}`)).toEqual([
      "1:put:a",
      "2:putStream:b",
      "3:get:b",
      "4:head:a",
      "5:list:",
      "6:delete:a",
      "7:deleteMany:b",
    ]);
    expect(store.countsByMethod()).toEqual({ get: 1, head: 1, put: 1, putStream: 1, delete: 1, deleteMany: 1, list: 1 });
    expect(store.injected).toBe(0);
  });

  it("fails the call with the given number without touching the inner store", async () => {
    const inner = new MemoryStore();
    const store = new FaultStore(inner, [{ call: 2, action: "fail" }]);
    await store.put("a", bytes("1"));
    const err = await store.put("b", bytes("2")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).mayHaveApplied).toBe(false);
    expect((err as TransientError).cause).toBeInstanceOf(InjectedFault);
    await expect(inner.head("b")).rejects.toBeInstanceOf(NotFoundError);
    await store.put("c", bytes("3")); // the rule fired once
    expect(store.injected).toBe(1);
  });

  it("applies a create and then reports an ambiguous outcome", async () => {
    const inner = new MemoryStore();
    const store = new FaultStore(inner, [{ method: "put", path: /\.json$/, action: "applyThenFail" }]);
    await expect(store.put("_delta_log/00.json", bytes("c"), { mode: "create" })).rejects.toBeInstanceOf(AmbiguousOutcomeError);
    expect(text(await inner.get("_delta_log/00.json"))).toBe("c");
    // a second create of the same key now honestly reports that it exists
    await expect(store.put("_delta_log/00.json", bytes("d"), { mode: "create" })).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it("applies an overwrite, a stream upload and a delete, then reports a transient failure that may have applied", async () => {
    const inner = new MemoryStore();
    await inner.put("gone", bytes("x"));
    const store = new FaultStore(inner, [{ method: ["put", "putStream", "delete"], action: "applyThenFail", times: Infinity }]);
    const errs = await Promise.all([
      store.put("p", bytes("1")).catch((e: unknown) => e),
      store.putStream("s", chunks("a", "b")).catch((e: unknown) => e),
      store.delete("gone").catch((e: unknown) => e),
    ]);
    for (const e of errs) expect((e as TransientError).mayHaveApplied).toBe(true);
    expect(text(await inner.get("p"))).toBe("1");
    expect(text(await inner.get("s"))).toBe("ab");
    await expect(inner.head("gone")).rejects.toBeInstanceOf(NotFoundError);
    expect(store.injected).toBe(3);
  });

  it("matches the Nth call of a method and path, and uses a chosen error", async () => {
    const store = new FaultStore(new MemoryStore(), [
      {
        method: "get",
        path: "data/",
        occurrence: 2,
        action: "fail",
        error: (call, backend) => new PermissionDeniedError(call.path, backend, "injected"),
      },
    ]);
    await store.put("data/f", bytes("1"));
    await store.put("other", bytes("2"));
    await store.get("other");
    await store.get("data/f");
    await expect(store.get("data/f")).rejects.toBeInstanceOf(PermissionDeniedError);
    await store.get("data/f");
  });

  it("fails a listing before it yields, or after it yields everything", async () => {
    const store = new FaultStore(new MemoryStore(), [
      { method: "list", occurrence: 1, action: "fail" },
      { method: "list", occurrence: 2, action: "applyThenFail" },
    ]);
    await store.put("a", bytes("1"));
    await expect(listed(store)).rejects.toBeInstanceOf(TransientError);
    const seen: string[] = [];
    const err = await (async () => {
      for await (const m of store.list("")) seen.push(m.path);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["a"]);
    expect(err).toBeInstanceOf(TransientError);
    expect(await listed(store)).toEqual(["a"]);
  });

  it("delays a call, and an abort during the delay rejects it without applying it", async () => {
    const inner = new MemoryStore();
    const store = new FaultStore(inner, [{ method: "put", action: "delay", delayMs: 5, times: 2 }]);
    await store.put("a", bytes("1"));
    expect(text(await inner.get("a"))).toBe("1");
    const controller = new AbortController();
    const pending = store.put("b", bytes("2"), { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expect(inner.head("b")).rejects.toBeInstanceOf(NotFoundError);
    expect(store.injected).toBe(0); // delays are not faults
  });

  it("closes the source of a failed stream upload", async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield bytes("a");
        yield bytes("b");
      } finally {
        closed = true;
      }
    }
    const store = new FaultStore(new MemoryStore(), [{ method: "putStream", action: "fail" }]);
    const it = source();
    await it.next(); // the producer has started
    await expect(store.putStream("s", it)).rejects.toBeInstanceOf(TransientError);
    expect(closed).toBe(true);
  });

  it("reset clears the log and rearms the rules", async () => {
    const store = new FaultStore(new MemoryStore(), [{ call: 1, action: "fail" }]);
    await expect(store.put("a", bytes("1"))).rejects.toBeInstanceOf(TransientError);
    await store.put("a", bytes("1"));
    store.reset();
    expect(store.calls).toBe(0);
    await expect(store.put("a", bytes("1"))).rejects.toBeInstanceOf(TransientError);
    store.reset([]);
    await store.put("a", bytes("1"));
    expect(store.injected).toBe(0);
  });
});
