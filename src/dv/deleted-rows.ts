/**
 * `DeletedRows`: the decoded form of a deletion vector, the set of 0-based row positions of one
 * data file that a scan must drop. Held as one sorted typed array (4 bytes a row while every index
 * is below 2^32, else 8), so applying it to consecutive batches is a binary search plus a walk.
 * Pure data, no I/O.
 */
import { InvalidRowIndexError } from "../errors/dv-errors.js";
import type { SortedRowIndexes } from "./roaring.js";

/**
 * A set of deleted row indexes. Immutable: {@link DeletedRows.union} returns a new set.
 *
 * @example
 * ```ts
 * const deleted = DeletedRows.from([2, 5]);
 * deleted.keepMask(0, 4); // Uint8Array [1, 1, 0, 1]
 * deleted.keepMask(4, 4); // Uint8Array [1, 0, 1, 1]
 * ```
 */
export class DeletedRows {
  /** The empty set. */
  static readonly EMPTY = new DeletedRows(new Uint32Array(0));

  private constructor(
    /** Strictly ascending row indexes. Do not modify. */
    readonly indexes: SortedRowIndexes,
  ) {}

  /**
   * Wraps strictly ascending indexes without copying (the array must not change afterwards).
   * Throws {@link InvalidRowIndexError} at the first value out of order or out of range.
   */
  static fromSorted(indexes: SortedRowIndexes): DeletedRows {
    let previous = -1;
    for (let i = 0; i < indexes.length; i++) {
      const v = indexes[i]!;
      if (!(v > previous) || !Number.isSafeInteger(v)) throw new InvalidRowIndexError(i, v);
      previous = v;
    }
    return new DeletedRows(indexes);
  }

  /**
   * Builds a set from row indexes in any order, duplicates allowed (the input is copied).
   * Throws {@link InvalidRowIndexError} for a negative, fractional or unsafe value.
   */
  static from(rowIndexes: ArrayLike<number> | Iterable<number>): DeletedRows {
    return new DeletedRows(normalizeRowIndexes(rowIndexes));
  }

  /** Number of deleted rows. */
  get cardinality(): number {
    return this.indexes.length;
  }

  /** The largest deleted index, or undefined for the empty set. */
  get maxRowIndex(): number | undefined {
    return this.indexes.length === 0 ? undefined : this.indexes[this.indexes.length - 1];
  }

  /** True when the row at `rowIndex` is deleted. */
  has(rowIndex: number): boolean {
    const i = lowerBound(this.indexes, rowIndex);
    return i < this.indexes.length && this.indexes[i] === rowIndex;
  }

  /** Number of deleted rows among `[rowOffset, rowOffset + rowCount)`. */
  countIn(rowOffset: number, rowCount: number): number {
    return lowerBound(this.indexes, rowOffset + rowCount) - lowerBound(this.indexes, rowOffset);
  }

  /**
   * A mask for the batch of rows `[rowOffset, rowOffset + rowCount)` of the file: element `i` is
   * 1 when row `rowOffset + i` is kept, 0 when deleted.
   */
  keepMask(rowOffset: number, rowCount: number): Uint8Array {
    const mask = new Uint8Array(rowCount).fill(1);
    const end = rowOffset + rowCount;
    const { indexes } = this;
    for (let i = lowerBound(indexes, rowOffset); i < indexes.length && indexes[i]! < end; i++) mask[indexes[i]! - rowOffset] = 0;
    return mask;
  }

  /** The rows deleted in either set (for a DELETE that extends an existing deletion vector). */
  union(other: DeletedRows): DeletedRows {
    if (other.cardinality === 0) return this;
    if (this.cardinality === 0) return other;
    return new DeletedRows(mergeSorted(this.indexes, other.indexes));
  }

  /** The deleted indexes in ascending order. */
  [Symbol.iterator](): IterableIterator<number> {
    return this.indexes[Symbol.iterator]();
  }
}

/**
 * Validates row indexes (integers in [0, 2^53 - 1]) and returns them sorted and distinct in a
 * fresh array: a `Uint32Array` when all are below 2^32, else a `Float64Array`. Throws
 * {@link InvalidRowIndexError} naming the first bad element.
 */
export function normalizeRowIndexes(rowIndexes: ArrayLike<number> | Iterable<number>): SortedRowIndexes {
  const values = isArrayLike(rowIndexes) ? rowIndexes : Array.from(rowIndexes);
  let ascending = true;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isSafeInteger(v) || v < 0) throw new InvalidRowIndexError(i, v);
    if (i > 0 && v <= values[i - 1]!) ascending = false;
    if (v > max) max = v;
  }
  const out = max < 2 ** 32 ? new Uint32Array(values.length) : new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  if (ascending) return out;
  out.sort();
  let n = 0;
  for (let i = 0; i < out.length; i++) if (n === 0 || out[i] !== out[n - 1]) out[n++] = out[i]!;
  return out.subarray(0, n);
}

function isArrayLike(value: ArrayLike<number> | Iterable<number>): value is ArrayLike<number> {
  return typeof (value as ArrayLike<number>).length === "number";
}

/** First position whose value is >= `target`. */
function lowerBound(sorted: SortedRowIndexes, target: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function mergeSorted(a: SortedRowIndexes, b: SortedRowIndexes): SortedRowIndexes {
  const wide = a instanceof Float64Array || b instanceof Float64Array;
  const out = wide ? new Float64Array(a.length + b.length) : new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? a[i]! : Infinity;
    const y = j < b.length ? b[j]! : Infinity;
    const v = x <= y ? x : y;
    if (x === v) i++;
    if (y === v) j++;
    out[n++] = v;
  }
  return out.subarray(0, n);
}
