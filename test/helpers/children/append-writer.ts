/**
 * Child process for the concurrent-writers test: opens the table, prints `ready`, waits for `go`
 * on stdin, then appends `count` one-row batches `{writer: id, seq}` (seq 0..count-1), refreshing
 * the table before each write as a long-running writer would. Each commit carries
 * `userMetadata: "w<id>-s<seq>"` so the parent can tell whose commit each version is. Prints one JSON line per commit
 * (`{"event":"committed","seq","version","attempts"}`) and a final
 * `{"event":"done","retries":[...]}` with the retries each commit needed (attempts - 1).
 */
import { createInterface } from "node:readline";
import { DeltaTable } from "../../../src/table/delta-table.js";
import type { StorageOptions } from "../../../src/storage/options.js";
import { childInput } from "../run-child.js";

interface Input {
  url: string;
  options: StorageOptions;
  id: number;
  count: number;
  maxCommitAttempts: number;
}

const { url, options, id, count, maxCommitAttempts } = childInput<Input>();

/** Resolves when the parent writes `go`. */
async function waitForGo(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line === "go") break;
  lines.close();
}

// warm up before the barrier: SDK loaded, connection open, snapshot read, so the race is about
// the commits themselves
let table = await DeltaTable.open(url, { storage: options });
process.stdout.write("ready\n");
await waitForGo();

const retries: number[] = [];
for (let seq = 0; seq < count; seq++) {
  table = await table.refresh();
  const tag = `w${id}-s${seq}`;
  const result = await table.write([{ writer: id, seq, payload: tag }], { mode: "append", maxCommitAttempts, userMetadata: tag });
  const attempts = result.commit?.attempts ?? 0;
  retries.push(attempts - 1);
  process.stdout.write(`${JSON.stringify({ event: "committed", seq, version: result.version, attempts })}\n`);
}
process.stdout.write(`${JSON.stringify({ event: "done", retries })}\n`);
await table.store.close?.();
