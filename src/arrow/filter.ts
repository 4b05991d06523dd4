/**
 * Arrow "take" and "filter" kernels: apache-arrow JS has no compute functions, so these build
 * the selected rows' `Data` directly from the source buffers (typed-array gathers, bit gathers
 * for validity and booleans, offset rebuilds for strings, binary, lists and maps, recursion into
 * struct, list and map children). Used for predicate filtering, deletion vectors, and splitting
 * writes by partition.
 */
import { InternalError, InvalidArgumentError } from "../errors/argument-errors.js";
import { Data, type DataType, type FixedSizeList, RecordBatch, type Struct, Type } from "apache-arrow";
import { hasNulls } from "./data.js";

/**
 * The rows of `batch` whose `mask` byte is non-zero, in order. A mask selecting every row returns
 * `batch` itself (no copy); otherwise new buffers are built. `mask.length` must equal `batch.numRows`.
 *
 * @example
 * const kept = filterBatch(batch, evaluate(bound, batch));
 */
export function filterBatch(batch: RecordBatch, mask: Uint8Array): RecordBatch {
  if (mask.length !== batch.numRows) throw new InternalError(`mask has ${mask.length} entries for ${batch.numRows} rows`);
  const indices = maskToIndices(mask);
  return indices.length === batch.numRows ? batch : takeBatch(batch, indices);
}

/** Positions of the non-zero bytes of `mask`, ascending. */
export function maskToIndices(mask: Uint8Array): Uint32Array {
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) count++;
  const out = new Uint32Array(count);
  for (let i = 0, j = 0; j < count; i++) if (mask[i] !== 0) out[j++] = i;
  return out;
}

/**
 * The rows of `batch` at `indices`, in the order given (repeats allowed). Throws a RangeError
 * when an index is out of range. Schema and metadata are kept.
 */
export function takeBatch(batch: RecordBatch, indices: Uint32Array): RecordBatch {
  checkIndices(indices, batch.numRows);
  const children = batch.data.children.map((child) => takeData(child, indices));
  const type = batch.data.type as Struct;
  const data = new Data(type, 0, indices.length, 0, [undefined, undefined, new Uint8Array(0)], children);
  return new RecordBatch(batch.schema, data, batch.metadata);
}

function checkIndices(indices: Uint32Array, length: number): void {
  let max = -1;
  for (let i = 0; i < indices.length; i++) if (indices[i]! > max) max = indices[i]!;
  if (max >= length) throw new InternalError(`take index ${max} is out of range for ${length} rows`);
}

/** The values of `data` at `indices` (relative to the data's own offset), as new `Data` of the same type. */
export function takeData<T extends DataType>(data: Data<T>, indices: Uint32Array): Data<T> {
  const n = indices.length;
  const [nullBitmap, nullCount] = takeValidity(data, indices);
  const type = data.type;
  const make = (buffers: [unknown, unknown], children: Data[] = []) =>
    new Data(type, 0, n, nullCount, [buffers[0], buffers[1], nullBitmap] as never, children, data.dictionary);
  switch (type.typeId) {
    case Type.Null:
      return new Data(type, 0, n, n);
    case Type.Int:
    case Type.Float:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Duration:
    case Type.Interval:
    case Type.Decimal:
    case Type.FixedSizeBinary:
    case Type.Dictionary:
      return make([undefined, gatherFixed(data.values as ArrayBufferView, data.stride, indices)]);
    case Type.Bool:
      return make([undefined, gatherBits(data.values as Uint8Array, data.offset, indices)[0]]);
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const [offsets, bytes] = gatherVariable(data.valueOffsets as Int32Array | BigInt64Array, data.values as Uint8Array, indices);
      return make([offsets, bytes]);
    }
    case Type.List:
    case Type.LargeList:
    case Type.Map: {
      const [offsets, childIndices] = gatherRanges(data.valueOffsets as Int32Array | BigInt64Array, indices);
      return make([offsets, undefined], [takeData(data.children[0]!, childIndices)]);
    }
    case Type.FixedSizeList: {
      const size = (type as unknown as FixedSizeList).listSize;
      const childIndices = new Uint32Array(n * size);
      for (let i = 0; i < n; i++) for (let k = 0; k < size; k++) childIndices[i * size + k] = indices[i]! * size + k;
      return make([undefined, undefined], [takeData(data.children[0]!, childIndices)]);
    }
    case Type.Struct:
      return make(
        [undefined, undefined],
        data.children.map((c) => takeData(c, indices)),
      );
    default:
      throw new InvalidArgumentError("Arrow data", String(type), "a type lakelog can copy (primitive, string, binary, list, struct, map)");
  }
}

/** The validity bits at `indices` and the resulting null count (no bitmap when nothing is null). */
function takeValidity(data: Data, indices: Uint32Array): [Uint8Array, number] {
  if (data.typeId === Type.Null) return [new Uint8Array(0), indices.length];
  if (!hasNulls(data)) return [new Uint8Array(0), 0];
  const [bits, set] = gatherBits(data.nullBitmap, data.offset, indices);
  const nulls = indices.length - set;
  return nulls === 0 ? [new Uint8Array(0), 0] : [bits, nulls];
}

