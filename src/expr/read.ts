/**
 * Reading one value of an Arrow column as a typed {@link Scalar}: the slow path of row evaluation
 * (column-to-column comparisons, long IN lists, Arrow types without a kernel).
 */
import {
  type Data,
  type Date_,
  DateUnit,
  type Decimal,
  type Dictionary,
  type Float,
  makeVector,
  Precision,
  type Timestamp,
  TimeUnit,
  Type,
} from "apache-arrow";
import { isValidAt } from "../arrow/data.js";
import { floorDiv } from "../util/bigint.js";
import { numberOffsets } from "./kernels.js";
import type { Scalar } from "./values.js";

const decoder = new TextDecoder();

/**
 * Row `i` of `data` as a Scalar (null when the row is null): ints as numbers (Int64 as bigint),
 * dates as days, timestamps as microseconds (nanoseconds rounded toward −∞), decimals exact at
 * the Arrow type's scale, strings decoded, binary as a view of the bytes.
 */
export function readScalar(data: Data, i: number): Scalar | null {
  if (!isValidAt(data, i)) return null;
  const type = data.type;
  switch (type.typeId) {
    case Type.Int:
      return (data.values as ArrayLike<number | bigint>)[i]!;
    case Type.Float:
      return (type as Float).precision === Precision.HALF ? (makeVector(data).get(i) as number) : (data.values as ArrayLike<number>)[i]!;
    case Type.Date:
      return (type as Date_).unit === DateUnit.DAY
        ? (data.values as Int32Array)[i]!
        : Math.floor(Number((data.values as BigInt64Array)[i]!) / 86_400_000);
    case Type.Timestamp:
      return timestampMicros(data as Data<Timestamp>, i);
    case Type.Decimal:
      return decimalAt(data as Data<Decimal>, i);
    case Type.Bool: {
      const p = data.offset + i;
      return (((data.values as Uint8Array)[p >> 3]! >> (p & 7)) & 1) === 1;
    }
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary: {
      const offsets = numberOffsets(data);
      const bytes = (data.values as Uint8Array).subarray(offsets[i]!, offsets[i + 1]!);
      return type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8 ? decoder.decode(bytes) : bytes;
    }
    case Type.Dictionary: {
      const dictionary = (data as Data<Dictionary>).dictionary;
      const index = Number((data.values as ArrayLike<number | bigint>)[i]);
      if (dictionary && dictionary.data.length === 1) return readScalar(dictionary.data[0]!, index);
      return (dictionary?.get(index) ?? null) as Scalar | null;
    }
    default:
      return makeVector(data).get(i) as Scalar | null;
  }
}

function timestampMicros(data: Data<Timestamp>, i: number): bigint {
  const v = (data.values as BigInt64Array)[i]!;
  switch (data.type.unit) {
    case TimeUnit.SECOND:
      return v * 1_000_000n;
    case TimeUnit.MILLISECOND:
      return v * 1000n;
    case TimeUnit.NANOSECOND:
      return floorDiv(v, 1000n);
    default:
      return v;
  }
}

function decimalAt(data: Data<Decimal>, i: number): Scalar {
  const stride = data.stride;
  const words = data.values as Uint32Array;
  let v = 0n;
  for (let k = stride - 1; k >= 0; k--) v = (v << 32n) | BigInt(words[i * stride + k]!);
  return { unscaled: BigInt.asIntN(32 * stride, v), scale: data.type.scale };
}
