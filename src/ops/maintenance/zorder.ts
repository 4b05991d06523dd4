/**
 * Z-order keys: the row order that interleaves the bits of several columns, so rows close in every
 * one of those columns land in the same files and min/max statistics can skip files for a filter
 * on any of them. Pure and synchronous.
 *
 * 1. Each column's values become order-preserving unsigned 64-bit integers (held as two 32-bit
 *    words): signed integers, dates and timestamps with the sign bit flipped; floats by their IEEE
 *    bits (negative numbers inverted, positive ones with the sign bit set, so -0 sorts just below
 *    +0 and NaN above +Infinity); strings and binary by their first 8 bytes, big-endian, zero
 *    padded; decimals by their top 64 bits; booleans as 0/1. Nulls sort first.
 * 2. Those integers become dense ranks (nulls 0 and the smallest value 1 when there are nulls,
 *    else the smallest value 0), scaled to a common
 *    bit width, so every column spreads over the whole key whatever its value distribution (the
 *    role Spark's range-partition ids play).
 * 3. The ranks' bits are interleaved, most significant first, and rows are sorted by the result.
 */
import { type Data, type DataType, type RecordBatch, Type } from "apache-arrow";
import { isValidAt } from "../../arrow/data.js";
import { ZOrderColumnError } from "../../errors/optimize-errors.js";

/** Arrow types {@link zOrderPermutation} can normalise. */
const SUPPORTED = new Set<Type>([
  Type.Int,
  Type.Float,
  Type.Date,
  Type.Timestamp,
  Type.Decimal,
  Type.Utf8,
  Type.Binary,
  Type.Bool,
  Type.Null,
]);

/** True when a column of this Arrow type can be a z-order column. */
export function isZOrderable(type: DataType): boolean {
  return SUPPORTED.has(type.typeId);
}

/** Order-preserving 64-bit keys of one column: `hi`/`lo` words per row, and which rows are null. */
export interface NormalizedColumn {
  hi: Uint32Array;
  lo: Uint32Array;
  valid: Uint8Array;
}

/**
 * The row positions of `batch` in z-order of `columns` (top-level names). Ties keep their input
 * order. Throws {@link ZOrderColumnError} for a missing column or an unsupported type.
 */
export function zOrderPermutation(batch: RecordBatch, columns: readonly string[]): Uint32Array {
  const n = batch.numRows;
  const ranked = columns.map((name) => {
    const index = batch.schema.fields.findIndex((f) => f.name === name);
    if (index < 0) throw new ZOrderColumnError(name, "the rows have no such column");
    return denseRanks(normalizeColumn(batch.data.children[index]!, name));
  });
  const width = Math.max(1, ...ranked.map((r) => r.bits));
  const keys = interleave(ranked, width, n);
  const words = keys.length / Math.max(1, n);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // word-major copies of the keys; the sort is stable and starts from the identity order, so ties keep their input order
  const keyWords = Array.from({ length: words }, (_, k) => {
    const column = new Uint32Array(n);
    for (let i = 0; i < n; i++) column[i] = keys[i * words + k]!;
    return column;
  });
  return sortByKey(order, keyWords);
}

/** Bits per radix digit: 256 counters stay in cache whatever the row count. */
const DIGIT_BITS = 8;
const DIGIT_MASK = (1 << DIGIT_BITS) - 1;

/**
 * Sorts the row positions `order` by unsigned integer keys, where `key[k][i]` is word `k` (most
 * significant first) of the key of `order[i]`: a stable least-significant-digit radix sort, linear
 * in the rows, that moves the key words along with the positions so that every pass reads them in
 * sequence, and skips a digit that is the same for every row. Scrambles the arrays passed in;
 * returns the sorted positions.
 */
