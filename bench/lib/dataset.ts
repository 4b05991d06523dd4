/**
 * Generates the benchmark tables under `.bench-data/` (gitignored) once, and reuses them while
 * their marker file names the current generator version.
 *
 * Every table holds the same 10M rows, a pure function of `id` (0 … rows-1):
 *   id long, value double (pseudo-random), name string (12 pseudo-random lowercase letters),
 *   ts timestamp (µs, UTC; 2024-01-01 plus `id` seconds), part integer (`id % 10`).
 * Data files are written by lakelog's own streaming Parquet writer (snappy, one row group per
 * file, batches generated lazily so memory stays bounded), and the single commit
 * `_delta_log/00000000000000000000.json` is written by hand: protocol 1/2, metaData with the
 * schema and partition columns, one `add` per file with `stats` for `id` computed from the rows
 * written. (A writer API is being built separately; the bench does not depend on it.)
 */
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Data, Field, Float64, Int32, Int64, makeData, RecordBatch, Schema, Struct, TimestampMicrosecond, Utf8 } from "apache-arrow";
import { writeParquetStream } from "../../src/engine/parquet-write.js";
import { openStore } from "../../src/storage/open-store.js";
import { emitSkipped } from "./measure.js";
import { mix, NAME_LENGTH, PARTS, TS_BASE_US } from "./write-rows.js";

/** Bump when the generated data or layout changes: older tables are then regenerated. */
export const GENERATOR_VERSION = 1;

const MARKER = ".lakelog-bench-dataset.json";
const BATCH_ROWS = 64 * 1024;

/** How a benchmark table is laid out. */
export interface DatasetSpec {
  /** Folder name under `.bench-data/`. */
  name: string;
  rows: number;
  /**
   * `partitioned`: Hive-style `part=<p>/`, one file per partition holding the ids with
   * `id % 10 = p` (stats on `id` span the whole range, so they never skip).
   * `id-sorted`: not partitioned (`part` is a data column), `files` files of consecutive id
   * ranges, so min/max stats on `id` are selective.
   */
  layout: "partitioned" | "id-sorted";
  /** Data files (for `partitioned`, must be 10: one per partition). */
  files: number;
}

/** The 10M-row table of the full scan: partitioned by `part`, 10 files of 1M rows. */
export const FULL_SCAN_TABLE: DatasetSpec = { name: "rows-10m-partitioned", rows: 10_000_000, layout: "partitioned", files: PARTS };

/** The 10M-row table of the selective scan: 100 id-sorted files of 100k rows, not partitioned. */
export const SELECTIVE_TABLE: DatasetSpec = { name: "rows-10m-100-files", rows: 10_000_000, layout: "id-sorted", files: 100 };

/** A generated table, as the benchmarks need it. */
export interface Dataset {
  spec: DatasetSpec;
  /** Absolute path of the table root. */
  dir: string;
  /** Data file paths relative to the root, in log order. */
  files: string[];
  /** Per file: first and last id (inclusive) and row count. */
  ranges: Array<{ minId: number; maxId: number; rows: number }>;
  bytes: number;
}

/** The repository root (benchmarks run from `dist/bench/lib`, sources sit in `bench/lib`). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the repository root (no package.json above the benchmark)");
    dir = up;
  }
  return dir;
}

/**
 * The shared 300k-add table (`delta-tables/300k-add-files-100-col-partitioned` under
 * `LAKELOG_SHARED_DIR`, else `../shared`, as the tests find it); `LAKELOG_BENCH_LOG_TABLE` points
 * elsewhere (another checkout, or to try the skip path). Only read, never written.
 */
export function sharedLogTable(): string {
  return (
    process.env.LAKELOG_BENCH_LOG_TABLE ??
    join(process.env.LAKELOG_SHARED_DIR ?? join(repoRoot(), "..", "shared"), "delta-tables", "300k-add-files-100-col-partitioned")
  );
}

/** Whether the shared table `table` is absent; if so, emits a skipped result for benchmark `name`. */
export function skipWithoutSharedTable(name: string, table: string): boolean {
  if (existsSync(join(table, "_delta_log"))) return false;
  emitSkipped(name, `${table} is absent (the shared Delta tables are not available on this machine): benchmark skipped`);
  return true;
}

