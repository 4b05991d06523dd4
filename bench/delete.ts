/**
 * DELETE of 1% of the rows of a multi-million-row table, scattered (every file holds some) and
 * localized (two files hold them), by copy-on-write and with deletion vectors, against a floor
 * measured in the same run: raw parquet-wasm reading only the touched files and writing their
 * surviving rows (no statistics, no log, no commit).
 *
 * Input: an unpartitioned table of `FILES` files of consecutive ids (bench/lib/write-rows.ts rows:
 * id long, value double uniform in [-500, 500), name string, ts timestamp, part int), 10M rows by
 * default, created with `delta.enableDeletionVectors = true` and written once into
 * `.bench-data/delete/source-<files>x<rows>` (reused while its marker matches). Each variant runs
 * in its own Node process (peak RSS its own) on a fresh copy (the copy, and for copy-on-write a
 * metadata commit turning deletion vectors off, are untimed):
 * - scattered: `value < -490` (about 1% of every file);
 * - localized: `id >= <half a file> AND id < <one and a half files>` (1% of the rows, in 2 files
 *   when there are 100).
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

const FILES = Number(process.env.LAKELOG_BENCH_DELETE_FILES ?? 100);
const ROWS_PER_FILE = Number(process.env.LAKELOG_BENCH_DELETE_ROWS ?? 100_000);
const TOTAL = FILES * ROWS_PER_FILE;
const WORK = join(repoRoot(), ".bench-data", "delete");
const SOURCE = join(WORK, `source-${FILES}x${ROWS_PER_FILE}`);
const MARKER = join(SOURCE, ".lakelog-bench-delete.json");
const DICTIONARY_OFF = ["id", "value", "name", "ts"];
const self = fileURLToPath(import.meta.url);

/** The two deletes; `touched` are the file indexes holding matching rows (known from the layout). */
const CASES = {
  scattered: {
    predicate: "value < -490",
    keep: (id: bigint, value: number) => !(value < -490),
    touched: Array.from({ length: FILES }, (_, i) => i),
  },
  localized: {
    predicate: `id >= ${ROWS_PER_FILE / 2} AND id < ${ROWS_PER_FILE / 2 + TOTAL / 100}`,
    keep: (id: bigint) => !(id >= BigInt(ROWS_PER_FILE / 2) && id < BigInt(ROWS_PER_FILE / 2 + TOTAL / 100)),
    touched: Array.from({ length: Math.ceil((ROWS_PER_FILE / 2 + TOTAL / 100) / ROWS_PER_FILE) }, (_, i) => i),
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

async function ensureSource(): Promise<number> {
  const want = JSON.stringify({ files: FILES, rows: ROWS_PER_FILE, version: 1 });
  if (existsSync(MARKER) && readFileSync(MARKER, "utf8") === want) return 0;
  rmSync(SOURCE, { recursive: true, force: true });
  mkdirSync(SOURCE, { recursive: true });
  const started = performance.now();
  await DeltaTable.create(SOURCE, { schema: WRITE_SCHEMA, properties: { "delta.enableDeletionVectors": "true" } });
  const engine = createEngine(await openStore(SOURCE));
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
      if ((i + 1) % 20 === 0) console.log(`  source: ${i + 1}/${FILES} files`);
    },
  );
  const txn = new Transaction(engine, snapshot);
  txn.addFiles(adds.sort((a, b) => a.i - b.i).map((a) => a.add));
  await txn.commit({ operation: "WRITE", operationParameters: { mode: "Append" } });
  writeFileSync(MARKER, want);
  writeFileSync(join(SOURCE, ".files.json"), JSON.stringify(adds.map((a) => decodeURIComponent(a.add.path))));
  return performance.now() - started;
}

function freshCopy(name: string): string {
  const dir = join(WORK, `run-${name}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(SOURCE, dir, { recursive: true });
  return dir;
}

/** Turns deletion vectors off in a copy (an untimed metadata commit), so DELETE rewrites files. */
async function disableDeletionVectors(dir: string): Promise<void> {
  const engine = createEngine(await openStore(dir));
  const snapshot = await loadSnapshot(engine);
  const txn = new Transaction(engine, snapshot);
  txn.setMetadata({ ...snapshot.metadata, configuration: { ...snapshot.metadata.configuration, "delta.enableDeletionVectors": "false" } });
  await txn.commit({ operation: "SET TBLPROPERTIES", operationParameters: { properties: { "delta.enableDeletionVectors": "false" } } });
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

async function runRaw(dir: string, which: CaseName): Promise<VariantResult> {
  const wasm = createRequire(import.meta.url)("parquet-wasm") as typeof ParquetWasm;
  const all = JSON.parse(readFileSync(join(dir, ".files.json"), "utf8")) as string[];
  const files = CASES[which].touched.map((i) => join(dir, all[i]!));
  const keep = CASES[which].keep;
  const started = performance.now();
  let deleted = 0;
  let written = { files: 0, bytes: 0 };
  for (const [n, file] of files.entries()) {
    const table = tableFromIPC(wasm.readParquet(readFileSync(file)).intoIPCStream());
    const kept: RecordBatch[] = [];
    for (const batch of table.batches) {
      const ids = batch.getChild("id")!.toArray() as BigInt64Array;
      const values = batch.getChild("value")!.toArray() as Float64Array;
      const mask = new Uint8Array(batch.numRows);
      for (let i = 0; i < batch.numRows; i++) mask[i] = keep(ids[i]!, values[i]!) ? 1 : 0;
      const out = filterBatch(batch, mask);
      deleted += batch.numRows - out.numRows;
      kept.push(out);
    }
    const r = await rawWriteFiles(kept, join(dir, "raw-out", String(n)), DICTIONARY_OFF);
    written = { files: written.files + r.files, bytes: written.bytes + r.bytes };
  }
  const ms = performance.now() - started;
  return { ms, rssMiB: peakRssMiB(), deletedRows: deleted, filesRewritten: written.files, dvsWritten: 0, bytesWritten: written.bytes };
}

async function variant(name: string, dir: string): Promise<void> {
  const [mode, which] = name.split("-") as ["cow" | "dv" | "raw", CaseName];
  const result = mode === "raw" ? await runRaw(dir, which) : await runLakelog(dir, which);
  process.stdout.write(`@@VARIANT ${JSON.stringify(result)}\n`);
}

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
  const results: Record<string, VariantResult> = {};
  for (const which of Object.keys(CASES) as CaseName[]) {
    for (const mode of ["raw", "cow", "dv"]) {
      const name = `${mode}-${which}`;
      const dir = freshCopy(name);
      if (mode === "cow") await disableDeletionVectors(dir);
      const r = await runVariant(name, dir);
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
    "source setup (s, 0 = reused)": Number((setupMs / 1000).toFixed(1)),
  };
  for (const which of Object.keys(CASES) as CaseName[]) {
    const raw = results[`raw-${which}`]!;
    for (const mode of ["cow", "dv"]) {
      const r = results[`${mode}-${which}`]!;
      const label = `${mode === "cow" ? "copy-on-write" : "deletion vectors"} delete 1% ${which}`;
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
      facts[`${mode}-${which}: files written / DVs / rows deleted`] = `${r.filesRewritten} / ${r.dvsWritten} / ${r.deletedRows}`;
    }
    facts[`raw-${which}: files rewritten`] = CASES[which].touched.length;
  }
  emit({ name: "delete", comparisons, facts });
}

if (process.argv[2] === "variant") await variant(process.argv[3]!, process.argv[4]!);
else await main();
