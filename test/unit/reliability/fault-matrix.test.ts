/**
 * Every write path with a storage fault at every storage call in turn (see fault-harness.ts and
 * spec/reliability.md). One line per operation in SCENARIOS; the matrix is derived from a
 * fault-free run's call count, so it grows as the operations change.
 */
import { writeFileSync } from "node:fs";
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
    expect(result.reports.some((r) => r.state === "before")).toBe(true);
  });
});
