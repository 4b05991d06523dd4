/**
 * The input of the write benchmarks: rows generated lazily in Arrow record batches, so the input
 * itself is never resident (one batch at a time), and cheap to generate (a few integer hashes per
 * row), so the timed writes measure the writer rather than the generator.
 *
 * Every row is a pure function of its `id` (0 … rows-1, in order):
 *   id long, value double (pseudo-random in [-500, 500)), name string (12 pseudo-random lowercase
 *   letters, practically all distinct), ts timestamp (µs, UTC; 2024-01-01 plus `id` seconds),
 *   part integer (`id % 10`).
 * The same columns and types as bench/lib/dataset.ts; the names come from a cheaper hash.
 */
import { type Data, Field, Float64, Int32, Int64, makeData, RecordBatch, Schema, Struct, TimestampMicrosecond, Utf8 } from "apache-arrow";

/** Rows per generated batch. */
export const INPUT_BATCH_ROWS = 64 * 1024;
/** Characters of `name`. */
export const NAME_LENGTH = 12;
/** Distinct values of `part`. */
export const PARTS = 10;
/** 2024-01-01T00:00:00Z in µs. */
export const TS_BASE_US = 1_704_067_200_000_000;

/** The Arrow schema of the generated batches. */
export const WRITE_SCHEMA = new Schema([
  new Field("id", new Int64(), true),
  new Field("value", new Float64(), true),
  new Field("name", new Utf8(), true),
  new Field("ts", new TimestampMicrosecond("UTC"), true),
  new Field("part", new Int32(), true),
]);

/** The columns lakelog's `auto` dictionary mode leaves plain for these rows (mostly distinct values): what the raw peers set too. */
export const DICTIONARY_OFF: readonly string[] = ["id", "value", "name", "ts"];

/** Arrow bytes of one generated row (8 + 8 + 12 + 4 offset + 8 + 4). */
export const ARROW_BYTES_PER_ROW = 8 + 8 + NAME_LENGTH + 4 + 8 + 4;

/** A 32-bit integer hash (deterministic pseudo-random values without a stateful generator). */
export function mix(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return h ^ (h >>> 16);
}

/** Bits of one name word index: names are three words drawn from 2^18 four-letter words. */
const WORD_BITS = 18;

/** 2^18 distinct-looking four-letter words (pseudo-random lowercase letters), as little-endian u32s. */
const WORDS = (() => {
  const words = new Uint32Array(1 << WORD_BITS);
  for (let i = 0; i < words.length; i++) {
    let x = mix(i + 0x9e3779b9) >>> 0;
    let w = 0;
    for (let c = 0; c < 4; c++) {
      w |= (97 + (x % 26)) << (8 * c);
      x = Math.floor(x / 26);
    }
    words[i] = w >>> 0;
  }
  return words;
})();

/** One batch of rows `first … first+n-1`. */
export function generateBatch(first: number, n: number): RecordBatch {
  const ids = new BigInt64Array(n);
  const idWords = new Uint32Array(ids.buffer);
  const values = new Float64Array(n);
  const names = new Uint8Array(n * NAME_LENGTH);
  const nameWords = new Uint32Array(names.buffer);
  const offsets = new Int32Array(n + 1);
  const ts = new BigInt64Array(n);
  const tsWords = new Uint32Array(ts.buffer);
  const parts = new Int32Array(n);
  const mask = (1 << WORD_BITS) - 1;
  for (let r = 0; r < n; r++) {
    const id = first + r;
    idWords[2 * r] = id >>> 0;
    idWords[2 * r + 1] = Math.floor(id / 2 ** 32);
    const h = mix(id);
    const g = mix(h ^ 0x5bd1e995);
    values[r] = ((h >>> 0) / 2 ** 32) * 1000 - 500;
    // 12 letters: three words picked by 54 hash bits (10M names: practically all distinct)
    nameWords[3 * r] = WORDS[h & mask]!;
    nameWords[3 * r + 1] = WORDS[g & mask]!;
    nameWords[3 * r + 2] = WORDS[((h >>> WORD_BITS) | ((g >>> WORD_BITS) << (32 - WORD_BITS))) & mask]!;
    offsets[r + 1] = (r + 1) * NAME_LENGTH;
    const micros = TS_BASE_US + id * 1_000_000;
    tsWords[2 * r] = micros % 2 ** 32;
    tsWords[2 * r + 1] = Math.floor(micros / 2 ** 32);
    parts[r] = id % PARTS;
  }
  const children: Data[] = [
    makeData({ type: new Int64(), length: n, nullCount: 0, data: ids }),
    makeData({ type: new Float64(), length: n, nullCount: 0, data: values }),
    makeData({ type: new Utf8(), length: n, nullCount: 0, valueOffsets: offsets, data: names }),
    makeData({ type: new TimestampMicrosecond("UTC"), length: n, nullCount: 0, data: ts }),
    makeData({ type: new Int32(), length: n, nullCount: 0, data: parts }),
  ];
  return new RecordBatch(WRITE_SCHEMA, makeData({ type: new Struct(WRITE_SCHEMA.fields), length: n, nullCount: 0, children }));
}

/** Lazily yields `rows` rows in batches of `batchRows`; only the batch being consumed is alive. */
export function* generateRows(rows: number, batchRows = INPUT_BATCH_ROWS): Generator<RecordBatch> {
  for (let done = 0; done < rows; done += batchRows) yield generateBatch(done, Math.min(batchRows, rows - done));
}

/** The same rows as an async iterable (what a streaming source such as a network reader looks like). */
export async function* generateRowsAsync(rows: number, batchRows = INPUT_BATCH_ROWS): AsyncGenerator<RecordBatch> {
  yield* generateRows(rows, batchRows);
}