/** The Delta schema of every benchmark table. */
const SCHEMA_STRING = JSON.stringify({
  type: "struct",
  fields: [
    { name: "id", type: "long", nullable: true, metadata: {} },
    { name: "value", type: "double", nullable: true, metadata: {} },
    { name: "name", type: "string", nullable: true, metadata: {} },
    { name: "ts", type: "timestamp", nullable: true, metadata: {} },
    { name: "part", type: "integer", nullable: true, metadata: {} },
  ],
});

/**
 * Returns the table described by `spec`, generating it first unless `.bench-data/<name>` holds
 * one made by this generator version. Prints progress.
 */
export async function ensureDataset(spec: DatasetSpec): Promise<Dataset> {
  const dir = join(repoRoot(), ".bench-data", spec.name);
  const marker = join(dir, MARKER);
  if (existsSync(marker)) {
    const saved = JSON.parse(readFileSync(marker, "utf8")) as { version: number; spec: DatasetSpec; dataset: Dataset };
    if (saved.version === GENERATOR_VERSION && JSON.stringify(saved.spec) === JSON.stringify(spec)) {
      console.log(`  dataset ${spec.name}: reusing ${dir}`);
      return { ...saved.dataset, dir };
    }
  }
  rmSync(dir, { recursive: true, force: true });
  await mkdir(join(dir, "_delta_log"), { recursive: true });
  console.log(`  dataset ${spec.name}: generating ${spec.rows.toLocaleString("en")} rows in ${spec.files} files under ${dir}`);
  const started = performance.now();
  const dataset = await generate(spec, dir);
  writeFileSync(marker, JSON.stringify({ version: GENERATOR_VERSION, spec, dataset }, null, 1));
  const seconds = (performance.now() - started) / 1000;
  console.log(`  dataset ${spec.name}: ${(dataset.bytes / 2 ** 20).toFixed(0)} MiB written in ${seconds.toFixed(1)} s`);
  return dataset;
}

/** Which ids a file holds: `count` ids starting at `first`, `step` apart. */
interface FilePlan {
  path: string;
  part: number | undefined;
  first: number;
  step: number;
  count: number;
}

function planFiles(spec: DatasetSpec): FilePlan[] {
  if (spec.layout === "partitioned") {
    if (spec.files !== PARTS || spec.rows % PARTS !== 0)
      throw new RangeError(`a partitioned benchmark table has ${PARTS} files and a multiple of ${PARTS} rows`);
    return Array.from({ length: PARTS }, (_, p) => ({
      path: `part=${p}/part-${String(p).padStart(5, "0")}-${randomUUID()}.c000.snappy.parquet`,
      part: p,
      first: p,
      step: PARTS,
      count: spec.rows / PARTS,
    }));
  }
  const per = Math.ceil(spec.rows / spec.files);
  return Array.from({ length: spec.files }, (_, f) => ({
    path: `part-${String(f).padStart(5, "0")}-${randomUUID()}.c000.snappy.parquet`,
    part: undefined,
    first: f * per,
    step: 1,
    count: Math.max(0, Math.min(per, spec.rows - f * per)),
  }));
}

