/**
 * The write operation: append or overwrite (whole table or `replaceWhere`) with schema
 * enforcement and evolution, constraints, exactly-once application transactions, and one commit.
 * Data files are written first; if anything fails before the commit lands they are deleted and
 * the table is as it was.
 */
import type { RecordBatch } from "apache-arrow";
import { InvalidArgumentError, InvalidOperationError } from "../../errors/argument-errors.js";
import { TableExistsError, WriteRefusedError } from "../../errors/txn-errors.js";
import type { ObjectStore } from "../../storage/store.js";
import { describeArgument, optionalSafeInteger, requireSafeInteger } from "../../util/validate.js";
import type { Engine } from "../../engine/index.js";
import type { AddCDCFile, AddFile, RemoveFile } from "../../log/actions.js";
import { loadSnapshot, type Snapshot } from "../../log/snapshot.js";
import { hasFeature } from "../../log/table-features.js";
import { bind, type BoundExpression } from "../../expr/bind.js";
import { formatExpression } from "../../expr/format.js";
import { parseExpression } from "../../expr/parse.js";
import { evaluateTriState } from "../../expr/evaluate.js";
import type { Expression } from "../../expr/expression.js";
import type { ScanEnvironment } from "../../scan/scan.js";
import { columnMappingMode } from "../../schema/column-mapping.js";
import { fromArrowSchema } from "../../schema/from-arrow.js";
import { joinRowTracking, type RowTrackingColumns, splitRowTracking } from "../../scan/row-tracking-columns.js";
import { conflictError } from "../../txn/commit-loop.js";
import { preservedRowTracking } from "../../txn/row-tracking.js";
import { assertWriteSupported } from "../../txn/protocol-support.js";
import { Transaction, type CommitResult, type TransactionOptions } from "../../txn/transaction.js";
import { compileGeneratedColumns, GeneratedColumnFiller, rowInputSchema } from "./generated-columns.js";
import { IdentityAllocator, identityColumnsOf } from "./identity-columns.js";
import { assertNoDependentConstraints, checkBatch, compileConstraints } from "./constraints.js";
import { removeFor } from "./row-deletion.js";
import { declareReadSet, type RowPredicate } from "../row-level/candidates.js";
import { findReplacedRows, rowsToCopy, writeInsertChangeData } from "../row-level/replace-where.js";
import { writeDataFiles, type DataFileOptions } from "./files.js";
import { openWriteInput, type WriteInput } from "./input.js";
import { planWriteMetadata, type WriteMetadataPlan } from "./plan.js";

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
   * appends to the new table when its schema and layout match; `fail` reports `TableExistsError`;
   * `skip` writes nothing (its data files are deleted) and resolves with `skipped: true` and the
   * table's version.
   */
  onConcurrentCreate?: "append" | "fail" | "skip";
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
export async function writeTable(
  engine: Engine,
  snapshot: Snapshot | undefined,
  data: WriteInput,
  options: WriteOptions = {},
): Promise<WriteResult> {
  validateWriteOptions(options);
  const { store, clock } = engine;
  const started = clock.now();
  const mode = options.mode ?? "append";
  if (options.txn && snapshot && (snapshot.txns.get(options.txn.appId)?.version ?? -Infinity) >= options.txn.version) {
    return { version: snapshot.version, skipped: true, metrics: emptyMetrics(clock.now() - started) };
  }
  const replaceWhere = parseReplaceWhere(options, mode);
  if (snapshot) refuseEarly(snapshot, mode);
  // rows given as plain objects are typed by the table's schema, unless the write replaces it
  const rowSchema = snapshot && options.schemaMode !== "overwrite" ? rowInputSchema(snapshot.schema, data) : undefined;
  const input = await openWriteInput(data, { schema: rowSchema, signal: options.signal });
  const plan = planWriteMetadata(snapshot, fromArrowSchema(input.schema), { ...options, mode }, clock.now());
  const replace: ReplacePredicate | undefined = replaceWhere && { expr: replaceWhere, bound: bind(replaceWhere, plan.schema) };
  const env: ScanEnvironment = { engine };
  // the predicate on the table as it is: which rows the overwrite replaces, and its read set
  const tablePredicate: RowPredicate | undefined = snapshot &&
    replace && { expr: replace.expr, bound: bind(replace.expr, snapshot.schema) };
  const replaced = snapshot && tablePredicate ? await findReplacedRows(env, snapshot, tablePredicate, options.signal) : undefined;
  const fileOptions = dataFileOptions(plan, snapshot, options);
  const identity = new IdentityAllocator(identityColumnsOf(plan.schema));
  const written = await writeDataFiles(engine, prepareBatches(input.batches, plan, replace?.bound, identity), fileOptions);
  const adds = [...written.adds];
  let copiedRows = 0;
  const changeData: AddCDCFile[] = [];
  try {
    if (snapshot && replaced && replaced.read.length > 0) {
      // copied rows keep their row IDs and commit versions (materialized columns) on row-tracking tables
      const rowTracking = preservedRowTracking(snapshot);
      const kept = rowsToCopy(env, snapshot, replaced, changeData, options.signal);
      const copied = await writeDataFiles(engine, prepareBatches(kept, plan, undefined, undefined, rowTracking), {
        ...fileOptions,
        rowTracking,
      });
      adds.push(...copied.adds);
      copiedRows = copied.numRows;
    }
    const removes = overwriteRemoves(snapshot, mode, replaced?.removed, clock.now());
    if (snapshot && replaced) await writeInsertChangeData(env, snapshot, replaced, written.adds, changeData, options.signal);
    const metrics: WriteMetrics = {
      numFiles: adds.length,
      numOutputRows: written.numRows + copiedRows,
      numOutputBytes: adds.reduce((n, a) => n + a.size, 0),
      numRemovedFiles: removes.length,
      numDeletedRows: replaced?.deletedRows ?? 0,
      numCopiedRows: copiedRows,
      executionTimeMs: 0,
    };
    const request = { engine, snapshot, plan, adds, removes, replace, tablePredicate, metrics, options, mode, changeData, identity };
    const outcome = await commitWrite(request);
    if (outcome.kind === "skipped") {
      await deleteWritten(store, [...adds, ...changeData]);
      return { version: outcome.version, skipped: true, metrics: emptyMetrics(clock.now() - started) };
    }
    metrics.executionTimeMs = clock.now() - started;
    const commit = outcome.kind === "committed" ? outcome.commit : undefined;
    return { version: commit?.version ?? snapshot?.version ?? -1, skipped: false, metrics, commit };
  } catch (err) {
    await deleteWritten(store, [...adds, ...changeData]);
    throw err;
  }
}

