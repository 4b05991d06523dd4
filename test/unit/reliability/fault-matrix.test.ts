/**
 * Every write path with a storage fault at every storage call in turn (see fault-harness.ts and
 * spec/reliability.md). One line per operation in SCENARIOS; the matrix is derived from a
 * fault-free run's call count, so it grows as the operations change.
 */
import { writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { DeltaTable, writeDeltaTable } from "../../../src/table/delta-table.js";
import type { ObjectStore } from "../../../src/storage/store.js";
import type { StructType } from "../../../src/schema/types.js";
import { runFaultMatrix, type FaultRunReport, type FaultScenario, type TableState } from "./fault-harness.js";

const SCHEMA: StructType = {
  type: "struct",
  fields: [
    { name: "id", type: "long", nullable: true, metadata: {} },
    { name: "part", type: "string", nullable: true, metadata: {} },
  ],
};

const rowsOf = (...rows: [number, string][]) => rows.map(([id, part]) => ({ id: BigInt(id), part }));
const line = (id: number, part: string) => JSON.stringify({ id: `${id}n`, part });
const state = (rows: string[], constraints: Record<string, string> = {}): TableState => ({
  exists: true,
  rows: [...rows].sort(),
  constraints,
});
const open = (store: ObjectStore) => DeltaTable.open(store.rootUrl, { store });

/** The usual "before": a partitioned table with two versions holding ids 1..4 in parts a and b. */
async function twoCommits(store: ObjectStore): Promise<void> {
  const table = await DeltaTable.create(store.rootUrl, { schema: SCHEMA, partitionBy: ["part"], store });
  await table.write(rowsOf([1, "a"], [2, "b"]));
  await (await table.refresh()).write(rowsOf([3, "a"], [4, "b"]));
}

const DV = { "delta.enableDeletionVectors": "true" };
/**
 * Ids 1..4 with deletion vectors on, two rows per file (a DV covers part of a file, rather than the
 * whole file being removed), so row-level operations write DVs instead of rewriting files.
 */
async function twoRowFilesDv(store: ObjectStore): Promise<void> {
  const table = await DeltaTable.create(store.rootUrl, { schema: SCHEMA, partitionBy: ["part"], store, properties: DV });
  await table.write(rowsOf([1, "a"], [2, "b"], [3, "a"], [4, "b"]));
}

/**
 * Before a vacuum: files no version needs. An overwrite removes the first two commits' files (and
 * with deletion vectors, a delete then an optimize leave an unreferenced DV file), plus a stray
 * orphan of a failed write.
 */
async function withGarbage(store: ObjectStore, dv: boolean): Promise<void> {
  await (dv ? twoRowFilesDv(store) : twoCommits(store));
  const table = await open(store);
  if (dv) {
    await table.delete("id = 1", { inlineDeletionVectorMaxBytes: 0 });
    await (await table.refresh()).optimize();
  }
  await (await table.refresh()).write(rowsOf([3, "a"], [4, "b"], [5, "c"]), { mode: "overwrite" });
  await store.put("part=a/orphan-of-a-failed-write.parquet", new Uint8Array([1, 2, 3]));
}

/** A full vacuum with zero retention; when it resolves only the active files are left, and it deleted none of them. */
async function fullVacuum(store: ObjectStore): Promise<unknown> {
  // the harness's copy of the table was written just now: a file modified at the cutoff's very millisecond is kept
  await sleep(3);
  const result = await (await open(store)).vacuum({ dryRun: false, mode: "full", retentionHours: 0, enforceRetention: false });
  const active = new Set((await open(store)).files().map(decodeURIComponent));
  const deletedActive = result.filesDeleted.filter((p) => active.has(p));
  if (deletedActive.length > 0) throw new Error(`vacuum deleted active files: ${deletedActive.join(", ")}`);
  const left: string[] = [];
  for await (const meta of store.list("")) if (!meta.path.startsWith("_delta_log/")) left.push(meta.path);
  const unreferenced = left.filter((p) => !active.has(p));
  if (unreferenced.length > 0) throw new Error(`vacuum left unreferenced files: ${unreferenced.join(", ")}`);
  return result;
}

/** Before a log cleanup: versions 0..3 with a checkpoint at 2, so versions before 2 can expire. */
async function checkpointedLog(store: ObjectStore): Promise<void> {
  await twoCommits(store);
  await (await open(store)).checkpoint();
  await (await open(store)).write(rowsOf([5, "c"]));
}
/** Rows per version of {@link checkpointedLog}'s table. */
const ROWS_AT = [0, 2, 4, 5];
/** An injected "now" a year ahead: every log file is past the default 30-day retention. */
const A_YEAR_ON = () => Date.now() + 365 * 24 * 3600 * 1000;

/** Every version whose commit is still in the log opens and reads its rows; the latest is kept. */
async function retainedVersionsRead(store: ObjectStore): Promise<string[]> {
  const problems: string[] = [];
  const versions: number[] = [];
  for await (const meta of store.list("_delta_log/")) {
    const m = /^_delta_log\/(\d{20})\.json$/.exec(meta.path);
    if (m) versions.push(Number(m[1]));
  }
  if (!versions.includes(ROWS_AT.length - 1)) problems.push(`the latest commit is gone: ${versions.join(", ")}`);
  for (const version of versions) {
    try {
      const rows = (await DeltaTable.open(store.rootUrl, { store, version }).then((t) => t.toArrow())).numRows;
      if (rows !== ROWS_AT[version]) problems.push(`version ${version} reads ${rows} rows, expected ${ROWS_AT[version]}`);
    } catch (err) {
      problems.push(`retained version ${version} does not read: ${String(err)}`);
    }
  }
  return problems;
}

const noTable = async () => {};
/** Exactly-once appends: the retry of an applied write is skipped by its application transaction. */
const once = { txn: { appId: "fault-matrix", version: 1 } };

const SCENARIOS: FaultScenario[] = [
  {
    name: "create",
    setup: noTable,
    run: (s) => DeltaTable.create(s.rootUrl, { schema: SCHEMA, partitionBy: ["part"], store: s, ifExists: "ignore" }),
    expectedAfter: () => state([]),
  },
  {
    name: "create with data",
    setup: noTable,
    run: (s) => writeDeltaTable(s.rootUrl, rowsOf([1, "a"], [2, "b"]), { store: s, mode: "ignore", partitionBy: ["part"] }),
    expectedAfter: () => state([line(1, "a"), line(2, "b")]),
  },
  {
    name: "append",
    setup: twoCommits,
    run: async (s) => (await open(s)).write(rowsOf([5, "a"], [6, "c"]), once),
    expectedAfter: (b) => state([...b.rows, line(5, "a"), line(6, "c")]),
  },
  {
    name: "overwrite",
    setup: twoCommits,
    run: async (s) => (await open(s)).write(rowsOf([7, "a"]), { mode: "overwrite" }),
    expectedAfter: () => state([line(7, "a")]),
  },
  {
    name: "replaceWhere (partition)",
    setup: twoCommits,
    run: async (s) => (await open(s)).write(rowsOf([8, "a"]), { mode: "overwrite", replaceWhere: "part = 'a'" }),
    expectedAfter: () => state([line(2, "b"), line(4, "b"), line(8, "a")]),
  },
  {
    name: "replaceWhere (data column)",
    setup: twoCommits,
    run: async (s) => (await open(s)).write(rowsOf([9, "b"]), { mode: "overwrite", replaceWhere: "id >= 3" }),
    expectedAfter: () => state([line(1, "a"), line(2, "b"), line(9, "b")]),
  },
  {
    name: "addConstraint",
    setup: twoCommits,
    run: async (s) => (await open(s)).addConstraint("positive", "id > 0"),
    expectedAfter: (b) => state(b.rows, { "delta.constraints.positive": "id > 0" }),
    retryMayRefuse: true,
  },
  {
    name: "delete",
    setup: twoCommits,
    run: async (s) => (await open(s)).delete("id = 1"),
    expectedAfter: (b) => state(b.rows.filter((r) => r !== line(1, "a"))),
  },
  {
    name: "restore",
    setup: twoCommits,
    run: async (s) => (await open(s)).restore({ version: 1 }),
    expectedAfter: () => state([line(1, "a"), line(2, "b")]),
  },
  {
    name: "update",
    setup: twoCommits,
    run: async (s) => (await open(s)).update({ where: "id = 1", set: { id: "id + 10" } }),
    expectedAfter: (b) => state([...b.rows.filter((r) => r !== line(1, "a")), line(11, "a")]),
  },
  {
    name: "update (deletion vectors)",
    setup: twoRowFilesDv,
    // a DV file, not an inline one: its write is one more storage call under fault
    run: async (s) => (await open(s)).update({ where: "id = 1", set: { id: "id + 10" }, inlineDeletionVectorMaxBytes: 0 }),
    expectedAfter: (b) => state([...b.rows.filter((r) => r !== line(1, "a")), line(11, "a")]),
  },
  {
    // an upsert: id 2 matches (moves to part c), id 5 is inserted; a retry matches both and changes nothing
    name: "merge",
    setup: twoCommits,
    run: async (s) =>
      (await open(s))
        .merge(rowsOf([2, "c"], [5, "a"]), { on: "target.id = source.id" })
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute(),
    expectedAfter: (b) => state([...b.rows.filter((r) => r !== line(2, "b")), line(2, "c"), line(5, "a")]),
  },
  {
    name: "merge (deletion vectors)",
    setup: twoRowFilesDv,
    run: async (s) =>
      (await open(s))
        .merge(rowsOf([2, "c"], [5, "a"]), { on: "target.id = source.id", inlineDeletionVectorMaxBytes: 0 })
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute(),
    expectedAfter: (b) => state([...b.rows.filter((r) => r !== line(2, "b")), line(2, "c"), line(5, "a")]),
  },
  {
    name: "vacuum (full, zero retention)",
    setup: (s) => withGarbage(s, false),
    run: fullVacuum,
    expectedAfter: (b) => b,
    mustDelete: [/orphan-of-a-failed-write/, /^part=b\/part-.*\.parquet$/],
  },
  {
    name: "vacuum (full, zero retention, deletion vectors)",
    setup: (s) => withGarbage(s, true),
    run: fullVacuum,
    expectedAfter: (b) => b,
    mustDelete: [/orphan-of-a-failed-write/, /deletion_vector_.*\.bin$/],
  },
  {
    name: "cleanupLog (injected now)",
    setup: checkpointedLog,
    run: async (s) => (await open(s)).cleanupLog({ now: A_YEAR_ON() }),
    expectedAfter: (b) => b,
    verify: retainedVersionsRead,
    mustDelete: [/^_delta_log\/0{20}\.json$/],
  },
  {
    name: "optimize",
    setup: twoCommits,
    run: async (s) => (await open(s)).optimize(),
    expectedAfter: (b) => ({ ...b, extra: 2 }),
    observe: (t) => t.files().length,
  },
  {
    name: "checkpoint",
    setup: twoCommits,
    run: async (s) => (await open(s)).checkpoint(),
    expectedAfter: (b) => ({ ...b, extra: 2 }),
    observe: (t) => t.snapshot.segment.checkpoint?.version ?? null,
  },
];

const reports: FaultRunReport[] = [];
const callCounts: Record<string, number> = {};

afterAll(() => {
  // LAKELOG_FAULT_REPORT=<file> writes the matrix's outcomes (for spec/reliability.md)
  const target = process.env.LAKELOG_FAULT_REPORT;
  if (!target) return;
  const tally = (pick: (r: FaultRunReport) => string) =>
    reports.reduce<Record<string, number>>((m, r) => ((m[pick(r)] = (m[pick(r)] ?? 0) + 1), m), {});
  writeFileSync(
    target,
    JSON.stringify(
      {
        scenarios: reports.length,
        callsPerOperation: callCounts,
        byState: tally((r) => `${r.scenario}: ${r.state}`),
        byOutcome: tally((r) => r.outcome),
        runsLeavingOrphans: reports.filter((r) => r.orphans > 0).length,
        orphansLeft: reports.reduce((n, r) => n + r.orphans, 0),
        runsLeavingOrphansBy: tally((r) => (r.orphans > 0 ? r.scenario : "none")),
        otherOutcomes: reports
          .filter((r) => r.outcome !== "resolved" && r.outcome !== "TRANSIENT")
          .map((r) => `${r.scenario} ${r.action} at ${r.method} ${r.path}: ${r.outcome}`),
        resolvedDespiteFault: reports
          .filter((r) => r.outcome === "resolved")
          .map((r) => `${r.scenario} ${r.action} at ${r.method} ${r.path}`),
      },
      null,
      2,
    ),
  );
});

describe("fault matrix: a fault at any storage call leaves the table before or after, never broken", () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))("%s", async (_name, scenario) => {
    const result = await runFaultMatrix(scenario);
    reports.push(...result.reports);
    callCounts[scenario.name] = result.calls;
    expect(result.calls).toBeGreaterThan(0);
    expect(result.reports).toHaveLength(result.calls * 2);
    expect(result.violations).toEqual([]);
    // the fault-free state is reachable: some fault leaves the table as it was, unless every call is after the commit
    // (operations that keep the state, vacuum and log cleanup, are checked by their own invariants instead)
    for (const pattern of scenario.mustDelete ?? [])
      expect(
        result.deleted.some((p) => pattern.test(p)),
        `deletes ${pattern}: ${result.deleted.join(", ")}`,
      ).toBe(true);
    if (!result.keepsState) expect(result.reports.some((r) => r.state === "before")).toBe(true);
  });
});
