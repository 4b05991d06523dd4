/**
 * Building one batch per partition from the rows of several source batches: each group lists
 * segments (a source batch and its rows for the group, ascending), and every column is gathered
 * straight into the groups' new buffers, each value copied once. Sources are visited one at a
 * time (all groups' rows from one source, then the next), so each source is read while it is
 * still in cache. Fixed-width values move as 32-bit words (no bigint or float conversion; NaN
 * payloads survive), validity and booleans as bits, strings and binary as bytes with rebuilt
 * offsets. A group made of one whole source batch shares its buffers (no copy). Nested columns
 * (struct, list, map) are only supported with one segment per group, through `takeData`. Pure
 * and synchronous.
 */
import { InternalError } from "../../errors/argument-errors.js";
import { Data, RecordBatch, type Schema, Struct, Type } from "apache-arrow";
import { hasNulls } from "../../arrow/data.js";
import { takeData } from "../../arrow/filter.js";

/** Rows `rows` (ascending) of source batch `source`; every row of it when `rows` is undefined. */
export interface Segment {
  source: number;
  rows: Uint32Array | undefined;
}

const FIXED = new Set<Type>([Type.Int, Type.Float, Type.Date, Type.Time, Type.Timestamp, Type.Duration, Type.Decimal, Type.Interval]);
const FLAT = new Set<Type>([...FIXED, Type.Bool, Type.Utf8, Type.Binary, Type.Null]);

/** True when {@link gatherGroups} can combine several sources for every column of `schema`. */
export function isFlatSchema(schema: Schema): boolean {
  return schema.fields.every((f) => FLAT.has(f.type.typeId));
}

/** What one column gathering pass works on. */
interface Plan {
  counts: number[];
  /** Per source: the (group, rows) pairs taken from it, for the groups that are copied. */
  bySource: Array<Array<[number, Uint32Array | undefined]>>;
  /** Per group: the source it is in whole (shared, no copy), or -1. */
  whole: number[];
}

/** One batch of `schema` per group, from the sources' columns. */
export function gatherGroups(schema: Schema, sources: readonly RecordBatch[], groups: readonly Segment[][]): RecordBatch[] {
  const plan: Plan = {
    counts: groups.map((segments) => segments.reduce((n, s) => n + (s.rows ? s.rows.length : sources[s.source]!.numRows), 0)),
    bySource: sources.map(() => []),
    whole: groups.map((segments) => (segments.length === 1 && !segments[0]!.rows ? segments[0]!.source : -1)),
  };
  groups.forEach((segments, g) => {
    if (plan.whole[g]! < 0) for (const s of segments) plan.bySource[s.source]!.push([g, s.rows]);
  });
  const perGroup: Data[][] = groups.map(() => []);
  schema.fields.forEach((_, c) => {
    const columns = sources.map((b) => b.data.children[c]!);
    const gathered = gatherColumn(columns, plan, groups);
    gathered.forEach((d, g) => perGroup[g]!.push(d));
  });
  const type = new Struct(schema.fields);
  return perGroup.map(
    (columns, g) => new RecordBatch(schema, new Data(type, 0, plan.counts[g]!, 0, [undefined, undefined, undefined], columns)),
  );
}

function gatherColumn(columns: readonly Data[], plan: Plan, groups: readonly Segment[][]): Data[] {
  const type = columns[0]!.type;
  const shared = (g: number) => (plan.whole[g]! >= 0 ? columns[plan.whole[g]!]! : undefined);
  if (!FLAT.has(type.typeId)) {
    return groups.map((segments, g) => {
      if (segments.length !== 1) throw new InternalError(`gatherGroups: ${String(type)} columns take one segment per group`);
      return shared(g) ?? takeData(columns[segments[0]!.source]!, segments[0]!.rows!);
    });
  }
  const counts = plan.counts;
  if (type.typeId === Type.Null) return counts.map((n) => new Data(type, 0, n, n));
  const validity = gatherValidity(columns, plan);
  let values: ArrayBufferView[];
  let offsets: Int32Array[] | undefined;
  if (type.typeId === Type.Bool) values = gatherBits(columns, plan, (d) => d.values as Uint8Array);
  else if (type.typeId === Type.Utf8 || type.typeId === Type.Binary) [offsets, values] = gatherVariable(columns, plan);
  else values = gatherFixed(columns, plan);
  return counts.map((n, g) => shared(g) ?? new Data(type, 0, n, validity.nulls[g]!, [offsets?.[g], values[g], validity.bitmaps[g]]));
}