function sortByKey(order: Uint32Array, key: Uint32Array[]): Uint32Array {
  const n = order.length;
  if (n < 2) return order;
  let rows = order;
  let rowsTo: Uint32Array = new Uint32Array(n);
  const words = key.slice();
  const spare: Uint32Array[] = key.map(() => new Uint32Array(n));
  const destination = new Uint32Array(n);
  const counts = new Uint32Array(1 << DIGIT_BITS);
  for (let w = words.length - 1; w >= 0; w--) {
    for (let shift = 0; shift < 32; shift += DIGIT_BITS) {
      const digits = words[w]!;
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(digits[i]! >>> shift) & DIGIT_MASK]!++;
      if (counts[(digits[0]! >>> shift) & DIGIT_MASK] === n) continue;
      for (let d = 0, start = 0; d < counts.length; d++) {
        const count = counts[d]!;
        counts[d] = start;
        start += count;
      }
      for (let i = 0; i < n; i++) destination[i] = counts[(digits[i]! >>> shift) & DIGIT_MASK]!++;
      scatter(rows, rowsTo, destination);
      [rows, rowsTo] = [rowsTo, rows];
      // words below w are done with; w and the more significant ones move with the rows
      for (let k = 0; k <= w; k++) {
        scatter(words[k]!, spare[k]!, destination);
        [words[k], spare[k]] = [spare[k]!, words[k]!];
      }
    }
  }
  return rows;
}

function scatter(from: Uint32Array, to: Uint32Array, destination: Uint32Array): void {
  for (let i = 0; i < from.length; i++) to[destination[i]!] = from[i]!;
}

/** The order-preserving unsigned 64-bit form of each value of `data` (see the module header). */
export function normalizeColumn(data: Data, name: string): NormalizedColumn {
  const n = data.length;
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) valid[i] = isValidAt(data, i) ? 1 : 0;
  const type = data.type as DataType;
  switch (type.typeId) {
    case Type.Null:
      break;
    case Type.Bool:
      for (let i = 0; i < n; i++) {
        const bit = data.offset + i;
        hi[i] = ((data.values as Uint8Array)[bit >> 3]! >> (bit & 7)) & 1;
      }
      break;
    case Type.Utf8:
    case Type.Binary:
      prefixBytes(data, hi, lo);
      break;
    case Type.Float:
      floatBits(data, hi, lo);
      break;
    case Type.Int:
    case Type.Date:
    case Type.Timestamp:
    case Type.Decimal:
      signedBits(data, hi, lo, (type as unknown as { isSigned?: boolean }).isSigned !== false);
      break;
    default:
      throw new ZOrderColumnError(name, `its type ${String(type)} has no z-order normalisation`);
  }
  return { hi, lo, valid };
}

