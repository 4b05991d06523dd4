/**
 * Writing 10M rows as a Delta table partitioned by `part` with lakelog's `writeDeltaTable`, against
 * raw parquet-wasm writing the same batches without the table layer, and against DuckDB's
 * `COPY … TO … (FORMAT parquet, PARTITION_BY (part))` of the same rows, in the same run.
 *
 * Input (bench/lib/write-rows.ts): id long, value double, name string (12 letters), ts timestamp
 * µs UTC, part integer (10 values), generated lazily in batches of 65,536 rows, so the input is
 * never resident. Every JS variant consumes the same generator, so its time includes generating
 * the input (the `input-only` variant measures that alone).
 *
 * Variants:
 * - `lakelog`: `writeDeltaTable(dir, batches, { mode: "error", partitionBy: ["part"] })` into a new
 *   local folder: conforming, partition split, statistics, Parquet, fsynced files, one commit. With
 *   the default encoder threads (cores − 1: one here), so two threads in all.
 * - `lakelog-1t`: the same with `setParquetEncodeThreads(0)`: everything on one thread.
 * - `lakelog-unpartitioned`: the same without `partitionBy` (isolates the cost of the partition split).
 * - `engine`: lakelog's engine alone, `writeParquetStream(batches)` into `store.putStream` of the
 *   local store: one unpartitioned file (all 5 columns).
 * - `wasm-stream`: raw parquet-wasm `transformParquetStream`, one unpartitioned file, the same writer
 *   properties as lakelog (bench/lib/raw-parquet-wasm.ts).
 * - `wasm-write`: raw parquet-wasm `writeParquet`, one call and file per 1,048,576 rows.
 * - `duckdb-t1` / `duckdb-t2`: the same rows loaded beforehand (untimed) into a DuckDB in-memory
 *   table, in id order, from a Parquet file of the generator's output; timed: `COPY src TO dir
 *   (FORMAT parquet, PARTITION_BY (part))` with `threads` 1 or 2, plus an fsync of each file it
 *   wrote (DuckDB's COPY does not fsync; lakelog's store does).
 *
 * Timing: every variant in one child process, alternating (a 1M-row warm-up of each, then rounds with the
 * order rotated; medians), GC forced before each run, output deleted after each run (untimed).
 * Peak RSS: each variant alone in its own process, one run. The last round's outputs are read back
 * with DuckDB to check every variant wrote the same rows.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { loadavg } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance, version as duckdbVersion, type DuckDBConnection } from "@duckdb/node-api";
import { setParquetEncodeThreads } from "../src/engine/parquet-encode-pool.js";
import { writeParquetStream } from "../src/engine/parquet-write.js";
import { openStore } from "../src/storage/open-store.js";
import { writeDeltaTable } from "../src/table/delta-table.js";
import { median, runChild } from "./lib/child.js";
import { repoRoot } from "./lib/dataset.js";
import { type Comparison, emit, peakRssMiB } from "./lib/measure.js";
import { rawStreamWrite, rawWriteFiles } from "./lib/raw-parquet-wasm.js";
import { ARROW_BYTES_PER_ROW, DICTIONARY_OFF, generateRows, INPUT_BATCH_ROWS } from "./lib/write-rows.js";

/** Rows written (`LAKELOG_BENCH_WRITE_ROWS` overrides it for a quick trial run). */
const ROWS = Number(process.env.LAKELOG_BENCH_WRITE_ROWS ?? 10_000_000);
const ROUNDS = 5;
/** Rows of each variant's warm-up run (enough for the JIT and lazy initialisation). */
const WARMUP_ROWS = Math.min(ROWS, 1_000_000);
const LOAD_AT_START = loadavg()
  .map((l) => l.toFixed(2))
  .join(" / ");
const WORK = join(repoRoot(), ".bench-data", "write-10m");
/** Bump when the generated input changes: the cached input file for DuckDB is then rewritten. */
const INPUT_VERSION = 1;

