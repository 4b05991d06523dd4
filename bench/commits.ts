/**
 * Commit throughput of small appends: one writer making sequential 10-row appends, and 8 writers
 * (separate processes) racing to append to one table; commits/s, commit latency (mean, p95) and
 * how many attempts each commit took (`WriteResult.commit.attempts`). Peers measured in the same
 * run on the same store:
 * - the floor of the log: the same sequence of create-if-absent puts of the very commit files
 *   lakelog wrote (`store.put(…, { mode: "create" })`, same bytes, same order);
 * - the floor of an append: the same puts of each data file followed by its commit file;
 * - for the race: 8 processes each creating 25 commit-sized objects with create-if-absent at the
 *   next free version (on a loss: the next number, no reads), the bare cost of the contest.
 *
 * Each lakelog append is `table.write(batch)` (a 10-row Arrow batch, unpartitioned table: one
 * Parquet data file and one commit) followed by `table = await table.refresh()`, as a
 * long-running writer keeps its table current; latency is the `write` call, throughput counts the
 * whole loop. The single-writer case also runs against S3 (Ceph RADOS Gateway) and Azure
 * (Azurite), started with the test servers.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startTestServers, type CloudTarget } from "../scripts/test-servers.js";
import { AlreadyExistsError } from "../src/errors/storage-errors.js";
import { commitPath } from "../src/log/log-files.js";
import { openStore } from "../src/storage/open-store.js";
import type { StorageOptions } from "../src/storage/options.js";
import type { ObjectStore } from "../src/storage/store.js";
import { CountingStore, type StoreCounters } from "../src/storage/counting-store.js";
import { DeltaTable } from "../src/table/delta-table.js";
import { median, percentile } from "./lib/child.js";
import { type Comparison, emit } from "./lib/measure.js";
import { generateBatch, WRITE_SCHEMA } from "./lib/write-rows.js";

const ROWS_PER_APPEND = 10;
const LOCAL_APPENDS = 200;
const CLOUD_APPENDS = 50;
const WARMUP_APPENDS = 5;
const LOCAL_ROUNDS = 3;
const CLOUD_ROUNDS = 3;
const WRITERS = 8;
const APPENDS_PER_WRITER = 25;
const LOAD_AT_START = loadavg()
  .map((l) => l.toFixed(2))
  .join(" / ");

/** What a sequence of appends measured. */
interface AppendRun {
  /** Wall time of the whole loop (ms). */
  ms: number;
  latencies: number[];
  attempts: number[];
  /** Appends that failed (for example retries exhausted), with their error codes. */
  failures: string[];
}

/** Creates an empty unpartitioned table of the benchmark schema. */
async function createTable(url: string, storage: StorageOptions, store?: ObjectStore): Promise<void> {
  await DeltaTable.create(url, { schema: WRITE_SCHEMA, storage, store });
}

/** Appends `count` 10-row batches, one `table.write` each, refreshing between them. */
async function appendLoop(table: DeltaTable, count: number, firstId: number): Promise<AppendRun & { table: DeltaTable }> {
  const run: AppendRun = { ms: 0, latencies: [], attempts: [], failures: [] };
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const batch = generateBatch(firstId + i * ROWS_PER_APPEND, ROWS_PER_APPEND);
    const t = performance.now();
    try {
      const result = await table.write(batch);
      run.latencies.push(performance.now() - t);
      run.attempts.push(result.commit?.attempts ?? 0);
    } catch (err) {
      run.failures.push((err as { code?: string }).code ?? String(err));
    }
    table = await table.refresh();
  }
  run.ms = performance.now() - started;
  return { ...run, table };
}

