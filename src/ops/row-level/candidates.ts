/**
 * Choosing the files a row-level operation touches, without reading data: every file when there
 * is no predicate; with a predicate only on partition columns, the files whose partition values
 * make it TRUE (removed whole); otherwise the files partition values and statistics cannot rule
 * out (read to find the matching rows). Also declares that choice to the transaction as its read
 * set, so concurrent commits that add or remove such files conflict.
 */
import { Schema, type Data } from "apache-arrow";
import { batchOf } from "../../arrow/data.js";
import type { BoundExpression } from "../../expr/bind.js";
import { evaluateTriState } from "../../expr/evaluate.js";
import { referencedColumns, type Expression } from "../../expr/expression.js";
import { parsePartitionValue, partitionColumnsOf, partitionVector } from "../../expr/partition-values.js";
import { FileSkipper } from "../../expr/skipping.js";
import type { Snapshot } from "../../log/snapshot.js";
import { planScan } from "../../scan/scan-plan.js";
import { toArrowField } from "../../schema/arrow-schema.js";
import type { Engine } from "../../engine/index.js";
import type { AddCDCFile, AddFile, Metadata, RemoveFile } from "../../log/actions.js";
import { Transaction, type CommitResult, type TransactionOptions } from "../../txn/transaction.js";

const TRUE = 2;

/** A predicate parsed and bound to the table schema. */
export interface RowPredicate {
  expr: Expression;
  bound: BoundExpression;
}

/** The files a row-level operation works on (positions in `snapshot.files`). */
export interface CandidateFiles {
  /** Files all of whose rows match without reading them: every file, or those a partition-only predicate makes TRUE. */
  whole: number[];
  /** Files that may hold matching rows and must be read. */
  toRead: number[];
  /** True when the predicate references only partition columns (or there is none): no data is read. */
  metadataOnly: boolean;
  /** Files ruled out by partition values or statistics. */
  skippedFiles: number;
}

/** True when `expr` references only partition columns. */
export function isPartitionOnly(snapshot: Snapshot, expr: Expression): boolean {
  const names = new Set(snapshot.partitionColumns.map((c) => c.toLowerCase()));
  return referencedColumns(expr).every((path) => path.length === 1 && names.has(path[0]!.toLowerCase()));
}

/** Selects the files to remove whole and the files to read. Performs no I/O. */
export function selectCandidateFiles(snapshot: Snapshot, predicate: RowPredicate | undefined): CandidateFiles {
  const total = snapshot.files.length;
  if (!predicate) return { whole: Array.from({ length: total }, (_, i) => i), toRead: [], metadataOnly: true, skippedFiles: 0 };
  const plan = planScan(snapshot, { filter: predicate.expr, columns: [] });
  if (isPartitionOnly(snapshot, predicate.expr)) {
    const whole = plan.files.filter((position) => partitionMatches(snapshot, predicate.bound, position));
    return { whole, toRead: [], metadataOnly: true, skippedFiles: total - whole.length };
  }
  return { whole: [], toRead: plan.files, metadataOnly: false, skippedFiles: plan.skippedFiles };
}

/**
 * Declares the read set: the whole table without a predicate; otherwise the files the predicate
 * could match, and a test that makes a concurrently added file that could match conflict.
 */
export function declareReadSet(txn: Transaction, snapshot: Snapshot, predicate: RowPredicate | undefined): void {
  if (!predicate) {
    txn.readWholeTable();
    return;
  }
  const skipper = new FileSkipper(predicate.bound, {
    schema: snapshot.schema,
    partitionColumns: snapshot.partitionColumns,
    columnMappingMode: snapshot.columnMappingMode,
  });
  const candidates = Array.from(skipper.selectFiles(snapshot.files), (i) => snapshot.files.addFile(i));
  txn.readWith(candidates, (add) => !skipper.canSkip({ stats: add.stats, partitionValues: add.partitionValues }));
}

/** Evaluates a partition-only predicate on one file's partition values. */
function partitionMatches(snapshot: Snapshot, bound: BoundExpression, position: number): boolean {
  const columns = partitionColumnsOf(snapshot.schema, snapshot.partitionColumns, snapshot.columnMappingMode);
  const values = snapshot.files.partitionValues(position);
  const fields = columns.map((c) => toArrowField(snapshot.schema.fields.find((f) => f.name === c.name)!));
  const data = columns.map(
    (c) => partitionVector(parsePartitionValue(values[c.physicalName], c.type, c.physicalName), c.type, 1).data[0] as Data,
  );
  return evaluateTriState(bound, batchOf(new Schema(fields), data, 1))[0] === TRUE;
}

/** `numRecords` of an `add`'s stats (physical rows, deletion vector not subtracted), when known. */
export function numRecordsOf(stats: string | null | undefined): number | undefined {
  if (!stats) return undefined;
  const m = /"numRecords"\s*:\s*(\d+)/.exec(stats);
  return m ? Number(m[1]) : undefined;
}

/** The files a row-level operation staged for its commit. */
export interface StagedFiles {
  removes: RemoveFile[];
  adds: AddFile[];
  cdcs: AddCDCFile[];
}

/** How {@link commitStaged} commits. */
export interface StagedCommit<M extends { executionTimeMs: number }> {
  engine: Engine;
  /** The version the transaction starts from (the latest when the operation began). */
  base: Snapshot;
  /** The version the rows were read from, whose files the read set names (`base`, or a schema-evolved view of it). */
  read: Snapshot;
  predicate: RowPredicate | undefined;
  operation: string;
  operationParameters: Record<string, unknown>;
  metrics: M;
  /** `engine.clock.now()` when the operation began; `metrics.executionTimeMs` is measured from it. */
  started: number;
  options: TransactionOptions;
  /** A new `metaData` for the commit (schema evolution, identity high-water marks). */
  metadata?: Metadata;
}

/**
 * Commits what a row-level operation (DELETE, UPDATE, MERGE) staged, in one transaction: the read
 * set from `predicate`, row IDs preserved, removes, adds and change data. Nothing staged: no
 * commit (`version` undefined). The caller deletes the objects it wrote when this throws.
 */
export async function commitStaged<M extends { executionTimeMs: number }>(
  staged: StagedFiles,
  c: StagedCommit<M>,
): Promise<{ version: number | undefined; metrics: M; commit?: CommitResult }> {
  if (staged.removes.length === 0 && staged.adds.length === 0) {
    c.metrics.executionTimeMs = c.engine.clock.now() - c.started;
    return { version: undefined, metrics: c.metrics };
  }
  const txn = new Transaction(c.engine, c.base, c.options);
  if (c.metadata) txn.setMetadata(c.metadata);
  txn.preserveRowTracking();
  declareReadSet(txn, c.read, c.predicate);
  txn.removeFiles(staged.removes);
  txn.addFiles(staged.adds);
  txn.addChangeFiles(staged.cdcs);
  c.metrics.executionTimeMs = c.engine.clock.now() - c.started;
  const commit = await txn.commit({
    operation: c.operation,
    operationParameters: c.operationParameters,
    operationMetrics: { ...c.metrics } as Record<string, number>,
  });
  return { version: commit.version, metrics: c.metrics, commit };
}
