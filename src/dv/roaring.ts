/**
 * Decoding of the deletion vector bitmap: Delta's magic number followed by a 64-bit roaring
 * bitmap (a "RoaringTreemap": 32-bit roaring bitmaps keyed by the high 32 bits of each row index),
 * as the Delta protocol's "Deletion Vector Format" appendix and the RoaringFormatSpec describe.
 *
 * Two layouts are read:
 * - portable (magic 1681511377, what Spark, delta-rs and lakelog write): all little-endian;
 *   u64 bucket count, then per bucket a u32 key and a 32-bit portable roaring bitmap;
 * - native (magic 1681511376 stored big-endian, used by the protocol's inline example): u32 bucket
 *   count, then per bucket a u32 byte size and a 32-bit bitmap; the key is the bucket's position.
 *
 * Every container kind (array, bitmap, run) and both 32-bit cookies (12346 without run containers,
 * 12347 with) are handled. Decoding is two-phase: the headers are parsed and their cardinalities
 * summed first, so a corrupt header cannot make the decoder allocate more than the caller expects.
 * Pure functions, no I/O.
 */
import { CorruptDeletionVectorError } from "../errors/dv-errors.js";

/** Magic number of the portable layout (little-endian u32 at the start of the bitmap bytes). */
export const PORTABLE_MAGIC = 1681511377;
/** Magic number of Delta's older native layout (big-endian u32). */
export const NATIVE_MAGIC = 1681511376;

/** 32-bit cookie of a bitmap without run containers (followed by a u32 container count). */
export const COOKIE_NO_RUNS = 12346;
/** Low 16 bits of the cookie of a bitmap with run containers (high 16 bits: containers - 1). */
export const COOKIE_WITH_RUNS = 12347;
/** With runs, the offset header is present only from this many containers on. */
export const NO_OFFSET_THRESHOLD = 4;
/** Containers holding more values than this are bitmaps (when not runs). */
export const ARRAY_MAX_CARDINALITY = 4096;

/** Sorted, distinct row indexes: `Uint32Array` when all are below 2^32, else `Float64Array`. */
export type SortedRowIndexes = Uint32Array | Float64Array;

/** Where the bytes came from, for error messages. */
export interface DvSource {
  /** Store-relative path of the DV file, or `inline`. */
  location: string;
  /** The descriptor's offset into the file; undefined for inline DVs. */
  offset: number | undefined;
}

/** Container kinds: 16-bit values, an 8 KiB bitset, or (start, length - 1) runs. */
const ARRAY = 0;
const BITMAP = 1;
const RUN = 2;
type Kind = typeof ARRAY | typeof BITMAP | typeof RUN;

interface Container {
  /** Row index of the container's first possible value (bucket key * 2^32 + key * 2^16). */
  base: number;
  kind: Kind;
  cardinality: number;
  /** Byte position of the container's data. */
  start: number;
}

/** A bucket key at or above this would make row indexes exceed 2^53 - 1. */
const MAX_BUCKET_KEY = 2 ** 21;

class Reader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly source: DvSource,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(pos: number, length: number, what: string): void {
    if (pos + length > this.bytes.length) throw this.corrupt(`${what} at byte ${pos} runs past the end (${this.bytes.length} bytes)`);
  }
  corrupt(reason: string): CorruptDeletionVectorError {
    return new CorruptDeletionVectorError(this.source.location, this.source.offset, reason);
  }
}

/**
 * Decodes DV bitmap bytes (magic included) into sorted row indexes, checking that the bitmap is
 * well formed, that it uses every byte, and that it holds exactly `expectedCardinality` values.
 * Throws {@link CorruptDeletionVectorError} otherwise.
 */
export function decodeDeletionVectorBitmap(bytes: Uint8Array, expectedCardinality: number, source: DvSource): SortedRowIndexes {
  const reader = new Reader(bytes, source);
  const containers = parseContainers(reader);
  const cardinality = sumCardinality(containers);
  if (cardinality !== expectedCardinality) {
    throw reader.corrupt(`the bitmap holds ${cardinality} row indexes but the descriptor's cardinality is ${expectedCardinality}`);
  }
  const last = containers[containers.length - 1];
  const out = last === undefined || last.base < 2 ** 32 ? new Uint32Array(cardinality) : new Float64Array(cardinality);
  let written = 0;
  for (const c of containers) written = materialize(reader, c, out, written);
  return out;
}

