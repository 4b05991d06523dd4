/**
 * The source tables of the maintenance and row-level benchmarks (optimize, delete, merge): an
 * unpartitioned table of `files` files of consecutive ids (bench/lib/write-rows.ts rows: id long,
 * value double uniform in [-500, 500), name string, ts timestamp µs UTC, part int), each file
 * written by lakelog's data-file writer in one call, all committed in one commit. Written once
 * under `.bench-data/<name>` and reused while its marker matches; each run works on a fresh copy.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createEngine } from "../../src/engine/index.js";
import { loadSnapshot } from "../../src/log/snapshot.js";
import { writeDataFiles } from "../../src/ops/write/files.js";
import { fromArrowSchema } from "../../src/schema/from-arrow.js";
import { openStore } from "../../src/storage/open-store.js";
import { DeltaTable } from "../../src/table/delta-table.js";
import { Transaction } from "../../src/txn/transaction.js";
import { forEachConcurrent } from "../../src/util/concurrency.js";
import { repoRoot } from "./dataset.js";
import { generateBatch, WRITE_SCHEMA } from "./write-rows.js";

/** Bump when the generated table changes: older copies are then rewritten. */
const ROW_TABLE_VERSION = 2;
const MARKER = ".lakelog-bench-rows.json";
/** Data file paths (decoded, relative to the root) in id order, for the raw peers. */
const FILE_LIST = ".files.json";

/** How a source table is laid out. */
export interface RowTableSpec {
  files: number;
  rowsPerFile: number;
  /** Created with `delta.enableDeletionVectors = true` (stats then say `"tightBounds":true`). */
  deletionVectors: boolean;
}

/** A source table: its root, the decoded data file paths in id order, and how long writing it took (0 when reused). */
export interface RowTable {
  dir: string;
  files: string[];
  setupMs: number;
}

/**
 * Returns the table `spec` describes under `.bench-data/rows-<files>x<rows>[-dv]`, writing it first
 * unless a matching one is there. Prints progress.
 */
export async function ensureRowTable(spec: RowTableSpec): Promise<RowTable> {
  const dir = join(repoRoot(), ".bench-data", `rows-${spec.files}x${spec.rowsPerFile}${spec.deletionVectors ? "-dv" : ""}`);
  const want = JSON.stringify({ ...spec, version: ROW_TABLE_VERSION });
  const marker = join(dir, MARKER);
  if (existsSync(marker) && readFileSync(marker, "utf8") === want)
    return { dir, files: JSON.parse(readFileSync(join(dir, FILE_LIST), "utf8")) as string[], setupMs: 0 };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const properties = spec.deletionVectors ? { "delta.enableDeletionVectors": "true" } : undefined;
  await DeltaTable.create(dir, { schema: WRITE_SCHEMA, properties });
  const engine = createEngine(await openStore(dir));
  const snapshot = await loadSnapshot(engine);
  const schema = fromArrowSchema(WRITE_SCHEMA);
  const adds: Array<Awaited<ReturnType<typeof writeDataFiles>>["adds"]> = [];
  const step = Math.max(1, Math.floor(spec.files / 10));
  let done = 0;
  await forEachConcurrent(
    Array.from({ length: spec.files }, (_, i) => i),
    2,
    async (i) => {
      const written = await writeDataFiles(engine, [generateBatch(i * spec.rowsPerFile, spec.rowsPerFile)], {
        schema,
        partitionColumns: [],
        columnMappingMode: "none",
        configuration: snapshot.metadata.configuration,
        tightBounds: spec.deletionVectors,
      });
      adds[i] = written.adds;
      if (++done % step === 0) console.log(`  source: ${done}/${spec.files} files`);
    },
  );
  const txn = new Transaction(engine, snapshot);
  txn.addFiles(adds.flat());
  await txn.commit({ operation: "WRITE", operationParameters: { mode: "Append" } });
  const files = adds.flat().map((a) => decodeURIComponent(a.path));
  writeFileSync(join(dir, FILE_LIST), JSON.stringify(files));
  writeFileSync(marker, want);
  const setupMs = performance.now() - started;
  console.log(`  source table written in ${(setupMs / 1000).toFixed(1)} s`);
  return { dir, files, setupMs };
}

/** A fresh copy of `source` in `.bench-data/runs/<name>` for one run (untimed), replacing any earlier one. */
export function freshCopy(source: RowTable, name: string): string {
  const dir = join(repoRoot(), ".bench-data", "runs", name);
  rmSync(dir, { recursive: true, force: true });
  cpSync(source.dir, dir, { recursive: true });
  return dir;
}

/** Turns deletion vectors off in a copy (an untimed metadata commit), so DELETE, UPDATE and MERGE rewrite files. */
export async function disableDeletionVectors(dir: string): Promise<void> {
  const engine = createEngine(await openStore(dir));
  const snapshot = await loadSnapshot(engine);
  const txn = new Transaction(engine, snapshot);
  txn.setMetadata({ ...snapshot.metadata, configuration: { ...snapshot.metadata.configuration, "delta.enableDeletionVectors": "false" } });
  await txn.commit({ operation: "SET TBLPROPERTIES", operationParameters: { properties: { "delta.enableDeletionVectors": "false" } } });
}