/** What one run produced. */
interface RunOutput {
  rows: number;
  /** Milliseconds of the run spent in DuckDB's COPY alone (DuckDB variants). */
  copyMs?: number;
}

/** A variant: prepared once per process, then run into a fresh output folder, writing the first `rows` rows. */
type Run = (out: string, rows: number) => Promise<RunOutput>;

const SIDES: Record<string, () => Promise<Run>> = {
  "input-only": async () => async (_out, n) => {
    let rows = 0;
    for (const batch of generateRows(n)) rows += batch.numRows;
    return { rows };
  },
  lakelog: async () => async (out, n) => {
    const result = await writeDeltaTable(out, generateRows(n), { mode: "error", partitionBy: ["part"] });
    return { rows: result.metrics.numOutputRows };
  },
  "lakelog-1t": async () => async (out, n) => {
    setParquetEncodeThreads(0);
    try {
      const result = await writeDeltaTable(out, generateRows(n), { mode: "error", partitionBy: ["part"] });
      return { rows: result.metrics.numOutputRows };
    } finally {
      setParquetEncodeThreads(undefined);
    }
  },
  "lakelog-unpartitioned": async () => async (out, n) => {
    const result = await writeDeltaTable(out, generateRows(n), { mode: "error" });
    return { rows: result.metrics.numOutputRows };
  },
  engine: async () => async (out, n) => {
    const store = await openStore(out);
    const bytes = writeParquetStream(generateRows(n), { compression: "snappy" });
    await store.putStream("part-00000.snappy.parquet", bytes);
    await store.close?.();
    return { rows: (await bytes.result).numRows };
  },
  "wasm-stream": async () => async (out, n) => ({
    rows: (await rawStreamWrite(generateRows(n), join(out, "data.parquet"), DICTIONARY_OFF)).rows,
  }),
  "wasm-write": async () => async (out, n) => ({ rows: (await rawWriteFiles(generateRows(n), out, DICTIONARY_OFF)).rows }),
  "duckdb-t1": () => duckdbSide(1),
  "duckdb-t2": () => duckdbSide(2),
};

/** Variants whose peak RSS is measured, each alone in a process. */
const RSS_SIDES = ["input-only", "lakelog", "lakelog-1t", "lakelog-unpartitioned", "engine", "wasm-stream", "duckdb-t1"];

/** One DuckDB instance per process: the input table is loaded once and shared by both thread counts. */
let duckdb: Promise<DuckDBConnection> | undefined;

async function duckdbConnection(): Promise<DuckDBConnection> {
  duckdb ??= (async () => {
    const input = await ensureInputFile();
    const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
    const connection = await instance.connect();
    const started = performance.now();
    await connection.run(`CREATE TABLE src AS SELECT * FROM read_parquet('${input}')`);
    console.log(`    DuckDB: loaded the input into an in-memory table in ${(performance.now() - started).toFixed(0)} ms (untimed)`);
    return connection;
  })();
  return duckdb;
}

async function duckdbSide(threads: number): Promise<Run> {
  const connection = await duckdbConnection();
  return async (out, n) => {
    await connection.run(`SET threads = ${threads}`);
    const source = n < ROWS ? `(SELECT * FROM src WHERE id < ${n})` : "src";
    const started = performance.now();
    await connection.run(`COPY ${source} TO '${out}' (FORMAT parquet, PARTITION_BY (part))`);
    const copyMs = performance.now() - started;
    for (const file of await parquetFiles(out)) {
      const handle = await open(file, "r+");
      await handle.sync();
      await handle.close();
    }
    const rows = Number((await (await connection.runAndReadAll(`SELECT count(*) FROM ${source}`)).getRows())[0]![0]);
    return { rows, copyMs };
  };
}

/**
 * The generator's rows as one Parquet file (the source DuckDB loads), written once by lakelog's
 * engine and reused while its marker names the current input version.
 */
