/**
 * Full scan of a 10M-row Delta table to Arrow, against DuckDB reading the same Parquet files to
 * Arrow in the same run.
 *
 * The table (bench/lib/dataset.ts): id long, value double, name string (12 chars), ts timestamp
 * (µs, UTC), part integer; partitioned by `part` (10 partitions, one 1M-row snappy file each,
 * Hive paths), so both sides materialise `part` from the path (DuckDB: `hive_partitioning`).
 *
 * Timing: every variant in one child process, alternating (a warm-up of each, then 5 rounds of
 * one run each with the order rotated; medians), with a forced GC before each run, so a noisy
 * shared machine hurts all sides alike. Peak RSS: each variant alone in its own process, one run.
 * parquet-wasm decodes on one thread, so the primary peer is DuckDB with `threads=1`; `threads=2`
 * is reported beside it.
 *
 * DuckDB API: `@duckdb/node-api` has no Arrow export, so DuckDB's side is `connection.stream(sql)`
 * + `fetchChunk()`, with Arrow built from the chunks' native vectors (bench/lib/duckdb-arrow.ts).
 * The chunks-only variant (no Arrow) is DuckDB's floor.
 */
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { DuckDBInstance, version as duckdbVersion } from "@duckdb/node-api";
import { type RecordBatch, Table } from "apache-arrow";
import { DeltaTable } from "../src/table/delta-table.js";
import { type Dataset, ensureDataset, FULL_SCAN_TABLE } from "./lib/dataset.js";
import { duckdbToArrow } from "./lib/duckdb-arrow.js";
import { type Comparison, emit, peakRssMiB } from "./lib/measure.js";

/** The machine is shared: its load when the benchmark started, for reading the figures. */
const LOAD_AT_START = loadavg()
  .map((l) => l.toFixed(2))
  .join(" / ");

const REPEATS = 5;

/** What one variant measured. */
interface SideResult {
  side: string;
  medianMs: number;
  /** CPU time (user + system) of the process per run, median. */
  cpuMs: number;
  rows: number;
  /** Sum of `part` plus the count of ids divisible by 1000: proves the variants read the same data (null when not computed). */
  checksum: number | null;
}

/** What a run returns: its row count and a content checksum (null when the variant does not build Arrow). */
interface RunOutput {
  rows: number;
  checksum: () => number | null;
}

type Run = () => Promise<RunOutput>;

/** The variants: each prepares itself (DuckDB instance, ...) and returns one timed run over the dataset. */
const SIDES: Record<string, (data: Dataset) => Promise<Run>> = {
  "lakelog-arrow": async (data) => async () => summarize((await (await DeltaTable.open(data.dir)).toArrow()).batches),
  "lakelog-stream": async (data) => async () => summarizeStream((await DeltaTable.open(data.dir)).scan()),
  "duckdb-arrow-t1": (data) => duckdbSide(data, 1, "arrow"),
  "duckdb-arrow-t2": (data) => duckdbSide(data, 2, "arrow"),
  "duckdb-stream-t1": (data) => duckdbSide(data, 1, "stream"),
  "duckdb-chunks-t1": (data) => duckdbSide(data, 1, "chunks"),
  "duckdb-chunks-t2": (data) => duckdbSide(data, 2, "chunks"),
};

/** Variants whose peak RSS is measured, each alone in a process. */
const RSS_SIDES = ["lakelog-arrow", "lakelog-stream", "duckdb-arrow-t1", "duckdb-stream-t1"];

async function duckdbSide(data: Dataset, threads: number, mode: "arrow" | "stream" | "chunks"): Promise<Run> {
  const instance = await DuckDBInstance.create(":memory:", { threads: String(threads) });
  const connection = await instance.connect();
  const files = data.files.map((f) => `'${data.dir}/${f}'`).join(", ");
  const sql = `SELECT id, value, name, ts, part FROM read_parquet([${files}], hive_partitioning = true, hive_types = {'part': INTEGER})`;
  return async () => {
    const result = await connection.stream(sql);
    if (mode === "arrow") {
      const batches: RecordBatch[] = [];
      for await (const batch of duckdbToArrow(result)) batches.push(batch);
      return summarize(new Table(batches).batches);
    }
    if (mode === "stream") return summarizeStream(duckdbToArrow(result));
    let rows = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      rows += chunk.rowCount;
    }
    return { rows, checksum: () => null };
  };
}

/** Counts rows of batches kept in memory; the checksum is computed later, outside the timed run. */
function summarize(batches: readonly RecordBatch[]): RunOutput {
  let rows = 0;
  for (const batch of batches) rows += batch.numRows;
  return { rows, checksum: () => batches.reduce((sum, b) => sum + checksumOf(b), 0) };
}