/** The bytes of every commit file after version 0 and of the data files they add, in order. */
async function readAppends(
  store: ObjectStore,
  first: number,
  last: number,
): Promise<Array<{ version: number; commit: Uint8Array; data: Array<{ path: string; bytes: Uint8Array }> }>> {
  const out = [];
  for (let v = first; v <= last; v++) {
    const commit = await store.get(commitPath(v));
    const data = [];
    for (const line of new TextDecoder().decode(commit).split("\n")) {
      if (!line.includes('"add"')) continue;
      const path = decodeURIComponent((JSON.parse(line) as { add: { path: string } }).add.path);
      data.push({ path, bytes: await store.get(path) });
    }
    out.push({ version: v, commit, data });
  }
  return out;
}

/** Floors on a fresh prefix of the same store: commit puts alone, and data + commit puts. */
async function floors(
  url: string,
  storage: StorageOptions,
  appends: Awaited<ReturnType<typeof readAppends>>,
): Promise<{ commitsMs: number; commitLat: number[]; appendsMs: number; appendLat: number[] }> {
  const commitsStore = await openStore(`${url}-floor-commits`, storage);
  const appendsStore = await openStore(`${url}-floor-appends`, storage);
  const commitLat: number[] = [];
  const appendLat: number[] = [];
  let started = performance.now();
  for (const a of appends) {
    const t = performance.now();
    await commitsStore.put(commitPath(a.version), a.commit, { mode: "create" });
    commitLat.push(performance.now() - t);
  }
  const commitsMs = performance.now() - started;
  started = performance.now();
  for (const a of appends) {
    const t = performance.now();
    for (const d of a.data) await appendsStore.put(d.path, d.bytes, { mode: "create" });
    await appendsStore.put(commitPath(a.version), a.commit, { mode: "create" });
    appendLat.push(performance.now() - t);
  }
  const appendsMs = performance.now() - started;
  await commitsStore.close?.();
  await appendsStore.close?.();
  return { commitsMs, commitLat, appendsMs, appendLat };
}

/** What one backend's single-writer case measured. */
interface SingleResult {
  label: string;
  /** Appends per round. */
  appends: number;
  rounds: number;
  /** Per round: lakelog's loop, the commit-put floor and the data + commit floor (ms). */
  roundMs: Array<{ ours: number; commits: number; appends: number }>;
  /** Every round's lakelog latencies and attempts, pooled. */
  latencies: number[];
  attempts: number[];
  failures: string[];
  floorAppendLat: number[];
  commitBytes: number;
  /** Store requests of the timed appends (all rounds), as counted by `CountingStore`. */
  requests: StoreCounters;
}

/**
 * `rounds` rounds, each on a new table under `url`: {@link WARMUP_APPENDS} appends, then
 * `appends` timed ones, then the two floors replaying the files that round wrote.
 */
async function singleWriter(label: string, url: string, storage: StorageOptions, appends: number, rounds: number): Promise<SingleResult> {
  const requests: StoreCounters = { get: 0, head: 0, put: 0, putStream: 0, delete: 0, list: 0, listed: 0, bytesRead: 0, bytesWritten: 0 };
  const result: SingleResult = {
    label,
    appends,
    rounds,
    roundMs: [],
    latencies: [],
    attempts: [],
    failures: [],
    floorAppendLat: [],
    commitBytes: 0,
    requests,
  };
  for (let r = 0; r < rounds; r++) {
    const roundUrl = `${url}/round-${r}`;
    const store = new CountingStore(await openStore(roundUrl, storage));
    await createTable(roundUrl, storage, store);
    const warm = await appendLoop(await DeltaTable.open(roundUrl, { store }), WARMUP_APPENDS, 0);
    const firstVersion = warm.table.version + 1;
    const before = { ...store.counters };
    const run = await appendLoop(warm.table, appends, WARMUP_APPENDS * ROWS_PER_APPEND);
    for (const k of Object.keys(requests) as Array<keyof StoreCounters>) requests[k] += store.counters[k] - before[k];
    const written = await readAppends(run.table.store, firstVersion, run.table.version);
    await run.table.store.close?.();
    const floor = await floors(roundUrl, storage, written);
    result.roundMs.push({ ours: run.ms, commits: floor.commitsMs, appends: floor.appendsMs });
    result.latencies.push(...run.latencies);
    result.attempts.push(...run.attempts);
    result.failures.push(...run.failures);
    result.floorAppendLat.push(...floor.appendLat);
    result.commitBytes = written.reduce((n, a) => n + a.commit.byteLength, 0) / written.length;
    console.log(
      `    ${label} round ${r + 1}/${rounds}: ${appends} appends ${run.ms.toFixed(0)} ms; floors: commit puts ${floor.commitsMs.toFixed(0)} ms, data + commit puts ${floor.appendsMs.toFixed(0)} ms`,
    );
  }
  return result;
}

