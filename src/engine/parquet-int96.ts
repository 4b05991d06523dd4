/**
 * Legacy INT96 timestamps (Spark's and Hive's default before Parquet had a timestamp type).
 *
 * An INT96 value is 12 little-endian bytes: nanoseconds within the day (8 bytes), then the Julian
 * day number (4 bytes, signed). parquet-wasm would convert them to int64 nanoseconds, which wraps
 * silently outside 1677-09-21..2262-04-11 (year 9999 reads as 1816); the reader therefore gets
 * the raw 12 bytes (see `buildProjectedFile`) and converts them here to microseconds, exactly, for
 * every year, flooring sub-microsecond digits as Spark does.
 */
import { Data, type DataType, TimestampMicrosecond } from "apache-arrow";

const JULIAN_DAY_OF_EPOCH = 2_440_588;
/** 86 400 000 000 µs per day = 20 * 2^32 + 500 654 080. */
const DAY_HI = 20;
const DAY_LO = 500_654_080;
const TWO_32 = 4_294_967_296;

/** The Arrow type INT96 columns are read as. */
export const INT96_ARROW_TYPE: DataType = new TimestampMicrosecond("UTC");

/** Converts 12-byte INT96 values (a FixedSizeBinary(12) column) to Timestamp(µs, UTC). */
export function int96ToTimestamp(data: Data): Data {
  const bytes = data.values as Uint8Array;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(data.length * 2);
  for (let i = 0; i < data.length; i++) {
    const base = i * 12;
    // nanos of day < 86 400 * 10^9 < 2^47: exact as a double
    const nanos = view.getUint32(base, true) + view.getUint32(base + 4, true) * TWO_32;
    const days = view.getInt32(base + 8, true) - JULIAN_DAY_OF_EPOCH;
    // micros = days * 86 400 000 000 + floor(nanos / 1000), split into 32-bit words so every
    // partial result stays an exact double (true while |days| < 18 million, i.e. any real date)
    const low = days * DAY_LO + Math.floor(nanos / 1000);
    const carry = Math.floor(low / TWO_32);
    out[i * 2] = low - carry * TWO_32;
    out[i * 2 + 1] = days * DAY_HI + carry;
  }
  const values = new BigInt64Array(out.buffer);
  return new Data(INT96_ARROW_TYPE, data.offset, data.length, data.nullCount, [undefined, values, data.nullBitmap]);
}
