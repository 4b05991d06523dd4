/**
 * Applying MERGE clauses to rows: for each row the first clause (in the order given) whose
 * condition is TRUE wins, as Spark evaluates WHEN clauses; an update produces the new row (and
 * pre/post images), a delete drops the row (a `delete` change), an insert produces a new row
 * (an `insert` change).
 */
import { Int64, makeData, type RecordBatch } from "apache-arrow";
import { batchOf, nullData } from "../../arrow/data.js";
import { filterBatch, takeBatch } from "../../arrow/filter.js";
import { MergeCardinalityError } from "../../errors/merge-errors.js";
import { evaluateTriState } from "../../expr/evaluate.js";
import type { Snapshot } from "../../log/snapshot.js";
import { toArrowSchema } from "../../schema/arrow-schema.js";
import type { CompiledConstraints } from "../write/constraints.js";
import type { IdentityAllocator } from "../write/identity-columns.js";
import type { BatchChange, FileTransform } from "./merge-rewrite.js";
import { aliased, type SourceIndex } from "./merge-join.js";
import type { BoundClause } from "./merge-plan.js";
import { applyAssignments } from "./update.js";

const TRUE = 2;

/** Row counts of a merge. */
export interface MergeCounts {
  inserted: number;
  updated: number;
  deleted: number;
}

/** Everything the clauses need. */
export interface ClauseContext {
  snapshot: Snapshot;
  constraints: CompiledConstraints;
  sourceAlias: string;
  targetAlias: string;
  matched: BoundClause[];
  notMatched: BoundClause[];
  bySource: BoundClause[];
  counts: MergeCounts;
  /** Allocates the identity values of inserted rows (their high-water marks go in the commit's metadata). */
  identity: IdentityAllocator;
}

/** The index of the clause each row of `batch` takes (-1: none). */
function chooseClauses(clauses: readonly BoundClause[], batch: RecordBatch): Int32Array {
  const out = new Int32Array(batch.numRows).fill(-1);
  clauses.forEach((clause, k) => {
    const states = clause.condition ? evaluateTriState(clause.condition, batch) : undefined;
    for (let i = 0; i < out.length; i++) if (out[i] === -1 && (!states || states[i] === TRUE)) out[i] = k;
  });
  return out;
}

/**
 * Applies `clauses` to target rows `rows` of `target` (evaluated on `combined`, row j of which
 * is target row rows[j]) and records drops, new rows and changes in `change`.
 */
function applyTargetClauses(
  ctx: ClauseContext,
  clauses: readonly BoundClause[],
  target: RecordBatch,
  rows: Uint32Array,
  combined: RecordBatch,
  change: BatchChange,
): void {
  const chosen = chooseClauses(clauses, combined);
  const taken = takeBatch(target, rows);
  clauses.forEach((clause, k) => {
    const select = Uint8Array.from(chosen, (c) => (c === k ? 1 : 0));
    const before = filterBatch(taken, select);
    if (before.numRows === 0) return;
    for (let j = 0; j < select.length; j++) if (select[j]) change.drop[rows[j]!] = 1;
    if (clause.action === "delete") {
      ctx.counts.deleted += before.numRows;
      change.changes.push({ type: "delete", batch: before });
      return;
    }
    const after = applyAssignments(before, clause.assignments, ctx.snapshot, ctx.constraints, filterBatch(combined, select));
    ctx.counts.updated += before.numRows;
    change.added.push(after);
    change.changes.push({ type: "update_preimage", batch: before }, { type: "update_postimage", batch: after });
  });
}

/** True when several matches of one target row are allowed (Spark: only one unconditional DELETE clause). */
function allowsMultipleMatches(matched: readonly BoundClause[]): boolean {
  return matched.length === 0 || (matched.length === 1 && matched[0]!.action === "delete" && !matched[0]!.condition);
}

/** The transform of a target file: probe the source, then matched and not-matched-by-source clauses. */
export function mergeTransform(ctx: ClauseContext, source: SourceIndex, on: Parameters<SourceIndex["probe"]>[1]): FileTransform {
  return (batch) => {
    const change: BatchChange = { drop: new Uint8Array(batch.numRows), added: [], changes: [] };
    const { count, sourceRow } = source.probe(batch, on, ctx.sourceAlias, ctx.targetAlias);
    if (!allowsMultipleMatches(ctx.matched)) {
      const i = count.findIndex((c) => c > 1);
      if (i >= 0) throw new MergeCardinalityError(ctx.snapshot.tableUrl, source.describeKey(batch, i), count[i]!);
    }
    if (ctx.matched.length > 0) {
      const byBatch = new Map<number, { t: number[]; s: number[] }>();
      for (let i = 0; i < batch.numRows; i++) {
        if (count[i] === 0) continue;
        const b = source.batchOf(sourceRow[i]!);
        const group = byBatch.get(b) ?? { t: [], s: [] };
        group.t.push(i);
        group.s.push(sourceRow[i]! - source.offsets[b]!);
        byBatch.set(b, group);
      }
      for (const [b, group] of byBatch) {
        const rows = Uint32Array.from(group.t);
        const combined = aliased([
          [ctx.sourceAlias, takeBatch(source.batches[b]!, Uint32Array.from(group.s))],
          [ctx.targetAlias, takeBatch(batch, rows)],
        ]);
        applyTargetClauses(ctx, ctx.matched, batch, rows, combined, change);
      }
    }
    if (ctx.bySource.length > 0) {
      const rows = Uint32Array.from(Array.from(count.keys()).filter((i) => count[i] === 0));
      if (rows.length > 0) applyTargetClauses(ctx, ctx.bySource, batch, rows, aliased([[ctx.targetAlias, takeBatch(batch, rows)]]), change);
    }
    return change;
  };
}

/** The rows to insert for the source rows no target row matched: new rows and `insert` changes. */
export function insertRows(ctx: ClauseContext, source: SourceIndex): { rows: RecordBatch[]; changes: BatchChange["changes"] } {
  const out: { rows: RecordBatch[]; changes: BatchChange["changes"] } = { rows: [], changes: [] };
  if (ctx.notMatched.length === 0) return out;
  const schema = toArrowSchema(ctx.snapshot.schema);
  source.batches.forEach((batch, b) => {
    const unmatched = new Uint8Array(batch.numRows);
    for (let i = 0; i < batch.numRows; i++) unmatched[i] = source.matched[source.offsets[b]! + i] ? 0 : 1;
    const candidates = filterBatch(batch, unmatched);
    if (candidates.numRows === 0) return;
    const combined = aliased([[ctx.sourceAlias, candidates]]);
    const chosen = chooseClauses(ctx.notMatched, combined);
    ctx.notMatched.forEach((clause, k) => {
      const select = Uint8Array.from(chosen, (c) => (c === k ? 1 : 0));
      const picked = filterBatch(combined, select);
      if (picked.numRows === 0) return;
      const assigned = new Set(clause.assignments.map((a) => a.index));
      const base = batchOf(
        schema,
        schema.fields.map((f, index) =>
          // an identity column the clause gives no value gets the next values of the column
          ctx.identity.has(f.name) && !assigned.has(index)
            ? makeData({ type: new Int64(), length: picked.numRows, nullCount: 0, data: ctx.identity.next(f.name, picked.numRows) })
            : nullData(f.type, picked.numRows),
        ),
        picked.numRows,
      );
      const rows = applyAssignments(base, clause.assignments, ctx.snapshot, ctx.constraints, picked);
      ctx.counts.inserted += rows.numRows;
      out.rows.push(rows);
      out.changes.push({ type: "insert", batch: rows });
    });
  });
  return out;
}
