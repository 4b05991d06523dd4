/**
 * The store factory: a URL (and options) in, the right backend out, wrapped in the retry policy.
 * Cloud SDKs are optional peer dependencies, imported only when their scheme is used.
 */
import { LocalStore } from "./local-store.js";
import { parseLocation } from "./location.js";
import { MemoryStore } from "./memory-store.js";
import type { StorageOptions } from "./options.js";
import { RetryStore } from "./retry-store.js";
import type { ObjectStore } from "./store.js";

/**
 * Opens the store rooted at `url` (see {@link parseLocation} for the accepted forms).
 * Performs no I/O for local and memory stores; cloud stores load their SDK on first use.
 *
 * @example
 * const store = await openStore("s3://my-bucket/tables/events", { s3: { region: "eu-west-1" } });
 * for await (const object of store.list("_delta_log/")) console.log(object.path);
 */
export async function openStore(url: string, options: StorageOptions = {}): Promise<ObjectStore> {
  const location = parseLocation(url);
  const env = options.env ?? process.env;
  let store: ObjectStore;
  switch (location.kind) {
    case "local":
      store = new LocalStore(location.directory);
      break;
    case "memory":
      store = new MemoryStore({ bucket: location.bucket, prefix: location.prefix });
      break;
    case "s3": {
      const { createS3Store } = await import("./s3-store.js");
      store = await createS3Store(location, options.s3 ?? {}, env);
      break;
    }
    case "azure": {
      const { createAzureStore } = await import("./azure-store.js");
      store = await createAzureStore(location, options.azure ?? {}, env);
      break;
    }
  }
  return options.retry === false ? store : new RetryStore(store, options.retry ?? {});
}
