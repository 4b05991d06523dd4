/**
 * The gate the commit layer passes before its first commit: is create-if-absent safe here?
 */
import { randomUUID } from "node:crypto";
import { AlreadyExistsError, UnsupportedCapabilityError } from "../errors/storage-errors.js";
import type { ObjectStore } from "./store.js";

const proven = new WeakMap<ObjectStore, Promise<void>>();

/** Options for {@link ensureAtomicCreate}. */
export interface EnsureAtomicCreateOptions {
  /**
   * The caller guarantees that only one writer commits to the table at a time, so an unsafe store
   * may be used. Concurrent writers under this mode can silently overwrite each other's commits.
   */
  singleWriter?: boolean;
  signal?: AbortSignal;
}

/**
 * Resolves when commits through `store` cannot overwrite each other; otherwise throws
 * {@link UnsupportedCapabilityError}. For a store whose support is `probe`, writes a probe object
 * under `.lakelog-probe/`, tries to create it a second time (which must fail), and deletes it;
 * the result is remembered per store instance.
 */
export async function ensureAtomicCreate(store: ObjectStore, options: EnsureAtomicCreateOptions = {}): Promise<void> {
  if (options.singleWriter) return;
  const support = store.capabilities.atomicCreate;
  if (support === "native") return;
  if (support === "none") {
    throw new UnsupportedCapabilityError(
      store.backend,
      "atomic create-if-absent",
      "concurrent commits could overwrite each other; use a store that honours conditional writes, or opt into single-writer mode",
    );
  }
  let check = proven.get(store);
  if (!check) {
    check = probe(store, options.signal);
    proven.set(store, check);
    check.catch(() => proven.delete(store));
  }
  await check;
}

async function probe(store: ObjectStore, signal?: AbortSignal): Promise<void> {
  const key = `.lakelog-probe/${randomUUID()}`;
  const body = new TextEncoder().encode("lakelog atomic-create probe\n");
  await store.put(key, body, { mode: "create", signal });
  try {
    await store.put(key, body, { mode: "create", signal });
  } catch (err) {
    if (err instanceof AlreadyExistsError) return;
    throw err;
  } finally {
    await store.delete(key, { signal }).catch(() => undefined);
  }
  throw new UnsupportedCapabilityError(
    store.backend,
    "atomic create-if-absent",
    `${store.rootUrl} accepted a second If-None-Match create of the same key, so it would let concurrent commits overwrite each other; use a server that honours conditional writes, or opt into single-writer mode`,
  );
}