/** Consumes a stream, dropping each batch after a checksum pass over it (the same cost on every side). */
async function summarizeStream(batches: AsyncIterable<RecordBatch>): Promise<RunOutput> {
  let rows = 0;
  let checksum = 0;
  for await (const batch of batches) {
    rows += batch.numRows;
    checksum += checksumOf(batch);
  }
  return { rows, checksum: () => checksum };
}

/**
 * A content check independent of batch boundaries: the sum of `part` plus the number of ids
 * divisible by 1000 (ids are below 2^32, so their low words suffice).
 */
function checksumOf(batch: RecordBatch): number {
  let sum = 0;
  const part = batch.getChild("part")!.data[0]!.values as Int32Array;
  for (let i = 0; i < part.length; i++) sum += part[i]!;
  const ids = batch.getChild("id")!.data[0]!.values as BigInt64Array;
  const words = new Uint32Array(ids.buffer, ids.byteOffset, ids.length * 2);
  for (let i = 0; i < words.length; i += 2) if (words[i]! % 1000 === 0) sum++;
  return sum;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeRun(run: Run): Promise<{ ms: number; cpuMs: number; rows: number; checksum: number | null }> {
  (globalThis as { gc?: () => void }).gc?.();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const out = await run();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpuStart);
  return { ms, cpuMs: (used.user + used.system) / 1000, rows: out.rows, checksum: out.checksum() };
}

/**
 * Child process: times every variant in this one process, alternating them (a warm-up of each,
 * then rounds of one run each, the order rotated every round), and prints `@@SIDES <json>`.
 */
async function timeAllSides(): Promise<void> {
  const data = await ensureDataset(FULL_SCAN_TABLE);
  const names = Object.keys(SIDES);
  const runs = new Map<string, Run>();
  for (const name of names) runs.set(name, await SIDES[name]!(data));
  const samples = new Map<string, Array<Awaited<ReturnType<typeof timeRun>>>>(names.map((n) => [n, []]));
  for (const name of names) {
    const t = await timeRun(runs.get(name)!);
    console.log(`    warm-up ${name}: ${t.ms.toFixed(0)} ms`);
  }
  for (let round = 0; round < REPEATS; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    const line: string[] = [];
    for (const name of order) {
      const t = await timeRun(runs.get(name)!);
      samples.get(name)!.push(t);
      line.push(`${name} ${t.ms.toFixed(0)}`);
    }
    console.log(`    round ${round + 1}/${REPEATS} (ms): ${line.join(", ")}`);
  }
  const results: SideResult[] = names.map((side) => {
    const s = samples.get(side)!;
    const last = s[s.length - 1]!;
    return { side, medianMs: median(s.map((x) => x.ms)), cpuMs: median(s.map((x) => x.cpuMs)), rows: last.rows, checksum: last.checksum };
  });
  process.stdout.write(`@@SIDES ${JSON.stringify(results)}\n`);
  process.exit(0); // DuckDB's instances would otherwise keep the process alive until GC
}

/** Child process: one run of one variant, then `@@RSS <MiB>`: its peak RSS alone. */
async function measureRss(side: string): Promise<void> {
  const data = await ensureDataset(FULL_SCAN_TABLE);
  const t = await timeRun(await SIDES[side]!(data));
  console.log(`    peak RSS of ${side}: ${peakRssMiB()} MiB (one run, ${t.ms.toFixed(0)} ms)`);
  process.stdout.write(`@@RSS ${peakRssMiB()}\n`);
  process.exit(0);
}

/** Runs this file as a child process with `args` and returns the payload of its `tag` line. */
function child(args: string[], tag: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      process.stdout.write(chunk.replace(/^@@[A-Z]+ .*\n?/m, ""));
    });
    proc.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith(`${tag} `));
      if (code !== 0 || !line) return reject(new Error(`scan-full child ${args.join(" ")} failed (exit ${code})`));
      resolve(line.slice(tag.length + 1));
    });
  });
}

