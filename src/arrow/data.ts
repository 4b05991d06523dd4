/**
 * Low-level helpers over apache-arrow `Data`: rebuilding nested data with new children, walking
 * leaves, all-null columns, assembling batches. Pure, synchronous, no I/O.
 *
 * Arrow JS conventions these rely on: a `Data` with `offset > 0` indexes its validity bitmap (and
 * boolean bits) from `offset`, while fixed-width value buffers and offset buffers are already
 * sliced to start at its first element; struct children are sliced alongside their parent.
 */
import { InternalError } from "../errors/argument-errors.js";
import {
  Data,
  type DataType,
  Field,
  FixedSizeList,
  LargeList,
  List,
  makeData,
  Map_,
  RecordBatch,
  type Schema,
  Struct,
  Type,
} from "apache-arrow";

/** True when the type has child fields (struct, list, map, fixed-size list, union). */
export function isNested(type: DataType): boolean {
  return Array.isArray(type.children) && type.children.length > 0;
}

/** The same nested type with its child fields replaced (names, nullability, metadata kept from `children`). */
export function withChildFields(type: DataType, children: Field[]): DataType {
  switch (type.typeId) {
    case Type.Struct:
      return new Struct(children);
    case Type.List:
      return new List(children[0] as Field);
    case Type.LargeList:
      return new LargeList(children[0] as Field);
    case Type.FixedSizeList:
      return new FixedSizeList((type as FixedSizeList).listSize, children[0] as Field);
    case Type.Map:
      return new Map_(children[0] as Field<Struct>, (type as Map_).keysSorted);
    default:
      throw new InternalError(`type ${type} has no children to replace`);
  }
}

/** `data` with new children (and the type rebuilt around their types), buffers untouched. */
export function withChildren(data: Data, children: Data[]): Data {
  const fields = data.type.children.map((f: Field, i: number) => {
    const child = children[i] as Data;
    return child.type === f.type ? f : new Field(f.name, child.type, f.nullable, f.metadata);
  });
  const type = withChildFields(data.type, fields);
  return new Data(type, data.offset, data.length, data.nullCount, data.buffers, children, data.dictionary);
}

/**
 * Rebuilds `data`, replacing every leaf (a value without children) by `fn(leaf, index)`, where
 * `index` counts leaves depth-first from `start`. Returns the new data and the next index.
 */
export function mapLeaves(data: Data, fn: (leaf: Data, index: number) => Data, start = 0): { data: Data; next: number } {
  if (!isNested(data.type)) return { data: fn(data, start), next: start + 1 };
  let next = start;
  let changed = false;
  const children = data.children.map((child) => {
    const mapped = mapLeaves(child, fn, next);
    next = mapped.next;
    if (mapped.data !== child) changed = true;
    return mapped.data;
  });
  return { data: changed ? withChildren(data, children) : data, next };
}

/** Same walk as {@link mapLeaves} over a type: replaces leaf types. */
export function mapLeafTypes(type: DataType, fn: (leaf: DataType, index: number) => DataType, start = 0): { type: DataType; next: number } {
  if (!isNested(type)) return { type: fn(type, start), next: start + 1 };
  let next = start;
  const fields = type.children.map((f: Field) => {
    const mapped = mapLeafTypes(f.type, fn, next);
    next = mapped.next;
    return mapped.type === f.type ? f : new Field(f.name, mapped.type, f.nullable, f.metadata);
  });
  return { type: withChildFields(type, fields), next };
}

/** A validity bitmap of `length` bits, all null. */
function allNullBitmap(length: number): Uint8Array {
  return new Uint8Array(Math.ceil(length / 8));
}

/** A column of `length` nulls of any type (nested types get empty or null children). */
export function nullData(type: DataType, length: number): Data {
  const nullBitmap = allNullBitmap(length);
  const nullCount = length;
  switch (type.typeId) {
    case Type.Null:
      return makeData({ type, length } as never);
    case Type.Struct:
      return makeData({
        type: type as Struct,
        length,
        nullCount,
        nullBitmap,
        children: type.children.map((f: Field) => nullData(f.type, length)),
      });
    case Type.List:
    case Type.Map:
      return new Data(
        type,
        0,
        length,
        nullCount,
        [new Int32Array(length + 1), undefined, nullBitmap],
        [nullData(type.children[0]!.type, 0)],
      );
    case Type.LargeList:
      return new Data(
        type,
        0,
        length,
        nullCount,
        [new BigInt64Array(length + 1), undefined, nullBitmap],
        [nullData(type.children[0]!.type, 0)],
      );
    case Type.FixedSizeList: {
      const size = (type as FixedSizeList).listSize;
      return new Data(type, 0, length, nullCount, [undefined, undefined, nullBitmap], [nullData(type.children[0]!.type, length * size)]);
    }
    case Type.Utf8:
    case Type.Binary:
      return new Data(type, 0, length, nullCount, [new Int32Array(length + 1), new Uint8Array(0), nullBitmap]);
    case Type.LargeUtf8:
    case Type.LargeBinary:
      return new Data(type, 0, length, nullCount, [new BigInt64Array(length + 1), new Uint8Array(0), nullBitmap]);
    case Type.Bool:
      return new Data(type, 0, length, nullCount, [undefined, new Uint8Array(Math.ceil(length / 8)), nullBitmap]);
    default: {
      // fixed-width primitives: a zeroed value buffer of the type's own array kind
      const ArrayType = type.ArrayType as { new (n: number): ArrayLike<unknown> & { BYTES_PER_ELEMENT: number } };
      const stride = strideOf(type);
      return new Data(type, 0, length, nullCount, [undefined, new ArrayType(length * stride) as never, nullBitmap]);
    }
  }
}

/** Elements of the value buffer per logical value. */
export function strideOf(type: DataType): number {
  switch (type.typeId) {
    case Type.Decimal:
      return (type as unknown as { bitWidth: number }).bitWidth / 32;
    case Type.FixedSizeBinary:
      return (type as unknown as { byteWidth: number }).byteWidth;
    case Type.Interval:
      return 2;
    default:
      return 1;
  }
}

/**
 * Whether value `i` of `data` is valid (not null). The one null-bitmap test of the code base;
 * small enough to be inlined in per-value loops (no allocation).
 */
export function isValidAt(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return true;
  return isBitSet(bitmap, data.offset + i);
}

/**
 * Whether bit `index` of an Arrow bitmap (least significant bit first) is set. For loops that
 * hoisted `data.nullBitmap` after checking {@link hasNulls}: index = `data.offset + i`.
 */
export function isBitSet(bitmap: Uint8Array, index: number): boolean {
  return ((bitmap[index >> 3] as number) & (1 << (index & 7))) !== 0;
}

/** Whether `data` has a validity bitmap with at least one null (when false, every value is valid). */
export function hasNulls(data: Data): boolean {
  const bitmap = data.nullBitmap;
  return !!bitmap && bitmap.length > 0 && data.nullCount > 0;
}

/** A record batch from a schema and one `Data` per field (all of `length` rows). */
export function batchOf(schema: Schema, columns: Data[], length: number): RecordBatch {
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: columns }));
}