async function ensureInputFile(): Promise<string> {
  const file = join(WORK, "input", "rows.parquet");
  const marker = join(WORK, "input", "version.json");
  if (existsSync(marker)) {
    const saved = JSON.parse(readFileSync(marker, "utf8")) as { version: number; rows: number };
    if (saved.version === INPUT_VERSION && saved.rows === ROWS) return file;
  }
  rmSync(join(WORK, "input"), { recursive: true, force: true });
  mkdirSync(join(WORK, "input"), { recursive: true });
  console.log(`    writing the input as Parquet for DuckDB to load: ${file}`);
  const store = await openStore(join(WORK, "input"));
  const bytes = writeParquetStream(generateRows(ROWS), { compression: "snappy" });
  await store.putStream("rows.parquet", bytes);
  await bytes.result;
  writeFileSync(marker, JSON.stringify({ version: INPUT_VERSION, rows: ROWS }));
  return file;
}

/** Every `.parquet` file under `dir` (recursively). */
async function parquetFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(".parquet")).map((e) => join(e.parentPath, e.name));
}

/** Files and bytes of Parquet under `dir`. */
async function outputSize(dir: string): Promise<{ files: number; bytes: number }> {
  const files = await parquetFiles(dir);
  let bytes = 0;
  for (const f of files) bytes += (await stat(f)).size;
  return { files: files.length, bytes };
}

/** One timed run's figures. */
interface Sample {
  ms: number;
  cpuMs: number;
  rows: number;
  files: number;
  bytes: number;
  copyMs?: number;
}

async function timeRun(run: Run, out: string, rows = ROWS): Promise<Sample> {
  rmSync(out, { recursive: true, force: true });
  (globalThis as { gc?: () => void }).gc?.();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const result = await run(out, rows);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpuStart);
  return { ms, cpuMs: (used.user + used.system) / 1000, ...result, ...(await outputSize(out)) };
}

/** What the timing child reports per variant. */
interface SideResult {
  side: string;
  ms: number;
  cpuMs: number;
  rows: number;
  files: number;
  bytes: number;
  copyMs?: number;
  all: number[];
  /** count, sum(id), sum(part), a hash sum of name and ts, of what the last run wrote (null: writes nothing). */
  check: string | null;
}

/** Reads a variant's output back with DuckDB: a fingerprint of its rows, independent of order and layout. */
async function fingerprint(connection: DuckDBConnection, out: string): Promise<string | null> {
  const files = await parquetFiles(out);
  if (files.length === 0) return null;
  const list = files.map((f) => `'${f}'`).join(", ");
  const partitioned = files.some((f) => relative(out, f).startsWith("part="));
  const source = `read_parquet([${list}]${partitioned ? ", hive_partitioning = true, hive_types = {'part': INTEGER}" : ""})`;
  const sql = `SELECT count(*), sum(id), sum(part), sum(hash(name) % 1000003), sum(epoch_us(ts) % 1000003), sum(floor(value * 1000)::BIGINT) FROM ${source}`;
  const row = (await (await connection.runAndReadAll(sql)).getRows())[0]!;
  return row.map(String).join(" ");
}

