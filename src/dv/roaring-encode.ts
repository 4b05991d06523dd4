/**
 * Encoding of row indexes as a deletion vector bitmap: Delta's magic number (1681511377,
 * little-endian) followed by the portable 64-bit roaring layout, byte-compatible with what Spark
 * and delta-rs write and read.
 *
 * Each 2^16-value container takes the smallest kind the format allows: an array (2 bytes per
 * value, only up to 4096 values), a bitset (8 KiB, above 4096 values), or runs (4 bytes per run of
 * consecutive values, plus 2) when strictly smaller. Pure functions, no I/O.
 */
import { ARRAY_MAX_CARDINALITY, COOKIE_NO_RUNS, COOKIE_WITH_RUNS, NO_OFFSET_THRESHOLD, PORTABLE_MAGIC } from "./roaring.js";

type Kind = "array" | "bitmap" | "run";

interface PlannedContainer {
  /** High 16 bits of the low 32 bits of its values. */
  key: number;
  /** Range [from, to) of the input holding its values. */
  from: number;
  to: number;
  kind: Kind;
  runs: number;
  size: number;
}

interface PlannedBucket {
  /** High 32 bits of its values. */
  key: number;
  containers: PlannedContainer[];
  hasRuns: boolean;
  /** Bytes from the cookie to the first container's data. */
  headerSize: number;
  /** Bytes of the whole 32-bit bitmap. */
  size: number;
}

const TWO_32 = 2 ** 32;

/**
 * Serialises strictly ascending, distinct row indexes (integers in [0, 2^53)) as DV bitmap bytes,
 * magic number included. The caller guarantees the order and range (see `normalizeRowIndexes`);
 * an empty input gives the 12-byte empty bitmap.
 */
export function encodeDeletionVectorBitmap(sorted: ArrayLike<number>): Uint8Array {
  const buckets = planBuckets(sorted);
  let total = 12;
  for (const b of buckets) total += 4 + b.size;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, PORTABLE_MAGIC, true);
  view.setUint32(4, buckets.length, true); // u64: the high word stays 0
  let pos = 12;
  for (const bucket of buckets) {
    view.setUint32(pos, bucket.key, true);
    writeBitmap32(bytes, view, pos + 4, bucket, sorted);
    pos += 4 + bucket.size;
  }
  return bytes;
}

function planBuckets(sorted: ArrayLike<number>): PlannedBucket[] {
  const buckets: PlannedBucket[] = [];
  let current: PlannedBucket | undefined;
  let i = 0;
  while (i < sorted.length) {
    const first = sorted[i]!;
    const bucketKey = Math.floor(first / TWO_32);
    const key = (first % TWO_32) >>> 16;
    const containerBase = bucketKey * TWO_32 + key * 65536;
    let runs = 1;
    let j = i + 1;
    for (; j < sorted.length; j++) {
      const v = sorted[j]!;
      if (v >= containerBase + 65536) break;
      if (v !== sorted[j - 1]! + 1) runs++;
    }
    if (current?.key !== bucketKey) buckets.push((current = { key: bucketKey, containers: [], hasRuns: false, headerSize: 0, size: 0 }));
    current.containers.push(planContainer(key, i, j, runs));
    i = j;
  }
  for (const bucket of buckets) sizeBucket(bucket);
  return buckets;
}

function planContainer(key: number, from: number, to: number, runs: number): PlannedContainer {
  const cardinality = to - from;
  const plainKind: Kind = cardinality > ARRAY_MAX_CARDINALITY ? "bitmap" : "array";
  const plainSize = plainKind === "bitmap" ? 8192 : 2 * cardinality;
  const runSize = 2 + 4 * runs;
  return runSize < plainSize
    ? { key, from, to, kind: "run", runs, size: runSize }
    : { key, from, to, kind: plainKind, runs, size: plainSize };
}

function sizeBucket(bucket: PlannedBucket): void {
  const n = bucket.containers.length;
  bucket.hasRuns = bucket.containers.some((c) => c.kind === "run");
  bucket.headerSize = bucket.hasRuns ? 4 + Math.ceil(n / 8) + 4 * n + (n >= NO_OFFSET_THRESHOLD ? 4 * n : 0) : 8 + 8 * n;
  bucket.size = bucket.headerSize + bucket.containers.reduce((sum, c) => sum + c.size, 0);
}

function writeBitmap32(bytes: Uint8Array, view: DataView, start: number, bucket: PlannedBucket, sorted: ArrayLike<number>): void {
  const n = bucket.containers.length;
  let pos = start;
  if (bucket.hasRuns) {
    view.setUint32(pos, (COOKIE_WITH_RUNS | ((n - 1) << 16)) >>> 0, true);
    pos += 4;
    bucket.containers.forEach((c, i) => {
      if (c.kind === "run") bytes[pos + (i >> 3)] = bytes[pos + (i >> 3)]! | (1 << (i & 7));
    });
    pos += Math.ceil(n / 8);
  } else {
    view.setUint32(pos, COOKIE_NO_RUNS, true);
    view.setUint32(pos + 4, n, true);
    pos += 8;
  }
  for (const c of bucket.containers) {
    view.setUint16(pos, c.key, true);
    view.setUint16(pos + 2, c.to - c.from - 1, true);
    pos += 4;
  }
  if (!bucket.hasRuns || n >= NO_OFFSET_THRESHOLD) {
    let offset = bucket.headerSize;
    for (const c of bucket.containers) {
      view.setUint32(pos, offset, true);
      pos += 4;
      offset += c.size;
    }
  }
  for (const c of bucket.containers) {
    writeContainer(bytes, view, pos, c, sorted, bucket.key * TWO_32 + c.key * 65536);
    pos += c.size;
  }
}

function writeContainer(
  bytes: Uint8Array,
  view: DataView,
  pos: number,
  c: PlannedContainer,
  sorted: ArrayLike<number>,
  base: number,
): void {
  if (c.kind === "array") {
    for (let k = c.from; k < c.to; k++) view.setUint16(pos + 2 * (k - c.from), sorted[k]! - base, true);
  } else if (c.kind === "bitmap") {
    for (let k = c.from; k < c.to; k++) {
      const low = sorted[k]! - base;
      bytes[pos + (low >> 3)] = bytes[pos + (low >> 3)]! | (1 << (low & 7));
    }
  } else {
    view.setUint16(pos, c.runs, true);
    let at = pos + 2;
    let runStart = c.from;
    for (let k = c.from + 1; k <= c.to; k++) {
      if (k < c.to && sorted[k] === sorted[k - 1]! + 1) continue;
      view.setUint16(at, sorted[runStart]! - base, true);
      view.setUint16(at + 2, k - 1 - runStart, true);
      at += 4;
      runStart = k;
    }
  }
}
