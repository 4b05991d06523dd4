/**
 * The write operation: append or overwrite (whole table or `replaceWhere`) with schema
 * enforcement and evolution, constraints, exactly-once application transactions, and one commit.
 * Data files are written first; if anything fails before the commit lands they are deleted and
 * the table is as it was.
 */
import type { RecordBatch } from "apache-arrow";
import { TableExistsError, WriteRefusedError } from "../errors/txn-errors.js";
import type { ParquetEngine } from "../engine/engine.js";
import type { AddFile, RemoveFile } from "../log/actions.js";
import { loadSnapshot, type Snapshot } from "../log/snapshot.js";
import { hasFeature } from "../log/table-features.js";
import { bind, type BoundExpression } from "../scan/expr-bind.js";
import { formatExpression } from "../scan/expr-format.js";
import { parseExpression } from "../scan/expr-parse.js";
import { evaluateTriState } from "../scan/evaluate.js";
import { referencedColumns, type Expression } from "../scan/expression.js";
import type { ScanEnvironment } from "../scan/scan.js";
import { FileSkipper } from "../scan/skipping.js";
import { toArrowSchema } from "../schema/arrow-schema.js";
import { columnMappingMode } from "../schema/column-mapping.js";
import { fromArrowSchema } from "../schema/from-arrow.js";
import type { StructType } from "../schema/types.js";
import type { ObjectStore } from "../storage/store.js";
import { createdConcurrently } from "../txn/conflicts.js";
import { assertWriteSupported } from "../txn/protocol-support.js";
import { Transaction, type CommitResult, type TransactionOptions } from "../txn/transaction.js";
import { conformBatch } from "./conform.js";
import { assertNoDependentConstraints, checkBatch, compileConstraints } from "./constraints.js";
import { deleteMatchingRows, removeFor } from "./row-deletion.js";
import { writeDataFiles, type DataFileOptions } from "./write-files.js";
import { openWriteInput, type WriteInput } from "./write-input.js";
import { planWriteMetadata, type WriteMetadataPlan } from "./write-plan.js";

/** Options of a write. */
export interface WriteOptions extends TransactionOptions {
  /** `append` (default) adds rows; `overwrite` replaces the table's rows (or those matching `replaceWhere`). */
  mode?: "append" | "overwrite";
  /** With `overwrite`: replace only the rows matching this predicate; every written row must match it. */
  replaceWhere?: Expression | string;
  /** `merge` adds new columns (and allowed type widenings); `overwrite` (with mode overwrite) replaces the schema. */
  schemaMode?: "merge" | "overwrite";
  /** Partition columns: for a new table, or to repartition with `schemaMode: "overwrite"`. */
  partitionBy?: string[];
  /** Exactly-once: skip the write when the table already recorded this or a newer version for `appId`. */
  txn?: { appId: string; version: number };
  /** Bytes per data file before rolling to a new one (default 128 MiB). */
  targetFileSize?: number;
  rowGroupSize?: number;
  compression?: "snappy" | "zstd" | "uncompressed";
  userMetadata?: string;
  /** For a table this write creates: its properties, name and description. */
  properties?: Record<string, string>;
  name?: string;
  description?: string;
  onProgress?: (progress: { rows: number; files: number; bytes: number }) => void;
  /**
   * When this write creates the table and another writer creates it first: `append` (default)
   * appends to the new table when its schema and layout match; `fail` reports `TableExistsError`.
   */
  onConcurrentCreate?: "append" | "fail";
}

/** What a write did. */
export interface WriteMetrics {
  numFiles: number;
  numOutputRows: number;
  numOutputBytes: number;
  numRemovedFiles: number;
  numDeletedRows: number;
  numCopiedRows: number;
  executionTimeMs: number;
}

/** The outcome of a write. */
export interface WriteResult {
  /** The version written, or the table's version when nothing was committed. */
  version: number;
  /** True when `txn` showed the write was already applied (nothing written). */
  skipped: boolean;
  metrics: WriteMetrics;
  commit?: CommitResult;
}

/**
 * Writes `data` to the table of `snapshot`, or creates the table when `snapshot` is undefined.
 * I/O: reads the input once, writes data files with streaming uploads, reads files touched by a
 * `replaceWhere` on data columns, and makes one commit (retrying on concurrent commits).
 */
