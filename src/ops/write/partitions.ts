/**
 * Splitting write batches by partition: each row's partition tuple is coded column by column
 * (dense tables for small integer ranges, hash maps otherwise, a fast path for runs), the tuples
 * are numbered, and each partition's rows become one index list for `takeBatch`. A batch whose
 * rows all share one partition is passed through without copying.
 *
 * Partition values are written with the protocol's serialisation (`serializePartitionValue`),
 * except `float`/`double`, which are written as Java prints them (`1.0`, `1.0E10`, `NaN`), as
 * Spark does; both read back to the same value. Pure and synchronous.
 */
import { type Data, type RecordBatch, Type } from "apache-arrow";
import { hasNulls, isBitSet } from "../../arrow/data.js";
import { InvalidPartitionValueError } from "../../errors/expression-errors.js";
import type { ColumnMappingMode } from "../../schema/column-mapping.js";
import type { StructType } from "../../schema/types.js";
import { readScalar } from "../../expr/read.js";
import { type PartitionColumn, partitionColumnsOf, serializePartitionValue } from "../../expr/partition-values.js";
import { partitionDirectory } from "./paths.js";
import { javaDoubleText, javaFloatText } from "./stats-json.js";

/** The rows of one batch that belong to one partition. */
export interface PartitionGroup {
  /** Identity of the partition, the same in every batch. */
  key: string;
  /** `add.partitionValues`: physical column name → serialised value (null for null). */
  values: Record<string, string | null>;
  /** Hive-style directory, `a=1/b=x` (empty for an unpartitioned table). */
  directory: string;
  /** The batch rows of this partition, ascending; undefined when it is every row. */
  rows: Uint32Array | undefined;
}

/** Splits batches of a table's Arrow form (logical names, partition columns included) by partition. */
export class PartitionSplitter {
  /** Positions of the non-partition columns in the batches. */
  readonly dataIndices: number[];
  private readonly columns: PartitionColumn[];
  private readonly positions: number[];
  private readonly known = new Map<string, { values: Record<string, string | null>; directory: string }>();

  constructor(schema: StructType, partitionColumns: readonly string[], mode: ColumnMappingMode) {
    this.columns = partitionColumnsOf(schema, partitionColumns, mode);
    const names = schema.fields.map((f) => f.name);
    this.positions = this.columns.map((c) => names.indexOf(c.name));
    const taken = new Set(this.positions);
    this.dataIndices = names.map((_, i) => i).filter((i) => !taken.has(i));
  }

  /** True when the table has partition columns. */
  get isPartitioned(): boolean {
    return this.columns.length > 0;
  }

  /**
   * The partitions of `batch` in order of first appearance. With more than one, `rows` lists the
   * batch's rows partition after partition (ascending within each) and partition `g` owns
   * `rows[bounds[g]] … rows[bounds[g+1]-1]`.
   */
  split(batch: RecordBatch): { groups: PartitionGroup[]; rows?: Uint32Array; bounds?: Uint32Array } {
    const n = batch.numRows;
    if (!this.isPartitioned) return { groups: [{ key: "", values: {}, directory: "", rows: undefined }] };
    const coded = this.positions.map((p) => codeColumn(batch.data.children[p]!, n));
    const { codes, firstRows } = combine(coded, n);
    const groups = mergeSameKeys(
      firstRows.map((row) => this.describe(batch, row)),
      codes,
    );
    if (groups.length === 1) return { groups };
    const bounds = new Uint32Array(groups.length + 1);
    for (let i = 0; i < n; i++) bounds[codes[i]! + 1]!++;
    for (let g = 0; g < groups.length; g++) bounds[g + 1]! += bounds[g]!;
    // counting sort: rows grouped by partition, ascending within each
    const fill = bounds.slice(0, groups.length);
    const rows = new Uint32Array(n);
    for (let i = 0; i < n; i++) rows[fill[codes[i]!]!++] = i;
    groups.forEach((g, k) => (g.rows = rows.subarray(bounds[k]!, bounds[k + 1]!)));
    return { groups, rows, bounds };
  }

  private describe(batch: RecordBatch, row: number): PartitionGroup {
    const texts = this.columns.map((c, k) => partitionText(batch.data.children[this.positions[k]!]!, row, c));
    const key = JSON.stringify(texts);
    let info = this.known.get(key);
    if (!info) {
      const values: Record<string, string | null> = {};
      this.columns.forEach((c, k) => (values[c.physicalName] = texts[k]!));
      const directory = this.columns.map((c, k) => partitionDirectory(c.name, texts[k]!)).join("/");
      info = { values, directory };
      this.known.set(key, info);
    }
    return { key, values: info.values, directory: info.directory, rows: undefined };
  }
}

/**
 * Distinct tuples can serialise alike (a null and an empty string are both the null partition):
 * keeps the first group of each key and renumbers `codes` in place.
 */
function mergeSameKeys(groups: PartitionGroup[], codes: Int32Array): PartitionGroup[] {
  const index = new Map<string, number>();
  const remap = groups.map((g) => {
    let k = index.get(g.key);
    if (k === undefined) index.set(g.key, (k = index.size));
    return k;
  });
  if (index.size === groups.length) return groups;
  for (let i = 0; i < codes.length; i++) codes[i] = remap[codes[i]!]!;
  return groups.filter((_, k) => remap.indexOf(remap[k]!) === k);
}

