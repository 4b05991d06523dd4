/**
 * Crash safety with real processes: a child writes to a table in a loop (appends of 2k–20k rows,
 * now and then an overwrite) and is killed with SIGKILL at a random point, several rounds per
 * backend. Some kills are timed by delay alone, some a few milliseconds after the child announces
 * a data-file upload or a commit create, so deaths land mid upload, mid commit and in between.
 * After every kill the table must be whole: every commit file parses, versions are contiguous,
 * each version reads exactly the rows its commits promise (and no rows of files never committed),
 * and the latest version is the child's last reported one or one more. Data files uploaded but
 * never committed may remain; they are counted and reported, never visible.
 */
import { readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import type { Action, AddFile, CommitInfo } from "../../src/log/actions.js";
import { parseLogFile } from "../../src/log/log-files.js";
import { parseActions } from "../../src/log/parse-actions.js";
import { openStore } from "../../src/storage/open-store.js";
import type { ObjectStore } from "../../src/storage/store.js";
import { DeltaTable, writeDeltaTable } from "../../src/table/delta-table.js";
import { type CloudTarget, processBackendTargets } from "../helpers/cloud-targets.js";
import { jsonLines, startChild } from "../helpers/run-child.js";

const ROUNDS = 9;

/** How a round picks its moment: a delay after `ready`, or the nth data upload / commit create plus a jitter. */
type KillPlan = { kind: "delay"; ms: number } | { kind: "data" | "commit"; nth: number; jitterMs: number };

/** Where the child was when it died, from its trace. */
type DeathPhase = "mid-upload" | "mid-commit" | "between";

/** One write, as its tag `<round>-<i>-<mode>-<rows>` (also the commit's userMetadata) spells it. */
interface WriteTag {
  tag: string;
  mode: "append" | "overwrite";
  rows: number;
}

function parseTag(tag: string | undefined): WriteTag {
  const m = /^[^-]+-\d+-(append|overwrite)-(\d+)$/.exec(tag ?? "");
  if (!m) throw new Error(`commit without a write tag: ${String(tag)}`);
  return { tag: tag!, mode: m[1] as WriteTag["mode"], rows: Number(m[2]) };
}

/** What the checks learned so far about one table; committed versions are immutable, so each is checked once. */
interface TableState {
  commits: Map<number, Action[]>;
  /** Rows per tag the table must hold at each checked version. */
  expected: Map<number, Map<string, number>>;
  /** Data files known to exist (checked with `head`). */
  present: Set<string>;
}

const reports: string[] = [];
afterAll(() => {
  if (reports.length > 0) console.log(`crash recovery:\n  ${reports.join("\n  ")}`);
});

function randomPlan(round: number): KillPlan {
  const rand = (n: number) => Math.floor(Math.random() * n);
  switch (round % 3) {
    case 0:
      return { kind: "delay", ms: rand(2500) };
    case 1:
      return { kind: "data", nth: 1 + rand(3), jitterMs: rand(30) };
    default:
      return { kind: "commit", nth: 1 + rand(3), jitterMs: rand(4) };
  }
}

/** Runs one child until the plan's moment, kills it with SIGKILL and returns its trace. */
async function killRound(target: CloudTarget, round: number, plan: KillPlan): Promise<Array<Record<string, unknown>>> {
  const child = startChild("test/helpers/children/crash-writer.ts", {
    url: target.url,
    options: target.options,
    round: `r${round}`,
    maxWrites: 1000,
  });
  await child.waitFor((l) => l.includes('"event":"ready"'));
  if (plan.kind === "delay") {
    await sleep(plan.ms);
  } else {
    let seen = 0;
    await child.waitFor((l) => l.includes(`"event":"${plan.kind}-start"`) && ++seen === plan.nth);
    if (plan.jitterMs > 0) await sleep(plan.jitterMs);
  }
  child.process.kill("SIGKILL");
  const result = await child.done;
  expect(result.signal, `the child ended by itself: ${result.stderr}`).toBe("SIGKILL");
  return jsonLines(result.stdout);
}

/** The last version the child reported committed, whether a commit create started or returned after it, and where it died. */
function readTrace(events: Array<Record<string, unknown>>): {
  lastPrinted: number;
  commitStartedAfter: boolean;
  commitReturnedAfter: boolean;
  phase: DeathPhase;
} {
  let lastPrinted = -1;
  let commitStartedAfter = false;
  let commitReturnedAfter = false;
  const uploading = new Set<unknown>();
  let committing = false;
  for (const e of events) {
    if (e.event === "ready") lastPrinted = e.version as number;
    if (e.event === "committed") {
      lastPrinted = e.version as number;
      commitStartedAfter = commitReturnedAfter = false;
    }
    if (e.event === "data-start") uploading.add(e.path);
    if (e.event === "data-end") uploading.delete(e.path);
    if (e.event === "commit-start") commitStartedAfter = committing = true;
    if (e.event === "commit-end") {
      committing = false;
      commitReturnedAfter = true;
    }
  }
  const phase: DeathPhase = committing ? "mid-commit" : uploading.size > 0 ? "mid-upload" : "between";
  return { lastPrinted, commitStartedAfter, commitReturnedAfter, phase };
}

/** Reads every commit file not read before; each must parse. Returns the listed versions, ascending. */
async function readLog(store: ObjectStore, state: TableState): Promise<number[]> {
  const versions: number[] = [];
  for await (const meta of store.list("_delta_log/")) {
    const file = parseLogFile(meta);
    if (file?.kind !== "commit") continue;
    versions.push(file.version);
    if (!state.commits.has(file.version)) {
      const bytes = await store.get(file.path);
      state.commits.set(file.version, parseActions(bytes, file.path)); // throws on a partial or corrupt commit
    }
  }
  return versions.sort((a, b) => a - b);
}

const addsOf = (actions: Action[]): AddFile[] => actions.flatMap((a) => ("add" in a ? [a.add] : []));
const tagOf = (actions: Action[]): WriteTag =>
  parseTag(actions.find((a): a is { commitInfo: CommitInfo } => "commitInfo" in a)?.commitInfo.userMetadata);
const numRecords = (add: AddFile): number => (JSON.parse(add.stats ?? "{}") as { numRecords?: number }).numRecords ?? Number.NaN;

/**
 * Checks one committed version: its commit holds all the rows its tag promises, every active
 * file exists, and the table at that version reads exactly the rows of the tags it should hold.
 */
async function checkVersion(table: DeltaTable, store: ObjectStore, state: TableState, version: number): Promise<void> {
  const actions = state.commits.get(version)!;
  const write = tagOf(actions);
  expect(
    addsOf(actions).reduce((n, a) => n + numRecords(a), 0),
    `rows added by version ${version}`,
  ).toBe(write.rows);
  const expected = new Map(write.mode === "overwrite" || version === 0 ? [] : state.expected.get(version - 1)!);
  expected.set(write.tag, write.rows);
  state.expected.set(version, expected);

  const atVersion = await table.loadVersion(version);
  const active = [...atVersion.addActions()];
  for (const add of active) {
    const path = decodeURIComponent(add.path);
    if (!state.present.has(path)) {
      await store.head(path); // throws NotFoundError when a committed file is missing
      state.present.add(path);
    }
  }
  const read = await atVersion.toArrow({ columns: ["tag"] });
  expect(read.numRows, `rows of version ${version}`).toBe(active.reduce((n, a) => n + numRecords(a), 0));
  const byTag = new Map<string, number>();
  for (const tag of read.getChild("tag")!.toArray() as string[]) byTag.set(tag, (byTag.get(tag) ?? 0) + 1);
  expect(Object.fromEntries(byTag), `rows per write at version ${version}`).toEqual(Object.fromEntries(expected));
}

/** Data files in the store that no commit ever added, and (local disk) hidden temporary files left by killed writes. */
async function countLeftovers(
  store: ObjectStore,
  state: TableState,
  target: CloudTarget,
  name: string,
): Promise<{ orphans: string[]; tempFiles: string[] }> {
  const referenced = new Set<string>();
  for (const actions of state.commits.values()) for (const add of addsOf(actions)) referenced.add(decodeURIComponent(add.path));
  const orphans: string[] = [];
  for await (const meta of store.list("")) {
    if (meta.path.startsWith("_delta_log/") || meta.path.startsWith(".lakelog-probe/")) continue;
    if (!referenced.has(meta.path)) orphans.push(meta.path);
  }
  const tempFiles =
    name === "local"
      ? readdirSync(target.url, { recursive: true })
          .map(String)
          .filter((p) => p.split("/").pop()!.startsWith(".lakelog-tmp-"))
      : [];
  return { orphans, tempFiles };
}

/** After a kill: the whole table checked against what the child reported. Returns the latest version. */
async function checkAfterKill(
  store: ObjectStore,
  state: TableState,
  target: CloudTarget,
  trace: ReturnType<typeof readTrace>,
): Promise<number> {
  const versions = await readLog(store, state);
  const latest = versions[versions.length - 1]!;
  expect(versions, "contiguous versions from 0").toEqual(Array.from({ length: latest + 1 }, (_, i) => i));
  expect([trace.lastPrinted, trace.lastPrinted + 1]).toContain(latest);
  if (latest === trace.lastPrinted + 1) expect(trace.commitStartedAfter, "a version appeared that no commit create started").toBe(true);
  if (trace.commitReturnedAfter) expect(latest, "a commit create returned but its version is missing").toBe(trace.lastPrinted + 1);
  const table = await DeltaTable.open(target.url, { storage: target.options });
  expect(table.version).toBe(latest);
  for (const v of versions) if (!state.expected.has(v)) await checkVersion(table, store, state, v);
  return latest;
}

const shared = processBackendTargets();

// the backends run at the same time, each on its own table: a round mostly waits (for the child,
// for its kill moment, for the store), so the three overlap instead of queueing
describe.concurrent("crash recovery", () => {
  it.each(shared)(
    `$name: a writer killed with SIGKILL ${ROUNDS} times (mid upload, mid commit, in between) leaves every committed version whole and readable; a new writer appends afterwards`,
    async ({ name, fresh }) => {
      const target = fresh();
      const started = Date.now();
      const seedRows = Array.from({ length: 1000 }, (_, n) => ({ tag: "seed-0-append-1000", n, payload: "seed" }));
      await writeDeltaTable(target.url, seedRows, { storage: target.options, userMetadata: "seed-0-append-1000" });
      const store = await openStore(target.url, target.options);
      const state: TableState = { commits: new Map(), expected: new Map(), present: new Set() };
      const phases: Record<DeathPhase, number> = { "mid-upload": 0, "mid-commit": 0, between: 0 };
      let landedAfterPrint = 0;
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const plan = randomPlan(round);
          const trace = readTrace(await killRound(target, round, plan));
          phases[trace.phase]++;
          const latest = await checkAfterKill(store, state, target, trace);
          if (latest === trace.lastPrinted + 1) landedAfterPrint++;
        }
        const { orphans, tempFiles } = await countLeftovers(store, state, target, name);
        const table = await DeltaTable.open(target.url, { storage: target.options });
        const latest = table.version;
        const active = new Set(table.files().map(decodeURIComponent));
        expect(
          orphans.filter((o) => active.has(o)),
          "orphaned files the table uses",
        ).toEqual([]);

        // a new writer appends after all the crashes
        const finalRows = Array.from({ length: 100 }, (_, n) => ({ tag: "final-0-append-100", n, payload: "after" }));
        const result = await table.write(finalRows, { userMetadata: "final-0-append-100" });
        expect(result.version).toBe(latest + 1);
        await readLog(store, state);
        await checkVersion(await table.refresh(), store, state, latest + 1);

        reports.push(
          `${name}: ${((Date.now() - started) / 1000).toFixed(1)} s, ${ROUNDS} kills (${phases["mid-upload"]} mid upload, ${phases["mid-commit"]} mid commit, ` +
            `${phases.between} between store calls), ${landedAfterPrint} commits landed after the last print, ${latest + 1} versions, ` +
            `${orphans.length} orphaned data files` +
            (name === "local"
              ? `, ${tempFiles.length} hidden temp files (${tempFiles.filter((p) => p.startsWith("_delta_log/")).length} in _delta_log/)`
              : ""),
        );
      } finally {
        await store.close?.();
      }
    },
    300_000,
  );
});
