/**
 * A selective scan: a filter on `id` over a 10M-row table of 100 id-sorted files, where
 * statistics skipping should leave 1% of the files, against a full scan of the same table and
 * against DuckDB running the same filter over the same files.
 *
 * The table (bench/lib/dataset.ts): the same rows as scan-full's, not partitioned, 100 snappy
 * files of 100k consecutive ids each, every `add` carrying `stats` with min/max `id`. Files
 * actually read are counted through a `CountingStore` (distinct `.parquet` paths fetched). Runs
 * alternate selective and full, one warm-up each, then the median of 5 each. Nothing is asserted
 * about the counts: they are reported.
 */
import { loadavg } from "node:os";
import { DuckDBInstance } from "@duckdb/node-api";
import { type RecordBatch, Table } from "apache-arrow";
import { CountingStore, type StoreCounters } from "../src/storage/counting-store.js";
import { openStore } from "../src/storage/open-store.js";
import { DeltaTable } from "../src/table/delta-table.js";
import { ensureDataset, SELECTIVE_TABLE } from "./lib/dataset.js";
import { duckdbToArrow } from "./lib/duckdb-arrow.js";
import { emit, medianMs } from "./lib/measure.js";

/** The machine is shared: its load when the benchmark started, for reading the figures. */
const LOAD_AT_START = loadavg()
  .map((l) => l.toFixed(2))
  .join(" / ");

const REPEATS = 5;
const WARMUP = 1;
/** The file whose id range the filter selects. */
const TARGET_FILE = 42;

interface ScanOutcome {
  ms: number;
  rows: number;
  counters: StoreCounters;
  parquetFiles: number;
}

async function main(): Promise<void> {
  const data = await ensureDataset(SELECTIVE_TABLE);
  const { minId, maxId } = data.ranges[TARGET_FILE]!;
  const filter = `id >= ${minId} AND id <= ${maxId}`;
  const expectedFiles = Math.max(1, Math.round(data.files.length / 100));
  const store = new CountingStore(await openStore(data.dir));
  const scan = async (withFilter: boolean): Promise<ScanOutcome> => {
    (globalThis as { gc?: () => void }).gc?.();
    const start = performance.now();
    store.reset();
    const table = await DeltaTable.open(data.dir, { store });
    let rows = 0;
    for await (const batch of table.scan(withFilter ? { filter } : {})) rows += batch.numRows;
    const ms = performance.now() - start;
    const parquetFiles = new Set(store.gets.filter((p) => p.endsWith(".parquet"))).size;
    return { ms, rows, counters: { ...store.counters }, parquetFiles };
  };
  const selective: ScanOutcome[] = [];
  const full: ScanOutcome[] = [];
  for (let i = 0; i < WARMUP + REPEATS; i++) {
    const s = await scan(true);
    const f = await scan(false);
    const label = i < WARMUP ? "warm-up" : `run ${i + 1 - WARMUP}`;
    console.log(
      `  ${label}: selective ${s.ms.toFixed(1)} ms (${s.rows} rows, ${s.parquetFiles} files read); full ${f.ms.toFixed(0)} ms (${f.rows} rows, ${f.parquetFiles} files read)`,
    );
    if (i >= WARMUP) {
      selective.push(s);
      full.push(f);
    }
  }
  const med = (xs: ScanOutcome[]) => [...xs].sort((a, b) => a.ms - b.ms)[Math.floor(xs.length / 2)]!;
  const sel = med(selective);
  const all = med(full);

  // DuckDB over the same 100 files with the same filter (its own row-group statistics), threads=1, to Arrow
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await instance.connect();
  const files = data.files.map((f) => `'${data.dir}/${f}'`).join(", ");
  let duckRows = 0;
  const duckMs = await medianMs(
    async () => {
      const result = await connection.stream(`SELECT id, value, name, ts, part FROM read_parquet([${files}]) WHERE ${filter}`);
      const batches: RecordBatch[] = [];
      for await (const batch of duckdbToArrow(result)) batches.push(batch);
      duckRows = new Table(batches).numRows;
    },
    REPEATS,
    WARMUP,
  );
  console.log(`  DuckDB threads=1, same filter: ${duckMs.toFixed(1)} ms (${duckRows} rows)`);

  emit({
    name: "scan-selective",
    comparisons: [
      {
        metric: "filter keeping 1% of the ids (open + scan)",
        unit: "ms",
        ours: sel.ms,
        peer: all.ms,
        peerName: "lakelog full scan, same table",
        higherIsBetter: false,
        note: "ratio = how much faster skipping makes the scan",
      },
      {
        metric: "filter keeping 1% of the ids",
        unit: "ms",
        ours: sel.ms,
        peer: duckMs,
        peerName: "DuckDB threads=1 → Arrow, same filter",
        higherIsBetter: false,
        note: "DuckDB reads the 100 footers and skips by row-group statistics; lakelog skips by the log's stats and opens only the files that may match",
      },
    ],
    facts: {
      table: `${data.spec.rows.toLocaleString("en")} rows in ${data.files.length} id-sorted files of ${data.ranges[0]!.rows.toLocaleString("en")} rows (not partitioned), stats with min/max id per file, ${(data.bytes / 2 ** 20).toFixed(0)} MiB`,
      filter,
      "data files read (selective)": `${sel.parquetFiles} of ${data.files.length} (expected ${expectedFiles}, 1%)`,
      "data files read (full)": `${all.parquetFiles} of ${data.files.length}`,
      "rows returned (selective)": `${sel.rows.toLocaleString("en")} (expected ${data.ranges[TARGET_FILE]!.rows.toLocaleString("en")})`,
      "rows returned (full)": all.rows.toLocaleString("en"),
      "requests (selective)": requests(sel.counters),
      "requests (full)": requests(all.counters),
      "DuckDB rows (same filter)": duckRows.toLocaleString("en"),
      "lakelog API":
        "DeltaTable.open(dir, { store: CountingStore }) then scan({ filter }) with batches dropped; each run includes the open",
      "load average at start (1/5/15 min)": LOAD_AT_START,
      samples: `median of ${REPEATS} after ${WARMUP} warm-up; selective and full alternate`,
    },
  });
  process.exit(0); // DuckDB's instance would otherwise keep the process alive until GC
}

function requests(c: StoreCounters): string {
  return `${c.get} get, ${c.head} head, ${c.list} list; ${(c.bytesRead / 2 ** 20).toFixed(1)} MiB read`;
}

await main();
