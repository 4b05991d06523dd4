import { describe, expect, it } from "vitest";
import { AmbiguousOutcomeError, InvalidPathError, TransientError, UnsupportedCapabilityError } from "../../../src/errors/storage-errors.js";
import { ensureAtomicCreate } from "../../../src/storage/atomic-create.js";
import { MemoryStore } from "../../../src/storage/memory-store.js";
import { compareKeys, normalizePath } from "../../../src/storage/paths.js";
import { RetryStore } from "../../../src/storage/retry-store.js";
import type { PutOptions, PutResult, StoreCapabilities } from "../../../src/storage/store.js";

const bytes = new TextEncoder().encode("x");

/** A store that fails its first `failures` puts with a transient error. */
class FlakyStore extends MemoryStore {
  calls = 0;
  constructor(
    private failures: number,
    private mayHaveApplied: boolean,
  ) {
    super();
  }
  override async put(path: string, data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    this.calls++;
    if (this.failures-- > 0) throw new TransientError(path, "flaky", 1, this.mayHaveApplied);
    return super.put(path, data, options);
  }
}

/** Like the npm S3 fakes: accepts If-None-Match and overwrites anyway. */
class OverwritingStore extends MemoryStore {
  override readonly capabilities: StoreCapabilities = { atomicCreate: "probe", conditionalUpdate: false };
  override put(path: string, data: Uint8Array): Promise<PutResult> {
    return super.put(path, data, { mode: "overwrite" });
  }
}

describe("RetryStore", () => {
  const fast = { baseDelayMs: 1, maxDelayMs: 2 };

  it("retries transient failures of plain writes until they succeed", async () => {
    const inner = new FlakyStore(2, true);
    await new RetryStore(inner, fast).put("a", bytes);
    expect(inner.calls).toBe(3);
  });

  it("gives up after maxAttempts with the attempt count", async () => {
    const inner = new FlakyStore(10, false);
    const err = await new RetryStore(inner, { ...fast, maxAttempts: 3 }).put("a", bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ attempts: 3 });
    expect(inner.calls).toBe(3);
  });

  it.each([["create" as const], [{ ifMatch: "e1" }]])("never retries a %j write that may have applied: ambiguous outcome", async (mode) => {
    const inner = new FlakyStore(1, true);
    await expect(new RetryStore(inner, fast).put("a", bytes, { mode })).rejects.toBeInstanceOf(AmbiguousOutcomeError);
    expect(inner.calls).toBe(1);
  });

  it("retries a create whose failed attempt certainly did not apply", async () => {
    const inner = new FlakyStore(1, false);
    await new RetryStore(inner, fast).put("a", bytes, { mode: "create" });
    expect(inner.calls).toBe(2);
  });
});

describe("ensureAtomicCreate", () => {
  it("refuses a server that lets a second create of the same key win", async () => {
    await expect(ensureAtomicCreate(new OverwritingStore())).rejects.toBeInstanceOf(UnsupportedCapabilityError);
  });

  it("accepts it in single-writer mode, and proves a honest store once", async () => {
    await expect(ensureAtomicCreate(new OverwritingStore(), { singleWriter: true })).resolves.toBeUndefined();
    const honest = new (class extends MemoryStore {
      override readonly capabilities: StoreCapabilities = { atomicCreate: "probe", conditionalUpdate: true };
    })();
    await ensureAtomicCreate(honest);
    const keys: string[] = [];
    for await (const o of honest.list("")) keys.push(o.path);
    expect(keys).toEqual([]); // the probe cleans up after itself
  });

  it("refuses a store that declares no atomic create", async () => {
    const none = new (class extends MemoryStore {
      override readonly capabilities: StoreCapabilities = { atomicCreate: "none", conditionalUpdate: false };
    })();
    await expect(ensureAtomicCreate(none)).rejects.toMatchObject({ code: "UNSUPPORTED_CAPABILITY" });
  });
});

describe("paths", () => {
  it.each([
    ["a//b/./c", "a/b/c"],
    ["/a/b/", "a/b"],
    ["a/b/../c", "a/c"],
  ])("normalises %s to %s", (input, expected) => expect(normalizePath(input, "t")).toBe(expected));

  it.each(["..", "../a", "a/../../b", "", "/", "a\0b"])("refuses %j", (input) => {
    expect(() => normalizePath(input, "t")).toThrow(InvalidPathError);
  });

  it("orders keys by code point (UTF-8 bytes), not UTF-16 units", () => {
    const keys = ["\u{1F600}", "\uFFFD", "a", "B", "a/b", "a.b"];
    expect([...keys].sort(compareKeys)).toEqual(["B", "a", "a.b", "a/b", "\uFFFD", "\u{1F600}"]);
  });
});
