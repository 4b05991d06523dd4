/**
 * DELETE of 1% of the rows of a multi-million-row table, scattered (every file holds some) and
 * localized (two files hold them), by copy-on-write and with deletion vectors, against a floor
 * measured in the same run: raw parquet-wasm reading only the touched files and writing their
 * surviving rows (no statistics, no log, no commit).
 *
 * Input: an unpartitioned table of `FILES` files of consecutive ids (bench/lib/write-rows.ts rows:
 * id long, value double uniform in [-500, 500), name string, ts timestamp, part int), 10M rows by
 * default, created with `delta.enableDeletionVectors = true` (bench/lib/row-table.ts, shared with
 * bench/merge.ts). Each variant runs in its own Node process (peak RSS its own) on a fresh copy (the
 * copy, and for copy-on-write a metadata commit turning deletion vectors off, are untimed). Set
 * LAKELOG_BENCH_DELETE_FILES / _ROWS for a smaller table.
 * - scattered: `value < -490` (about 1% of every file);
 * - localized: `id >= <half a file> AND id < <one and a half files>` (1% of the rows, in 2 files
 *   when there are 100).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RecordBatch } from "apache-arrow";
import { DeltaTable } from "../src/table/delta-table.js";
import { runChild } from "./lib/child.js";
import { type Comparison, emit, peakRssMiB, timeAndMemory } from "./lib/measure.js";
import { rawRewriteFiles } from "./lib/raw-parquet-wasm.js";
import { disableDeletionVectors, ensureRowTable, freshCopy } from "./lib/row-table.js";
import { DICTIONARY_OFF } from "./lib/write-rows.js";

const FILES = Number(process.env.LAKELOG_BENCH_DELETE_FILES ?? 100);
const ROWS_PER_FILE = Number(process.env.LAKELOG_BENCH_DELETE_ROWS ?? 100_000);
const TOTAL = FILES * ROWS_PER_FILE;
const SPEC = { files: FILES, rowsPerFile: ROWS_PER_FILE, deletionVectors: true };
const TAG = "@@VARIANT";
const self = fileURLToPath(import.meta.url);

const LOCAL_FROM = ROWS_PER_FILE / 2;
const LOCAL_TO = ROWS_PER_FILE / 2 + TOTAL / 100;

/** A keep mask of `batch`: 1 for the rows `keep(id, value)` keeps. */
function maskOf(batch: RecordBatch, keep: (id: number, value: number) => boolean): Uint8Array {
  const ids = batch.getChild("id")!.toArray() as BigInt64Array;
  const values = batch.getChild("value")!.toArray() as Float64Array;
  const mask = new Uint8Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) mask[i] = keep(Number(ids[i]!), values[i]!) ? 1 : 0;
  return mask;
}

/** The two deletes; `touched` are the file indexes holding matching rows (known from the layout). */
const CASES = {
  scattered: {
    predicate: "value < -490",
    keep: (batch: RecordBatch) => maskOf(batch, (_id, value) => !(value < -490)),
    touched: Array.from({ length: FILES }, (_, i) => i),
  },
  localized: {
    predicate: `id >= ${LOCAL_FROM} AND id < ${LOCAL_TO}`,
    keep: (batch: RecordBatch) => maskOf(batch, (id) => !(id >= LOCAL_FROM && id < LOCAL_TO)),
    touched: Array.from({ length: Math.ceil(LOCAL_TO / ROWS_PER_FILE) }, (_, i) => i),
  },
} as const;
type CaseName = keyof typeof CASES;

interface VariantResult {
  ms: number;
  rssMiB: number;
  deletedRows: number;
  filesRewritten: number;
  dvsWritten: number;
  bytesWritten: number;
}

async function runLakelog(dir: string, which: CaseName): Promise<VariantResult> {
  const table = await DeltaTable.open(dir);
  const started = performance.now();
  const { metrics } = await table.delete(CASES[which].predicate);
  const ms = performance.now() - started;
  return {
    ms,
    rssMiB: peakRssMiB(),
    deletedRows: metrics.numDeletedRows,
    filesRewritten: metrics.numAddedFiles,
    dvsWritten: metrics.numDeletionVectorsAdded,
    bytesWritten: metrics.numAddedBytes,
  };
}

async function runRaw(dir: string, files: string[], which: CaseName): Promise<VariantResult> {
  const touched = CASES[which].touched.map((i) => join(dir, files[i]!));
  const started = performance.now();
  const r = await rawRewriteFiles(touched, CASES[which].keep, join(dir, "raw-out"), DICTIONARY_OFF);
  const ms = performance.now() - started;
  return { ms, rssMiB: peakRssMiB(), deletedRows: r.dropped, filesRewritten: r.files, dvsWritten: 0, bytesWritten: r.bytes };
}

/** In the variant's own process: runs it and prints its result for {@link runChild}. */
async function variant(name: string, dir: string): Promise<void> {
  const [mode, which] = name.split("-") as ["cow" | "dv" | "raw", CaseName];
  const { files } = await ensureRowTable(SPEC);
  const result = mode === "raw" ? await runRaw(dir, files, which) : await runLakelog(dir, which);
  process.stdout.write(`${TAG} ${JSON.stringify(result)}\n`);
}

async function main(): Promise<void> {
  const source = await ensureRowTable(SPEC);
  const results: Record<string, VariantResult> = {};
  for (const which of Object.keys(CASES) as CaseName[]) {
    for (const mode of ["raw", "cow", "dv"]) {
      const name = `${mode}-${which}`;
      const dir = freshCopy(source, `delete-${name}`);
      if (mode === "cow") await disableDeletionVectors(dir);
      const r = JSON.parse(await runChild(self, ["variant", name, dir], TAG)) as VariantResult;
      results[name] = r;
      console.log(
        `  ${name}: ${(r.ms / 1000).toFixed(2)} s, ${r.deletedRows} rows deleted, ${r.filesRewritten} files written, ${r.dvsWritten} DVs, ${(r.bytesWritten / 2 ** 20).toFixed(1)} MiB, peak RSS ${r.rssMiB} MiB`,
      );
      rmSync(dir, { recursive: true, force: true });
    }
    const raw = results[`raw-${which}`]!;
    for (const mode of ["cow", "dv"])
      if (results[`${mode}-${which}`]!.deletedRows !== raw.deletedRows)
        throw new Error(`${mode}-${which} deleted ${results[`${mode}-${which}`]!.deletedRows} rows, the floor ${raw.deletedRows}`);
  }
  const comparisons: Comparison[] = [];
  const facts: Record<string, string | number> = {
    "table rows": TOTAL,
    "table files": FILES,
    "source setup (s, 0 = reused)": Number((source.setupMs / 1000).toFixed(1)),
  };
  for (const which of Object.keys(CASES) as CaseName[]) {
    const raw = results[`raw-${which}`]!;
    for (const mode of ["cow", "dv"]) {
      const r = results[`${mode}-${which}`]!;
      const label = `${mode === "cow" ? "copy-on-write" : "deletion vectors"} delete 1% ${which}`;
      comparisons.push(...timeAndMemory(label, r, raw, "raw parquet-wasm rewrite of the touched files", "one run"));
      facts[`${mode}-${which}: files written / DVs / rows deleted`] = `${r.filesRewritten} / ${r.dvsWritten} / ${r.deletedRows}`;
    }
    facts[`raw-${which}: files rewritten`] = CASES[which].touched.length;
  }
  emit({ name: "delete", comparisons, facts });
}

if (process.argv[2] === "variant") await variant(process.argv[3]!, process.argv[4]!);
else await main();
