/**
 * Opening a table from a Parquet checkpoint of 300k adds, against (a) the floor: reading the
 * checkpoint's action columns to Arrow with the engine's Parquet reader and nothing else, and
 * (b) opening the same table from its JSON log.
 *
 * The table: a temporary copy of `_delta_log` of
 * `../shared/delta-tables/300k-add-files-100-col-partitioned` (300k adds, no stats, partitioned),
 * checkpointed with `table.checkpoint()`; the shared folder is only read. Each side runs once to
 * warm up, then the median of 5 (wall and CPU); peak RSS at the end.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEngine } from "../src/engine/index.js";
import { openStore } from "../src/storage/open-store.js";
import { DeltaTable } from "../src/table/delta-table.js";
import { median } from "./lib/child.js";
import { sharedLogTable, skipWithoutSharedTable } from "./lib/dataset.js";
import { emit, peakRssMiB, timed, type TimedRun } from "./lib/measure.js";

const REPEATS = Number(process.env.LAKELOG_BENCH_REPEATS ?? 5);
const SOURCE = sharedLogTable();
const COLUMNS = ["protocol", "metaData", "txn", "domainMetadata", "checkpointMetadata", "sidecar", "remove", "add"];

async function series(fn: () => Promise<number>): Promise<TimedRun> {
  await timed(fn);
  const runs = [];
  for (let i = 0; i < REPEATS; i++) runs.push(await timed(fn));
  return { ms: median(runs.map((r) => r.ms)), cpuMs: median(runs.map((r) => r.cpuMs)), count: runs[0]!.count };
}

async function main(): Promise<void> {
  if (skipWithoutSharedTable("checkpoint-open", SOURCE)) return;
  const dir = mkdtempSync(join(tmpdir(), "lakelog-cp-open-"));
  try {
    cpSync(join(SOURCE, "_delta_log"), join(dir, "_delta_log"), { recursive: true });
    await (await DeltaTable.open(dir)).checkpoint();
    const checkpoint = readdirSync(join(dir, "_delta_log")).find((n) => n.endsWith(".checkpoint.parquet"));
    if (!checkpoint) throw new Error("no checkpoint written");
    const engine = createEngine(await openStore(dir));
    const floor = await series(async () => {
      let rows = 0;
      for await (const batch of engine.parquet.read(engine.store, `_delta_log/${checkpoint}`, { columns: COLUMNS, batchSize: 1 << 16 }))
        rows += batch.numRows;
      return rows;
    });
    const fromCheckpoint = await series(async () => (await DeltaTable.open(dir)).files().length);
    const fromJson = await series(async () => (await DeltaTable.open(SOURCE)).files().length);
    const line = (name: string, r: TimedRun) =>
      `${name.padEnd(38)} ${r.ms.toFixed(0).padStart(6)} ms wall ${r.cpuMs.toFixed(0).padStart(6)} ms CPU  (${r.count})`;
    process.stdout.write(
      `${line("raw read of checkpoint columns (floor)", floor)}\n${line("open from checkpoint", fromCheckpoint)}\n${line("open from JSON", fromJson)}\npeak RSS ${peakRssMiB()} MiB\n`,
    );
    emit({
      name: "checkpoint-open",
      comparisons: [
        {
          metric: "open from checkpoint vs raw read",
          unit: "ms",
          ours: fromCheckpoint.ms,
          peer: floor.ms,
          peerName: "parquet read of the action columns",
          higherIsBetter: false,
        },
        {
          metric: "open from checkpoint vs JSON",
          unit: "ms",
          ours: fromCheckpoint.ms,
          peer: fromJson.ms,
          peerName: "lakelog open from the JSON log",
          higherIsBetter: false,
        },
      ],
      facts: {
        files: fromCheckpoint.count,
        checkpointCpuMs: Math.round(fromCheckpoint.cpuMs),
        floorCpuMs: Math.round(floor.cpuMs),
        jsonCpuMs: Math.round(fromJson.cpuMs),
      },
    });
  } finally {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
