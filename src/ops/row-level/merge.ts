/**
 * MERGE: upserting a source into the table in one commit. The source is held in memory (at most
 * `maxSourceBytes`, default 512 MiB) and indexed by the `on` condition's equality keys; only the
 * target files that partition values and statistics cannot rule out (using the `on` condition's
 * target-only conjuncts and the source's key values) are read (for many source keys, only files
 * whose key columns hold a source key are read whole); each is probed against the source
 * (hash join, then the whole `on` condition on the pairs), the WHEN clauses are applied in order
 * (first TRUE wins), and changed files get deletion vectors or are rewritten as UPDATE does;
 * unmatched source rows are inserted. Change data: insert, update_preimage/postimage, delete.
 * See spec/row-level.md.
 */
import type { Data, RecordBatch, Schema } from "apache-arrow";
import { InvalidArgumentError } from "../../errors/argument-errors.js";
import { MergeSourceTooLargeError } from "../../errors/merge-errors.js";
import { WriteRefusedError } from "../../errors/txn-errors.js";
import { bind } from "../../expr/bind.js";
import type { Expression } from "../../expr/expression.js";
import { formatExpression } from "../../expr/format.js";
import { parseExpression } from "../../expr/parse.js";
import { aliasResolver } from "../../expr/resolve.js";
import type { AddFile } from "../../log/actions.js";
import type { Snapshot } from "../../log/snapshot.js";
import { readFileRows } from "../../scan/file-rows.js";
import type { ScanEnvironment } from "../../scan/scan.js";
import { planScan, type ScanPlan } from "../../scan/scan-plan.js";
import { toArrowSchema } from "../../schema/arrow-schema.js";
import { fromArrowSchema } from "../../schema/from-arrow.js";
import type { StructType } from "../../schema/types.js";
import { assertWriteSupported } from "../../txn/protocol-support.js";
import type { CommitResult, TransactionOptions } from "../../txn/transaction.js";
import { compileConstraints } from "../write/constraints.js";
import { IdentityAllocator, identityColumnsOf } from "../write/identity-columns.js";
import { openWriteInput, type WriteInput } from "../write/input.js";
import { commitStaged, selectCandidateFiles, type RowPredicate } from "./candidates.js";
import { insertRows, mergeTransform, type ClauseContext } from "./merge-clauses.js";
import { SourceIndex } from "./merge-join.js";
import { bindClause, joinKeys, MAX_IN_VALUES, pruningPredicate, type MergeClause, type MergeInputs } from "./merge-plan.js";
import { countFiles, finishRewrite, newRewriteState, rewriteFile, type RewriteState } from "./merge-rewrite.js";
import { evolveForMerge } from "./merge-schema.js";
import type { SetValue } from "./update.js";

/** Default most bytes of source a merge holds in memory. */
export const DEFAULT_MAX_SOURCE_BYTES = 512 * 1024 * 1024;

/** Options of a merge. */
export interface MergeOptions extends TransactionOptions {
  /** The join condition, e.g. `target.id = source.id`. */
  on: string | Expression;
  sourceAlias?: string;
  targetAlias?: string;
  /** Most bytes of source held in memory (Arrow buffers; default 512 MiB); above, {@link MergeSourceTooLargeError}. */
  maxSourceBytes?: number;
  inlineDeletionVectorMaxBytes?: number;
  /**
   * `'merge'`: source columns the target lacks are added to the table schema (nullable) when an
   * `updateAll`/`insertAll` clause assigns them (Spark's schema auto-merge). Default: the target
   * schema is kept and such columns are ignored.
   */
  schemaMode?: "merge";
}

/** What a merge did (Spark's metric names). */
export interface MergeMetrics {
  numSourceRows: number;
  numTargetRowsInserted: number;
  numTargetRowsUpdated: number;
  numTargetRowsDeleted: number;
  numTargetRowsCopied: number;
  numTargetFilesAdded: number;
  numTargetFilesRemoved: number;
  numTargetDeletionVectorsAdded: number;
  numTargetChangeFilesAdded: number;
  executionTimeMs: number;
}

