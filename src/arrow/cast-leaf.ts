/**
 * Casts of non-nested Arrow columns: the conversions between what Parquet files hold and what a
 * Delta reader wants (widening integers and floats, timestamp units and zones, decimal rescaling,
 * large and fixed-size binary). Every function returns `Data` whose type is exactly `target`,
 * keeps the validity bitmap, and throws {@link ParquetCastError} when a value does not fit.
 */
import {
  Data,
  type DataType,
  type Date_,
  DateUnit,
  type Decimal,
  type FixedSizeBinary,
  type Int,
  type Timestamp,
  TimeUnit,
  Type,
} from "apache-arrow";
import { ParquetCastError } from "../errors/parquet-errors.js";
import { floorDiv } from "../util/bigint.js";
import { isValidAt } from "./data.js";

/** Whether two non-nested types are identical, parameters included. */
export function sameLeafType(a: DataType, b: DataType): boolean {
  if (a.typeId !== b.typeId || String(a) !== String(b)) return false;
  return a.typeId !== Type.Decimal || (a as Decimal).bitWidth === (b as Decimal).bitWidth;
}

/** Same buffers, new type: for casts that only relabel (time zone, decimal precision, utf8/binary). */
export function relabel(data: Data, target: DataType): Data {
  return new Data(target, data.offset, data.length, data.nullCount, data.buffers, data.children, data.dictionary);
}

function withValues(data: Data, target: DataType, values: ArrayBufferView, offsets?: Int32Array): Data {
  return new Data(target, data.offset, data.length, data.nullCount, [offsets as never, values as never, data.nullBitmap]);
}

const fail = (path: string, data: Data, target: DataType, detail: string) =>
  new ParquetCastError(path, String(data.type), String(target), detail);

/** Reads value `i` of an integer, float, date, time, timestamp or duration column as a bigint (ints) or number. */
function readNumber(data: Data, i: number): number | bigint {
  return (data.values as ArrayLike<number | bigint>)[i] as number | bigint;
}

/** Integer to integer (any widths, range-checked when narrowing), and integer to float. */
export function castInt(data: Data, target: DataType, path: string): Data {
  const t = target as Int;
  if (target.typeId === Type.Float) return castToFloat(data, target);
  if (data.typeId !== Type.Int) throw fail(path, data, target, "only integers convert to an integer type");
  const bits = t.bitWidth;
  const fromBits = (data.type as Int).bitWidth;
  const min = t.isSigned ? -(2n ** BigInt(bits - 1)) : 0n;
  const max = t.isSigned ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n;
  if (fromBits < 64) return castSmallInt(data, target, Number(min), Number(max), path);
  const out = new (target.ArrayType as new (n: number) => ArrayLike<number | bigint> & Record<number, number | bigint>)(data.length);
  const big = bits === 64;
  for (let i = 0; i < data.length; i++) {
    const v = readNumber(data, i);
    const b = typeof v === "bigint" ? v : BigInt(v);
    if ((b < min || b > max) && isValidAt(data, i)) throw fail(path, data, target, `value ${b} at row ${i} is out of range`);
    out[i] = big ? BigInt.asIntN(64, b) : Number(b);
  }
  return withValues(data, target, out as unknown as ArrayBufferView);
}

/** Integer of at most 32 bits to any integer type, with plain number arithmetic. */
function castSmallInt(data: Data, target: DataType, min: number, max: number, path: string): Data {
  const values = data.values as ArrayLike<number>;
  const to64 = (target as Int).bitWidth === 64;
  const out = to64 ? new Int32Array(data.length * 2) : new (target.ArrayType as new (n: number) => Int32Array)(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = values[i] as number;
    if ((v < min || v > max) && isValidAt(data, i)) throw fail(path, data, target, `value ${v} at row ${i} is out of range`);
    if (to64) {
      out[i * 2] = v;
      out[i * 2 + 1] = v < 0 ? -1 : 0;
    } else {
      out[i] = v;
    }
  }
  return withValues(data, target, to64 ? new (target.ArrayType as new (b: ArrayBufferLike) => ArrayBufferView)(out.buffer) : out);
}

/** Integers and floats to Float32/Float64. */
export function castToFloat(data: Data, target: DataType): Data {
  const out = new (target.ArrayType as new (n: number) => Float32Array | Float64Array)(data.length);
  const values = data.values as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) out[i] = Number(values[i]);
  return withValues(data, target, out);
}

const MICROS_PER: Record<number, bigint> = {
  [TimeUnit.SECOND]: 1_000_000n,
  [TimeUnit.MILLISECOND]: 1_000n,
  [TimeUnit.MICROSECOND]: 1n,
  [TimeUnit.NANOSECOND]: 1n,
};
const MICROS_PER_DAY = 86_400_000_000n;

/** Converts between timestamp units (and from dates), then labels with the target's zone. */
export function castTimestamp(data: Data, target: DataType, path: string): Data {
  const to = target as Timestamp;
  let fromUnit: TimeUnit;
  let scale: (v: bigint) => bigint;
  if (data.typeId === Type.Timestamp) {
    fromUnit = (data.type as Timestamp).unit;
    scale = (v) => v;
  } else if (data.typeId === Type.Date) {
    fromUnit = TimeUnit.MICROSECOND;
    const days = (data.type as Date_).unit === DateUnit.DAY;
    scale = days ? (v) => v * MICROS_PER_DAY : (v) => v * 1000n;
  } else {
    throw fail(path, data, target, "only timestamps and dates convert to a timestamp");
  }
  const toMicros = unitToMicros(fromUnit);
  const fromMicros = microsToUnit(to.unit);
  const identity = fromUnit === to.unit && data.typeId === Type.Timestamp;
  if (identity) return relabel(data, target);
  const out = new BigInt64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = readNumber(data, i);
    const t = fromMicros(toMicros(scale(typeof v === "bigint" ? v : BigInt(v))));
    if (t !== BigInt.asIntN(64, t) && isValidAt(data, i))
      throw fail(path, data, target, `value ${v} at row ${i} is out of range for a 64-bit timestamp`);
    out[i] = BigInt.asIntN(64, t);
  }
  return withValues(data, target, out);
}

