/**
 * MERGE upserting 100k rows (10% updates of existing ids scattered over every file, 90% new ids)
 * into a multi-million-row table, by copy-on-write and with deletion vectors, against a floor
 * measured in the same run: raw parquet-wasm reading the touched files, dropping the updated
 * rows, and writing the surviving rows plus the 100k source rows (no join, no statistics, no log,
 * no commit).
 *
 * Input: the table of bench/delete.ts (unpartitioned, `FILES` files of consecutive ids,
 * bench/lib/write-rows.ts rows, deletion vectors enabled), reused from
 * `.bench-data/delete/source-<files>x<rows>` when its marker matches, else written into
 * `.bench-data/merge/source-<files>x<rows>`. Each variant runs in its own Node process (peak RSS its
 * own) on a fresh copy (the copy, and for copy-on-write a metadata commit turning deletion vectors
 * off, are untimed). Set LAKELOG_BENCH_MERGE_FILES / _ROWS for a smaller table.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { tableFromIPC, type RecordBatch } from "apache-arrow";
import type * as ParquetWasm from "parquet-wasm";
import { filterBatch } from "../src/arrow/filter.js";
import { createEngine } from "../src/engine/index.js";
import { loadSnapshot } from "../src/log/snapshot.js";
import { writeDataFiles } from "../src/ops/write/files.js";
import { fromArrowSchema } from "../src/schema/from-arrow.js";
import { openStore } from "../src/storage/open-store.js";
import { DeltaTable } from "../src/table/delta-table.js";
import { Transaction } from "../src/txn/transaction.js";
import { forEachConcurrent } from "../src/util/concurrency.js";
import { repoRoot } from "./lib/dataset.js";
import { type Comparison, emit, peakRssMiB } from "./lib/measure.js";
import { rawWriteFiles } from "./lib/raw-parquet-wasm.js";
import { generateBatch, WRITE_SCHEMA } from "./lib/write-rows.js";

const FILES = Number(process.env.LAKELOG_BENCH_MERGE_FILES ?? 100);
const ROWS_PER_FILE = Number(process.env.LAKELOG_BENCH_MERGE_ROWS ?? 100_000);
const TOTAL = FILES * ROWS_PER_FILE;
const SOURCE_ROWS = 100_000;
const UPDATES = SOURCE_ROWS / 10;
const STEP = Math.floor(TOTAL / UPDATES);
const MARKER_TEXT = JSON.stringify({ files: FILES, rows: ROWS_PER_FILE, version: 1 });
const DELETE_SOURCE = join(repoRoot(), ".bench-data", "delete", `source-${FILES}x${ROWS_PER_FILE}`);
const WORK = join(repoRoot(), ".bench-data", "merge");
const OWN_SOURCE = join(WORK, `source-${FILES}x${ROWS_PER_FILE}`);
const DICTIONARY_OFF = ["id", "value", "name", "ts"];
const self = fileURLToPath(import.meta.url);

interface VariantResult {
  ms: number;
  rssMiB: number;
  updated: number;
  inserted: number;
  filesWritten: number;
  filesRemoved: number;
  dvsWritten: number;
}

const markerOf = (dir: string) => join(dir, dir === DELETE_SOURCE ? ".lakelog-bench-delete.json" : ".lakelog-bench-merge.json");

/** The source table directory: bench/delete.ts's when present, else written here. */
async function ensureSource(): Promise<{ dir: string; ms: number }> {
  for (const dir of [DELETE_SOURCE, OWN_SOURCE])
    if (existsSync(markerOf(dir)) && readFileSync(markerOf(dir), "utf8") === MARKER_TEXT) return { dir, ms: 0 };
  rmSync(OWN_SOURCE, { recursive: true, force: true });
  mkdirSync(OWN_SOURCE, { recursive: true });
  const started = performance.now();
  await DeltaTable.create(OWN_SOURCE, { schema: WRITE_SCHEMA, properties: { "delta.enableDeletionVectors": "true" } });
  const engine = createEngine(await openStore(OWN_SOURCE));
  const snapshot = await loadSnapshot(engine);
  const schema = fromArrowSchema(WRITE_SCHEMA);
  const adds: Array<{ i: number; add: Awaited<ReturnType<typeof writeDataFiles>>["adds"][number] }> = [];
  await forEachConcurrent(
    Array.from({ length: FILES }, (_, i) => i),
    2,
    async (i) => {
      const written = await writeDataFiles(engine, [generateBatch(i * ROWS_PER_FILE, ROWS_PER_FILE)], {
        schema,
        partitionColumns: [],
        columnMappingMode: "none",
        configuration: snapshot.metadata.configuration,
        tightBounds: true,
      });
      adds.push(...written.adds.map((add) => ({ i, add })));
    },
  );
  const txn = new Transaction(engine, snapshot);
  txn.addFiles(adds.sort((a, b) => a.i - b.i).map((a) => a.add));
  await txn.commit({ operation: "WRITE", operationParameters: { mode: "Append" } });
  writeFileSync(join(OWN_SOURCE, ".files.json"), JSON.stringify(adds.map((a) => decodeURIComponent(a.add.path))));
  writeFileSync(markerOf(OWN_SOURCE), MARKER_TEXT);
  return { dir: OWN_SOURCE, ms: performance.now() - started };
}

