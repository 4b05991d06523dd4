/**
 * Test helpers for the Parquet engine: where the shared golden files are, and a canonical,
 * comparable form of Arrow values (exact: timestamps as raw integers, decimals as digit strings).
 */
import { readdirSync, statSync } from "node:fs";
import * as nodePath from "node:path";
import { type Data, type Decimal, type Field, makeData, type RecordBatch, type Timestamp, TimeUnit, Type, Vector } from "apache-arrow";
import { isValidAt } from "../../../src/arrow/data.js";
import { LocalStore } from "../../../src/storage/local-store.js";
import { GOLDEN_DIR, hasShared, SHARED_DIR } from "../../helpers/shared-data.js";

/** `../shared` beside the project (or LAKELOG_SHARED_DIR): golden Delta tables and other real Parquet files. */
export const SHARED = SHARED_DIR;
/** Whether the shared files are present; tests that need them are skipped (with this reason) otherwise. */
export const HAS_SHARED = hasShared(GOLDEN_DIR);
export const SKIP_REASON = `needs the shared test files at ${SHARED}`;

/** A store over the shared directory (read in place, never copied). */
export function sharedStore(): LocalStore {
  return new LocalStore(SHARED);
}

/**
 * Store-relative paths of the `.parquet` files directly or deeply under `dir` (relative to SHARED);
 * none when the shared folder is absent (suites are collected, then skipped, in that case).
 */
export function parquetFilesUnder(dir: string, options: { includeLog?: boolean } = {}): string[] {
  const out: string[] = [];
  if (!HAS_SHARED) return out;
  const walk = (rel: string) => {
    for (const name of readdirSync(nodePath.join(SHARED, rel)).sort()) {
      const child = `${rel}/${name}`;
      if (statSync(nodePath.join(SHARED, child)).isDirectory()) {
        if (name === "_delta_log" && !options.includeLog) continue;
        walk(child);
      } else if (name.endsWith(".parquet") && !name.startsWith("._")) {
        out.push(child);
      }
    }
  };
  walk(dir);
  return out;
}

const vectors = new WeakMap<Data, Vector>();
const vectorOf = (data: Data): Vector => {
  let v = vectors.get(data);
  if (!v) vectors.set(data, (v = new Vector([data])));
  return v;
};

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

function decimalString(data: Data, i: number): string {
  const type = data.type as Decimal;
  const stride = type.bitWidth / 32;
  const words = data.values as Uint32Array;
  let v = 0n;
  for (let w = stride - 1; w >= 0; w--) v = (v << 32n) | BigInt(words[i * stride + w] as number);
  v = BigInt.asIntN(type.bitWidth, v);
  const negative = v < 0n;
  const digits = (negative ? -v : v).toString().padStart(type.scale + 1, "0");
  const body = type.scale > 0 ? `${digits.slice(0, -type.scale)}.${digits.slice(-type.scale)}` : digits;
  return negative ? `-${body}` : body;
}

const MICROS: Record<number, bigint> = { [TimeUnit.SECOND]: 1_000_000n, [TimeUnit.MILLISECOND]: 1000n, [TimeUnit.MICROSECOND]: 1n };

/** Value `i` of a column in a plain, exactly comparable form (timestamps as µs strings). */
export function cell(data: Data, i: number): unknown {
  if (!isValidAt(data, i)) return null;
  switch (data.typeId) {
    case Type.Timestamp: {
      const unit = (data.type as Timestamp).unit;
      const raw = BigInt((data.values as BigInt64Array)[i] as bigint);
      return `${unit === TimeUnit.NANOSECOND ? raw / 1000n : raw * (MICROS[unit] as bigint)}us`;
    }
    case Type.Decimal:
      return decimalString(data, i);
    case Type.Date:
      return `${(data.values as ArrayLike<number | bigint>)[i]}d`;
    case Type.Struct:
      return Object.fromEntries(data.type.children.map((f: Field, k: number) => [f.name, cell(data.children[k] as Data, i)]));
    case Type.List:
    case Type.Map: {
      const offsets = data.valueOffsets as Int32Array;
      const child = data.children[0] as Data;
      const items = [];
      for (let j = offsets[i] as number; j < (offsets[i + 1] as number); j++) {
        items.push(data.typeId === Type.Map ? [cell(child.children[0] as Data, j), cell(child.children[1] as Data, j)] : cell(child, j));
      }
      return items;
    }
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return hex(vectorOf(data).get(i) as Uint8Array);
    default: {
      const v = vectorOf(data).get(i);
      return typeof v === "bigint" ? `${v}n` : typeof v === "number" ? String(v) : v;
    }
  }
}

/** Every row of the batches as a canonical JSON string, keyed by column name. */
export function rowStrings(batches: RecordBatch[], columns?: readonly string[]): string[] {
  const out: string[] = [];
  for (const batch of batches) {
    const names = columns ?? batch.schema.fields.map((f) => f.name);
    const datas = names.map((n) => {
      const index = batch.schema.fields.findIndex((f) => f.name === n);
      return index < 0 ? undefined : (batch.data.children[index] as Data);
    });
    for (let i = 0; i < batch.numRows; i++) {
      out.push(JSON.stringify(Object.fromEntries(names.map((n, k) => [n, datas[k] ? cell(datas[k] as Data, i) : "(absent)"]))));
    }
  }
  return out;
}

/** A 128-bit decimal column from unscaled bigint values. */
export function decimalData(values: (bigint | null)[], type: Decimal): Data {
  const words = new Uint32Array(values.length * 4);
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v === null) return;
    bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7));
    let u = BigInt.asUintN(128, v);
    for (let w = 0; w < 4; w++) {
      words[i * 4 + w] = Number(u & 0xffffffffn);
      u >>= 32n;
    }
  });
  return makeData({ type, length: values.length, nullCount: values.filter((v) => v === null).length, nullBitmap: bitmap, data: words });
}
