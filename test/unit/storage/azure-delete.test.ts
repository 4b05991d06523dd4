import { describe, expect, it } from "vitest";
import { NotFoundError, PermissionDeniedError, StoreRequestError, TransientError } from "../../../src/errors/storage-errors.js";
import { BATCH_SIZE, deleteKeys } from "../../../src/storage/azure-delete.js";
import type { BulkDeleteState, BulkDeleteTarget } from "../../../src/storage/azure-delete.js";

/** A container of keys whose batch and single deletes can be made to fail. */
class FakeContainer implements BulkDeleteTarget {
  readonly keys: Set<string>;
  batches: string[][] = [];
  singles: string[] = [];
  /** Per-key sub-request outcome on a given batch attempt (1-based per key). */
  subFailure: (key: string, attempt: number) => Error | undefined = () => undefined;
  /** Failure of the batch request as a whole. */
  batchFailure: () => Error | undefined = () => undefined;
  singleFailure: (key: string) => Error | undefined = () => undefined;
  private attempts = new Map<string, number>();

  constructor(keys: string[]) {
    this.keys = new Set(keys);
  }

  async deleteBatch(keys: string[]): Promise<Array<Error | undefined>> {
    expect(keys.length).toBeLessThanOrEqual(BATCH_SIZE);
    const whole = this.batchFailure();
    if (whole) throw whole;
    this.batches.push(keys);
    return keys.map((key) => {
      const attempt = (this.attempts.get(key) ?? 0) + 1;
      this.attempts.set(key, attempt);
      const failure = this.subFailure(key, attempt);
      if (failure) return failure;
      if (!this.keys.delete(key)) return new NotFoundError(key, "azure");
      return undefined;
    });
  }

  async deleteOne(key: string): Promise<void> {
    this.singles.push(key);
    const failure = this.singleFailure(key);
    if (failure) throw failure;
    this.keys.delete(key);
  }
}

const names = (n: number, prefix = "k") => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, "0")}`);
const fresh = (): BulkDeleteState => ({ batchUnavailable: false });

describe("deleteKeys", () => {
  it("deletes 1,500 keys in batches of at most 256, ignoring keys that never existed", async () => {
    const container = new FakeContainer(names(1500));
    await deleteKeys(container, [...names(1500), "never-1", "never-2"], fresh());
    expect(container.keys.size).toBe(0);
    expect(container.batches).toHaveLength(6);
    expect(container.singles).toEqual([]);
  });

  it("accepts an async iterable of keys", async () => {
    const container = new FakeContainer(names(300));
    async function* keys() {
      yield* names(300);
    }
    await deleteKeys(container, keys(), fresh());
    expect(container.keys.size).toBe(0);
  });

  it("retries only the keys whose sub-requests failed transiently", async () => {
    const container = new FakeContainer(names(10));
    container.subFailure = (key, attempt) => (key === "k00003" && attempt === 1 ? new TransientError(key, "azure", 1, false) : undefined);
    await deleteKeys(container, names(10), fresh());
    expect(container.keys.size).toBe(0);
    expect(container.batches.map((b) => b.length)).toEqual([10, 1]);
  });

  it("repeats a key whose sub-request failed for a lasting reason as a single delete", async () => {
    const container = new FakeContainer(names(10));
    container.subFailure = (key) => (key === "k00004" ? new StoreRequestError(key, "azure", 409, "SomethingOdd") : undefined);
    const state = fresh();
    await deleteKeys(container, names(10), state);
    expect(container.keys.size).toBe(0);
    expect(container.singles).toEqual(["k00004"]);
    expect(state.batchUnavailable).toBe(false);
  });

  it("falls back to single deletes for good when the service refuses batches", async () => {
    const container = new FakeContainer(names(600));
    container.batchFailure = () => new StoreRequestError("600 objects", "azure", 400, "FeatureNotSupported");
    const state = fresh();
    await deleteKeys(container, names(300), state);
    expect(state.batchUnavailable).toBe(true);
    expect(container.keys.size).toBe(300);
    container.batchFailure = () => {
      throw new Error("no batch may be attempted once batching is known to be unavailable");
    };
    await deleteKeys(container, names(600).slice(300), state);
    expect(container.keys.size).toBe(0);
    expect(container.singles).toHaveLength(600);
  });

  it("reports the authoritative single-delete error when permission is lacking", async () => {
    const container = new FakeContainer(names(5));
    container.batchFailure = () => new PermissionDeniedError("5 objects", "azure", "AuthorizationPermissionMismatch");
    container.singleFailure = (key) => new PermissionDeniedError(key, "azure", "AuthorizationPermissionMismatch");
    await expect(deleteKeys(container, names(5), fresh())).rejects.toBeInstanceOf(PermissionDeniedError);
  });

  it("gives up with TransientError when a batch keeps failing transiently", async () => {
    const container = new FakeContainer(names(3));
    container.batchFailure = () => new TransientError("3 objects", "azure", 1, true);
    const state = fresh();
    await expect(deleteKeys(container, names(3), state)).rejects.toBeInstanceOf(TransientError);
    expect(state.batchUnavailable).toBe(false);
  });

  it("stops when the signal fires", async () => {
    const container = new FakeContainer(names(2000));
    const controller = new AbortController();
    controller.abort();
    await expect(deleteKeys(container, names(2000), fresh(), controller.signal)).rejects.toMatchObject({ name: "AbortError" });
    expect(container.keys.size).toBe(2000);
  });
});