/** The 100k source rows: ids 0, STEP, 2·STEP… (existing, scattered) then TOTAL… (new). */
function sourceBatches(): RecordBatch[] {
  const updates = generateBatch(TOTAL, UPDATES);
  const ids = updates.getChild("id")!.data[0]!.values as BigInt64Array;
  for (let i = 0; i < UPDATES; i++) ids[i] = BigInt(i * STEP);
  return [updates, generateBatch(TOTAL + UPDATES, SOURCE_ROWS - UPDATES)];
}

async function runLakelog(dir: string): Promise<VariantResult> {
  const table = await DeltaTable.open(dir);
  const source = sourceBatches();
  const started = performance.now();
  const { metrics } = await table.merge(source, { on: "target.id = source.id" }).whenMatchedUpdateAll().whenNotMatchedInsertAll().execute();
  const ms = performance.now() - started;
  return {
    ms,
    rssMiB: peakRssMiB(),
    updated: metrics.numTargetRowsUpdated,
    inserted: metrics.numTargetRowsInserted,
    filesWritten: metrics.numTargetFilesAdded,
    filesRemoved: metrics.numTargetFilesRemoved,
    dvsWritten: metrics.numTargetDeletionVectorsAdded,
  };
}

async function runRaw(dir: string): Promise<VariantResult> {
  const wasm = createRequire(import.meta.url)("parquet-wasm") as typeof ParquetWasm;
  const files = (JSON.parse(readFileSync(join(dir, ".files.json"), "utf8")) as string[]).map((f) => join(dir, f));
  const source = sourceBatches();
  const started = performance.now();
  let updated = 0;
  let written = 0;
  for (const [n, file] of files.entries()) {
    const table = tableFromIPC(wasm.readParquet(readFileSync(file)).intoIPCStream());
    const kept: RecordBatch[] = [];
    for (const batch of table.batches) {
      const ids = batch.getChild("id")!.toArray() as BigInt64Array;
      const mask = new Uint8Array(batch.numRows);
      for (let i = 0; i < batch.numRows; i++) {
        const id = Number(ids[i]!);
        const hit = id % STEP === 0 && id / STEP < UPDATES;
        mask[i] = hit ? 0 : 1;
        if (hit) updated++;
      }
      kept.push(filterBatch(batch, mask));
    }
    written += (await rawWriteFiles(kept, join(dir, "raw-out", String(n)), DICTIONARY_OFF)).files;
  }
  written += (await rawWriteFiles(source, join(dir, "raw-out", "new"), DICTIONARY_OFF)).files;
  const ms = performance.now() - started;
  return {
    ms,
    rssMiB: peakRssMiB(),
    updated,
    inserted: SOURCE_ROWS - updated,
    filesWritten: written,
    filesRemoved: files.length,
    dvsWritten: 0,
  };
}