/** Deletes every object under `url` (the benchmark's tables and floors on the test servers). */
async function clearPrefix(url: string, storage: StorageOptions): Promise<void> {
  const store = await openStore(url, storage);
  const paths: string[] = [];
  for await (const meta of store.list("")) paths.push(meta.path);
  await store.deleteMany(paths);
  await store.close?.();
}

/** One racing child's report. */
interface RacerReport {
  latencies: number[];
  attempts: number[];
  failures: string[];
  /** `performance.timeOrigin + performance.now()` at the end of its last append. */
  endedAt: number;
}

/**
 * Child: `--writer <url>` appends {@link APPENDS_PER_WRITER} batches with lakelog;
 * `--racer <url>` makes the same number of raw create-if-absent commits (the floor). Both print
 * `@@READY`, wait for `go` on stdin, then print `@@RACER <json>`.
 */
async function racer(kind: "--writer" | "--racer", url: string, id: number, commitBytes: number): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  let report: RacerReport;
  if (kind === "--writer") {
    let table = await DeltaTable.open(url);
    process.stdout.write("@@READY\n");
    for await (const line of lines) if (line === "go") break;
    const run = await appendLoop(table, APPENDS_PER_WRITER, 1_000_000 * (id + 1));
    table = run.table;
    report = {
      latencies: run.latencies,
      attempts: run.attempts,
      failures: run.failures,
      endedAt: performance.timeOrigin + performance.now(),
    };
    await table.store.close?.();
  } else {
    const store = await openStore(url);
    const body = new TextEncoder().encode(`${JSON.stringify({ commitInfo: { pad: "x".repeat(Math.max(0, commitBytes - 30)) } })}\n`);
    process.stdout.write("@@READY\n");
    for await (const line of lines) if (line === "go") break;
    report = { latencies: [], attempts: [], failures: [], endedAt: 0 };
    let version = 0;
    for (let i = 0; i < APPENDS_PER_WRITER; i++) {
      const t = performance.now();
      for (let attempt = 1; ; attempt++) {
        try {
          await store.put(commitPath(version), body, { mode: "create" });
          report.attempts.push(attempt);
          break;
        } catch (err) {
          if (!(err instanceof AlreadyExistsError)) throw err;
          version++;
        }
      }
      report.latencies.push(performance.now() - t);
      version++;
    }
    report.endedAt = performance.timeOrigin + performance.now();
    await store.close?.();
  }
  lines.close();
  process.stdout.write(`@@RACER ${JSON.stringify(report)}\n`);
}