/** Child process: times every variant here, alternating, and prints `@@SIDES <json>`. */
async function timeAllSides(): Promise<void> {
  const names = Object.keys(SIDES);
  const runs = new Map<string, Run>();
  for (const name of names) runs.set(name, await SIDES[name]!());
  const out = (name: string) => join(WORK, "out", name);
  const samples = new Map<string, Sample[]>(names.map((n) => [n, []]));
  for (const name of names) {
    const t = await timeRun(runs.get(name)!, out(name), WARMUP_ROWS);
    console.log(`    warm-up ${name} (${WARMUP_ROWS.toLocaleString("en")} rows): ${t.ms.toFixed(0)} ms`);
    rmSync(out(name), { recursive: true, force: true });
  }
  for (let round = 0; round < ROUNDS; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    const line: string[] = [];
    for (const name of order) {
      const t = await timeRun(runs.get(name)!, out(name));
      samples.get(name)!.push(t);
      line.push(`${name} ${t.ms.toFixed(0)}`);
      if (round < ROUNDS - 1) rmSync(out(name), { recursive: true, force: true });
    }
    console.log(`    round ${round + 1}/${ROUNDS} (ms): ${line.join(", ")}`);
  }
  console.log("    reading every output back with DuckDB");
  const checker = await (await DuckDBInstance.create(":memory:", { threads: "2" })).connect();
  const results: SideResult[] = [];
  for (const side of names) {
    const s = samples.get(side)!;
    const last = s[s.length - 1]!;
    const copies = s.flatMap((x) => (x.copyMs === undefined ? [] : [x.copyMs]));
    results.push({
      side,
      ms: median(s.map((x) => x.ms)),
      cpuMs: median(s.map((x) => x.cpuMs)),
      rows: last.rows,
      files: last.files,
      bytes: last.bytes,
      copyMs: copies.length > 0 ? median(copies) : undefined,
      all: s.map((x) => Math.round(x.ms)),
      check: await fingerprint(checker, out(side)),
    });
  }
  rmSync(join(WORK, "out"), { recursive: true, force: true });
  process.stdout.write(`@@SIDES ${JSON.stringify(results)}\n`);
  process.exit(0); // DuckDB's instances would otherwise keep the process alive until GC
}

/** Child process: one run of one variant, then `@@RSS <MiB>`: its peak RSS alone. */
async function measureRss(side: string): Promise<void> {
  const out = join(WORK, "rss", side);
  const t = await timeRun(await SIDES[side]!(), out);
  rmSync(out, { recursive: true, force: true });
  console.log(`    peak RSS of ${side}: ${peakRssMiB()} MiB (one run, ${t.ms.toFixed(0)} ms)`);
  process.stdout.write(`@@RSS ${peakRssMiB()}\n`);
  process.exit(0);
}

async function main(): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  await ensureInputFile();
  console.log(`  timing ${Object.keys(SIDES).length} variants in one process, alternating (warm-up + ${ROUNDS} rounds)`);
  const list = JSON.parse(await runChild(script, ["--timing"], "@@SIDES")) as SideResult[];
  const results = Object.fromEntries(list.map((s) => [s.side, s])) as Record<string, SideResult>;
  const rssOf: Record<string, number> = {};
  for (const side of RSS_SIDES) rssOf[side] = Number(await runChild(script, ["--rss", side], "@@RSS"));
  for (const s of list) if (s.rows !== ROWS) throw new Error(`${s.side} wrote ${s.rows} rows, expected ${ROWS}`);
  const checks = new Set(list.flatMap((s) => (s.check === null ? [] : [s.check])));
  if (checks.size !== 1) throw new Error(`the variants wrote different data: ${list.map((s) => `${s.side}: ${s.check}`).join("; ")}`);
  emit({ name: "write-10m", comparisons: compare(results, rssOf), facts: facts(results, rssOf, [...checks][0]!) });
}

