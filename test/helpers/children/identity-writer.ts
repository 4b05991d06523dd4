/**
 * Child process for the concurrent identity test: opens the table, prints `ready`, waits for `go`,
 * then appends `count` batches of `rows` rows `{ v: "w<id>-s<seq>-r<k>" }` to a table whose `id`
 * is an identity column. A write that loses the race on the identity high-water mark fails with
 * a commit conflict; the child retries the whole write (the API-level retry the library
 * documents), which allocates fresh values. Prints `{"event":"done","conflicts":n}` at the end.
 */
import { createInterface } from "node:readline";
import { CommitConflictError } from "../../../src/errors/txn-errors.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { childInput } from "../run-child.js";

interface Input {
  url: string;
  id: number;
  count: number;
  rows: number;
}

const { url, id, count, rows } = childInput<Input>();

async function waitForGo(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line === "go") break;
  lines.close();
}

const table = await DeltaTable.open(url);
process.stdout.write("ready\n");
await waitForGo();

let conflicts = 0;
for (let seq = 0; seq < count; seq++) {
  const data = Array.from({ length: rows }, (_, k) => ({ v: `w${id}-s${seq}-r${k}` }));
  for (let attempt = 0; ; attempt++) {
    try {
      await table.write(data);
      break;
    } catch (err) {
      if (!(err instanceof CommitConflictError) || attempt >= 200) throw err;
      conflicts++;
    }
  }
}
process.stdout.write(`${JSON.stringify({ event: "done", conflicts })}\n`);