/**
 * The number of row indexes in DV bitmap bytes, read from the container headers alone (the
 * containers' contents are not checked). Throws {@link CorruptDeletionVectorError} when the
 * headers are malformed.
 */
export function deletionVectorBitmapCardinality(bytes: Uint8Array, source: DvSource): number {
  return sumCardinality(parseContainers(new Reader(bytes, source)));
}

function sumCardinality(containers: Container[]): number {
  let cardinality = 0;
  for (const c of containers) cardinality += c.cardinality;
  return cardinality;
}

function parseContainers(reader: Reader): Container[] {
  reader.need(0, 4, "magic number");
  const containers: Container[] = [];
  let end: number;
  if (reader.view.getUint32(0, true) === PORTABLE_MAGIC) {
    end = parsePortableBuckets(reader, containers);
  } else if (reader.view.getUint32(0, false) === NATIVE_MAGIC) {
    end = parseNativeBuckets(reader, containers);
  } else {
    throw reader.corrupt(`magic number ${reader.view.getUint32(0, true)}, expected ${PORTABLE_MAGIC}`);
  }
  const length = reader.bytes.length;
  if (end !== length) throw reader.corrupt(`the bitmap ends at byte ${end} but ${length} bytes were given`);
  return containers;
}

function parsePortableBuckets(reader: Reader, out: Container[]): number {
  const { view } = reader;
  reader.need(4, 8, "bucket count");
  const count = view.getUint32(4, true);
  if (view.getUint32(8, true) !== 0 || count > reader.bytes.length)
    throw reader.corrupt(`implausible bucket count ${view.getBigUint64(4, true)}`);
  let pos = 12;
  let previousKey = -1;
  for (let b = 0; b < count; b++) {
    reader.need(pos, 4, `key of bucket ${b}`);
    const key = view.getUint32(pos, true);
    pos = parseBitmap32(reader, pos + 4, checkBucketKey(reader, key, previousKey), out);
    previousKey = key;
  }
  return pos;
}

function parseNativeBuckets(reader: Reader, out: Container[]): number {
  const { view } = reader;
  reader.need(4, 4, "bucket count");
  const count = view.getUint32(4, false);
  if (count > reader.bytes.length) throw reader.corrupt(`implausible bucket count ${count}`);
  let pos = 8;
  for (let key = 0; key < count; key++) {
    reader.need(pos, 4, `size of bucket ${key}`);
    const size = view.getUint32(pos, false);
    reader.need(pos + 4, size, `bucket ${key}`);
    const end = parseBitmap32(reader, pos + 4, checkBucketKey(reader, key, key - 1), out);
    if (end !== pos + 4 + size) throw reader.corrupt(`bucket ${key} declares ${size} bytes but its bitmap spans ${end - pos - 4}`);
    pos = end;
  }
  return pos;
}

/** Returns the bucket's base row index after checking the key's order and range. */
function checkBucketKey(reader: Reader, key: number, previousKey: number): number {
  if (key <= previousKey) throw reader.corrupt(`bucket keys are not ascending (${key} after ${previousKey})`);
  if (key >= MAX_BUCKET_KEY) throw reader.corrupt(`bucket key ${key} puts row indexes beyond 2^53, which no Parquet file reaches`);
  return key * 2 ** 32;
}

