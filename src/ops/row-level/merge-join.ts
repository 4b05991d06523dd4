/**
 * The join of a MERGE: the source held in memory and indexed by its equality keys (a hash map
 * from key to source rows), probed with each batch of a target file; the `on` condition is then
 * evaluated on the candidate pairs (the residual conjuncts, and SQL's NULL semantics). Also the
 * batches clause conditions and values are evaluated on: one struct column per alias.
 */
import { Field, type Data, type RecordBatch, Schema } from "apache-arrow";
import { batchOf } from "../../arrow/data.js";
import { takeBatch } from "../../arrow/filter.js";
import type { BoundExpression } from "../../expr/bind.js";
import { evaluateTriState } from "../../expr/evaluate.js";
import { readScalar } from "../../expr/read.js";
import type { JoinKey } from "./merge-plan.js";

const TRUE = 2;

/** A batch with one struct column per alias (`source`, `target`) holding that side's rows. */
export function aliased(parts: ReadonlyArray<readonly [string, RecordBatch]>): RecordBatch {
  const n = parts[0]![1].numRows;
  const fields = parts.map(([alias, b]) => new Field(alias, b.data.type, true));
  return batchOf(
    new Schema(fields),
    parts.map(([, b]) => b.data as Data),
    n,
  );
}

/** A join key's text: values of the key columns, equal for SQL-equal values of number types. */
function keyText(columns: readonly Data[], i: number): string | undefined {
  let out = "";
  for (const d of columns) {
    const v = readScalar(d, i);
    if (v === null) return undefined;
    if (typeof v === "number" || typeof v === "bigint") out += `n${String(v)}\u0001`;
    else if (typeof v === "string") out += `s${v}\u0001`;
    else
      out += `o${JSON.stringify(v, (_, x: unknown) => (typeof x === "bigint" ? x.toString() : x instanceof Uint8Array ? Array.from(x) : x))}\u0001`;
  }
  return out;
}

/** Matched pairs of a target batch: for each target row, how many source rows and the (last) one. */
export interface TargetMatches {
  count: Uint32Array;
  /** Global source row matched (valid where count > 0). */
  sourceRow: Int32Array;
}

/** The source of a merge, in memory, indexed by its join keys. */
export class SourceIndex {
  /** Global row number of each batch's first row. */
  readonly offsets: number[] = [];
  readonly numRows: number;
  /** 1 for each source row some target row matched. */
  readonly matched: Uint8Array;
  private readonly index = new Map<string, number[]>();

  constructor(
    readonly batches: readonly RecordBatch[],
    private readonly keys: readonly JoinKey[],
  ) {
    let total = 0;
    for (const batch of batches) {
      this.offsets.push(total);
      const columns = keys.map((k) => batch.getChild(k.source)!.data[0]!);
      for (let i = 0; i < batch.numRows; i++) {
        const key = keys.length === 0 ? "" : keyText(columns, i);
        if (key === undefined) continue;
        const list = this.index.get(key);
        if (list) list.push(total + i);
        else this.index.set(key, [total + i]);
      }
      total += batch.numRows;
    }
    this.numRows = total;
    this.matched = new Uint8Array(total);
  }

  /** Distinct join keys of the source (NULL keys left out). */
  get distinctKeys(): number {
    return this.index.size;
  }

  /** Which batch holds global row `g`. */
  batchOf(g: number): number {
    let lo = 0;
    let hi = this.offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsets[mid]! <= g) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * True when some row of the target `batch` (its key columns at least) has a key some source row
   * has: the rows of a batch without one can match no source row. Always true without keys.
   */
  hasKeyIn(batch: RecordBatch): boolean {
    if (this.keys.length === 0) return true;
    const columns = this.keys.map((k) => batch.getChild(k.target)!.data[0]!);
    for (let i = 0; i < batch.numRows; i++) {
      const key = keyText(columns, i);
      if (key !== undefined && this.index.has(key)) return true;
    }
    return false;
  }

  /** The key of target row `i` of `batch`, as text for messages. */
  describeKey(batch: RecordBatch, i: number): string {
    return this.keys.map((k) => `${k.target}=${String(readScalar(batch.getChild(k.target)!.data[0]!, i))}`).join(", ");
  }

  /**
   * Pairs each row of the target `batch` with the source rows where `on` is TRUE and marks those
   * source rows matched. Pure apart from `matched`.
   */
  probe(batch: RecordBatch, on: BoundExpression, sourceAlias: string, targetAlias: string): TargetMatches {
    const n = batch.numRows;
    const count = new Uint32Array(n);
    const sourceRow = new Int32Array(n).fill(-1);
    const byBatch = new Map<number, { t: number[]; s: number[] }>();
    const columns = this.keys.map((k) => batch.getChild(k.target)!.data[0]!);
    for (let i = 0; i < n; i++) {
      const key = this.keys.length === 0 ? "" : keyText(columns, i);
      if (key === undefined) continue;
      for (const g of this.index.get(key) ?? []) {
        const b = this.batchOf(g);
        const group = byBatch.get(b) ?? { t: [], s: [] };
        group.t.push(i);
        group.s.push(g - this.offsets[b]!);
        byBatch.set(b, group);
      }
    }
    for (const [b, group] of byBatch) {
      const combined = aliased([
        [sourceAlias, takeBatch(this.batches[b]!, Uint32Array.from(group.s))],
        [targetAlias, takeBatch(batch, Uint32Array.from(group.t))],
      ]);
      const states = evaluateTriState(on, combined);
      for (let j = 0; j < states.length; j++) {
        if (states[j] !== TRUE) continue;
        const t = group.t[j]!;
        const g = this.offsets[b]! + group.s[j]!;
        count[t]!++;
        sourceRow[t] = g;
        this.matched[g] = 1;
      }
    }
    return { count, sourceRow };
  }
}