function compare(r: Record<string, SideResult>, rssOf: Record<string, number>): Comparison[] {
  const get = (side: string) => r[side]!;
  const mrows = (ms: number) => ROWS / (ms / 1000) / 1e6;
  const input = get("input-only");
  const rate = (ours: string, metric: string, peer: string, peerName: string, note = ""): Comparison => ({
    metric,
    unit: "M rows/s",
    ours: mrows(get(ours).ms),
    peer: mrows(get(peer).ms),
    peerName,
    higherIsBetter: true,
    note,
  });
  const goal = (target: number, ours: string, peer: string, what: string) =>
    `goal ≥ ${target}x ${what}: ${get(peer).ms / get(ours).ms >= target ? "met" : "not met"}`;
  const fastestRaw = get("wasm-stream").ms <= get("wasm-write").ms ? "wasm-stream" : "wasm-write";
  const rawGoal = (side: string) =>
    side === fastestRaw ? `${goal(0.9, "lakelog-1t", side, "the faster raw parquet-wasm variant, single-threaded")}; ` : "";
  const one = `write ${ROWS / 1e6}M rows, one thread`;
  const two = `write ${ROWS / 1e6}M rows, default threads (2)`;
  return [
    rate(
      "lakelog-1t",
      one,
      "wasm-stream",
      "raw parquet-wasm transformParquetStream, 1 file",
      `${rawGoal("wasm-stream")}raw peers write one unpartitioned file set (5 columns), no statistics, no log`,
    ),
    rate(
      "lakelog-1t",
      one,
      "wasm-write",
      "raw parquet-wasm writeParquet, 1 call per 1M rows",
      `${rawGoal("wasm-write")}10 files of one row group each`,
    ),
    rate(
      "lakelog-1t",
      one,
      "duckdb-t1",
      "DuckDB COPY PARTITION_BY, threads=1",
      `same thread count; ${goal(1, "lakelog-1t", "duckdb-t1", "DuckDB threads=1")}`,
    ),
    rate(
      "lakelog",
      two,
      "duckdb-t2",
      "DuckDB COPY PARTITION_BY, threads=2",
      `same thread count (main + 1 encoder thread); ${goal(1, "lakelog", "duckdb-t2", "DuckDB threads=2")}`,
    ),
    rate("lakelog", two, "lakelog-1t", "lakelog on one thread", "what the encoder thread gains"),
    rate(
      "lakelog",
      two,
      "wasm-stream",
      "raw parquet-wasm transformParquetStream, 1 file",
      "lakelog's default against the raw single-threaded writer",
    ),
    rate(
      "lakelog",
      two,
      "engine",
      "lakelog engine writeParquetStream, 1 file",
      "the table layer's cost over lakelog's own Parquet writer (both with the encoder thread)",
    ),
    rate("lakelog", two, "lakelog-unpartitioned", "lakelog writeDeltaTable, not partitioned", "the cost of partitioning within lakelog"),
    {
      metric: `${one}, input generation subtracted`,
      unit: "M rows/s",
      ours: mrows(get("lakelog-1t").ms - input.ms),
      peer: mrows(get("duckdb-t1").ms),
      peerName: "DuckDB COPY PARTITION_BY, threads=1",
      higherIsBetter: true,
      note: `DuckDB's rows are already in memory; lakelog's time includes generating them (${input.ms.toFixed(0)} ms, input-only variant)`,
    },
    {
      metric: `${one}, per CPU second`,
      unit: "M rows/s",
      ours: ROWS / get("lakelog-1t").cpuMs / 1e3,
      peer: ROWS / get("wasm-stream").cpuMs / 1e3,
      peerName: "raw parquet-wasm transformParquetStream, 1 file",
      higherIsBetter: true,
      note: "rows per second of process CPU time: steadier than wall time on a loaded machine",
    },
    {
      metric: `${one}, per CPU second`,
      unit: "M rows/s",
      ours: ROWS / get("lakelog-1t").cpuMs / 1e3,
      peer: ROWS / get("duckdb-t1").cpuMs / 1e3,
      peerName: "DuckDB COPY PARTITION_BY, threads=1",
      higherIsBetter: true,
    },
    {
      metric: `peak RSS, streaming ${ROWS / 1e6}M rows`,
      unit: "MiB",
      ours: rssOf.lakelog!,
      peer: rssOf["wasm-stream"]!,
      peerName: "raw parquet-wasm transformParquetStream",
      higherIsBetter: false,
      note: `lakelog with its encoder thread; goal < 1024 MiB: ${rssOf.lakelog! < 1024 ? "met" : "not met"}; each alone in a process, one run`,
    },
    {
      metric: `peak RSS, streaming ${ROWS / 1e6}M rows`,
      unit: "MiB",
      ours: rssOf["lakelog-1t"]!,
      peer: rssOf["wasm-stream"]!,
      peerName: "raw parquet-wasm transformParquetStream",
      higherIsBetter: false,
      note: `lakelog on one thread; goal < 1024 MiB: ${rssOf["lakelog-1t"]! < 1024 ? "met" : "not met"}`,
    },
    {
      metric: `peak RSS, streaming ${ROWS / 1e6}M rows`,
      unit: "MiB",
      ours: rssOf.lakelog!,
      peer: rssOf["duckdb-t1"]!,
      peerName: "DuckDB COPY PARTITION_BY, threads=1",
      higherIsBetter: false,
      note: "DuckDB's includes the 10M-row table it copies from (loaded in the same process)",
    },
  ];
}

