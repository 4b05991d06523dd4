/**
 * Data files outside the table root (absolute `add.path`s, e.g. shallow clones): each is read
 * through a store opened for its own location, with the table's storage options, and only when
 * the caller allowed it (`allowExternalPaths` or `allowedRoots` on open).
 */
import { InvalidStorageConfigError } from "../errors/storage-errors.js";
import { openStore } from "../storage/open-store.js";
import type { StorageOptions } from "../storage/options.js";
import { checkExternalUrl, type ExternalPathPolicy } from "../scan/path-policy.js";
import type { ObjectStore } from "../storage/store.js";

const stores = new Map<string, Promise<ObjectStore>>();

/**
 * The store and key of an absolute file URL: the store is rooted at the file's parent folder
 * (cached per folder and options for the life of the process). The URL is first checked against
 * `policy` (default: refuse every file outside the table, {@link ExternalPathRefusedError}).
 */
export async function resolveExternalFile(
  absoluteUrl: string,
  options: StorageOptions,
  policy: ExternalPathPolicy = {},
  tableUrl = "",
): Promise<{ store: ObjectStore; key: string }> {
  checkExternalUrl(absoluteUrl, tableUrl, policy);
  const cut = absoluteUrl.lastIndexOf("/");
  if (cut < 0 || cut === absoluteUrl.length - 1) throw new InvalidStorageConfigError(absoluteUrl, "not a file URL");
  const folder = absoluteUrl.slice(0, cut);
  const cacheKey = `${folder}\u0000${JSON.stringify(options, (_k, v: unknown) => (typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype ? "[object]" : v))}`;
  let store = stores.get(cacheKey);
  if (!store) {
    store = openStore(folder, options);
    stores.set(cacheKey, store);
  }
  return { store: await store, key: absoluteUrl.slice(cut + 1) };
}
