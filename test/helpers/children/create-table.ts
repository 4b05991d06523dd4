/**
 * Child process for the concurrent-create tests: opens the store (SDK loaded, connection warm),
 * prints `ready`, waits for `go` on stdin, then either creates the table with
 * `DeltaTable.create(url, {schema})` (`action: "create"`, ifExists "error") or writes `rows`
 * with `writeDeltaTable(url, rows, {mode: "append"})` (`action: "append"`) on a table that may
 * not exist yet. Prints one JSON line: `{"id","outcome":"created"|"written"|<error code>,"version"?,"error"?}`.
 */
import { createInterface } from "node:readline";
import { isLakelogError } from "../../../src/errors/base.js";
import { NotFoundError } from "../../../src/errors/storage-errors.js";
import type { StructType } from "../../../src/schema/types.js";
import { openStore } from "../../../src/storage/open-store.js";
import type { StorageOptions } from "../../../src/storage/options.js";
import { DeltaTable, writeDeltaTable } from "../../../src/table/delta-table.js";
import { childInput } from "../run-child.js";

interface Input {
  url: string;
  options: StorageOptions;
  id: number;
  action: "create" | "append";
  schema?: StructType;
  rows?: Array<Record<string, unknown>>;
}

const { url, options, id, action, schema, rows } = childInput<Input>();

const store = await openStore(url, options);
await store.head(`_delta_log/warmup-${id}`).catch((err: unknown) => {
  if (!(err instanceof NotFoundError)) throw err;
});
process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === "go") break;
lines.close();

let report: Record<string, unknown>;
try {
  if (action === "create") {
    const table = await DeltaTable.create(url, { schema: schema!, store });
    report = { id, outcome: "created", version: table.version };
  } else {
    const result = await writeDeltaTable(url, rows!, { mode: "append", store });
    report = { id, outcome: "written", version: result.version };
  }
} catch (err) {
  report = isLakelogError(err) ? { id, outcome: err.code, error: err.message } : { id, outcome: "untyped", error: String(err) };
}
process.stdout.write(`${JSON.stringify(report)}\n`);
await store.close?.();
