/**
 * DuckDB's query results as apache-arrow record batches, for the scan benchmarks' peer.
 *
 * `@duckdb/node-api` 1.5 has no Arrow export (the C API's Arrow functions are not bound in
 * `@duckdb/node-bindings`), so this builds Arrow from DuckDB's own columnar output: each data
 * chunk (up to 2048 rows) is fetched from a streaming result and its vectors are copied straight
 * out of DuckDB's memory (`vector_get_data`) into Arrow buffers of `batchRows` rows: a block copy
 * per fixed-width column, and for VARCHAR a copy of each string's bytes out of DuckDB's 16-byte
 * `string_t` (inline up to 12 bytes, else through its pointer) into Arrow offsets + data. No JS
 * value is created per row. Supported column types: BIGINT, INTEGER, DOUBLE, VARCHAR, TIMESTAMP,
 * TIMESTAMP WITH TIME ZONE (the benchmark tables' types).
 */
import duckdb from "@duckdb/node-bindings";
import { type DuckDBResult, DuckDBTypeId } from "@duckdb/node-api";
import {
  type DataType,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
  type Data,
} from "apache-arrow";

/** A column being filled: its Arrow type and the buffers of the batch in progress. */
interface ColumnBuilder {
  type: DataType;
  /** Bytes per value (0 for VARCHAR). */
  width: number;
  values: Uint8Array;
  offsets: Int32Array | undefined;
  /** VARCHAR bytes used so far. */
  used: number;
  validity: Uint8Array | undefined;
  nulls: number;
}

function arrowTypeOf(typeId: DuckDBTypeId, name: string): { type: DataType; width: number } {
  switch (typeId) {
    case DuckDBTypeId.BIGINT:
      return { type: new Int64(), width: 8 };
    case DuckDBTypeId.INTEGER:
      return { type: new Int32(), width: 4 };
    case DuckDBTypeId.DOUBLE:
      return { type: new Float64(), width: 8 };
    case DuckDBTypeId.VARCHAR:
      return { type: new Utf8(), width: 0 };
    case DuckDBTypeId.TIMESTAMP:
      return { type: new TimestampMicrosecond(), width: 8 };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { type: new TimestampMicrosecond("UTC"), width: 8 };
    default:
      throw new TypeError(`duckdb-arrow: column ${name} has DuckDB type id ${typeId}, which this converter does not handle`);
  }
}

/**
 * Yields the rows of a DuckDB result as Arrow record batches of up to `batchRows` rows (the last
 * may be shorter). Consumes the result.
 */
export async function* duckdbToArrow(result: DuckDBResult, batchRows = 64 * 1024): AsyncGenerator<RecordBatch> {
  const names = result.columnNames();
  const kinds = names.map((name, i) => arrowTypeOf(result.columnTypeId(i), name));
  const schema = new Schema(names.map((name, i) => new Field(name, kinds[i]!.type, true)));
  const fresh = (): ColumnBuilder[] =>
    kinds.map(({ type, width }) => ({
      type,
      width,
      values: new Uint8Array(width > 0 ? width * batchRows : 16 * batchRows),
      offsets: width > 0 ? undefined : new Int32Array(batchRows + 1),
      used: 0,
      validity: undefined,
      nulls: 0,
    }));
  let columns = fresh();
  let filled = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.rowCount;
    const vectors = names.map((_, c) => duckdb.data_chunk_get_vector(chunk.chunk, c));
    let from = 0;
    while (from < rows) {
      const take = Math.min(rows - from, batchRows - filled);
      for (let c = 0; c < columns.length; c++) copyColumn(columns[c]!, vectors[c]!, rows, from, take, filled);
      filled += take;
      from += take;
      if (filled === batchRows) {
        yield finishBatch(schema, columns, filled);
        columns = fresh();
        filled = 0;
      }
    }
  }
  if (filled > 0) yield finishBatch(schema, columns, filled);
}

/** Copies rows `from … from+take` of a DuckDB vector (of `rows` rows) to position `at` of the builder. */
function copyColumn(b: ColumnBuilder, vector: duckdb.Vector, rows: number, from: number, take: number, at: number): void {
  copyValidity(b, vector, rows, from, take, at);
  if (b.width > 0) {
    const src = duckdb.vector_get_data(vector, rows * b.width);
    b.values.set(src.subarray(from * b.width, (from + take) * b.width), at * b.width);
    return;
  }
  const src = duckdb.vector_get_data(vector, rows * 16);
  const words = new Uint32Array(src.buffer, src.byteOffset, rows * 4);
  const offsets = b.offsets!;
  let values = b.values;
  let view = new DataView(values.buffer);
  let pos = b.used;
  for (let r = from; r < from + take; r++) {
    const len = words[r * 4]!;
    // room for the string, and for the 12 bytes an inline copy writes
    if (pos + Math.max(len, 12) > values.byteLength) {
      const grown = new Uint8Array(Math.max(values.byteLength * 2, pos + len + 12));
      grown.set(values.subarray(0, pos));
      values = grown;
      view = new DataView(values.buffer);
    }
    if (len <= 12) {
      // inline string_t: length (4 bytes) then up to 12 bytes; copy three words (bytes past len are overwritten next)
      view.setUint32(pos, words[r * 4 + 1]!, true);
      view.setUint32(pos + 4, words[r * 4 + 2]!, true);
      view.setUint32(pos + 8, words[r * 4 + 3]!, true);
    } else {
      values.set(duckdb.get_data_from_pointer(src.buffer as ArrayBuffer, src.byteOffset + r * 16 + 8, len), pos);
    }
    pos += len;
    offsets[at + (r - from) + 1] = pos;
  }
  b.values = values;
  b.used = pos;
}

/** DuckDB's validity mask (bit set = valid, LSB first) has Arrow's bit order: copy bit by bit only when a mask exists. */
function copyValidity(b: ColumnBuilder, vector: duckdb.Vector, rows: number, from: number, take: number, at: number): void {
  const mask = duckdb.vector_get_validity(vector, Math.ceil(rows / 64) * 8);
  if (!mask && !b.validity) return;
  if (!b.validity) b.validity = new Uint8Array(Math.ceil(b.values.byteLength / Math.max(1, b.width) / 8) + 8).fill(0xff);
  for (let i = 0; i < take; i++) {
    const r = from + i;
    const valid = !mask || (mask[r >> 3]! & (1 << (r & 7))) !== 0;
    const t = at + i;
    if (valid) b.validity[t >> 3]! |= 1 << (t & 7);
    else {
      b.validity[t >> 3]! &= ~(1 << (t & 7));
      b.nulls++;
    }
  }
}

function finishBatch(schema: Schema, columns: ColumnBuilder[], rows: number): RecordBatch {
  const children: Data[] = columns.map((b) => {
    const nullBitmap = b.nulls > 0 ? b.validity : undefined;
    if (b.width === 0) {
      return makeData({
        type: b.type as Utf8,
        length: rows,
        nullCount: b.nulls,
        nullBitmap,
        valueOffsets: b.offsets!.subarray(0, rows + 1),
        data: b.values.subarray(0, b.used),
      });
    }
    const bytes = b.values.subarray(0, rows * b.width);
    const data =
      b.width === 8
        ? b.type instanceof Float64
          ? new Float64Array(bytes.buffer, 0, rows)
          : new BigInt64Array(bytes.buffer, 0, rows)
        : new Int32Array(bytes.buffer, 0, rows);
    return makeData({ type: b.type as Int64, length: rows, nullCount: b.nulls, nullBitmap, data: data as BigInt64Array });
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children }));
}