/** Starts `WRITERS` children of `kind`, releases them together, and gathers their reports. */
async function race(kind: "--writer" | "--racer", url: string, commitBytes: number): Promise<{ ms: number; reports: RacerReport[] }> {
  const script = fileURLToPath(import.meta.url);
  const children = Array.from({ length: WRITERS }, (_, id) => {
    const proc = spawn(process.execPath, [script, kind, url, String(id), String(Math.round(commitBytes))], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    const ready = new Promise<void>((resolve) => {
      proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
        if (out.includes("@@READY")) resolve();
      });
    });
    const done = new Promise<RacerReport>((resolve, reject) => {
      proc.on("close", (code) => {
        const line = out.split("\n").find((l) => l.startsWith("@@RACER "));
        if (code !== 0 || !line) return reject(new Error(`racer ${kind} ${id} failed (exit ${code})`));
        resolve(JSON.parse(line.slice("@@RACER ".length)) as RacerReport);
      });
    });
    return { proc, ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  const startedAt = performance.timeOrigin + performance.now();
  for (const c of children) c.proc.stdin.end("go\n");
  const reports = await Promise.all(children.map((c) => c.done));
  return { ms: Math.max(...reports.map((r) => r.endedAt)) - startedAt, reports };
}

function histogram(attempts: number[]): string {
  const counts = new Map<number, number>();
  for (const a of attempts) counts.set(a, (counts.get(a) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => a[0] - b[0])
    .map(([a, n]) => `${a}: ${n}`)
    .join(", ");
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "lakelog-bench-commits-"));
  const comparisons: Comparison[] = [];
  const facts: Record<string, string | number> = {};
  const singles: SingleResult[] = [];
  try {
    console.log(`  local: 1 writer, ${LOCAL_APPENDS} appends of ${ROWS_PER_APPEND} rows`);
    singles.push(await singleWriter("local", join(dir, "single"), {}, LOCAL_APPENDS, LOCAL_ROUNDS));

    console.log(`  local: ${WRITERS} writers racing, ${APPENDS_PER_WRITER} appends each`);
    const raceUrl = join(dir, "race");
    await createTable(raceUrl, {});
    const lakelogRace = await race("--writer", raceUrl, 0);
    const final = await DeltaTable.open(raceUrl);
    const floorRace = await race("--racer", join(dir, "race-floor"), singles[0]!.commitBytes);
    addRace(comparisons, facts, lakelogRace, floorRace, final);

    const servers = await startTestServers();
    try {
      const run = randomUUID().slice(0, 8);
      for (const [label, target] of [
        ["s3 (Ceph RGW)", servers.s3],
        ["azure (Azurite)", servers.azure],
      ] as Array<[string, CloudTarget]>) {
        console.log(`  ${label}: 1 writer, ${CLOUD_APPENDS} appends`);
        const url = `${target.url}/bench-commits-${run}`;
        try {
          singles.push(await singleWriter(label, url, target.options, CLOUD_APPENDS, CLOUD_ROUNDS));
        } finally {
          await clearPrefix(url, target.options);
        }
      }
    } finally {
      await servers.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const s of singles) addSingle(comparisons, facts, s);
  facts["lakelog API"] =
    "DeltaTable.create(url, { schema }) (unpartitioned, 5 columns), then per append: table.write(10-row Arrow batch) (one Parquet data file + one commit) and table = await table.refresh(); " +
    `${WARMUP_APPENDS} warm-up appends first`;
  facts["load average at start (1/5/15 min)"] = LOAD_AT_START;
  emit({ name: "commits", comparisons, facts });
}

function addSingle(comparisons: Comparison[], facts: Record<string, string | number>, s: SingleResult): void {
  const rate = (pick: (r: SingleResult["roundMs"][number]) => number) => median(s.roundMs.map((r) => s.appends / (pick(r) / 1000)));
  const ours = rate((r) => r.ours);
  const per = (pick: (r: SingleResult["roundMs"][number]) => number) => s.roundMs.map((r) => (pick(r) / s.appends).toFixed(2)).join(", ");
  comparisons.push(
    {
      metric: `${s.label}: 1 writer, commits/s`,
      unit: "commits/s",
      ours,
      peer: rate((r) => r.commits),
      peerName: "create-if-absent puts of the same commit files",
      higherIsBetter: true,
      note: "the floor of the log alone",
    },
    {
      metric: `${s.label}: 1 writer, commits/s`,
      unit: "commits/s",
      ours,
      peer: rate((r) => r.appends),
      peerName: "puts of the same data file + commit file",
      higherIsBetter: true,
      note: "the I/O floor of an append",
    },
    {
      metric: `${s.label}: 1 writer, mean commit latency`,
      unit: "ms",
      ours: mean(s.latencies),
      peer: mean(s.floorAppendLat),
      peerName: "puts of the same data file + commit file",
      higherIsBetter: false,
    },
  );
  facts[`${s.label}, 1 writer`] = [
    `${s.rounds} rounds of ${s.appends} appends (commits/s: median of the rounds)`,
    `ms per append by round: ${per((r) => r.ours)} (floors: commit puts ${per((r) => r.commits)}; data + commit puts ${per((r) => r.appends)})`,
    `latency of table.write mean ${mean(s.latencies).toFixed(1)} ms, median ${median(s.latencies).toFixed(1)}, p95 ${percentile(s.latencies, 95).toFixed(1)}`,
    `attempts ${histogram(s.attempts)}`,
    `failures ${s.failures.length}`,
    `commit file ${s.commitBytes.toFixed(0)} B on average`,
    `store calls per append (write + refresh): ${(["list", "get", "head", "put", "putStream", "delete"] as const).map((k) => `${k} ${(s.requests[k] / (s.appends * s.rounds)).toFixed(2)}`).join(", ")}`,
  ].join("; ");
}

function addRace(
  comparisons: Comparison[],
  facts: Record<string, string | number>,
  ours: Awaited<ReturnType<typeof race>>,
  floor: Awaited<ReturnType<typeof race>>,
  final: DeltaTable,
): void {
  const total = WRITERS * APPENDS_PER_WRITER;
  const all = (r: Awaited<ReturnType<typeof race>>, f: (x: RacerReport) => number[]) => r.reports.flatMap(f);
  const lat = all(ours, (x) => x.latencies);
  const floorLat = all(floor, (x) => x.latencies);
  const failures = ours.reports.flatMap((x) => x.failures);
  const committed = total - failures.length;
  comparisons.push(
    {
      metric: `local: ${WRITERS} writers racing, commits/s`,
      unit: "commits/s",
      ours: committed / (ours.ms / 1000),
      peer: total / (floor.ms / 1000),
      peerName: `${WRITERS} processes racing create-if-absent puts`,
      higherIsBetter: true,
      note: "floor: on a loss, try the next number; no reads, no conflict checks, no data files",
    },
    {
      metric: `local: ${WRITERS} writers racing, p95 commit latency`,
      unit: "ms",
      ours: percentile(lat, 95),
      peer: percentile(floorLat, 95),
      peerName: `${WRITERS} processes racing create-if-absent puts`,
      higherIsBetter: false,
    },
  );
  facts[`local, ${WRITERS} writers racing`] = [
    `${committed} of ${total} appends committed in ${(ours.ms / 1000).toFixed(2)} s (from the release of all writers to the last commit)`,
    `latency mean ${mean(lat).toFixed(1)} ms, median ${median(lat).toFixed(1)}, p95 ${percentile(lat, 95).toFixed(1)}`,
    `attempts ${histogram(all(ours, (x) => x.attempts))}`,
    `failures ${failures.length}${failures.length ? ` (${[...new Set(failures)].join(", ")})` : ""}`,
    `table afterwards: version ${final.version}, ${final.files().length} data files (expected ${total})`,
  ].join("; ");
  facts[`local, ${WRITERS} raw racers (floor)`] =
    `${total} creates in ${(floor.ms / 1000).toFixed(2)} s; latency mean ${mean(floorLat).toFixed(1)} ms, p95 ${percentile(floorLat, 95).toFixed(1)}; attempts ${histogram(all(floor, (x) => x.attempts))}`;
  if (final.files().length !== committed)
    throw new Error(`the raced table has ${final.files().length} files but ${committed} appends reported success`);
}

const mode = process.argv[2];
if (mode === "--writer" || mode === "--racer") await racer(mode, process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
else await main();
