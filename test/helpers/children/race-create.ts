/**
 * Child process for the create-race test: opens the store, prints `ready`, waits for `go` on
 * stdin, then tries one create-if-absent of the shared key and prints the outcome as JSON.
 */
import { createInterface } from "node:readline";
import { isLakelogError } from "../../../src/errors/base.js";
import { NotFoundError } from "../../../src/errors/storage-errors.js";
import { openStore } from "../../../src/storage/open-store.js";
import type { StorageOptions } from "../../../src/storage/options.js";
import { childInput } from "../run-child.js";

const { url, options, key, id } = childInput<{ url: string; options: StorageOptions; key: string; id: number }>();
const store = await openStore(url, options);
// warm up: SDK loaded, connection open, so the race is about the create itself
await store.head(`warmup-${id}`).catch((err) => {
  if (!(err instanceof NotFoundError)) throw err;
});
process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line !== "go") continue;
  let outcome: string;
  try {
    await store.put(key, new TextEncoder().encode(`writer-${id}`), { mode: "create" });
    outcome = "won";
  } catch (err) {
    outcome = isLakelogError(err) ? err.code : `untyped: ${String(err)}`;
  }
  process.stdout.write(`${JSON.stringify({ id, outcome })}\n`);
  break;
}
lines.close();
await store.close?.();