function facts(r: Record<string, SideResult>, rssOf: Record<string, number>, check: string): Record<string, string | number> {
  const arrowMB = (ROWS * ARROW_BYTES_PER_ROW) / 1e6;
  const line = (s: SideResult): string => {
    const parts = [
      `${s.ms.toFixed(0)} ms wall (runs ${s.all.join(", ")}), ${s.cpuMs.toFixed(0)} ms CPU`,
      `${(ROWS / (s.ms / 1000) / 1e6).toFixed(2)} M rows/s`,
      `${(arrowMB / (s.ms / 1000)).toFixed(0)} MB/s of Arrow input`,
    ];
    if (s.files > 0)
      parts.push(`${(s.bytes / 1e6 / (s.ms / 1000)).toFixed(0)} MB/s written`, `${s.files} files, ${(s.bytes / 1e6).toFixed(1)} MB`);
    if (s.copyMs !== undefined) parts.push(`COPY alone ${s.copyMs.toFixed(0)} ms (the rest: fsync of its files)`);
    if (rssOf[s.side] !== undefined) parts.push(`peak RSS ${rssOf[s.side]} MiB`);
    return parts.join(", ");
  };
  return {
    input: `${ROWS.toLocaleString("en")} rows (${arrowMB.toFixed(0)} MB of Arrow): id long, value double, name string (12 letters), ts timestamp µs UTC, part integer (10 values); generated lazily in batches of ${INPUT_BATCH_ROWS.toLocaleString("en")} rows (bench/lib/write-rows.ts)`,
    "lakelog API":
      'writeDeltaTable(newDir, generator, { mode: "error", partitionBy: ["part"] }) on the local store (files and directories fsynced), defaults otherwise (snappy, 128 MiB target files, row groups up to 1M rows / 16 MiB of Arrow when partitioned; encoder threads: cores − 1 = 1 here; lakelog-1t sets them to 0)',
    "raw parquet-wasm":
      "parquet-wasm 0.8 called directly: each batch to Arrow IPC → Table.fromIPCStream → transformParquetStream (one file) or writeParquet (one file per 1,048,576 rows); the writer properties lakelog uses (snappy, page statistics, 1M-row row groups, dictionary off for id, value, name, ts); bytes written with fs.FileHandle and fsynced",
    DuckDB: `${duckdbVersion()} via @duckdb/node-api. Untimed: the generator's rows written once as one Parquet file and loaded with CREATE TABLE src AS SELECT * FROM read_parquet(…), in id order. Timed: SET threads = N (outside the clock), then COPY src TO dir (FORMAT parquet, PARTITION_BY (part)) (snappy, DuckDB's default row groups), then fsync of every file it wrote`,
    ...Object.fromEntries(Object.values(r).map((s) => [s.side, line(s)])),
    "same data": `every output read back with DuckDB: count, sum(id), sum(part), sum(hash(name) % 1000003), sum(epoch_us(ts) % 1000003), sum(floor(value * 1000)) all equal (${check})`,
    samples: `median of ${ROUNDS}: all variants in one process, alternating (a warm-up of each on ${WARMUP_ROWS.toLocaleString("en")} rows, then ${ROUNDS} rounds with the order rotated), GC forced before each run; peak RSS from a separate process per variant`,
    "load average at start (1/5/15 min)": LOAD_AT_START,
  };
}

if (process.argv[2] === "--timing") await timeAllSides();
else if (process.argv[2] === "--rss") await measureRss(process.argv[3]!);
else await main();