/** Deletes data files of a write that will not be committed (best effort: orphans are vacuum's job). */
async function deleteWritten(store: ObjectStore, adds: Array<AddFile | AddCDCFile>): Promise<void> {
  await store.deleteMany(adds.map((a) => decodeURIComponent(a.path))).catch(() => undefined);
}

/** How the data files of a write are laid out: the planned schema and partitioning, the caller's sizes. */
function dataFileOptions(plan: WriteMetadataPlan, snapshot: Snapshot | undefined, options: WriteOptions): DataFileOptions {
  return {
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
}

/** Refuses sizes and versions that are not safe integers (before anything is read or written). */
function validateWriteOptions(options: WriteOptions): void {
  optionalSafeInteger(options.targetFileSize, "targetFileSize", 1);
  optionalSafeInteger(options.rowGroupSize, "rowGroupSize", 1);
  if (options.txn !== undefined) {
    if (typeof options.txn.appId !== "string" || options.txn.appId === "")
      throw new InvalidArgumentError("txn.appId", describeArgument(options.txn.appId), "a non-empty string");
    requireSafeInteger(options.txn.version, "txn.version");
  }
}

/**
 * Refusals that need no data: an unsupported writer protocol, an overwrite of an append-only table.
 * Checked before any file is written. (A data-column replaceWhere on a change-data-feed table is
 * allowed: its change data files are written with `src/ops/row-level/replace-where.ts`.)
 */
function refuseEarly(snapshot: Snapshot, mode: "append" | "overwrite"): void {
  assertWriteSupported(snapshot.protocol, snapshot.metadata, snapshot.tableUrl);
  const properties = snapshot.tableProperties;
  if (mode === "overwrite" && properties.appendOnly) {
    throw new WriteRefusedError(snapshot.tableUrl, "the table is append-only (delta.appendOnly = true); it cannot be overwritten");
  }
}

/**
 * Conform each batch to the table schema, then check constraints and the replaceWhere predicate.
 * Identity values are allocated for written rows only (rows copied by replaceWhere keep theirs),
 * and rows copied with their row tracking columns (`rowTracking`) keep them after the table's.
 */
async function* prepareBatches(
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  plan: WriteMetadataPlan,
  replace: BoundExpression | undefined,
  identity?: IdentityAllocator,
  rowTracking?: RowTrackingColumns,
): AsyncGenerator<RecordBatch> {
  const constraints = compileConstraints(plan.schema, plan.metadata.configuration);
  assertNoDependentConstraints(constraints, plan.schemaPlan.typeChanges);
  const generated = new GeneratedColumnFiller(plan.schema, compileGeneratedColumns(plan.schema));
  for await (const input of batches) {
    const { rows: raw, tracking } = splitRowTracking(input, rowTracking);
    const batch = generated.conform(identity ? identity.fill(raw) : raw);
    checkBatch(constraints, batch);
    if (replace) {
      const states = evaluateTriState(replace, batch);
      const bad = states.findIndex((s) => s !== 2);
      if (bad >= 0)
        throw new WriteRefusedError(
          "(table)",
          `row ${bad} of the written data does not match the replaceWhere predicate; every written row must`,
        );
    }
    yield joinRowTracking(batch, tracking, rowTracking);
  }
}

/** A `replaceWhere` predicate, parsed and bound to the written schema. */
interface ReplacePredicate {
  expr: Expression;
  bound: BoundExpression;
}

/** The `replaceWhere` option parsed once (refused unless the write overwrites without replacing the schema). */
function parseReplaceWhere(options: WriteOptions, mode: "append" | "overwrite"): Expression | undefined {
  if (options.replaceWhere === undefined) return undefined;
  if (mode !== "overwrite") throw new InvalidOperationError("write", "replaceWhere needs mode: 'overwrite'");
  if (options.schemaMode === "overwrite")
    throw new InvalidOperationError("write", "replaceWhere cannot be combined with schemaMode: 'overwrite'");
  return typeof options.replaceWhere === "string" ? parseExpression(options.replaceWhere) : options.replaceWhere;
}

function overwriteRemoves(
  snapshot: Snapshot | undefined,
  mode: "append" | "overwrite",
  matched: AddFile[] | undefined,
  now: number,
): RemoveFile[] {
  if (!snapshot || mode !== "overwrite") return [];
  const files = matched ?? [...snapshot.files];
  return files.map((a) => removeFor(a, now));
}

/** What {@link commitWrite} stages. */
interface WriteCommitRequest {
  engine: Engine;
  snapshot: Snapshot | undefined;
  plan: WriteMetadataPlan;
  adds: AddFile[];
  removes: RemoveFile[];
  replace: ReplacePredicate | undefined;
  /** `replace` bound to the table's current schema: the read set of a replaceWhere. */
  tablePredicate: RowPredicate | undefined;
  metrics: WriteMetrics;
  options: WriteOptions;
  mode: "append" | "overwrite";
  /** Change data files of a replaceWhere on a change-data-feed table. */
  changeData?: AddCDCFile[];
  /** The identity values this write allocated (their high-water marks go in the metadata). */
  identity?: IdentityAllocator;
}

/** How the commit of a write ended: committed, nothing to commit, or skipped (`onConcurrentCreate: "skip"`). */
type WriteCommitOutcome = { kind: "committed"; commit: CommitResult } | { kind: "empty" } | { kind: "skipped"; version: number };

/** Stages and commits; a new table lost to a concurrent creator is handled per `onConcurrentCreate`. */
async function commitWrite(w: WriteCommitRequest): Promise<WriteCommitOutcome> {
  const { engine, snapshot, plan, adds, removes, replace, options, mode } = w;
  const txn = new Transaction(engine, snapshot, options);
  if (plan.newProtocol) txn.setProtocol(plan.newProtocol);
  const newMetadata = w.identity?.updatedMetadata(plan.newMetadata ?? plan.metadata) ?? plan.newMetadata;
  if (newMetadata) txn.setMetadata(newMetadata);
  if (options.txn) txn.setAppTransaction(options.txn.appId, options.txn.version);
  if (snapshot && mode === "overwrite") declareReadSet(txn, snapshot, w.tablePredicate);
  txn.addFiles(adds);
  txn.removeFiles(removes);
  txn.addChangeFiles(w.changeData ?? []);
  // rows copied by replaceWhere keep their row IDs (materialized columns); everything else written is new
  if (w.metrics.numCopiedRows === 0) txn.declareFreshRows();
  else txn.preserveRowTracking();
  if (adds.length === 0 && removes.length === 0 && !newMetadata && !plan.newProtocol && !options.txn) return { kind: "empty" };
  const operationParameters: Record<string, unknown> = {
    mode: mode === "append" ? "Append" : "Overwrite",
    partitionBy: plan.metadata.partitionColumns,
  };
  if (replace) operationParameters.predicate = formatExpression(replace.expr);
  const { executionTimeMs: _skip, ...countMetrics } = w.metrics;
  const op = { operation: "WRITE", operationParameters, operationMetrics: countMetrics, userMetadata: options.userMetadata };
  const outcome = await txn.tryCommit(op);
  if (outcome.kind === "committed") return { kind: "committed", commit: outcome.result };
  // another writer created the table first (only a table-creating transaction gets here)
  const tableUrl = engine.store.rootUrl;
  if (mode !== "append") throw conflictError(outcome.conflict, tableUrl);
  if (options.onConcurrentCreate === "fail") throw new TableExistsError(tableUrl);
  const created = await loadSnapshot(engine, { signal: options.signal });
  if (options.onConcurrentCreate === "skip") return { kind: "skipped", version: created.version };
  // append to it if our files fit its metadata unchanged
  if (!sameLayout(created, plan)) throw conflictError(outcome.conflict, tableUrl);
  const retry = new Transaction(engine, created, options);
  if (options.txn) retry.setAppTransaction(options.txn.appId, options.txn.version);
  retry.addFiles(adds);
  return { kind: "committed", commit: await retry.commit(op) };
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