async function variant(mode: string, dir: string): Promise<void> {
  const result = mode === "raw" ? await runRaw(dir) : await runLakelog(dir);
  process.stdout.write(`@@VARIANT ${JSON.stringify(result)}\n`);
}

function runVariant(mode: string, dir: string): Promise<VariantResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, self, "variant", mode, dir], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("@@VARIANT "));
      if (code !== 0 || !line) return reject(new Error(`variant ${mode} failed (exit ${code})`));
      resolve(JSON.parse(line.slice("@@VARIANT ".length)) as VariantResult);
    });
  });
}

async function freshCopy(source: string, mode: string): Promise<string> {
  const dir = join(WORK, `run-${mode}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(source, dir, { recursive: true });
  if (mode === "cow") {
    const engine = createEngine(await openStore(dir));
    const snapshot = await loadSnapshot(engine);
    const txn = new Transaction(engine, snapshot);
    txn.setMetadata({
      ...snapshot.metadata,
      configuration: { ...snapshot.metadata.configuration, "delta.enableDeletionVectors": "false" },
    });
    await txn.commit({ operation: "SET TBLPROPERTIES", operationParameters: { properties: { "delta.enableDeletionVectors": "false" } } });
  }
  return dir;
}

async function main(): Promise<void> {
  const source = await ensureSource();
  if (source.ms > 0) console.log(`  source table written in ${(source.ms / 1000).toFixed(1)} s`);
  const results: Record<string, VariantResult> = {};
  for (const mode of ["raw", "cow", "dv"]) {
    const dir = await freshCopy(source.dir, mode);
    const r = await runVariant(mode, dir);
    results[mode] = r;
    console.log(
      `  ${mode}: ${(r.ms / 1000).toFixed(2)} s, ${r.updated} updated, ${r.inserted} inserted, ${r.filesWritten} files written, ${r.filesRemoved} removed, ${r.dvsWritten} DVs, peak RSS ${r.rssMiB} MiB`,
    );
    rmSync(dir, { recursive: true, force: true });
  }
  const raw = results.raw!;
  for (const mode of ["cow", "dv"])
    if (results[mode]!.updated !== raw.updated) throw new Error(`${mode} updated ${results[mode]!.updated} rows, the floor ${raw.updated}`);
  const comparisons: Comparison[] = [];
  const facts: Record<string, string | number> = {
    "table rows": TOTAL,
    "table files": FILES,
    "source rows": SOURCE_ROWS,
    "source setup (s, 0 = reused)": Number((source.ms / 1000).toFixed(1)),
  };
  for (const mode of ["cow", "dv"]) {
    const r = results[mode]!;
    const label = `${mode === "cow" ? "copy-on-write" : "deletion vectors"} merge 100k (10% updates)`;
    comparisons.push({
      metric: label,
      unit: "s",
      ours: r.ms / 1000,
      peer: raw.ms / 1000,
      peerName: "raw parquet-wasm rewrite of the touched files",
      higherIsBetter: false,
      note: "one run",
    });
    comparisons.push({
      metric: `${label}: peak RSS`,
      unit: "MiB",
      ours: r.rssMiB,
      peer: raw.rssMiB,
      peerName: "raw parquet-wasm rewrite of the touched files",
      higherIsBetter: false,
    });
    facts[`${mode}: files added / removed / DVs / updated / inserted`] =
      `${r.filesWritten} / ${r.filesRemoved} / ${r.dvsWritten} / ${r.updated} / ${r.inserted}`;
  }
  facts["raw: files rewritten"] = raw.filesRemoved;
  emit({ name: "merge", comparisons, facts });
}

if (process.argv[2] === "variant") await variant(process.argv[3]!, process.argv[4]!);
else await main();
