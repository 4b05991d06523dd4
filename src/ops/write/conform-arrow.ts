/**
 * Arrow encodings the engine's casts do not read, rewritten into plain ones before conforming a
 * write batch: dictionaries decoded to their values, string and binary views to offsets and bytes,
 * half floats to 32-bit floats, fixed-size lists to lists. Typed-array loops; other data is
 * returned as is. Input may come from another copy of apache-arrow (read by `typeId`).
 */
import { InvalidArgumentError } from "../../errors/argument-errors.js";
import { Binary, Data, type DataType, Field, Float32, List, Type, Utf8, vectorFromArray } from "apache-arrow";
import { isValidAt } from "../../arrow/data.js";
import { takeData } from "../../arrow/filter.js";

/** `data` with any dictionary, view, half-float or fixed-size-list encoding at its top replaced (children untouched). */
export function plainEncoding(data: Data): Data {
  switch (data.typeId) {
    case Type.Dictionary:
      return plainEncoding(decodeDictionary(data));
    case Type.Utf8View:
    case Type.BinaryView:
      return decodeViews(data);
    case Type.Float:
      return (data.type as unknown as { precision: number }).precision === 0 ? decodeHalfFloats(data) : data;
    case Type.FixedSizeList:
      return fixedToList(data);
    default:
      return data;
  }
}

/** A validity bitmap (LSB first, from bit 0) for `n` rows: `valid(i)` per row; undefined when all are valid. */
function buildValidity(n: number, valid: (i: number) => boolean): { bitmap: Uint8Array; nulls: number } | undefined {
  const bitmap = new Uint8Array(((n + 63) & ~63) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (valid(i)) bitmap[i >> 3]! |= 1 << (i & 7);
    else nulls++;
  }
  return nulls === 0 ? undefined : { bitmap, nulls };
}

function decodeDictionary(data: Data): Data {
  const dictionary = data.dictionary;
  const chunks = dictionary?.data ?? [];
  const n = data.length;
  const raw = data.values as ArrayLike<number | bigint>;
  const indices = new Uint32Array(n);
  for (let i = 0; i < n; i++) indices[i] = isValidAt(data, i) ? Number(raw[i]) : 0;
  let values: Data;
  if (chunks.length === 1) values = chunks[0] as Data;
  else {
    // several dictionary batches (rare): rebuild one chunk of the value type
    const valueType = (data.type as unknown as { dictionary: DataType }).dictionary;
    values = vectorFromArray(dictionary ? [...dictionary] : [], valueType).data[0] as Data;
  }
  if (n > 0 && values.length === 0) {
    if (data.nullCount !== n)
      throw new InvalidArgumentError(
        "write data",
        "a dictionary-encoded column with non-null indices into an empty dictionary",
        "valid Arrow data",
      );
    return new Data(values.type, 0, n, n, [undefined as never, undefined as never, new Uint8Array(((n + 63) & ~63) >> 3)]);
  }
  const taken = takeData(values, indices);
  if (data.nullCount === 0) return taken;
  const validity = buildValidity(n, (i) => isValidAt(data, i) && isValidAt(taken, i));
  return new Data(
    taken.type,
    0,
    n,
    validity?.nulls ?? 0,
    [taken.valueOffsets, taken.values, validity?.bitmap ?? new Uint8Array(0)] as never,
    taken.children,
  );
}

/** Utf8View/BinaryView (16-byte views, inline up to 12 bytes, else buffer index and offset) to Utf8/Binary. */
function decodeViews(data: Data): Data {
  const n = data.length;
  const views = data.values as Uint8Array;
  const words = new DataView(views.buffer, views.byteOffset, views.byteLength);
  const buffers = data.variadicBuffers;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += words.getInt32(i * 16, true);
    if (total > 2147483647)
      throw new InvalidArgumentError(
        "write data",
        "more than 2 GiB of string or binary values in one column of one batch",
        "smaller record batches",
      );
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const length = offsets[i + 1]! - offsets[i]!;
    if (length === 0) continue;
    const at = i * 16;
    if (length <= 12) bytes.set(views.subarray(at + 4, at + 4 + length), offsets[i]!);
    else {
      const buffer = buffers[words.getInt32(at + 8, true)] as Uint8Array;
      const start = words.getInt32(at + 12, true);
      bytes.set(buffer.subarray(start, start + length), offsets[i]!);
    }
  }
  const type = data.typeId === Type.Utf8View ? new Utf8() : new Binary();
  return new Data(type as DataType, data.offset, n, data.nullCount, [offsets, bytes, data.nullBitmap] as never);
}

let halfTable: Float32Array | undefined;

/** Every IEEE 754 half-precision bit pattern as a 32-bit float (256 KiB, built once). */
function halfFloats(): Float32Array {
  if (halfTable) return halfTable;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) table[h] = sign * fraction * 2 ** -24;
    else if (exponent === 31) table[h] = fraction === 0 ? sign * Infinity : NaN;
    else table[h] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  halfTable = table;
  return table;
}

function decodeHalfFloats(data: Data): Data {
  const table = halfFloats();
  const bits = data.values as Uint16Array;
  const out = new Float32Array(data.length);
  for (let i = 0; i < out.length; i++) out[i] = table[bits[i]!]!;
  return new Data(new Float32() as DataType, data.offset, data.length, data.nullCount, [undefined, out, data.nullBitmap] as never);
}

/** FixedSizeList(n) to List with offsets i·n (the child, already sliced with the list, is kept). */
function fixedToList(data: Data): Data {
  const size = (data.type as unknown as { listSize: number }).listSize;
  const child = data.children[0] as Data;
  const element = data.type.children[0] as Field;
  const offsets = new Int32Array(data.length + 1);
  for (let i = 0; i <= data.length; i++) offsets[i] = i * size;
  const type = new List(new Field(element.name, child.type, element.nullable));
  return new Data(type as DataType, data.offset, data.length, data.nullCount, [offsets, undefined, data.nullBitmap] as never, [child]);
}
