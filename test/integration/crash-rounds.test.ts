/**
 * Crash safety of every write path beyond append, with real processes on local disk, S3 (Ceph)
 * and Azure (Azurite): a child (test/helpers/children/crash-ops.ts) runs append, overwrite,
 * replaceWhere, delete, update, merge (an upsert), optimize, checkpoint, vacuum (apply) and restore in a loop and is killed
 * with SIGKILL a random few milliseconds after it starts the round's focus operation (every other
 * round after a first full cycle of all operations), one round per operation and backend. After each kill: every commit parses, versions are contiguous, the
 * table opens (through whatever checkpoint is there), every file of the latest version exists,
 * and its rows are exactly the state the commits describe (a model replayed from each commit's
 * `userMetadata` or a delete's, update's or merge's recorded predicate, or for a restore the state of its target version). At the end, the data files
 * no commit ever added (orphans of killed writes) are counted, a full vacuum with zero retention
 * sweeps them, and the table still reads the same.
 */
import { readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import type { Action, CommitInfo } from "../../src/log/actions.js";
import { parseLogFile } from "../../src/log/log-files.js";
import { parseActions } from "../../src/log/parse-actions.js";
import { openStore } from "../../src/storage/open-store.js";
import type { ObjectStore } from "../../src/storage/store.js";
import { DeltaTable, writeDeltaTable } from "../../src/table/delta-table.js";
import { type CloudTarget, processBackendTargets } from "../helpers/cloud-targets.js";
import { jsonLines, startChild } from "../helpers/run-child.js";

const FOCUS_OPS = ["overwrite", "replaceWhere", "delete", "update", "merge", "optimize", "checkpoint", "vacuum", "restore"];
/** Longest random wait after the focus operation starts before the kill. */
const MAX_JITTER_MS = 80;

type Rows = Map<string, number>;

const reports: string[] = [];
afterAll(() => {
  if (reports.length > 0) console.log(`crash rounds:\n  ${reports.join("\n  ")}`);
});

/** The rows (count per tag) version `v` holds, from its commit and the states before it. */
function modelVersion(states: Map<number, Rows>, v: number, actions: Action[]): Rows {
  const info = actions.find((a): a is { commitInfo: CommitInfo } => "commitInfo" in a)?.commitInfo;
  const prev = new Map(states.get(v - 1) ?? []);
  const meta = String(info?.userMetadata ?? "").split(":");
  switch (meta[0]) {
    case "append":
      prev.set(meta[1]!, (prev.get(meta[1]!) ?? 0) + Number(meta[2]));
      return prev;
    case "overwrite":
      return new Map([[meta[1]!, Number(meta[2])]]);
    case "replace": {
      const kept = new Map([...prev].filter(([tag]) => !tag.startsWith(`p${meta[1]}-`)));
      kept.set(meta[2]!, Number(meta[3]));
      return kept;
    }
  }
  if (info?.operation === "DELETE") {
    const m = /tag = '([^']+)' AND n >= (\d+)/.exec(String(info.operationParameters?.predicate));
    if (!m) throw new Error(`version ${v}: a delete without the expected predicate ${JSON.stringify(info.operationParameters)}`);
    prev.set(m[1]!, Math.min(prev.get(m[1]!) ?? 0, Number(m[2])));
    return prev;
  }
  if (info?.operation === "UPDATE") {
    const m = /tag = '([^']+)' AND n >= (\d+) AND tag (?:<>|!=) '([^']+)'/.exec(String(info.operationParameters?.predicate));
    if (!m) throw new Error(`version ${v}: an update without the expected predicate ${JSON.stringify(info.operationParameters)}`);
    const [count, k] = [prev.get(m[1]!) ?? 0, Number(m[2])];
    prev.set(m[1]!, Math.min(count, k));
    prev.set(m[3]!, (prev.get(m[3]!) ?? 0) + Math.max(0, count - k));
    return prev;
  }
  if (info?.operation === "MERGE") {
    const m = /source\.tag = '([^']+)' AND source\.n < (\d+)/.exec(String(info.operationParameters?.predicate));
    if (!m) throw new Error(`version ${v}: a merge without the expected condition ${JSON.stringify(info.operationParameters)}`);
    prev.set(m[1]!, Math.max(prev.get(m[1]!) ?? 0, Number(m[2])));
    return prev;
  }
  if (info?.operation === "RESTORE") {
    const target = Number((info.operationParameters as { version?: unknown } | undefined)?.version);
    const state = states.get(target);
    if (!state) throw new Error(`version ${v} restores version ${target}, which has no modelled state`);
    return new Map(state);
  }
  if (info?.operation === "OPTIMIZE" || String(info?.operation).startsWith("VACUUM")) return prev;
  throw new Error(`version ${v}: an unexpected commit ${JSON.stringify(info)}`);
}

interface LogState {
  commits: Map<number, Action[]>;
  states: Map<number, Rows>;
}

/** Reads new commits (each must parse), checks contiguity and extends the model. Returns the latest version. */
async function readLog(store: ObjectStore, log: LogState): Promise<number> {
  const versions: number[] = [];
  for await (const meta of store.list("_delta_log/")) {
    const file = parseLogFile(meta);
    if (file?.kind !== "commit") continue;
    versions.push(file.version);
    if (!log.commits.has(file.version)) log.commits.set(file.version, parseActions(await store.get(file.path), file.path));
  }
  versions.sort((a, b) => a - b);
  const latest = versions[versions.length - 1]!;
  expect(versions, "contiguous versions from 0").toEqual(Array.from({ length: latest + 1 }, (_, i) => i));
  for (const v of versions) if (!log.states.has(v)) log.states.set(v, modelVersion(log.states, v, log.commits.get(v)!));
  return latest;
}