/** 32-bit little-endian words of a fixed-width value buffer, and the words per value. */
function wordsOf(data: Data): { words: Uint32Array; perValue: number; bytes: number } {
  const values = data.values as ArrayBufferView & { BYTES_PER_ELEMENT: number };
  const bytes = values.BYTES_PER_ELEMENT * data.stride;
  if (bytes < 4) return { words: new Uint32Array(0), perValue: 0, bytes };
  const copy = values.byteOffset % 4 === 0 ? values : new Uint8Array(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return { words: new Uint32Array(copy.buffer, copy.byteOffset, copy.byteLength >> 2), perValue: bytes / 4, bytes };
}

/** Integers (any width), dates, timestamps and decimals: the top 64 bits, sign bit flipped when signed. */
function signedBits(data: Data, hi: Uint32Array, lo: Uint32Array, signed: boolean): void {
  const n = data.length;
  const flip = signed ? 0x80000000 : 0;
  const { words, perValue, bytes } = wordsOf(data);
  if (bytes < 4) {
    const values = data.values as Int8Array | Int16Array | Uint8Array | Uint16Array;
    const shift = 32 - bytes * 8;
    for (let i = 0; i < n; i++) hi[i] = (((values[i]! << shift) >>> 0) ^ flip) >>> 0;
    return;
  }
  for (let i = 0; i < n; i++) {
    const base = i * perValue;
    if (perValue === 1) {
      hi[i] = (words[base]! ^ flip) >>> 0;
    } else {
      hi[i] = (words[base + perValue - 1]! ^ flip) >>> 0;
      lo[i] = words[base + perValue - 2]!;
    }
  }
}

/** IEEE floats: negative values bit-inverted, others with the sign bit set. */
function floatBits(data: Data, hi: Uint32Array, lo: Uint32Array): void {
  const { words, perValue } = wordsOf(data);
  for (let i = 0; i < data.length; i++) {
    const top = words[i * perValue + perValue - 1]!;
    const low = perValue === 2 ? words[i * perValue]! : 0;
    if (top & 0x80000000) {
      hi[i] = ~top >>> 0;
      lo[i] = perValue === 2 ? ~low >>> 0 : 0;
    } else {
      hi[i] = (top | 0x80000000) >>> 0;
      lo[i] = low;
    }
  }
}

/** Strings and binary: the first 8 bytes, big-endian, zero padded. */
function prefixBytes(data: Data, hi: Uint32Array, lo: Uint32Array): void {
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  for (let i = 0; i < data.length; i++) {
    const start = offsets[i]!;
    const len = offsets[i + 1]! - start;
    let h = 0;
    let l = 0;
    for (let k = 0; k < 4; k++) h = h * 256 + (k < len ? bytes[start + k]! : 0);
    for (let k = 4; k < 8; k++) l = l * 256 + (k < len ? bytes[start + k]! : 0);
    hi[i] = h;
    lo[i] = l;
  }
}

/** Dense ranks (nulls 0 and distinct values 1, 2, ... in order; without nulls from 0) and the bits they need. */
export function denseRanks(column: NormalizedColumn): { ranks: Uint32Array; bits: number } {
  const { hi, lo, valid } = column;
  const n = hi.length;
  let count = 0;
  for (let i = 0; i < n; i++) count += valid[i]!;
  const unsorted = new Uint32Array(count);
  const his = new Uint32Array(count);
  const los = new Uint32Array(count);
  for (let i = 0, j = 0; i < n; i++) {
    if (!valid[i]) continue;
    unsorted[j] = i;
    his[j] = hi[i]!;
    los[j++] = lo[i]!;
  }
  const order = sortByKey(unsorted, [his, los]);
  const ranks = new Uint32Array(n);
  // with nulls, they take rank 0 and values start at 1; without, values start at 0 (no bit wasted)
  let rank = count < n ? 0 : -1;
  for (let j = 0; j < count; j++) {
    const i = order[j]!;
    if (j === 0 || hi[i] !== hi[order[j - 1]!] || lo[i] !== lo[order[j - 1]!]) rank++;
    ranks[i] = rank;
  }
  return { ranks, bits: Math.max(1, Math.ceil(Math.log2(rank + 1))) };
}

/**
 * Interleaves the columns' ranks, each scaled to `width` bits, most significant bit first:
 * bit `width-1` of column 0, of column 1, ..., then bit `width-2` of each, and so on. Returns
 * `n` keys of `ceil(columns * width / 32)` words each, compared word by word.
 */
export function interleave(columns: ReadonlyArray<{ ranks: Uint32Array; bits: number }>, width: number, n: number): Uint32Array {
  const total = columns.length * width;
  const words = Math.max(1, Math.ceil(total / 32));
  const keys = new Uint32Array(n * words);
  const count = columns.length;
  for (let j = 0; j < count; j++) {
    const { ranks, bits } = columns[j]!;
    const shift = width - bits;
    for (let i = 0; i < n; i++) {
      // only the set bits of (rank << shift): bit b goes to key position (width-1-b)*count + j (0 = most significant)
      let value = (ranks[i]! << shift) >>> 0;
      while (value !== 0) {
        const b = 31 - Math.clz32(value);
        const position = (width - 1 - b) * count + j;
        keys[i * words + (position >> 5)]! |= 1 << (31 - (position & 31));
        value = (value ^ (1 << b)) >>> 0;
      }
    }
  }
  // `|=` with bit 31 makes the word negative in JS but the Uint32Array stores it unsigned
  return keys;
}
