/**
 * The fault-matrix harness: runs one write operation once to count its storage calls, then once
 * per call with a fault injected at that call (each fault kind), and checks after each run that
 * the table is whole: it opens, its state is exactly the state before or the state after, every
 * file the log references exists, and retrying the operation converges to the state after.
 *
 * A scenario is one row of a table ({@link FaultScenario}); adding an operation is one line.
 */
import { randomUUID } from "node:crypto";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { LakelogError } from "../../../src/errors/base.js";
import { TableNotFoundError } from "../../../src/errors/log-errors.js";
import { FaultStore, type FaultAction } from "../../../src/storage/fault-store.js";
import { MemoryStore } from "../../../src/storage/memory-store.js";
import type { ObjectStore } from "../../../src/storage/store.js";

/** What the harness compares: whether the table exists, its rows, and its CHECK constraints. */
export interface TableState {
  exists: boolean;
  /** Rows as sorted JSON lines (bigints as strings). */
  rows: string[];
  /** `delta.constraints.*` properties. */
  constraints: Record<string, string>;
  /** What the scenario's `observe` saw (file count, checkpoint version, ...), when it has one. */
  extra?: unknown;
}

/** One operation under test. */
export interface FaultScenario {
  name: string;
  /** Builds the state before the operation on a fault-free store (may do nothing: no table yet). */
  setup: (store: ObjectStore) => Promise<void>;
  /** The operation, through the (faulty) store. Must be safe to call again (a retry). */
  run: (store: ObjectStore) => Promise<unknown>;
  /** The state after a successful run, from the state before. */
  expectedAfter: (before: TableState) => TableState;
  /**
   * More state to compare, for operations that keep the rows (optimize: the file count;
   * checkpoint: the checkpoint version). Must be JSON-serialisable.
   */
  observe?: (table: DeltaTable) => unknown;
  /**
   * A retry after the operation already took effect may refuse typed (e.g. "constraint already
   * exists") instead of doing nothing; the state must still be the state after.
   */
  retryMayRefuse?: boolean;
  /**
   * Extra invariants checked on the (fault-free) store after each faulty run and after its retry
   * (e.g. every retained version still reads); returns the problems found.
   */
  verify?: (store: ObjectStore) => Promise<string[]>;
  /** Paths the fault-free run must delete, one pattern each (checked by the matrix test). */
  mustDelete?: RegExp[];
}

/** The outcome of one faulty run. */
export interface FaultRunReport {
  scenario: string;
  call: number;
  method: string;
  path: string;
  action: FaultAction;
  /** The operation's own result: resolved despite the fault, or rejected (with the error's code). */
  outcome: "resolved" | string;
  /** Which state the table was left in. */
  state: "before" | "after";
  /** Objects in the store no version references (left by the failed attempt), data files only. */
  orphans: number;
}

/** A problem found: the invariant broken, and the run that broke it. */
export interface FaultViolation {
  scenario: string;
  call: number;
  action: FaultAction;
  problem: string;
}

const jsonLine = (row: unknown) => JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));

/** The state of the table in `store` (no faults). */
export async function readState(store: ObjectStore, observe?: (table: DeltaTable) => unknown): Promise<TableState> {
  let table: DeltaTable;
  try {
    table = await DeltaTable.open(store.rootUrl, { store });
  } catch (err) {
    if (err instanceof TableNotFoundError) return { exists: false, rows: [], constraints: {} };
    throw err;
  }
  const arrow = await table.toArrow();
  const rows = arrow
    .toArray()
    .map((r: { toJSON(): unknown }) => jsonLine(r.toJSON()))
    .sort();
  const constraints = Object.fromEntries(Object.entries(table.properties).filter(([k]) => k.startsWith("delta.constraints.")));
  return observe ? { exists: true, rows, constraints, extra: observe(table) } : { exists: true, rows, constraints };
}

/** Paths the table's active files name that are not in the store. */
async function missingFiles(store: ObjectStore): Promise<string[]> {
  let table: DeltaTable;
  try {
    table = await DeltaTable.open(store.rootUrl, { store });
  } catch (err) {
    if (err instanceof TableNotFoundError) return [];
    throw err;
  }
  const missing: string[] = [];
  for (const add of table.addActions()) {
    const path = decodeURIComponent(add.path);
    await store.head(path).catch(() => missing.push(path));
  }
  return missing;
}