export async function writeTable(store: ObjectStore, engine: ParquetEngine, snapshot: Snapshot | undefined, data: WriteInput, options: WriteOptions = {}): Promise<WriteResult> {
  const started = Date.now();
  const mode = options.mode ?? "append";
  if (options.txn && snapshot && (snapshot.txns.get(options.txn.appId)?.version ?? -Infinity) >= options.txn.version) {
    return { version: snapshot.version, skipped: true, metrics: emptyMetrics(Date.now() - started) };
  }
  if (snapshot) refuseEarly(snapshot, mode, options);
  // rows given as plain objects are typed by the table's schema, unless the write replaces it
  const rowSchema = snapshot && options.schemaMode !== "overwrite" ? toArrowSchema(snapshot.schema) : undefined;
  const input = await openWriteInput(data, { schema: rowSchema, signal: options.signal });
  const plan = planWriteMetadata(snapshot, fromArrowSchema(input.schema), { ...options, mode }, (options.clock ?? Date.now)());
  const replace = replacePredicate(options, mode, plan.schema);
  const env: ScanEnvironment = { store, engine };
  const deletion = snapshot && mode === "overwrite" && replace ? await deleteMatchingRows(snapshot, env, replace.expr, bind(replace.expr, snapshot.schema), { signal: options.signal }) : undefined;
  const fileOptions: DataFileOptions = {
    schema: plan.schema,
    partitionColumns: plan.metadata.partitionColumns,
    columnMappingMode: columnMappingMode(plan.metadata.configuration),
    configuration: plan.metadata.configuration,
    targetFileSize: options.targetFileSize,
    rowGroupSize: options.rowGroupSize,
    compression: options.compression,
    tightBounds: hasFeature(plan.newProtocol ?? snapshot!.protocol, "deletionVectors"),
    signal: options.signal,
    onProgress: options.onProgress,
  };
  const written = await writeDataFiles(store, prepareBatches(input.batches, plan, replace?.bound), fileOptions);
  const adds = [...written.adds];
  let copiedRows = 0;
  try {
    if (deletion && deletion.kept.length > 0) {
      const copied = await writeDataFiles(store, prepareBatches(deletion.kept, plan, undefined), fileOptions);
      adds.push(...copied.adds);
      copiedRows = copied.numRows;
    }
    const removes = overwriteRemoves(snapshot, mode, deletion?.removed, (options.clock ?? Date.now)());
    const metrics: WriteMetrics = {
      numFiles: adds.length,
      numOutputRows: written.numRows + copiedRows,
      numOutputBytes: adds.reduce((n, a) => n + a.size, 0),
      numRemovedFiles: removes.length,
      numDeletedRows: deletion?.deletedRows ?? 0,
      numCopiedRows: copiedRows,
      executionTimeMs: 0,
    };
    const commit = await commitWrite(store, snapshot, plan, adds, removes, replace, metrics, options, mode);
    metrics.executionTimeMs = Date.now() - started;
    return { version: commit?.version ?? snapshot?.version ?? -1, skipped: false, metrics, commit };
  } catch (err) {
    await store.deleteMany(adds.map((a) => decodeURIComponent(a.path))).catch(() => undefined);
    throw err;
  }
}

/**
 * Refusals that need no data: an unsupported writer protocol, an overwrite of an append-only table,
 * a data-column replaceWhere on a change-data-feed table (its copied rows would need change data,
 * which lakelog does not write yet). Checked before any file is written.
 */
function refuseEarly(snapshot: Snapshot, mode: "append" | "overwrite", options: WriteOptions): void {
  assertWriteSupported(snapshot.protocol, snapshot.metadata, snapshot.tableUrl);
  const config = snapshot.properties;
  if (mode === "overwrite" && config["delta.appendOnly"]?.toLowerCase() === "true") {
    throw new WriteRefusedError(snapshot.tableUrl, "the table is append-only (delta.appendOnly = true); it cannot be overwritten");
  }
  if (mode === "overwrite" && options.replaceWhere !== undefined && config["delta.enableChangeDataFeed"]?.toLowerCase() === "true") {
    const expr = typeof options.replaceWhere === "string" ? parseExpression(options.replaceWhere) : options.replaceWhere;
    const partitions = new Set(snapshot.partitionColumns.map((c) => c.toLowerCase()));
    if (!referencedColumns(expr).every((p) => p.length === 1 && partitions.has(p[0]!.toLowerCase()))) {
      throw new WriteRefusedError(snapshot.tableUrl, "replaceWhere on data columns of a change-data-feed table would need change data files, which lakelog does not write yet; use a predicate on partition columns");
    }
  }
}

/** Conform each batch to the table schema, then check constraints and the replaceWhere predicate. */
async function* prepareBatches(batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>, plan: WriteMetadataPlan, replace: BoundExpression | undefined): AsyncGenerator<RecordBatch> {
  const constraints = compileConstraints(plan.schema, plan.metadata.configuration);
  assertNoDependentConstraints(constraints, plan.schemaPlan.typeChanges);
  for await (const raw of batches) {
    const batch = conformBatch(raw, plan.schema);
    checkBatch(constraints, batch);
    if (replace) {
      const states = evaluateTriState(replace, batch);
      const bad = states.findIndex((s) => s !== 2);
      if (bad >= 0) throw new WriteRefusedError("(table)", `row ${bad} of the written data does not match the replaceWhere predicate; every written row must`);
    }
    yield batch;
  }
}

