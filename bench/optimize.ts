/**
 * OPTIMIZE (bin-packing) of a table of many small files, against raw parquet-wasm reading the same
 * files and rewriting their rows, in the same run.
 *
 * Input: an unpartitioned table of `FILES` files x `ROWS_PER_FILE` rows (bench/lib/row-table.ts:
 * bench/lib/write-rows.ts rows, one data-file write per file, one commit), written once and reused.
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
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DeltaTable } from "../src/table/delta-table.js";
import { median, runChild } from "./lib/child.js";
import { emit, peakRssMiB, timeAndMemory } from "./lib/measure.js";
import { rawReadFile, rawWriteFiles } from "./lib/raw-parquet-wasm.js";
import { ensureRowTable, freshCopy } from "./lib/row-table.js";
import { DICTIONARY_OFF } from "./lib/write-rows.js";

const FILES = Number(process.env.LAKELOG_BENCH_OPTIMIZE_FILES ?? 1000);
const ROWS_PER_FILE = Number(process.env.LAKELOG_BENCH_OPTIMIZE_ROWS ?? 10_000);
const ROUNDS = Number(process.env.LAKELOG_BENCH_OPTIMIZE_ROUNDS ?? 3);
/** `targetSize` of the lakelog variant (default: the library default, 128 MiB); for memory experiments. */
const TARGET_SIZE = process.env.LAKELOG_BENCH_OPTIMIZE_TARGET ? Number(process.env.LAKELOG_BENCH_OPTIMIZE_TARGET) : undefined;
const SPEC = { files: FILES, rowsPerFile: ROWS_PER_FILE, deletionVectors: false };
const TAG = "@@VARIANT";
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

async function runWasm(dir: string, files: string[]): Promise<VariantResult> {
  const started = performance.now();
  let rows = 0;
  function* batches() {
    for (const file of files) {
      const table = rawReadFile(join(dir, file));
      rows += table.numRows;
      yield* table.batches;
    }
  }
  const out = await rawWriteFiles(batches(), join(dir, "raw-out"), DICTIONARY_OFF);
  const ms = performance.now() - started;
  return { ms, rssMiB: peakRssMiB(), rows, filesIn: files.length, filesOut: out.files, bytesOut: out.bytes };
}

/** In the variant's own process: runs it and prints its result for {@link runChild}. */
async function variant(name: string, dir: string): Promise<void> {
  const { files } = await ensureRowTable(SPEC);
  const result = name === "lakelog" ? await runLakelog(dir) : await runWasm(dir, files);
  process.stdout.write(`${TAG} ${JSON.stringify(result)}\n`);
}

async function main(): Promise<void> {
  const source = await ensureRowTable(SPEC);
  const results: Record<string, VariantResult[]> = { lakelog: [], wasm: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ["lakelog", "wasm"] : ["wasm", "lakelog"];
    for (const name of order) {
      const dir = freshCopy(source, `optimize-${name}`);
      const result = JSON.parse(await runChild(self, ["variant", name, dir], TAG)) as VariantResult;
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
  // time: the median round; memory: the highest peak of any round
  const summary = (runs: typeof ours) => ({ ms: median(runs.map((r) => r.ms)), rssMiB: Math.max(...runs.map((r) => r.rssMiB)) });
  const comparisons = timeAndMemory(
    `optimize ${FILES} files x ${ROWS_PER_FILE} rows`,
    summary(ours),
    summary(peer),
    "raw parquet-wasm read + rewrite",
    `median of ${ROUNDS}; goal >= 0.8x`,
    "peak RSS",
  );
  emit({
    name: "optimize",
    comparisons,
    facts: {
      "lakelog files written": ours[0]!.filesOut,
      "lakelog bytes written": ours[0]!.bytesOut,
      "raw files written": peer[0]!.filesOut,
      "raw bytes written": peer[0]!.bytesOut,
      "source setup (s, 0 = reused)": Number((source.setupMs / 1000).toFixed(1)),
    },
  });
}

if (process.argv[2] === "variant") await variant(process.argv[3]!, process.argv[4]!);
else await main();