/** The serialised partition value of row `row` (null for null or the empty string). */
function partitionText(data: Data, row: number, column: PartitionColumn): string | null {
  const value = readScalar(data, row);
  if (value === null) return null;
  if (column.type === "float") return javaFloatText(value as number);
  if (column.type === "double") return javaDoubleText(value as number);
  try {
    return serializePartitionValue(value, column.type);
  } catch (err) {
    throw new InvalidPartitionValueError(column.name, column.type, String(value), (err as Error).message);
  }
}

interface Coded {
  /** Per row, the number of its distinct value (in order of first appearance). */
  codes: Int32Array;
  /** Per code, the first row holding it. */
  firstRows: number[];
}

/** Numbers the distinct values of one partition column. */
function codeColumn(data: Data, n: number): Coded {
  const codes = new Int32Array(n);
  const firstRows: number[] = [];
  const map = new Map<unknown, number>();
  const codeOf = (key: unknown, i: number): number => {
    let c = map.get(key);
    if (c === undefined) {
      c = firstRows.length;
      firstRows.push(i);
      map.set(key, c);
    }
    return c;
  };
  const valid = validityOf(data);
  const keyAt = keyReader(data);
  const dense = denseCoder(data, n, valid);
  let prevKey: unknown = Symbol("none");
  let prevCode = -1;
  for (let i = 0; i < n; i++) {
    if (valid && !valid(i)) {
      codes[i] = codeOf(null, i);
      continue;
    }
    if (dense) {
      const slot = dense.values[i]! - dense.min;
      let c = dense.table[slot]!;
      if (c < 0) dense.table[slot] = c = codeOf(slot, i);
      codes[i] = c;
      continue;
    }
    const key = keyAt(i);
    codes[i] = key === prevKey ? prevCode : (prevCode = codeOf((prevKey = key), i));
  }
  return { codes, firstRows };
}

function validityOf(data: Data): ((i: number) => boolean) | undefined {
  if (!hasNulls(data)) return undefined;
  const bitmap = data.nullBitmap;
  const offset = data.offset;
  return (i) => isBitSet(bitmap, offset + i);
}

/** For 8–32-bit integers and dates spanning at most 65 536 values: a direct lookup table. */
function denseCoder(
  data: Data,
  n: number,
  valid: ((i: number) => boolean) | undefined,
): { table: Int32Array; values: ArrayLike<number>; min: number } | undefined {
  if (
    !(data.typeId === Type.Int || data.typeId === Type.Date) ||
    !(data.values instanceof Int32Array || data.values instanceof Int16Array || data.values instanceof Int8Array)
  ) {
    return undefined;
  }
  const values = data.values;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    if (valid && !valid(i)) continue;
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (max - min > 65_535) return undefined;
  return { table: new Int32Array(max - min + 1).fill(-1), values, min };
}

/** A hashable key per row for any primitive column (bytes as latin-1 text, 64-bit values as numbers or text). */
function keyReader(data: Data): (i: number) => unknown {
  const values = data.values as ArrayLike<number> & ArrayBufferView;
  switch (data.typeId) {
    case Type.Utf8:
    case Type.Binary: {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      return (i) => Buffer.from(bytes.buffer, bytes.byteOffset + offsets[i]!, offsets[i + 1]! - offsets[i]!).toString("latin1");
    }
    case Type.Bool: {
      const offset = data.offset;
      return (i) => ((data.values as Uint8Array)[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1;
    }
    case Type.Decimal:
    case Type.Int:
    case Type.Timestamp:
    case Type.Date:
      if (data.stride === 1 && !(values instanceof BigInt64Array)) return (i) => values[i];
      return wordKey(values, data.typeId === Type.Decimal ? data.stride : 2);
    default:
      return (i) => values[i]; // floats: Map keys compare by SameValueZero (NaN groups with NaN)
  }
}

/** Keys of fixed-width values of `words` 32-bit words each: a number when it is exact, else text. */
function wordKey(view: ArrayBufferView, words: number): (i: number) => unknown {
  const w = new Int32Array(view.buffer, view.byteOffset, view.byteLength >> 2);
  if (words === 2) {
    return (i) => {
      const hi = w[2 * i + 1]!;
      const lo = w[2 * i]! >>> 0;
      return hi >= -0x200000 && hi < 0x200000 ? hi * 4294967296 + lo : `${hi}:${lo}`;
    };
  }
  return (i) => Array.from(w.subarray(i * words, (i + 1) * words)).join(":");
}

/** Numbers the distinct tuples of several coded columns. */
function combine(coded: Coded[], n: number): Coded {
  if (coded.length === 1) return coded[0]!;
  const codes = new Int32Array(n);
  const firstRows: number[] = [];
  const map = new Map<number | string, number>();
  const radix = coded.map((c) => c.firstRows.length);
  const product = radix.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    let key: number | string;
    if (product < 2 ** 52) {
      key = 0;
      for (let k = coded.length - 1; k >= 0; k--) key = key * radix[k]! + coded[k]!.codes[i]!;
    } else key = coded.map((c) => c.codes[i]).join(",");
    let g = map.get(key);
    if (g === undefined) {
      g = firstRows.length;
      firstRows.push(i);
      map.set(key, g);
    }
    codes[i] = g;
  }
  return { codes, firstRows };
}