/** Rows per tag the table reads at its latest version; every active file must exist. */
async function readRows(target: CloudTarget, store: ObjectStore): Promise<{ version: number; rows: Rows; active: string[] }> {
  const table = await DeltaTable.open(target.url, { storage: target.options });
  const active = table.files().map(decodeURIComponent);
  for (const path of active) await store.head(path); // NotFoundError when a committed file is missing
  const rows: Rows = new Map();
  for (const tag of (await table.toArrow({ columns: ["tag"] })).getChild("tag")!.toArray() as string[])
    rows.set(tag, (rows.get(tag) ?? 0) + 1);
  return { version: table.version, rows, active };
}

const nonZero = (rows: Rows) => Object.fromEntries([...rows].filter(([, n]) => n > 0).sort());

/** Starts a child focused on `focus`, kills it a random moment after the `nth` start of the focus op; returns the op it died in. */
async function killRound(target: CloudTarget, round: string, focus: string, nth: number, restorableFrom: number): Promise<string> {
  const child = startChild("test/helpers/children/crash-ops.ts", {
    url: target.url,
    options: target.options,
    round,
    focus,
    maxCycles: 50,
    restorableFrom,
  });
  let seen = 0;
  await child.waitFor((l) => l.includes(`"event":"op-start","op":"${focus}"`) && ++seen === nth);
  await sleep(Math.floor(Math.random() * MAX_JITTER_MS));
  child.process.kill("SIGKILL");
  const result = await child.done;
  expect(result.signal, `the child ended by itself: ${result.stderr}`).toBe("SIGKILL");
  let inFlight = "between operations";
  for (const e of jsonLines(result.stdout)) {
    if (e.event === "op-start") inFlight = String(e.op);
    if (e.event === "op-end") inFlight = "between operations";
  }
  return inFlight;
}

/** Data files in the store that no commit ever added, and (local disk) hidden temporary files. */
async function leftovers(
  store: ObjectStore,
  log: LogState,
  target: CloudTarget,
  name: string,
): Promise<{ orphans: string[]; dataFiles: string[]; tempFiles: number }> {
  const everAdded = new Set<string>();
  for (const actions of log.commits.values()) for (const a of actions) if ("add" in a) everAdded.add(decodeURIComponent(a.add.path));
  const dataFiles: string[] = [];
  for await (const meta of store.list("")) {
    if (meta.path.startsWith("_delta_log/") || meta.path.startsWith(".")) continue;
    dataFiles.push(meta.path);
  }
  const tempFiles =
    name === "local"
      ? readdirSync(target.url, { recursive: true })
          .map(String)
          .filter((p) => p.split("/").pop()!.startsWith(".lakelog-tmp-")).length
      : 0;
  return { orphans: dataFiles.filter((p) => !everAdded.has(p)), dataFiles, tempFiles };
}

const targets = processBackendTargets();

describe.concurrent("crash rounds", () => {
  it.each(targets)(
    `$name: a child killed with SIGKILL during each of ${FOCUS_OPS.join(", ")} leaves the table whole; a full vacuum sweeps the orphans`,
    async ({ name, fresh }) => {
      const target = fresh();
      await writeDeltaTable(
        target.url,
        Array.from({ length: 100 }, (_, n) => ({ tag: "p0-seed-0", part: 0, n })),
        { storage: target.options, userMetadata: "append:p0-seed-0:100" },
      );
      const store = await openStore(target.url, target.options);
      const log: LogState = { commits: new Map(), states: new Map() };
      const diedIn = new Map<string, number>();
      try {
        for (const [i, focus] of FOCUS_OPS.entries()) {
          const restorableFrom = await readLog(store, log);
          // every other round lets the child finish a whole cycle first, so each kind of commit lands and is modelled
          const op = await killRound(target, `r${i}`, focus, 1 + (i % 2), restorableFrom);
          diedIn.set(op, (diedIn.get(op) ?? 0) + 1);
          if (process.env.LAKELOG_CRASH_TRACE) console.log(`${name}: round ${i} (${focus}) died in ${op}`);
          const latest = await readLog(store, log);
          const read = await readRows(target, store);
          expect(read.version).toBe(latest);
          expect(nonZero(read.rows), `rows at version ${latest} after a kill during ${op}`).toEqual(nonZero(log.states.get(latest)!));
        }
        const before = await leftovers(store, log, target, name);
        const readBefore = await readRows(target, store);
        const table = await DeltaTable.open(target.url, { storage: target.options });
        await table.vacuum({ mode: "full", retentionHours: 0, enforceRetention: false, dryRun: false });
        const after = await leftovers(store, log, target, name);
        const readAfter = await readRows(target, store);
        expect(nonZero(readAfter.rows)).toEqual(nonZero(readBefore.rows));
        expect(after.orphans, "orphans left after a full vacuum").toEqual([]);
        expect(after.dataFiles.sort(), "after a full vacuum only the active files remain").toEqual(readAfter.active.sort());
        reports.push(
          `${name}: ${FOCUS_OPS.length} kills, died in ${JSON.stringify(Object.fromEntries(diedIn))}; ${readAfter.version + 1} versions; ` +
            `${before.orphans.length} orphaned data files (never committed) and ${before.dataFiles.length - before.orphans.length - readBefore.active.length} unreferenced ones before the sweep, ` +
            `${after.orphans.length} after` +
            (name === "local" ? `; ${before.tempFiles} hidden temp files before, ${after.tempFiles} after` : ""),
        );
      } finally {
        await store.close?.();
      }
    },
    480_000,
  );
});
