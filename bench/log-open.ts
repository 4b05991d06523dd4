/**
 * Opening a table with a large JSON log, against the floor of parsing the same log bytes.
 *
 * The table: `../shared/delta-tables/300k-add-files-100-col-partitioned` (300k `add` actions
 * without stats, 100 columns, partitioned; 46.6 MB of JSON in 5 commits). lakelog's side is
 * `DeltaTable.open(dir)` plus counting the active files; the floor, in the same process, lists
 * `_delta_log`, reads the commit files, decodes them, splits lines and `JSON.parse`s each line
 * (no replay, no validation). The two alternate, one warm-up each, then the median of 7 each.
 */
import { readdir, readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join, relative } from "node:path";
import { DeltaTable } from "../src/table/delta-table.js";
import { CountingStore } from "../src/storage/counting-store.js";
import { openStore } from "../src/storage/open-store.js";
import { median } from "./lib/child.js";
import { repoRoot, sharedLogTable, skipWithoutSharedTable } from "./lib/dataset.js";
import { emit, timed } from "./lib/measure.js";

/** The machine is shared: its load when the benchmark started, for reading the figures. */
const LOAD_AT_START = loadavg()
  .map((l) => l.toFixed(2))
  .join(" / ");

const REPEATS = 7;
const WARMUP = 1;
const TABLE = sharedLogTable();

/** lakelog: open the table and count its active files. */
async function openAndCount(): Promise<number> {
  const table = await DeltaTable.open(TABLE);
  return table.files().length;
}

/** The floor: list the log, read each commit, decode, split lines, parse each line; count adds. */
async function parseFloor(): Promise<number> {
  const log = join(TABLE, "_delta_log");
  const names = (await readdir(log)).filter((n) => /^\d{20}\.json$/.test(n)).sort();
  const contents = await Promise.all(names.map((n) => readFile(join(log, n))));
  let adds = 0;
  for (const bytes of contents) {
    const text = new TextDecoder().decode(bytes);
    for (const line of text.split("\n")) {
      if (line.length === 0) continue;
      const action = JSON.parse(line) as { add?: unknown };
      if (action.add) adds++;
    }
  }
  return adds;
}

async function main(): Promise<void> {
  if (skipWithoutSharedTable("log-open", TABLE)) return;
  const ours: number[] = [];
  const floor: number[] = [];
  const oursCpu: number[] = [];
  const floorCpu: number[] = [];
  let files = 0;
  let adds = 0;
  for (let i = 0; i < WARMUP + REPEATS; i++) {
    const a = await timed(openAndCount);
    const b = await timed(parseFloor);
    files = a.count;
    adds = b.count;
    const label = i < WARMUP ? "warm-up" : `run ${i + 1 - WARMUP}`;
    console.log(
      `  ${label}: lakelog open ${a.ms.toFixed(0)} ms (${a.count} files), JSON.parse floor ${b.ms.toFixed(0)} ms (${b.count} adds)`,
    );
    if (i >= WARMUP) {
      ours.push(a.ms);
      floor.push(b.ms);
      oursCpu.push(a.cpuMs);
      floorCpu.push(b.cpuMs);
    }
  }
  // the I/O of one open, counted outside the timed runs
  const store = new CountingStore(await openStore(TABLE));
  await DeltaTable.open(TABLE, { store });
  const io = store.counters;
  const logFiles = (await readdir(join(TABLE, "_delta_log"))).filter((n) => /^\d{20}\.json$/.test(n));
  const logBytes = (await Promise.all(logFiles.map((n) => readFile(join(TABLE, "_delta_log", n))))).reduce((s, b) => s + b.byteLength, 0);
  const oursMs = median(ours);
  const floorMs = median(floor);
  emit({
    name: "log-open",
    comparisons: [
      {
        metric: "open 300k-add log + count active files",
        unit: "ms",
        ours: oursMs,
        peer: floorMs,
        peerName: "read + JSON.parse each line (floor)",
        higherIsBetter: false,
        note: `goal: within 1.5x of the floor; lakelog takes ${(oursMs / floorMs).toFixed(2)}x its time`,
      },
      {
        metric: "the same, CPU time",
        unit: "ms",
        ours: median(oursCpu),
        peer: median(floorCpu),
        peerName: "read + JSON.parse each line (floor)",
        higherIsBetter: false,
        note: "process CPU time (all threads): steadier than wall time on a loaded machine",
      },
    ],
    facts: {
      table: `${relative(repoRoot(), TABLE)}: ${logFiles.length} JSON commits, ${(logBytes / 1e6).toFixed(1)} MB`,
      "active files": files,
      "add lines parsed by the floor": adds,
      "requests of one open": `${io.list} list (${io.listed} objects), ${io.get} get, ${io.head} head; ${(io.bytesRead / 1e6).toFixed(1)} MB read`,
      "load average at start (1/5/15 min)": LOAD_AT_START,
      samples: `median of ${REPEATS} each after ${WARMUP} warm-up, the two alternating in one process, GC forced before each run`,
      "all runs (ms)": `lakelog ${ours.map((t) => t.toFixed(0)).join(", ")}; floor ${floor.map((t) => t.toFixed(0)).join(", ")}`,
    },
  });
}

await main();