async function generate(spec: DatasetSpec, dir: string): Promise<Dataset> {
  const store = await openStore(dir);
  const plans = planFiles(spec);
  const partitioned = spec.layout === "partitioned";
  const schema = arrowSchema(!partitioned);
  const adds: string[] = [];
  const ranges: Dataset["ranges"] = [];
  let bytes = 0;
  for (const [i, plan] of plans.entries()) {
    const stats = { minId: Infinity, maxId: -Infinity };
    const out = writeParquetStream(batchesOf(plan, schema, !partitioned, stats), { compression: "snappy", rowGroupSize: plan.count });
    await store.putStream(plan.path, out);
    const { size, numRows } = await out.result;
    bytes += size;
    ranges.push({ minId: stats.minId, maxId: stats.maxId, rows: numRows });
    adds.push(addAction(plan, size, numRows, stats));
    if ((i + 1) % Math.max(1, Math.floor(plans.length / 10)) === 0) console.log(`    ${i + 1}/${plans.length} files`);
  }
  const now = Date.now();
  const lines = [
    { commitInfo: { timestamp: now, operation: "WRITE", operationParameters: { mode: "Append" }, engineInfo: "lakelog-bench-dataset" } },
    { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
    {
      metaData: {
        id: randomUUID(),
        format: { provider: "parquet", options: {} },
        schemaString: SCHEMA_STRING,
        partitionColumns: partitioned ? ["part"] : [],
        configuration: {},
        createdTime: now,
      },
    },
  ].map((a) => JSON.stringify(a));
  await store.put("_delta_log/00000000000000000000.json", new TextEncoder().encode([...lines, ...adds].join("\n") + "\n"), {
    mode: "create",
  });
  await store.close?.();
  return { spec, dir, files: plans.map((p) => p.path), ranges, bytes };
}

function addAction(plan: FilePlan, size: number, numRows: number, stats: { minId: number; maxId: number }): string {
  const fileStats = { numRecords: numRows, minValues: { id: stats.minId }, maxValues: { id: stats.maxId }, nullCount: { id: 0 } };
  return JSON.stringify({
    add: {
      path: plan.path,
      partitionValues: plan.part === undefined ? {} : { part: String(plan.part) },
      size,
      modificationTime: Date.now(),
      dataChange: true,
      stats: JSON.stringify(fileStats),
    },
  });
}

function arrowSchema(withPart: boolean): Schema {
  const fields: Field[] = [
    new Field("id", new Int64(), true),
    new Field("value", new Float64(), true),
    new Field("name", new Utf8(), true),
    new Field("ts", new TimestampMicrosecond("UTC"), true),
  ];
  if (withPart) fields.push(new Field("part", new Int32(), true));
  return new Schema(fields);
}

/** Lazily yields the file's rows in batches, recording the id bounds of what it yields. */
function* batchesOf(plan: FilePlan, schema: Schema, withPart: boolean, stats: { minId: number; maxId: number }): Generator<RecordBatch> {
  for (let done = 0; done < plan.count; done += BATCH_ROWS) {
    const n = Math.min(BATCH_ROWS, plan.count - done);
    const ids = new BigInt64Array(n);
    const idWords = new Uint32Array(ids.buffer);
    const values = new Float64Array(n);
    const names = new Uint8Array(n * NAME_LENGTH);
    const offsets = new Int32Array(n + 1);
    const ts = new BigInt64Array(n);
    const tsWords = new Uint32Array(ts.buffer);
    const parts = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const id = plan.first + (done + r) * plan.step;
      if (id < stats.minId) stats.minId = id;
      if (id > stats.maxId) stats.maxId = id;
      idWords[2 * r] = id >>> 0;
      idWords[2 * r + 1] = Math.floor(id / 2 ** 32);
      let h = mix(id);
      values[r] = ((h >>> 0) / 2 ** 32) * 1000 - 500;
      for (let c = 0; c < NAME_LENGTH; c++) {
        h = mix(h + c);
        names[r * NAME_LENGTH + c] = 97 + ((h >>> 0) % 26);
      }
      offsets[r + 1] = (r + 1) * NAME_LENGTH;
      const micros = TS_BASE_US + id * 1_000_000;
      tsWords[2 * r] = micros % 2 ** 32;
      tsWords[2 * r + 1] = Math.floor(micros / 2 ** 32);
      parts[r] = id % PARTS;
    }
    const children: Data[] = [
      makeData({ type: new Int64(), length: n, nullCount: 0, data: ids }),
      makeData({ type: new Float64(), length: n, nullCount: 0, data: values }),
      makeData({ type: new Utf8(), length: n, nullCount: 0, valueOffsets: offsets, data: names }),
      makeData({ type: new TimestampMicrosecond("UTC"), length: n, nullCount: 0, data: ts }),
    ];
    if (withPart) children.push(makeData({ type: new Int32(), length: n, nullCount: 0, data: parts }));
    yield new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
  }
}