async function main(): Promise<void> {
  const data = await ensureDataset(FULL_SCAN_TABLE);
  console.log("  timing every variant in one process, alternating");
  const results: Record<string, SideResult> = Object.fromEntries(
    (JSON.parse(await child(["--timing"], "@@SIDES")) as SideResult[]).map((s) => [s.side, s]),
  );
  const rssOf: Record<string, number> = {};
  for (const side of RSS_SIDES) rssOf[side] = Number(await child(["--rss", side], "@@RSS"));
  const r = (side: string) => results[side]!;
  const rate = (s: SideResult) => s.rows / (s.medianMs / 1000);
  for (const s of Object.values(results)) {
    if (s.rows !== data.spec.rows) throw new Error(`${s.side} returned ${s.rows} rows, expected ${data.spec.rows}`);
  }
  const sums = new Set(Object.values(results).flatMap((s) => (s.checksum === null ? [] : [s.checksum])));
  if (sums.size !== 1) throw new Error(`the variants read different data (checksums ${[...sums].join(", ")})`);
  const rowsPerSec = (metric: string, ours: string, peer: string, peerName: string, note = ""): Comparison => ({
    metric,
    unit: "M rows/s",
    ours: rate(r(ours)) / 1e6,
    peer: rate(r(peer)) / 1e6,
    peerName,
    higherIsBetter: true,
    note,
  });
  const cpuRate = (metric: string, ours: string, peer: string, peerName: string): Comparison => ({
    metric,
    unit: "M rows/s",
    ours: r(ours).rows / r(ours).cpuMs / 1e3,
    peer: r(peer).rows / r(peer).cpuMs / 1e3,
    peerName,
    higherIsBetter: true,
    note: "rows per second of process CPU time (all threads): steadier than wall time on a loaded machine",
  });
  const rss = (metric: string, ours: string, peer: string, peerName: string): Comparison => ({
    metric,
    unit: "MiB",
    ours: rssOf[ours]!,
    peer: rssOf[peer]!,
    peerName,
    higherIsBetter: false,
    note: "each alone in a process, one run",
  });
  const comparisons: Comparison[] = [
    rowsPerSec(
      "10M rows to an Arrow table",
      "lakelog-arrow",
      "duckdb-arrow-t1",
      "DuckDB threads=1 → Arrow",
      "primary: same thread count (parquet-wasm decodes on one thread)",
    ),
    rowsPerSec(
      "10M rows to an Arrow table",
      "lakelog-arrow",
      "duckdb-arrow-t2",
      "DuckDB threads=2 → Arrow",
      "DuckDB may decode on both cores; the Arrow copy in JS stays on one",
    ),
    rowsPerSec("streamed, batches dropped", "lakelog-stream", "duckdb-stream-t1", "DuckDB threads=1 → Arrow batches"),
    rowsPerSec(
      "streamed, batches dropped",
      "lakelog-stream",
      "duckdb-chunks-t1",
      "DuckDB threads=1 chunks, no Arrow",
      "DuckDB's floor: its own vectors, nothing built in JS",
    ),
    rowsPerSec("streamed, batches dropped", "lakelog-stream", "duckdb-chunks-t2", "DuckDB threads=2 chunks, no Arrow"),
    cpuRate("10M rows to an Arrow table, per CPU second", "lakelog-arrow", "duckdb-arrow-t1", "DuckDB threads=1 → Arrow"),
    cpuRate("streamed, per CPU second", "lakelog-stream", "duckdb-chunks-t1", "DuckDB threads=1 chunks, no Arrow"),
    rss("peak RSS, to an Arrow table", "lakelog-arrow", "duckdb-arrow-t1", "DuckDB threads=1 → Arrow"),
    rss("peak RSS, streamed", "lakelog-stream", "duckdb-stream-t1", "DuckDB threads=1 → Arrow batches"),
  ];
  const facts: Record<string, string | number> = {
    table: `${data.spec.rows.toLocaleString("en")} rows; id long, value double, name string (12 chars), ts timestamp µs UTC, part integer; partitioned by part (10 partitions, one 1M-row file of one row group each, Hive paths), snappy, ${(data.bytes / 2 ** 20).toFixed(0)} MiB, written by lakelog's Parquet writer`,
    DuckDB: `${duckdbVersion()} via @duckdb/node-api: connection.stream(SELECT … FROM read_parquet([10 files], hive_partitioning = true)) + fetchChunk(); the node API has no Arrow export, so Arrow batches of 65,536 rows are built in JS by copying the chunks' native vectors (bench/lib/duckdb-arrow.ts)`,
    "lakelog API":
      "DeltaTable.open(dir) then toArrow() (to an Arrow table) or scan() (batches dropped); each run includes opening the table",
    samples: `median of ${REPEATS}: all variants in one process, alternating (a warm-up of each, then ${REPEATS} rounds with the order rotated), GC forced before each run; peak RSS from a separate process per variant`,
    ...Object.fromEntries(
      Object.values(results).map((s) => [
        s.side,
        `${s.medianMs.toFixed(0)} ms wall, ${s.cpuMs.toFixed(0)} ms CPU${rssOf[s.side] ? `, peak RSS ${rssOf[s.side]} MiB` : ""}`,
      ]),
    ),
    "load average at start (1/5/15 min)": LOAD_AT_START,
    "same data": `row counts equal and a content checksum matches across the Arrow-producing variants (${[...sums][0]})`,
  };
  emit({ name: "scan-full", comparisons, facts });
}

if (process.argv[2] === "--timing") await timeAllSides();
else if (process.argv[2] === "--rss") await measureRss(process.argv[3]!);
else await main();