function replacePredicate(options: WriteOptions, mode: "append" | "overwrite", schema: StructType): { expr: Expression; bound: BoundExpression } | undefined {
  if (options.replaceWhere === undefined) return undefined;
  if (mode !== "overwrite") throw new RangeError("replaceWhere needs mode: 'overwrite'");
  if (options.schemaMode === "overwrite") throw new RangeError("replaceWhere cannot be combined with schemaMode: 'overwrite'");
  const expr = typeof options.replaceWhere === "string" ? parseExpression(options.replaceWhere) : options.replaceWhere;
  return { expr, bound: bind(expr, schema) };
}

function overwriteRemoves(snapshot: Snapshot | undefined, mode: "append" | "overwrite", matched: AddFile[] | undefined, now: number): RemoveFile[] {
  if (!snapshot || mode !== "overwrite") return [];
  const files = matched ?? [...snapshot.files];
  return files.map((a) => removeFor(a, now));
}

/** Stages and commits; a new table lost to a concurrent creator is retried as an append when compatible. */
async function commitWrite(
  store: ObjectStore,
  snapshot: Snapshot | undefined,
  plan: WriteMetadataPlan,
  adds: AddFile[],
  removes: RemoveFile[],
  replace: { expr: Expression; bound: BoundExpression } | undefined,
  metrics: WriteMetrics,
  options: WriteOptions,
  mode: "append" | "overwrite",
): Promise<CommitResult | undefined> {
  const txn = new Transaction(store, snapshot, options);
  if (plan.newProtocol) txn.setProtocol(plan.newProtocol);
  if (plan.newMetadata) txn.setMetadata(plan.newMetadata);
  if (options.txn) txn.setAppTransaction(options.txn.appId, options.txn.version);
  if (snapshot && mode === "overwrite") declareReads(txn, snapshot, replace?.bound);
  txn.addFiles(adds);
  txn.removeFiles(removes);
  if (adds.length === 0 && removes.length === 0 && !plan.newMetadata && !plan.newProtocol && !options.txn) return undefined;
  const operationParameters: Record<string, unknown> = { mode: mode === "append" ? "Append" : "Overwrite", partitionBy: plan.metadata.partitionColumns };
  if (replace) operationParameters.predicate = formatExpression(replace.expr);
  const { executionTimeMs: _skip, ...countMetrics } = metrics;
  const op = { operation: "WRITE", operationParameters, operationMetrics: countMetrics, userMetadata: options.userMetadata };
  try {
    return await txn.commit(op);
  } catch (err) {
    if (snapshot || mode !== "append" || !createdConcurrently(err, -1)) throw err;
    if (options.onConcurrentCreate === "fail") throw new TableExistsError(store.rootUrl);
    // someone created the table first: append to it if our files fit its metadata unchanged
    const created = await loadSnapshot(store, { readParquet: () => { throw err; }, readParquetInfo: () => { throw err; } }, { signal: options.signal });
    if (!sameLayout(created, plan)) throw err;
    const retry = new Transaction(store, created, options);
    if (options.txn) retry.setAppTransaction(options.txn.appId, options.txn.version);
    retry.addFiles(adds);
    return retry.commit(op);
  }
}

/** An overwrite depends on the files it replaces: all of them, or those the predicate can match. */
function declareReads(txn: Transaction, snapshot: Snapshot, predicate: BoundExpression | undefined): void {
  if (!predicate) {
    txn.readWholeTable();
    return;
  }
  const skipper = new FileSkipper(predicate, { schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, columnMappingMode: snapshot.columnMappingMode });
  const candidates = Array.from(skipper.selectFiles(snapshot.files), (i) => snapshot.files.addFile(i));
  txn.readWith(candidates, (add) => !skipper.canSkip({ stats: add.stats, partitionValues: add.partitionValues }));
}

/** Files written for our planned metadata are valid in `created` when schema and layout are the same. */
function sameLayout(created: Snapshot, plan: WriteMetadataPlan): boolean {
  return (
    created.columnMappingMode === "none" &&
    columnMappingMode(plan.metadata.configuration) === "none" &&
    JSON.stringify(created.partitionColumns) === JSON.stringify(plan.metadata.partitionColumns) &&
    JSON.stringify(created.schema) === JSON.stringify(plan.schema)
  );
}

function emptyMetrics(ms: number): WriteMetrics {
  return { numFiles: 0, numOutputRows: 0, numOutputBytes: 0, numRemovedFiles: 0, numDeletedRows: 0, numCopiedRows: 0, executionTimeMs: ms };
}