/** The outcome of a merge. */
export interface MergeResult {
  /** The version committed, or undefined when nothing changed (no commit). */
  version: number | undefined;
  metrics: MergeMetrics;
  commit?: CommitResult;
}

/**
 * Collects WHEN clauses (in order) and runs the merge on {@link MergeBuilder.execute}.
 *
 * @example
 * await table.merge(rows, { on: "target.id = source.id" }).whenMatchedUpdateAll().whenNotMatchedInsertAll().execute();
 */
export class MergeBuilder {
  private readonly clauses: MergeClause[] = [];
  constructor(private readonly run: (clauses: readonly MergeClause[]) => Promise<MergeResult>) {}

  /** WHEN MATCHED [AND where] THEN UPDATE SET ... */
  whenMatchedUpdate(clause: { set: Readonly<Record<string, SetValue>>; where?: string | Expression }): this {
    return this.add({ when: "matched", action: "update", set: clause.set, where: clause.where });
  }
  /** WHEN MATCHED [AND where] THEN UPDATE SET * (every target column the source has). */
  whenMatchedUpdateAll(clause: { where?: string | Expression } = {}): this {
    return this.add({ when: "matched", action: "update", all: true, where: clause.where });
  }
  /** WHEN MATCHED [AND where] THEN DELETE */
  whenMatchedDelete(clause: { where?: string | Expression } = {}): this {
    return this.add({ when: "matched", action: "delete", where: clause.where });
  }
  /** WHEN NOT MATCHED [AND where] THEN INSERT (columns not given are NULL). */
  whenNotMatchedInsert(clause: { values: Readonly<Record<string, SetValue>>; where?: string | Expression }): this {
    return this.add({ when: "notMatched", action: "insert", values: clause.values, where: clause.where });
  }
  /** WHEN NOT MATCHED [AND where] THEN INSERT * */
  whenNotMatchedInsertAll(clause: { where?: string | Expression } = {}): this {
    return this.add({ when: "notMatched", action: "insert", all: true, where: clause.where });
  }
  /** WHEN NOT MATCHED BY SOURCE [AND where] THEN UPDATE SET ... (conditions see the target only). */
  whenNotMatchedBySourceUpdate(clause: { set: Readonly<Record<string, SetValue>>; where?: string | Expression }): this {
    return this.add({ when: "notMatchedBySource", action: "update", set: clause.set, where: clause.where });
  }
  /** WHEN NOT MATCHED BY SOURCE [AND where] THEN DELETE */
  whenNotMatchedBySourceDelete(clause: { where?: string | Expression } = {}): this {
    return this.add({ when: "notMatchedBySource", action: "delete", where: clause.where });
  }
  /** Runs the merge: one `MERGE` commit (none when nothing changed). */
  execute(): Promise<MergeResult> {
    return this.run([...this.clauses]);
  }
  private add(clause: MergeClause): this {
    this.clauses.push(clause);
    return this;
  }
}

/** Bytes of the Arrow buffers of `data` and its children. */
function byteSize(data: Data): number {
  let n = (data.values?.byteLength ?? 0) + (data.nullBitmap?.byteLength ?? 0) + (data.valueOffsets?.byteLength ?? 0);
  for (const child of data.children) n += byteSize(child);
  return n;
}

/**
 * Plain source rows that name only table columns are typed by the table: the columns they name
 * (in any row), all nullable. A source is not bound by the table's NOT NULL, and columns it
 * leaves out (an identity column, say) stay out of it rather than becoming NULL columns.
 */
function sourceSchemaOf(rows: readonly object[], table: StructType): Schema {
  const named = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) named.add(key.toLowerCase());
  const fields = table.fields.filter((f) => named.has(f.name.toLowerCase())).map((f) => ({ ...f, nullable: true }));
  return toArrowSchema({ ...table, fields });
}

