/**
 * OPTIMIZE (bin-packing) of a table of many small files, against raw parquet-wasm reading the same
 * files and rewriting their rows, in the same run.
 *
 * Input: an unpartitioned table of `FILES` files x `ROWS_PER_FILE` rows (bench/lib/write-rows.ts
 * rows: id long, value double, name string, ts timestamp µs UTC, part int), written once into
 * `.bench-data/optimize/source-<files>x<rows>` by lakelog's data-file writer (one call per file) and committed in
 * one commit; reused while its marker matches.
 *
 * Variants, each in its own Node process (so its peak RSS is its own), on a fresh copy of the
 * source table (the copy is untimed):
 * - `lakelog`: `table.optimize()` with the defaults (target 128 MiB, one bin at a time): every
 *   file is read through the scan, rewritten by the write pipeline (statistics, row groups of up
 *   to 1M rows / 128 MiB), and committed as one OPTIMIZE commit.
 * - `wasm`: raw parquet-wasm: each file read with `readParquet` (whole file, into WASM), moved to
 *   Arrow JS through IPC, and the rows written again with `writeParquet` in files of 1,048,576
 *   rows (bench/lib/raw-parquet-wasm.ts `rawWriteFiles`, the same writer properties), fsynced.
 *   No statistics, no log, no commit.
 *
 * Rounds alternate the variants (`ROUNDS`, median reported). Goal: lakelog >= 0.8x the raw peer.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromIPC } from "apache-arrow";
import { createRequire } from "node:module";
import type * as ParquetWasm from "parquet-wasm";
import { createEngine } from "../src/engine/index.js";
import { loadSnapshot } from "../src/log/snapshot.js";
import { writeDataFiles } from "../src/ops/write/files.js";
import { fromArrowSchema } from "../src/schema/from-arrow.js";
import { openStore } from "../src/storage/open-store.js";
import { DeltaTable } from "../src/table/delta-table.js";
import { Transaction } from "../src/txn/transaction.js";
import { forEachConcurrent } from "../src/util/concurrency.js";
import { median } from "./lib/child.js";
import { repoRoot } from "./lib/dataset.js";
import { type Comparison, emit, peakRssMiB } from "./lib/measure.js";
import { rawWriteFiles } from "./lib/raw-parquet-wasm.js";
import { generateBatch, WRITE_SCHEMA } from "./lib/write-rows.js";

const FILES = Number(process.env.LAKELOG_BENCH_OPTIMIZE_FILES ?? 1000);
const ROWS_PER_FILE = Number(process.env.LAKELOG_BENCH_OPTIMIZE_ROWS ?? 10_000);
const ROUNDS = Number(process.env.LAKELOG_BENCH_OPTIMIZE_ROUNDS ?? 3);
/** `targetSize` of the lakelog variant (default: the library default, 128 MiB); for memory experiments. */
const TARGET_SIZE = process.env.LAKELOG_BENCH_OPTIMIZE_TARGET ? Number(process.env.LAKELOG_BENCH_OPTIMIZE_TARGET) : undefined;
const WORK = join(repoRoot(), ".bench-data", "optimize");
const SOURCE = join(WORK, `source-${FILES}x${ROWS_PER_FILE}`);
const MARKER = join(SOURCE, ".lakelog-bench-optimize.json");
const DICTIONARY_OFF = ["id", "value", "name", "ts"];
const self = fileURLToPath(import.meta.url);

/** What one variant run measured. */
interface VariantResult {
  ms: number;
  rssMiB: number;
  rows: number;
  filesIn: number;
  filesOut: number;
  bytesOut: number;
}

/** Writes the source table unless a matching one exists. */
async function ensureSource(): Promise<number> {
  const want = JSON.stringify({ files: FILES, rows: ROWS_PER_FILE, version: 1 });
  if (existsSync(MARKER) && readFileSync(MARKER, "utf8") === want) return 0;
  rmSync(SOURCE, { recursive: true, force: true });
  mkdirSync(SOURCE, { recursive: true });
  const started = performance.now();
  await DeltaTable.create(SOURCE, { schema: WRITE_SCHEMA });
  const engine = createEngine(await openStore(SOURCE));
  const snapshot = await loadSnapshot(engine);
  const schema = fromArrowSchema(WRITE_SCHEMA);
  const adds: Awaited<ReturnType<typeof writeDataFiles>>["adds"] = [];
  await forEachConcurrent(
    Array.from({ length: FILES }, (_, i) => i),
    2,
    async (i) => {
      const written = await writeDataFiles(engine, [generateBatch(i * ROWS_PER_FILE, ROWS_PER_FILE)], {
        schema,
        partitionColumns: [],
        columnMappingMode: "none",
        configuration: {},
      });
      adds.push(...written.adds);
      if ((i + 1) % 100 === 0) console.log(`  source: ${i + 1}/${FILES} files`);
    },
  );
  const txn = new Transaction(engine, snapshot);
  txn.addFiles(adds);
  await txn.commit({ operation: "WRITE", operationParameters: { mode: "Append" } });
  writeFileSync(MARKER, want);
  return performance.now() - started;
}