/** Data files present in the store but named by no `add` or `remove` of any version. */
async function orphanCount(store: ObjectStore): Promise<number> {
  const referenced = new Set<string>();
  for await (const meta of store.list("_delta_log/")) {
    if (!meta.path.endsWith(".json")) continue;
    const text = new TextDecoder().decode(await store.get(meta.path));
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      const action = JSON.parse(line) as { add?: { path: string }; remove?: { path: string } };
      const path = action.add?.path ?? action.remove?.path;
      if (path) referenced.add(decodeURIComponent(path));
    }
  }
  let orphans = 0;
  for await (const meta of store.list("")) {
    if (!meta.path.startsWith("_delta_log/") && !referenced.has(meta.path)) orphans++;
  }
  return orphans;
}

/** A copy of every object of `source` in a fresh memory store. */
async function cloneStore(source: ObjectStore): Promise<MemoryStore> {
  const copy = new MemoryStore({ bucket: `fault-${randomUUID()}`, prefix: "t" });
  for await (const meta of source.list("")) await copy.put(meta.path, await source.get(meta.path));
  return copy;
}

const same = (a: TableState, b: TableState) => JSON.stringify(a) === JSON.stringify(b);

/** Everything one scenario's matrix found. */
export interface ScenarioResult {
  /** Storage calls of the fault-free run. */
  calls: number;
  reports: FaultRunReport[];
  violations: FaultViolation[];
  /** The state after equals the state before (vacuum, log cleanup): no run can be told apart. */
  keepsState: boolean;
  /** Paths the fault-free run deleted. */
  deleted: string[];
}

/**
 * Runs `scenario` fault-free, then once per storage call and fault kind with that fault, checking
 * the invariants after each. `actions` defaults to fail and apply-then-fail.
 */
export async function runFaultMatrix(scenario: FaultScenario, actions: FaultAction[] = ["fail", "applyThenFail"]): Promise<ScenarioResult> {
  const base = new MemoryStore({ bucket: `fault-base-${randomUUID()}`, prefix: "t" });
  await scenario.setup(base);
  const before = await readState(base, scenario.observe);
  const expected = scenario.expectedAfter(before);
  const violations: FaultViolation[] = [];
  const reports: FaultRunReport[] = [];

  const dry = new FaultStore(await cloneStore(base));
  await scenario.run(dry);
  const calls = dry.log.slice();
  const dryState = await readState(dry.inner, scenario.observe);
  const left = new Set<string>();
  for await (const meta of dry.inner.list("")) left.add(meta.path);
  const deleted: string[] = [];
  for await (const meta of base.list("")) if (!left.has(meta.path)) deleted.push(meta.path);
  if (!same(dryState, expected))
    violations.push({
      scenario: scenario.name,
      call: 0,
      action: "fail",
      problem: `fault-free run left ${jsonLine(dryState)}, expected ${jsonLine(expected)}`,
    });

  for (const call of calls) {
    for (const action of actions) {
      const violation = (problem: string) =>
        violations.push({ scenario: scenario.name, call: call.n, action, problem: `${call.method} ${call.path}: ${problem}` });
      const inner = await cloneStore(base);
      const faulty = new FaultStore(inner, [{ call: call.n, action }]);
      let outcome = "resolved";
      try {
        await scenario.run(faulty);
      } catch (err) {
        if (!(err instanceof LakelogError)) violation(`untyped error escaped: ${String(err)}`);
        outcome = err instanceof LakelogError ? err.code : "UNTYPED";
      }
      let state: TableState;
      try {
        state = await readState(inner, scenario.observe);
      } catch (err) {
        violation(`the table does not open or scan: ${String(err)}`);
        continue;
      }
      const isBefore = same(state, before);
      const isAfter = same(state, expected);
      if (!isBefore && !isAfter) violation(`state is neither before nor after: ${jsonLine(state)}`);
      if (outcome === "resolved" && !isAfter) violation("the operation resolved but the table is not in the state after");
      const missing = await missingFiles(inner);
      if (missing.length > 0) violation(`files referenced by the log are missing: ${missing.join(", ")}`);
      for (const problem of (await scenario.verify?.(inner)) ?? []) violation(problem);
      reports.push({
        scenario: scenario.name,
        call: call.n,
        method: call.method,
        path: call.path,
        action,
        outcome,
        state: isAfter ? "after" : "before",
        orphans: await orphanCount(inner),
      });
      // a retry without faults converges to the state after, exactly once
      try {
        await scenario.run(inner);
      } catch (err) {
        if (!(isAfter && scenario.retryMayRefuse && err instanceof LakelogError)) violation(`the retry failed: ${String(err)}`);
      }
      const retried = await readState(inner, scenario.observe);
      if (!same(retried, expected)) violation(`after a retry the state is ${jsonLine(retried)}, expected ${jsonLine(expected)}`);
      for (const problem of (await scenario.verify?.(inner)) ?? []) violation(`after a retry: ${problem}`);
    }
  }
  return { calls: calls.length, reports, violations, keepsState: same(before, expected), deleted };
}
