/**
 * Checkpoint of a 300k-file table, against reading that checkpoint back (the floor).
 *
 * The table: the `_delta_log` of `../shared/delta-tables/300k-add-files-100-col-partitioned`
 * (300k `add` actions without stats, partitioned, 46.6 MB of JSON), copied to a temp folder.
 * Each run is its own Node process, so its peak RSS is its own:
 * - `write`: opens the table from its JSON commits, then `writeCheckpoint` (timed alone); reports
 *   the RSS before the checkpoint (the loaded snapshot) and the peak after it;
 * - `read`: opens the table from that checkpoint (`DeltaTable.open`: `_last_checkpoint`, listing,
 *   the Parquet checkpoint read and replayed), timed; the floor.
 * Goal (issue 9): peak RSS < 1 GiB and checkpoint time <= 2x the read-back time.
 */
import { cpSync, mkdtempSync, rmSync, readdirSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createEngine } from "../src/engine/index.js";
import { loadSnapshot } from "../src/log/snapshot.js";
import { writeCheckpoint } from "../src/ops/maintenance/checkpoint.js";
import { LocalStore } from "../src/storage/local-store.js";
import { DeltaTable } from "../src/table/delta-table.js";
import { median, runChild } from "./lib/child.js";
import { sharedLogTable, skipWithoutSharedTable } from "./lib/dataset.js";
import { emit, peakRssMiB } from "./lib/measure.js";

const LOAD_AT_START = loadavg()
  .map((l) => l.toFixed(2))
  .join(" / ");
const RUNS = 3;
const TABLE = sharedLogTable();
const TAG = "@@CP";
const MiB = 2 ** 20;

interface WriteRun {
  loadMs: number;
  checkpointMs: number;
  checkpointCpuMs: number;
  rssBeforeMiB: number;
  peakRssMiB: number;
  sizeInBytes: number;
  numActions: number;
}

interface ReadRun {
  readMs: number;
  readCpuMs: number;
  peakRssMiB: number;
  files: number;
}

/** CPU time of this process so far (all threads), ms: steadier than wall time on a loaded machine. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function childWrite(dir: string): Promise<void> {
  const engine = createEngine(new LocalStore(dir));
  let start = performance.now();
  const snapshot = await loadSnapshot(engine);
  const loadMs = performance.now() - start;
  (globalThis as { gc?: () => void }).gc?.();
  const rssBeforeMiB = Math.round(process.memoryUsage().rss / MiB);
  start = performance.now();
  const cpu = cpuMs();
  const m = await writeCheckpoint(engine, snapshot);
  const run: WriteRun = {
    loadMs,
    checkpointMs: performance.now() - start,
    checkpointCpuMs: cpuMs() - cpu,
    rssBeforeMiB,
    peakRssMiB: peakRssMiB(),
    sizeInBytes: m.sizeInBytes,
    numActions: m.numActions,
  };
  process.stdout.write(`${TAG} ${JSON.stringify(run)}\n`);
}

async function childRead(dir: string): Promise<void> {
  const start = performance.now();
  const cpu = cpuMs();
  const table = await DeltaTable.open(dir);
  const readMs = performance.now() - start;
  const readCpuMs = cpuMs() - cpu;
  if (!table.snapshot.segment.checkpoint) throw new Error("the table was not read from a checkpoint");
  const run: ReadRun = { readMs, readCpuMs, peakRssMiB: peakRssMiB(), files: table.snapshot.files.length };
  process.stdout.write(`${TAG} ${JSON.stringify(run)}\n`);
}

function removeCheckpoints(dir: string): void {
  const log = join(dir, "_delta_log");
  for (const name of readdirSync(log)) if (name.includes(".checkpoint.") || name === "_last_checkpoint") rmSync(join(log, name));
}

async function main(): Promise<void> {
  if (skipWithoutSharedTable("checkpoint", TABLE)) return;
  const root = mkdtempSync(join(tmpdir(), "lakelog-bench-cp-"));
  const dir = join(root, "t");
  cpSync(join(TABLE, "_delta_log"), join(dir, "_delta_log"), { recursive: true });
  const self = fileURLToPath(import.meta.url);
  const writes: WriteRun[] = [];
  const reads: ReadRun[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      removeCheckpoints(dir);
      const w = JSON.parse(await runChild(self, ["write", dir], TAG)) as WriteRun;
      const r = JSON.parse(await runChild(self, ["read", dir], TAG)) as ReadRun;
      writes.push(w);
      reads.push(r);
      console.log(
        `  run ${i + 1}: load from JSON ${w.loadMs.toFixed(0)} ms, checkpoint ${w.checkpointMs.toFixed(0)} ms (RSS ${w.rssBeforeMiB} MiB before, peak ${w.peakRssMiB} MiB); ` +
          `read back ${r.readMs.toFixed(0)} ms (peak ${r.peakRssMiB} MiB, ${r.files} files)`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const cpMs = median(writes.map((w) => w.checkpointMs));
  const readMs = median(reads.map((r) => r.readMs));
  const peakWrite = Math.max(...writes.map((w) => w.peakRssMiB));
  const peakRead = Math.max(...reads.map((r) => r.peakRssMiB));
  emit({
    name: "checkpoint",
    comparisons: [
      {
        metric: "checkpoint of 300k adds (snapshot already loaded)",
        unit: "ms",
        ours: cpMs,
        peer: readMs,
        peerName: "open the table from that checkpoint (floor)",
        higherIsBetter: false,
        note: `goal: <= 2x the floor; the checkpoint takes ${(cpMs / readMs).toFixed(2)}x its time`,
      },
      {
        metric: "the same, CPU time",
        unit: "ms",
        ours: median(writes.map((w) => w.checkpointCpuMs)),
        peer: median(reads.map((r) => r.readCpuMs)),
        peerName: "open the table from that checkpoint (floor)",
        higherIsBetter: false,
        note: "process CPU time (all threads): steadier than wall time on a loaded machine",
      },
      {
        metric: "peak RSS of the checkpointing process",
        unit: "MiB",
        ours: peakWrite,
        peer: peakRead,
        peerName: "peak RSS of the process opening from the checkpoint",
        higherIsBetter: false,
        note: `goal: < 1024 MiB; includes the snapshot loaded from 46.6 MB of JSON (RSS ${median(writes.map((w) => w.rssBeforeMiB))} MiB before the checkpoint)`,
      },
    ],
    facts: {
      "checkpoint file": `${(writes[0]!.sizeInBytes / MiB).toFixed(1)} MiB, ${writes[0]!.numActions} actions`,
      "open from JSON before the checkpoint (ms)": writes.map((w) => w.loadMs.toFixed(0)).join(", "),
      "all runs (ms)": `checkpoint ${writes.map((w) => `${w.checkpointMs.toFixed(0)} (cpu ${w.checkpointCpuMs.toFixed(0)})`).join(", ")}; read back ${reads.map((r) => `${r.readMs.toFixed(0)} (cpu ${r.readCpuMs.toFixed(0)})`).join(", ")}`,
      "load average at start (1/5/15 min)": LOAD_AT_START,
      samples: `median of ${RUNS}, each run in fresh processes`,
    },
  });
}

const [mode, dir] = process.argv.slice(2);
if (mode === "write") await childWrite(dir!);
else if (mode === "read") await childRead(dir!);
else await main();