const EMPTY = new Uint8Array(0);

/** Iterates the copied (group, rows, count) pairs of every source, source by source. */
function forEachSegment(
  columns: readonly Data[],
  plan: Plan,
  fn: (data: Data, group: number, rows: Uint32Array | undefined, n: number) => void,
): void {
  plan.bySource.forEach((pairs, source) => {
    const data = columns[source]!;
    for (const [group, rows] of pairs) fn(data, group, rows, rows ? rows.length : data.length);
  });
}

/** Per group: the validity bitmap (empty when no row is null) and null count. */
function gatherValidity(columns: readonly Data[], plan: Plan): { bitmaps: Uint8Array[]; nulls: number[] } {
  if (!columns.some(hasNulls)) return { bitmaps: plan.counts.map(() => EMPTY), nulls: plan.counts.map(() => 0) };
  const bitmaps = gatherBits(columns, plan, (d) => (hasNulls(d) ? d.nullBitmap : undefined));
  const nulls = bitmaps.map((bits, g) => {
    let valid = 0;
    for (let k = 0; k < bits.length; k++) valid += popcount(bits[k]!);
    return plan.counts[g]! - valid;
  });
  return { bitmaps: bitmaps.map((b, g) => (nulls[g] === 0 ? EMPTY : b)), nulls };
}

function popcount(b: number): number {
  b = b - ((b >> 1) & 0x55);
  b = (b & 0x33) + ((b >> 2) & 0x33);
  return (b + (b >> 4)) & 0x0f;
}

/** Per group, the bits of its rows packed LSB-first from bit 0 (padded to 8 bytes); a source without bits counts as all set. */
function gatherBits(columns: readonly Data[], plan: Plan, bitsOf: (d: Data) => Uint8Array | undefined): Uint8Array[] {
  const out = plan.counts.map((c) => new Uint8Array(((c + 63) & ~63) >> 3));
  const pos = new Float64Array(plan.counts.length);
  forEachSegment(columns, plan, (data, g, rows, n) => {
    const dst = out[g]!;
    let p = pos[g]!;
    const bits = bitsOf(data);
    const offset = data.offset;
    for (let k = 0; k < n; k++, p++) {
      const bit = offset + (rows ? rows[k]! : k);
      if (!bits || (bits[bit >> 3]! >> (bit & 7)) & 1) dst[p >> 3]! |= 1 << (p & 7);
    }
    pos[g] = p;
  });
  return out;
}

type TypedArrayCtor = { new (buffer: ArrayBuffer, byteOffset?: number, length?: number): ArrayBufferView; BYTES_PER_ELEMENT: number };

/** Per group, the fixed-width values of its rows, as the sources' array type. */
function gatherFixed(columns: readonly Data[], plan: Plan): ArrayBufferView[] {
  const first = columns[0]!;
  const ctor = (first.values as ArrayBufferView).constructor as unknown as TypedArrayCtor;
  const width = ctor.BYTES_PER_ELEMENT * first.stride;
  const buffers = plan.counts.map((c) => new ArrayBuffer(c * width));
  const pos = new Float64Array(plan.counts.length);
  forEachSegment(columns, plan, (data, g, rows, n) => {
    const values = data.values as ArrayBufferView;
    if (rows) copyFixed(values, width, rows, buffers[g]!, pos[g]!);
    else new Uint8Array(buffers[g]!, pos[g]! * width, n * width).set(new Uint8Array(values.buffer, values.byteOffset, n * width));
    pos[g]! += n;
  });
  return buffers.map((b, g) => new ctor(b, 0, (plan.counts[g]! * width) / ctor.BYTES_PER_ELEMENT));
}