/** Parses one 32-bit portable bitmap at `pos`; appends its containers; returns the end position. */
function parseBitmap32(reader: Reader, pos: number, bucketBase: number, out: Container[]): number {
  const { view } = reader;
  reader.need(pos, 4, "roaring cookie");
  const cookie = view.getUint32(pos, true);
  let count: number;
  let runFlags = -1;
  if (cookie === COOKIE_NO_RUNS) {
    reader.need(pos + 4, 4, "container count");
    count = view.getUint32(pos + 4, true);
    if (count > 65536) throw reader.corrupt(`container count ${count} exceeds 65536`);
    pos += 8;
  } else if ((cookie & 0xffff) === COOKIE_WITH_RUNS) {
    count = (cookie >>> 16) + 1;
    runFlags = pos + 4;
    pos += 4 + Math.ceil(count / 8);
  } else {
    throw reader.corrupt(`roaring cookie ${cookie} at byte ${pos} is neither ${COOKIE_NO_RUNS} nor ${COOKIE_WITH_RUNS}`);
  }
  const headers = pos;
  reader.need(headers, 4 * count, "container headers");
  pos += 4 * count;
  if (runFlags < 0 || count >= NO_OFFSET_THRESHOLD) pos += 4 * count; // offset header: not needed to read sequentially
  let previousKey = -1;
  for (let i = 0; i < count; i++) {
    const key = view.getUint16(headers + 4 * i, true);
    const cardinality = view.getUint16(headers + 4 * i + 2, true) + 1;
    if (key <= previousKey) throw reader.corrupt(`container keys are not ascending (${key} after ${previousKey})`);
    previousKey = key;
    const isRun = runFlags >= 0 && (reader.bytes[runFlags + (i >> 3)]! & (1 << (i & 7))) !== 0;
    const kind = isRun ? RUN : cardinality > ARRAY_MAX_CARDINALITY ? BITMAP : ARRAY;
    out.push({ base: bucketBase + key * 65536, kind, cardinality, start: pos });
    pos += containerSize(reader, kind, cardinality, pos);
  }
  return pos;
}

function containerSize(reader: Reader, kind: Kind, cardinality: number, pos: number): number {
  switch (kind) {
    case ARRAY:
      reader.need(pos, 2 * cardinality, "array container");
      return 2 * cardinality;
    case BITMAP:
      reader.need(pos, 8192, "bitmap container");
      return 8192;
    case RUN: {
      reader.need(pos, 2, "run count");
      const size = 2 + 4 * reader.view.getUint16(pos, true);
      reader.need(pos, size, "run container");
      return size;
    }
  }
}

/** Writes a container's values into `out` from `at`; returns the next free position. */
function materialize(reader: Reader, c: Container, out: SortedRowIndexes, at: number): number {
  const { view } = reader;
  const limit = at + c.cardinality;
  if (c.kind === ARRAY) {
    let previous = -1;
    for (let i = 0; i < c.cardinality; i++) {
      const low = view.getUint16(c.start + 2 * i, true);
      if (low <= previous) throw reader.corrupt(`array container at byte ${c.start} is not strictly ascending`);
      out[at++] = c.base + low;
      previous = low;
    }
    return at;
  }
  if (c.kind === BITMAP) {
    for (let w = 0; w < 2048; w++) {
      let word = view.getUint32(c.start + 4 * w, true) | 0;
      while (word !== 0) {
        if (at === limit)
          throw reader.corrupt(`bitmap container at byte ${c.start} has more bits set than its cardinality ${c.cardinality}`);
        const lowest = word & -word;
        out[at++] = c.base + w * 32 + (31 - Math.clz32(lowest));
        word ^= lowest;
      }
    }
    if (at !== limit) throw reader.corrupt(`bitmap container at byte ${c.start} has fewer bits set than its cardinality ${c.cardinality}`);
    return at;
  }
  return materializeRuns(reader, c, out, at, limit);
}

function materializeRuns(reader: Reader, c: Container, out: SortedRowIndexes, at: number, limit: number): number {
  const { view } = reader;
  const runs = view.getUint16(c.start, true);
  let next = 0; // lowest value the next run may start at
  for (let r = 0; r < runs; r++) {
    const start = view.getUint16(c.start + 2 + 4 * r, true);
    const length = view.getUint16(c.start + 4 + 4 * r, true) + 1;
    if (start < next || start + length > 65536)
      throw reader.corrupt(`run container at byte ${c.start} has overlapping or out-of-range run ${r}`);
    if (at + length > limit)
      throw reader.corrupt(`run container at byte ${c.start} holds more values than its cardinality ${c.cardinality}`);
    for (let v = start; v < start + length; v++) out[at++] = c.base + v;
    next = start + length;
  }
  if (at !== limit) throw reader.corrupt(`run container at byte ${c.start} holds fewer values than its cardinality ${c.cardinality}`);
  return at;
}