/** Reads the whole source into memory, refusing more than `maxBytes`. */
async function loadSource(
  source: WriteInput,
  snapshot: Snapshot,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<{ batches: RecordBatch[]; schema: StructType }> {
  const tableNames = new Set(snapshot.schema.fields.map((f) => f.name.toLowerCase()));
  const plain =
    Array.isArray(source) && source.length > 0 && Object.keys(source[0] as object).every((k) => tableNames.has(k.toLowerCase()));
  const opened = await openWriteInput(source, { schema: plain ? sourceSchemaOf(source as object[], snapshot.schema) : undefined, signal });
  const batches: RecordBatch[] = [];
  let bytes = 0;
  for await (const batch of opened.batches) {
    bytes += byteSize(batch.data);
    if (bytes > maxBytes) throw new MergeSourceTooLargeError(bytes, maxBytes);
    if (batch.numRows > 0) batches.push(batch);
  }
  return { batches, schema: fromArrowSchema(opened.schema) };
}

const actionParams = (clauses: ReturnType<typeof bindClause>[]) =>
  clauses.map((c) => (c.text ? { actionType: c.action, predicate: c.text } : { actionType: c.action }));

/** The clauses bound and the context they run in. */
function prepare(
  snapshot: Snapshot,
  loaded: { batches: RecordBatch[]; schema: StructType },
  options: MergeOptions,
  clauses: readonly MergeClause[],
) {
  const inputs: MergeInputs = {
    sourceAlias: options.sourceAlias ?? "source",
    targetAlias: options.targetAlias ?? "target",
    source: loaded.schema,
    target: snapshot.schema,
  };
  const onExpr = typeof options.on === "string" ? parseExpression(options.on) : options.on;
  const on = bind(onExpr, aliasResolver({ [inputs.sourceAlias]: inputs.source, [inputs.targetAlias]: inputs.target }));
  const bound = clauses.map((c) => ({ when: c.when, clause: bindClause(c, inputs) }));
  const pick = (when: MergeClause["when"]) => bound.filter((b) => b.when === when).map((b) => b.clause);
  const ctx: ClauseContext = {
    snapshot,
    constraints: compileConstraints(snapshot.schema, snapshot.metadata.configuration),
    sourceAlias: inputs.sourceAlias,
    targetAlias: inputs.targetAlias,
    matched: pick("matched"),
    notMatched: pick("notMatched"),
    bySource: pick("notMatchedBySource"),
    counts: { inserted: 0, updated: 0, deleted: 0 },
    identity: new IdentityAllocator(identityColumnsOf(snapshot.schema)),
  };
  const keys = joinKeys(onExpr, inputs);
  const index = new SourceIndex(loaded.batches, keys);
  const prune = ctx.bySource.length > 0 ? undefined : pruningPredicate(onExpr, keys, loaded.batches, inputs);
  const predicate: RowPredicate | undefined = prune && { expr: prune, bound: bind(prune, snapshot.schema) };
  return { onExpr, on, ctx, index, keys, predicate };
}

/**
 * True when some live row of the target file `add` has a join key some source row has (only such
 * a file can hold a matching row). I/O: the file's DV and its key columns, until the first hit.
 */
async function hasSourceKey(
  env: ScanEnvironment,
  snapshot: Snapshot,
  keyPlan: ScanPlan,
  add: AddFile,
  index: SourceIndex,
  signal?: AbortSignal,
): Promise<boolean> {
  for await (const { batch } of readFileRows(snapshot.tableUrl, env, keyPlan, add, { signal })) if (index.hasKeyIn(batch)) return true;
  return false;
}

function metricsOf(ctx: ClauseContext, index: SourceIndex, state: RewriteState): MergeMetrics {
  const files = countFiles(state);
  return {
    numSourceRows: index.numRows,
    numTargetRowsInserted: ctx.counts.inserted,
    numTargetRowsUpdated: ctx.counts.updated,
    numTargetRowsDeleted: ctx.counts.deleted,
    numTargetRowsCopied: state.numCopiedRows,
    numTargetFilesAdded: files.numAddedFiles,
    numTargetFilesRemoved: files.numRemovedFiles,
    numTargetDeletionVectorsAdded: state.numDeletionVectorsAdded,
    numTargetChangeFilesAdded: state.cdcs.length,
    executionTimeMs: 0,
  };
}

/**
 * Merges `source` into `snapshot`'s table with `clauses` and commits once with operation `MERGE`.
 * I/O: reads the source once, then (with more than 64 source keys) the key columns of candidate
 * target files, then every column of the candidate files that may match; writes new files,
 * deletion vectors, change data and one commit. On failure the objects written are deleted (best
 * effort). Throws {@link MergeCardinalityError}, {@link MergeSourceTooLargeError}, the binder's
 * typed errors, constraint errors, or a typed conflict when a concurrent commit removed a file
 * read or added one the merge could have matched.
 */
export async function mergeRows(
  env: ScanEnvironment,
  base: Snapshot,
  source: WriteInput,
  options: MergeOptions,
  clauses: readonly MergeClause[],
): Promise<MergeResult> {
  const { engine } = env;
  const started = engine.clock.now();
  assertWriteSupported(base.protocol, base.metadata, base.tableUrl);
  if (clauses.length === 0) throw new InvalidArgumentError("merge clauses", "none", "at least one whenMatched/whenNotMatched clause");
  if (base.tableProperties.appendOnly && clauses.some((c) => c.action !== "insert"))
    throw new WriteRefusedError(base.tableUrl, "the table is append-only (delta.appendOnly = true); rows cannot be updated or deleted");
  const loaded = await loadSource(source, base, options.maxSourceBytes ?? DEFAULT_MAX_SOURCE_BYTES, options.signal);
  const evolved = options.schemaMode === "merge" ? evolveForMerge(base, loaded.schema, clauses) : undefined;
  const snapshot = evolved?.view ?? base;
  const { onExpr, on, ctx, index, keys, predicate } = prepare(snapshot, loaded, options, clauses);
  const state = newRewriteState();
  try {
    const candidates = selectCandidateFiles(snapshot, predicate);
    const transform = mergeTransform(ctx, index, on);
    // Without not-matched-by-source clauses a file no source key matches stays as it is. Up to
    // MAX_IN_VALUES keys the pruning predicate lists them and statistics keep few such files;
    // beyond, it is only a key range: read the key columns of each candidate first.
    const probe = ctx.bySource.length === 0 && index.distinctKeys > MAX_IN_VALUES && !candidates.metadataOnly;
    const keyPlan = probe ? planScan(snapshot, { columns: keys.map((k) => k.target) }) : undefined;
    for (const position of [...candidates.whole, ...candidates.toRead].sort((a, b) => a - b)) {
      options.signal?.throwIfAborted();
      const add = snapshot.files.addFile(position);
      if (keyPlan && !(await hasSourceKey(env, snapshot, keyPlan, add, index, options.signal))) continue;
      await rewriteFile(env, snapshot, add, transform, state, options.signal);
    }
    const inserts = insertRows(ctx, index);
    state.pending.push(...inserts.rows);
    state.changes.push(...inserts.changes);
    await finishRewrite(env, snapshot, state, {
      inlineDeletionVectorMaxBytes: options.inlineDeletionVectorMaxBytes,
      signal: options.signal,
    });
    const metrics = metricsOf(ctx, index, state);
    return await commitStaged(state, {
      engine,
      base,
      read: snapshot,
      predicate,
      operation: "MERGE",
      operationParameters: {
        predicate: [formatExpression(onExpr)],
        matchedPredicates: actionParams(ctx.matched),
        notMatchedPredicates: actionParams(ctx.notMatched),
        notMatchedBySourcePredicates: actionParams(ctx.bySource),
      },
      metrics,
      started,
      options,
      // inserted rows' identity values move the columns' high-water marks (as a write's do)
      metadata: ctx.identity.updatedMetadata(evolved?.metadata ?? snapshot.metadata) ?? evolved?.metadata,
    });
  } catch (err) {
    await engine.store.deleteMany(state.writtenKeys).catch(() => undefined);
    throw err;
  }
}