/** A fresh copy of the source table for one run (untimed). */
function freshCopy(name: string): string {
  const dir = join(WORK, `run-${name}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(SOURCE, dir, { recursive: true });
  return dir;
}

async function runLakelog(dir: string): Promise<VariantResult> {
  const table = await DeltaTable.open(dir);
  const started = performance.now();
  const metrics = await table.optimize({ targetSize: TARGET_SIZE });
  const ms = performance.now() - started;
  return {
    ms,
    rssMiB: peakRssMiB(),
    rows: metrics.numRowsRewritten,
    filesIn: metrics.numFilesRemoved,
    filesOut: metrics.numFilesAdded,
    bytesOut: metrics.filesAdded.totalSize,
  };
}

function loadWasm(): typeof ParquetWasm {
  return createRequire(import.meta.url)("parquet-wasm") as typeof ParquetWasm;
}

async function runWasm(dir: string): Promise<VariantResult> {
  const wasm = loadWasm();
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".parquet"))
    .map((f) => join(dir, f));
  const started = performance.now();
  let rows = 0;
  function* batches() {
    for (const file of files) {
      const table = tableFromIPC(wasm.readParquet(readFileSync(file)).intoIPCStream());
      rows += table.numRows;
      yield* table.batches;
    }
  }
  const out = await rawWriteFiles(batches(), join(dir, "raw-out"), DICTIONARY_OFF);
  const ms = performance.now() - started;
  return { ms, rssMiB: peakRssMiB(), rows, filesIn: files.length, filesOut: out.files, bytesOut: out.bytes };
}

async function variant(name: string, dir: string): Promise<void> {
  const result = name === "lakelog" ? await runLakelog(dir) : await runWasm(dir);
  process.stdout.write(`@@VARIANT ${JSON.stringify(result)}\n`);
}

/** Runs one variant in a child Node process (with this process's loader flags, so it also runs under tsx). */
function runVariant(name: string, dir: string): Promise<VariantResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, self, "variant", name, dir], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("@@VARIANT "));
      if (code !== 0 || !line) return reject(new Error(`variant ${name} failed (exit ${code})`));
      resolve(JSON.parse(line.slice("@@VARIANT ".length)) as VariantResult);
    });
  });
}

async function main(): Promise<void> {
  const setupMs = await ensureSource();
  if (setupMs > 0) console.log(`  source table written in ${(setupMs / 1000).toFixed(1)} s`);
  const results: Record<string, VariantResult[]> = { lakelog: [], wasm: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ["lakelog", "wasm"] : ["wasm", "lakelog"];
    for (const name of order) {
      const dir = freshCopy(name);
      const result = await runVariant(name, dir);
      results[name]!.push(result);
      console.log(
        `  round ${round + 1} ${name}: ${(result.ms / 1000).toFixed(2)} s, ${result.rows} rows, ${result.filesIn} -> ${result.filesOut} files, peak RSS ${result.rssMiB} MiB`,
      );
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const ours = results.lakelog!;
  const peer = results.wasm!;
  if (ours.some((r) => r.rows !== FILES * ROWS_PER_FILE) || peer.some((r) => r.rows !== FILES * ROWS_PER_FILE))
    throw new Error("a variant did not rewrite every row");
  const comparisons: Comparison[] = [
    {
      metric: `optimize ${FILES} files x ${ROWS_PER_FILE} rows`,
      unit: "s",
      ours: median(ours.map((r) => r.ms)) / 1000,
      peer: median(peer.map((r) => r.ms)) / 1000,
      peerName: "raw parquet-wasm read + rewrite",
      higherIsBetter: false,
      note: `median of ${ROUNDS}; goal >= 0.8x`,
    },
    {
      metric: "peak RSS",
      unit: "MiB",
      ours: Math.max(...ours.map((r) => r.rssMiB)),
      peer: Math.max(...peer.map((r) => r.rssMiB)),
      peerName: "raw parquet-wasm read + rewrite",
      higherIsBetter: false,
    },
  ];
  emit({
    name: "optimize",
    comparisons,
    facts: {
      "lakelog files written": ours[0]!.filesOut,
      "lakelog bytes written": ours[0]!.bytesOut,
      "raw files written": peer[0]!.filesOut,
      "raw bytes written": peer[0]!.bytesOut,
      "source setup (s, 0 = reused)": Number((setupMs / 1000).toFixed(1)),
    },
  });
}

if (process.argv[2] === "variant") await variant(process.argv[3]!, process.argv[4]!);
else await main();
