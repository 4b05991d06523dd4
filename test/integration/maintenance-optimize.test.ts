/**
 * OPTIMIZE against the real servers and real processes: bin-packing once on S3 (Ceph) and once on
 * Azure (Azurite), and an optimize looping while 4 separate Node processes append to the same
 * table, after which every appended row is there exactly once.
 */
import { Field, Int32, Schema, Table, Utf8, vectorFromArray } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { OptimizeMetrics } from "../../src/ops/maintenance/optimize.js";
import { commitPath } from "../../src/log/log-files.js";
import { parseActions } from "../../src/log/parse-actions.js";
import { DeltaTable, writeDeltaTable } from "../../src/table/delta-table.js";
import { canonicalRows } from "../helpers/arrow-rows.js";
import { backendTargets, processBackendTargets } from "../helpers/cloud-targets.js";
import { startChild } from "../helpers/run-child.js";

const SCHEMA = new Schema([
  new Field("writer", new Int32(), true),
  new Field("seq", new Int32(), true),
  new Field("payload", new Utf8(), true),
]);

/** Rows of writer `writer` with sequence numbers `from` .. `from + count - 1`. */
function rowsOf(writer: number, from: number, count: number): Table {
  const seqs = Array.from({ length: count }, (_, i) => from + i);
  return new Table(SCHEMA, {
    writer: vectorFromArray(
      seqs.map(() => writer),
      new Int32(),
    ),
    seq: vectorFromArray(seqs, new Int32()),
    payload: vectorFromArray(
      seqs.map((s) => `w${writer}-s${s}`),
      new Utf8(),
    ),
  });
}

const clouds = backendTargets().filter((b) => b.name === "s3" || b.name === "azure");

describe.each(clouds)("optimize on $name", ({ fresh }) => {
  it("compacts small files into one, rows unchanged, with dataChange false", async () => {
    const target = fresh();
    await writeDeltaTable(target.url, rowsOf(-1, 0, 2), { storage: target.options });
    let table = await DeltaTable.open(target.url, { storage: target.options });
    for (let i = 1; i < 4; i++) await table.write(rowsOf(-1, i * 2, 2));
    table = await table.refresh();
    const before = canonicalRows(await table.toArrow());
    const metrics = await table.optimize();
    expect(metrics).toMatchObject({ committed: true, version: 4, numFilesRemoved: 4, numFilesAdded: 1, numRowsRewritten: 8 });
    const after = await table.refresh();
    expect(canonicalRows(await after.toArrow())).toEqual(before);
    expect(after.files()).toHaveLength(1);
    const actions = parseActions(await after.store.get(commitPath(4)), commitPath(4));
    const changes = actions.flatMap((a): boolean[] => ("add" in a ? [a.add.dataChange] : "remove" in a ? [a.remove.dataChange] : []));
    expect(changes).toEqual(Array.from({ length: 5 }, () => false));
    await after.store.close?.();
  });
});

const WRITERS = 4;
const APPENDS = 8;
/** Seed commits of one row each, made before the children start. */
const SEEDS = 4;
const local = processBackendTargets().find((b) => b.name === "local")!;

describe("optimize racing appending processes", () => {
  it(`loses and duplicates no row while ${WRITERS} processes append`, async () => {
    const target = local.fresh();
    await writeDeltaTable(target.url, rowsOf(-1, 0, 1), { storage: target.options });
    const table = await DeltaTable.open(target.url, { storage: target.options });
    for (let i = 1; i < SEEDS; i++) await table.write(rowsOf(-1, i, 1));
    const children = Array.from({ length: WRITERS }, (_, id) =>
      startChild("test/helpers/children/append-writer.ts", {
        url: target.url,
        options: target.options,
        id,
        count: APPENDS,
        maxCommitAttempts: 100,
      }),
    );
    await Promise.all(children.map((c) => c.waitFor((line) => line === "ready")));
    for (const c of children) c.send("go");
    let finished = false;
    const done = Promise.all(children.map((c) => c.done)).finally(() => (finished = true));
    const runs: OptimizeMetrics[] = [];
    // optimize over and over while the children append, and once more after they finish
    while (!finished) {
      runs.push(await table.optimize());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const results = await done;
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    runs.push(await table.optimize());

    const committed = runs.filter((m) => m.committed);
    expect(committed.length).toBeGreaterThanOrEqual(1);
    const final = await table.refresh();
    const rows = (await final.toArrow()).toArray().map((r) => `${String(r.writer)}/${String(r.seq)}`);
    const expected = [
      ...Array.from({ length: SEEDS }, (_, i) => `-1/${i}`),
      ...Array.from({ length: WRITERS }, (_, w) => Array.from({ length: APPENDS }, (_, s) => `${w}/${s}`)).flat(),
    ];
    expect(rows.sort()).toEqual(expected.sort());
    expect(final.files()).toHaveLength(1);
    const history = await final.history();
    expect(history.filter((h) => h.operation === "OPTIMIZE")).toHaveLength(committed.length);
    const writes = history.filter((h) => h.operation === "WRITE");
    expect(writes).toHaveLength(SEEDS + WRITERS * APPENDS);
    // the race was real: some optimize committed before some child's append
    const firstOptimize = Math.min(...history.filter((h) => h.operation === "OPTIMIZE").map((h) => h.version));
    expect(Math.max(...writes.map((h) => h.version))).toBeGreaterThan(firstOptimize);
  });
});