/** Copies `rows` of `values` (elements of `width` bytes) into `buffer` from element `at`. */
function copyFixed(values: ArrayBufferView, width: number, rows: Uint32Array, buffer: ArrayBuffer, at: number): void {
  const n = rows.length;
  if (width % 4 === 0 && values.byteOffset % 4 === 0) {
    const words = width / 4;
    const src = new Int32Array(values.buffer, values.byteOffset, values.byteLength >> 2);
    const dst = new Int32Array(buffer, at * width, n * words);
    if (words === 1) for (let j = 0; j < n; j++) dst[j] = src[rows[j]!]!;
    else if (words === 2) {
      for (let j = 0; j < n; j++) {
        const i = 2 * rows[j]!;
        dst[2 * j] = src[i]!;
        dst[2 * j + 1] = src[i + 1]!;
      }
    } else {
      for (let j = 0; j < n; j++) for (let k = 0, i = words * rows[j]!; k < words; k++) dst[words * j + k] = src[i + k]!;
    }
  } else if (width === 2 && values.byteOffset % 2 === 0) {
    const src = new Int16Array(values.buffer, values.byteOffset, values.byteLength >> 1);
    const dst = new Int16Array(buffer, at * 2, n);
    for (let j = 0; j < n; j++) dst[j] = src[rows[j]!]!;
  } else {
    const src = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    const dst = new Uint8Array(buffer, at * width, n * width);
    for (let j = 0; j < n; j++) for (let k = 0, i = width * rows[j]!; k < width; k++) dst[width * j + k] = src[i + k]!;
  }
}

/** Per group, the string or binary values of its rows: new offsets (from 0) and bytes. */
function gatherVariable(columns: readonly Data[], plan: Plan): [Int32Array[], Uint8Array[]] {
  const totals = new Float64Array(plan.counts.length);
  forEachSegment(columns, plan, (data, g, rows, n) => {
    const offsets = data.valueOffsets as Int32Array;
    if (!rows) totals[g]! += offsets[n]! - offsets[0]!;
    else for (let j = 0; j < n; j++) totals[g]! += offsets[rows[j]! + 1]! - offsets[rows[j]!]!;
  });
  const outOffsets = plan.counts.map((c) => new Int32Array(c + 1));
  const outBytes = Array.from(totals, (t) => new Uint8Array(t));
  const at = new Float64Array(plan.counts.length);
  const pos = new Float64Array(plan.counts.length);
  forEachSegment(columns, plan, (data, g, rows, n) => {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    const out = outBytes[g]!;
    const outOff = outOffsets[g]!;
    // small integers (Int32 offsets bound them) keep the copy loop in fast integer arithmetic
    let a = at[g]! | 0;
    let p = pos[g]! | 0;
    if (!rows) {
      const base = offsets[0]!;
      out.set(bytes.subarray(base, offsets[n]!), a);
      for (let k = 1; k <= n; k++) outOff[++p] = a + offsets[k]! - base;
      a += offsets[n]! - base;
    } else {
      for (let j = 0; j < n; j++) {
        const i = rows[j]! | 0;
        const from = offsets[i]! | 0;
        const len = (offsets[i + 1]! - from) | 0;
        if (len < 32) for (let k = 0; k < len; k++) out[a + k] = bytes[from + k]!;
        else out.set(bytes.subarray(from, from + len), a);
        a += len;
        outOff[++p] = a;
      }
    }
    at[g] = a;
    pos[g] = p;
  });
  return [outOffsets, outBytes];
}
