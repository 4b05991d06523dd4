/**
 * MERGE upserting 100k rows (10% updates of existing ids scattered over every file, 90% new ids)
 * into a multi-million-row table, by copy-on-write and with deletion vectors, against a floor
 * measured in the same run: raw parquet-wasm reading the touched files, dropping the updated
 * rows, and writing the surviving rows plus the 100k source rows (no join, no statistics, no log,
 * no commit).
 *
 * Input: the table of bench/delete.ts (bench/lib/row-table.ts: unpartitioned, `FILES` files of
 * consecutive ids, deletion vectors enabled), written once and shared by the two benchmarks. Each
 * variant runs in its own Node process (peak RSS its own) on a fresh copy (the copy, and for
 * copy-on-write a metadata commit turning deletion vectors off, are untimed). Set
 * LAKELOG_BENCH_MERGE_FILES / _ROWS for a smaller table.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RecordBatch } from "apache-arrow";
import { DeltaTable } from "../src/table/delta-table.js";
import { runChild } from "./lib/child.js";
import { type Comparison, emit, peakRssMiB, timeAndMemory } from "./lib/measure.js";
import { rawRewriteFiles, rawWriteFiles } from "./lib/raw-parquet-wasm.js";
import { disableDeletionVectors, ensureRowTable, freshCopy } from "./lib/row-table.js";
import { DICTIONARY_OFF, generateBatch } from "./lib/write-rows.js";

const FILES = Number(process.env.LAKELOG_BENCH_MERGE_FILES ?? 100);
const ROWS_PER_FILE = Number(process.env.LAKELOG_BENCH_MERGE_ROWS ?? 100_000);
const TOTAL = FILES * ROWS_PER_FILE;
const SOURCE_ROWS = 100_000;
const UPDATES = SOURCE_ROWS / 10;
const STEP = Math.floor(TOTAL / UPDATES);
const SPEC = { files: FILES, rowsPerFile: ROWS_PER_FILE, deletionVectors: true };
const TAG = "@@VARIANT";
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

/** Keeps the rows whose id the source does not update. */
function keepNotUpdated(batch: RecordBatch): Uint8Array {
  const ids = batch.getChild("id")!.toArray() as BigInt64Array;
  const mask = new Uint8Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    const id = Number(ids[i]!);
    mask[i] = id % STEP === 0 && id / STEP < UPDATES ? 0 : 1;
  }
  return mask;
}

async function runRaw(dir: string, files: string[]): Promise<VariantResult> {
  const source = sourceBatches();
  const started = performance.now();
  const rewritten = await rawRewriteFiles(
    files.map((f) => join(dir, f)),
    keepNotUpdated,
    join(dir, "raw-out"),
    DICTIONARY_OFF,
  );
  const inserted = await rawWriteFiles(source, join(dir, "raw-out", "new"), DICTIONARY_OFF);
  const ms = performance.now() - started;
  return {
    ms,
    rssMiB: peakRssMiB(),
    updated: rewritten.dropped,
    inserted: SOURCE_ROWS - rewritten.dropped,
    filesWritten: rewritten.files + inserted.files,
    filesRemoved: files.length,
    dvsWritten: 0,
  };
}

/** In the variant's own process: runs it and prints its result for {@link runChild}. */
async function variant(mode: string, dir: string): Promise<void> {
  const { files } = await ensureRowTable(SPEC);
  const result = mode === "raw" ? await runRaw(dir, files) : await runLakelog(dir);
  process.stdout.write(`${TAG} ${JSON.stringify(result)}\n`);
}

async function main(): Promise<void> {
  const source = await ensureRowTable(SPEC);
  const results: Record<string, VariantResult> = {};
  for (const mode of ["raw", "cow", "dv"]) {
    const dir = freshCopy(source, `merge-${mode}`);
    if (mode === "cow") await disableDeletionVectors(dir);
    const r = JSON.parse(await runChild(self, ["variant", mode, dir], TAG)) as VariantResult;
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
    "source setup (s, 0 = reused)": Number((source.setupMs / 1000).toFixed(1)),
  };
  for (const mode of ["cow", "dv"]) {
    const r = results[mode]!;
    const label = `${mode === "cow" ? "copy-on-write" : "deletion vectors"} merge 100k (10% updates)`;
    comparisons.push(...timeAndMemory(label, r, raw, "raw parquet-wasm rewrite of the touched files", "one run"));
    facts[`${mode}: files added / removed / DVs / updated / inserted`] =
      `${r.filesWritten} / ${r.filesRemoved} / ${r.dvsWritten} / ${r.updated} / ${r.inserted}`;
  }
  facts["raw: files rewritten"] = raw.filesRemoved;
  emit({ name: "merge", comparisons, facts });
}

if (process.argv[2] === "variant") await variant(process.argv[3]!, process.argv[4]!);
else await main();
