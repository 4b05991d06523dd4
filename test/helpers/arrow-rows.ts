/**
 * Canonical, order-insensitive row comparison for Arrow tables: every cell rendered from its raw
 * buffers (exact int64, decimals with their scale, timestamps as epoch microseconds), each row
 * as JSON with sorted keys.
 */
import { DataType, TimeUnit, type Data, type Table } from "apache-arrow";

type Cell = (i: number) => unknown;

function cellReader(data: Data): Cell {
  const type = data.type;
  const valid = (i: number) => {
    if (!data.nullBitmap || data.nullCount === 0) return true;
    const j = data.offset + i;
    return ((data.nullBitmap[j >> 3]! >> (j & 7)) & 1) === 1;
  };
  const guard =
    (read: Cell): Cell =>
    (i) =>
      valid(i) ? read(i) : null;
  if (DataType.isStruct(type)) {
    const children = type.children.map((f, k) => [f.name, cellReader(data.children[k] as Data)] as const);
    return guard((i) => Object.fromEntries(children.map(([name, read]) => [name, read(i)])));
  }
  if (DataType.isList(type) || DataType.isMap(type)) {
    const offsets = data.valueOffsets as Int32Array;
    const child = cellReader(data.children[0] as Data);
    return guard((i) => {
      const out: unknown[] = [];
      for (let k = offsets[data.offset + i]!; k < offsets[data.offset + i + 1]!; k++) out.push(child(k));
      return out;
    });
  }
  if (DataType.isTimestamp(type)) {
    const values = data.values as BigInt64Array;
    const scale = {
      [TimeUnit.SECOND]: [1000000n, 1n],
      [TimeUnit.MILLISECOND]: [1000n, 1n],
      [TimeUnit.MICROSECOND]: [1n, 1n],
      [TimeUnit.NANOSECOND]: [1n, 1000n],
    }[type.unit]!;
    return guard((i) => `ts:${floorDiv(values[data.offset + i]! * scale[0]!, scale[1]!)}`);
  }
  if (DataType.isDecimal(type)) {
    const words = data.values as Uint32Array;
    return guard((i) => `dec:${decimalString(words, data.offset + i, type.scale)}`);
  }
  if (DataType.isDate(type)) {
    const values = data.values as Int32Array | BigInt64Array;
    return guard((i) => `date:${Number(values[data.offset + i])}${values instanceof BigInt64Array ? "ms" : "d"}`);
  }
  if (DataType.isInt(type) && type.bitWidth === 64) {
    const values = data.values as BigInt64Array | BigUint64Array;
    return guard((i) => `i64:${values[data.offset + i]}`);
  }
  if (DataType.isBinary(type) || DataType.isFixedSizeBinary(type)) {
    return guard((i) => `hex:${Buffer.from(rawBinary(data, i)).toString("hex")}`);
  }
  if (DataType.isFloat(type)) {
    const values = data.values as Float32Array | Float64Array;
    return guard((i) => `f:${values[data.offset + i]}`);
  }
  return guard((i) => {
    const v = (data as unknown as { type: DataType }).type && getValue(data, i);
    return typeof v === "bigint" ? `i64:${v}` : v;
  });
}

function getValue(data: Data, i: number): unknown {
  // makeVector over a single Data keeps offset handling in apache-arrow
  return vectorOf(data).get(i);
}

import { makeVector } from "apache-arrow";
const vectors = new WeakMap<Data, ReturnType<typeof makeVector>>();
function vectorOf(data: Data) {
  let v = vectors.get(data);
  if (!v) vectors.set(data, (v = makeVector(data)));
  return v;
}

function rawBinary(data: Data, i: number): Uint8Array {
  return vectorOf(data).get(i) as Uint8Array;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function decimalString(words: Uint32Array, index: number, scale: number): string {
  let v = 0n;
  for (let w = 3; w >= 0; w--) v = (v << 32n) | BigInt(words[index * 4 + w]!);
  if (v >= 1n << 127n) v -= 1n << 128n;
  const negative = v < 0n;
  const digits = (negative ? -v : v).toString().padStart(scale + 1, "0");
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, stable((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Every row of the table as canonical JSON (sorted keys), the list sorted. */
export function canonicalRows(table: Table, columns?: string[]): string[] {
  const names = columns ?? table.schema.fields.map((f) => f.name);
  const rows: string[] = [];
  for (const batch of table.batches) {
    const readers = names.map((name) => {
      const index = batch.schema.fields.findIndex((f) => f.name === name);
      return [name, cellReader(batch.data.children[index] as Data)] as const;
    });
    for (let i = 0; i < batch.numRows; i++) rows.push(JSON.stringify(stable(Object.fromEntries(readers.map(([n, read]) => [n, read(i)])))));
  }
  return rows.sort();
}

/** The value of one column per row, canonical, in row order (for override checks). */
export function columnCells(table: Table, column: string): unknown[] {
  const out: unknown[] = [];
  for (const batch of table.batches) {
    const index = batch.schema.fields.findIndex((f) => f.name === column);
    const read = cellReader(batch.data.children[index] as Data);
    for (let i = 0; i < batch.numRows; i++) out.push(read(i));
  }
  return out;
}