function unitToMicros(unit: TimeUnit): (v: bigint) => bigint {
  if (unit === TimeUnit.NANOSECOND) return (v) => floorDiv(v, 1000n);
  const k = MICROS_PER[unit] as bigint;
  return k === 1n ? (v) => v : (v) => v * k;
}

function microsToUnit(unit: TimeUnit): (v: bigint) => bigint {
  if (unit === TimeUnit.NANOSECOND) return (v) => v * 1000n;
  const k = MICROS_PER[unit] as bigint;
  return k === 1n ? (v) => v : (v) => floorDiv(v, k);
}

/** Date32 from Date32 or Date64 (milliseconds, floored to days). */
export function castDate(data: Data, target: DataType, path: string): Data {
  if (data.typeId !== Type.Date) throw fail(path, data, target, "only dates convert to a date");
  if (sameLeafType(data.type, target)) return relabel(data, target);
  const toDays = (target as Date_).unit === DateUnit.DAY;
  const values = data.values as ArrayLike<number | bigint>;
  if (toDays) {
    const out = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const days = floorDiv(BigInt(values[i] as number | bigint), 86_400_000n);
      if (days !== BigInt.asIntN(32, days) && isValidAt(data, i))
        throw fail(path, data, target, `value ${values[i]} at row ${i} is out of range for a 32-bit date`);
      out[i] = Number(days);
    }
    return withValues(data, target, out);
  }
  const out = new BigInt64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = BigInt(values[i] as number) * 86_400_000n;
  return withValues(data, target, out);
}

/** Reads decimal value `i` (little-endian two's complement words) as a bigint. */
function readDecimal(words: Uint32Array, stride: number, i: number): bigint {
  let v = 0n;
  for (let w = stride - 1; w >= 0; w--) v = (v << 32n) | BigInt(words[i * stride + w] as number);
  return BigInt.asIntN(stride * 32, v);
}

function writeDecimal(words: Uint32Array, stride: number, i: number, value: bigint): void {
  let v = BigInt.asUintN(stride * 32, value);
  for (let w = 0; w < stride; w++) {
    words[i * stride + w] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
}

/** Decimal to decimal (scale may only grow), and integer to decimal; checks the target precision. */
export function castDecimal(data: Data, target: DataType, path: string): Data {
  const to = target as Decimal;
  const toStride = to.bitWidth / 32;
  let read: (i: number) => bigint;
  let fromScale = 0;
  if (data.typeId === Type.Decimal) {
    const from = data.type as Decimal;
    fromScale = from.scale;
    if (to.scale < from.scale) throw fail(path, data, target, "the scale would shrink (values would lose digits)");
    if (from.bitWidth === to.bitWidth && from.scale === to.scale && to.precision >= from.precision) return relabel(data, target);
    const stride = from.bitWidth / 32;
    const words = data.values as Uint32Array;
    read = (i) => readDecimal(words, stride, i);
  } else if (data.typeId === Type.Int) {
    read = (i) => BigInt(readNumber(data, i));
  } else {
    throw fail(path, data, target, "only decimals and integers convert to a decimal");
  }
  const factor = 10n ** BigInt(to.scale - fromScale);
  const limit = 10n ** BigInt(to.precision);
  const out = new Uint32Array(data.length * toStride);
  for (let i = 0; i < data.length; i++) {
    const v = read(i) * factor;
    if ((v >= limit || v <= -limit) && isValidAt(data, i))
      throw fail(path, data, target, `value at row ${i} needs more than ${to.precision} digits`);
    writeDecimal(out, toStride, i, v);
  }
  return withValues(data, target, out);
}

/** Utf8/Binary from Utf8, Binary, LargeUtf8, LargeBinary (32-bit offsets) or FixedSizeBinary. */
export function castBinary(data: Data, target: DataType, path: string): Data {
  switch (data.typeId) {
    case Type.Utf8:
    case Type.Binary:
      return relabel(data, target);
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const large = data.valueOffsets as unknown as BigInt64Array;
      const offsets = new Int32Array(data.length + 1);
      for (let i = 0; i <= data.length; i++) {
        const o = large[i] as bigint;
        if (o > 2147483647n) throw fail(path, data, target, "more than 2 GiB of values in one batch");
        offsets[i] = Number(o);
      }
      return withValues(data, target, data.values as Uint8Array, offsets);
    }
    case Type.FixedSizeBinary: {
      const width = (data.type as FixedSizeBinary).byteWidth;
      const offsets = new Int32Array(data.length + 1);
      for (let i = 0; i <= data.length; i++) offsets[i] = i * width;
      return withValues(data, target, (data.values as Uint8Array).subarray(0, data.length * width), offsets);
    }
    default:
      throw fail(path, data, target, "only string and binary columns convert to a string or binary type");
  }
}