/** Bits `offset + indices[i]` of `bits`, packed LSB-first; and how many were set. */
function gatherBits(bits: Uint8Array, offset: number, indices: Uint32Array): [Uint8Array, number] {
  const n = indices.length;
  const out = new Uint8Array(((n + 63) & ~63) >> 3);
  let set = 0;
  for (let i = 0; i < n; i++) {
    const p = offset + indices[i]!;
    if ((bits[p >> 3]! >> (p & 7)) & 1) {
      out[i >> 3]! |= 1 << (i & 7);
      set++;
    }
  }
  return [out, set];
}

type TypedArrayCtor = { new (buffer: ArrayBuffer, byteOffset?: number, length?: number): ArrayBufferView; BYTES_PER_ELEMENT: number };

/**
 * Gathers fixed-width elements of `stride` array units each, moving raw bits (32-bit words where
 * possible: no bigint or float conversions, NaN payloads kept). Returns the source's array type.
 */
function gatherFixed(values: ArrayBufferView, stride: number, indices: Uint32Array): ArrayBufferView {
  const ctor = values.constructor as unknown as TypedArrayCtor;
  const width = ctor.BYTES_PER_ELEMENT * stride;
  const n = indices.length;
  const buffer = new ArrayBuffer(n * width);
  if (width % 4 === 0 && values.byteOffset % 4 === 0) {
    const words = width / 4;
    const src = new Uint32Array(values.buffer, values.byteOffset, values.byteLength >> 2);
    const dst = new Uint32Array(buffer);
    if (words === 1) for (let i = 0; i < n; i++) dst[i] = src[indices[i]!]!;
    else if (words === 2) {
      for (let i = 0; i < n; i++) {
        const s = indices[i]! * 2;
        dst[2 * i] = src[s]!;
        dst[2 * i + 1] = src[s + 1]!;
      }
    } else {
      for (let i = 0; i < n; i++) for (let k = 0, s = indices[i]! * words; k < words; k++) dst[i * words + k] = src[s + k]!;
    }
  } else if (width === 2 && values.byteOffset % 2 === 0) {
    const src = new Uint16Array(values.buffer, values.byteOffset, values.byteLength >> 1);
    const dst = new Uint16Array(buffer);
    for (let i = 0; i < n; i++) dst[i] = src[indices[i]!]!;
  } else {
    const src = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    const dst = new Uint8Array(buffer);
    for (let i = 0; i < n; i++) for (let k = 0, s = indices[i]! * width; k < width; k++) dst[i * width + k] = src[s + k]!;
  }
  return new ctor(buffer, 0, (n * width) / ctor.BYTES_PER_ELEMENT);
}

/** Offsets of `offsets`' selected entries, laid end to end from 0, with a reader of the source offsets. */
function selectedOffsets(offsets: Int32Array | BigInt64Array, indices: Uint32Array): { out: Float64Array; at: (i: number) => number } {
  const at = offsets instanceof BigInt64Array ? (i: number) => Number(offsets[i]!) : (i: number) => (offsets as Int32Array)[i]!;
  const out = new Float64Array(indices.length + 1);
  let total = 0;
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    total += at(j + 1) - at(j);
    out[i + 1] = total;
  }
  return { out, at };
}

/** `offsets` as the source's offset type. */
function offsetsLike(source: Int32Array | BigInt64Array, offsets: Float64Array): Int32Array | BigInt64Array {
  return source instanceof BigInt64Array ? BigInt64Array.from(offsets, (v) => BigInt(v)) : Int32Array.from(offsets);
}

/** New offsets and bytes for the selected values of a string or binary column. */
function gatherVariable(
  offsets: Int32Array | BigInt64Array,
  bytes: Uint8Array,
  indices: Uint32Array,
): [Int32Array | BigInt64Array, Uint8Array] {
  const { out: outOffsets, at } = selectedOffsets(offsets, indices);
  const out = new Uint8Array(outOffsets[indices.length]!);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    const start = at(j);
    const len = at(j + 1) - start;
    const pos = outOffsets[i]!;
    if (len < 24) for (let k = 0; k < len; k++) out[pos + k] = bytes[start + k]!;
    else out.set(bytes.subarray(start, start + len), pos);
  }
  return [offsetsLike(offsets, outOffsets), out];
}

/** New offsets for selected list (or map) entries, and the child positions they cover, in order. */
function gatherRanges(offsets: Int32Array | BigInt64Array, indices: Uint32Array): [Int32Array | BigInt64Array, Uint32Array] {
  const { out: outOffsets, at } = selectedOffsets(offsets, indices);
  const childIndices = new Uint32Array(outOffsets[indices.length]!);
  for (let i = 0, pos = 0; i < indices.length; i++) {
    const j = indices[i]!;
    for (let c = at(j), end = at(j + 1); c < end; c++) childIndices[pos++] = c;
  }
  return [offsetsLike(offsets, outOffsets), childIndices];
}
