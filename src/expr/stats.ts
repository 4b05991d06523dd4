/**
 * Per-file statistics (`add.stats` JSON) read into bounds that are safe to skip on: every value
 * of the file's column lies within [min, max] (for strings: is ≤ max or starts with it).
 *
 * Where the JSON cannot be trusted exactly, bounds are widened or dropped, never narrowed:
 * - `long` bounds that are not safe integers were rounded by `JSON.parse`: unknown.
 * - `decimal(p,s)` bounds arrive as doubles: exact when p ≤ 15 (any such value round-trips
 *   through a double); otherwise widened to the neighbouring doubles, then to the scale.
 * - `float` bounds are widened by one 32-bit ulp (the decimal text went through a double).
 * - `timestamp`/`timestamp_ntz` bounds are written at millisecond precision: widened by 1 ms
 *   both ways (down-truncation of the max; toward-zero truncation before 1970 for the min).
 * - `NaN` (written as a string) or any value of the wrong JSON type: unknown.
 * - `string` max bounds may be truncated prefixes: callers use the prefix-aware test
 *   {@link isAboveStringMax}.
 * - `binary` has no usable bounds.
 */
import { decimalParts, type PrimitiveTypeName } from "../schema/types.js";
import { parseTimestampText, timestampToMicros } from "./time.js";
import { compareStrings, parseDateText, parseDecimalText, rescaleDecimal, type Scalar } from "./values.js";

/** The parts of a stats object skipping reads. */
export interface FileStats {
  numRecords?: unknown;
  minValues?: unknown;
  maxValues?: unknown;
  nullCount?: unknown;
}

/** Parses `add.stats`; undefined when absent or not a JSON object (never throws). */
export function parseStats(json: string | null | undefined): FileStats | undefined {
  if (!json) return undefined;
  try {
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === "object" && parsed !== null ? (parsed as FileStats) : undefined;
  } catch {
    return undefined;
  }
}

/** What the stats say about one column; absent fields are unknown. */
export interface ColumnBounds {
  min?: Scalar;
  max?: Scalar;
  nullCount?: number;
  numRecords?: number;
}

/** A column of the stats: its physical path and Delta type. */
export interface StatsColumn {
  physicalPath: readonly string[];
  type: PrimitiveTypeName;
}

function pick(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const key of path) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** The safe bounds of `column` in `stats`. */
export function columnBounds(stats: FileStats, column: StatsColumn): ColumnBounds {
  const out: ColumnBounds = {};
  if (typeof stats.numRecords === "number") out.numRecords = stats.numRecords;
  const nulls = pick(stats.nullCount, column.physicalPath);
  if (typeof nulls === "number") out.nullCount = nulls;
  const min = boundOf(pick(stats.minValues, column.physicalPath), column.type, false);
  if (min !== undefined) out.min = min;
  const max = boundOf(pick(stats.maxValues, column.physicalPath), column.type, true);
  if (max !== undefined) out.max = max;
  return out;
}

/** True when string `v` is above every value a file with string max bound `max` can hold. */
export function isAboveStringMax(v: string, max: string): boolean {
  return compareStrings(v, max) > 0 && !v.startsWith(max);
}

const MICROS_PER_MS = 1000n;

function boundOf(raw: unknown, type: PrimitiveTypeName, isMax: boolean): Scalar | undefined {
  if (raw === null || raw === undefined) return undefined;
  switch (type) {
    case "byte":
    case "short":
    case "integer":
      return Number.isInteger(raw) ? (raw as number) : undefined;
    case "long":
      if (Number.isSafeInteger(raw)) return BigInt(raw as number);
      return typeof raw === "string" && /^-?\d+$/.test(raw) ? BigInt(raw) : undefined;
    case "double":
      return typeof raw === "number" ? raw : infinity(raw);
    case "float":
      if (typeof raw !== "number") return infinity(raw);
      return nextFloat32(Math.fround(raw), isMax);
    case "string":
      return typeof raw === "string" ? raw : undefined;
    case "boolean":
      return typeof raw === "boolean" ? raw : undefined;
    case "date":
      return typeof raw === "string" ? parseDateText(raw) : undefined;
    case "timestamp":
    case "timestamp_ntz": {
      const parsed = typeof raw === "string" ? parseTimestampText(raw) : undefined;
      if (!parsed) return undefined;
      const micros = timestampToMicros(parsed);
      return isMax ? micros + MICROS_PER_MS : micros - MICROS_PER_MS;
    }
    case "binary":
    case "variant":
      return undefined;
  }
  return decimalBound(raw, type, isMax);
}

function infinity(raw: unknown): number | undefined {
  if (raw === "Infinity") return Infinity;
  if (raw === "-Infinity") return -Infinity;
  return undefined;
}

function decimalBound(raw: unknown, type: PrimitiveTypeName, isMax: boolean): Scalar | undefined {
  const parts = decimalParts(type);
  if (!parts) return undefined;
  let text: string;
  if (typeof raw === "string") text = raw;
  else if (typeof raw === "number" && Number.isFinite(raw)) text = String(parts.precision <= 15 ? raw : nextDouble(raw, isMax));
  else return undefined;
  const value = parseDecimalText(text);
  if (!value) return undefined;
  const { unscaled, exact } = rescaleDecimal(value, parts.scale);
  return { unscaled: isMax && !exact ? unscaled + 1n : unscaled, scale: parts.scale };
}

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** The next double above (`up`) or below `x`. */
export function nextDouble(x: number, up: boolean): number {
  if (Number.isNaN(x) || x === (up ? Infinity : -Infinity)) return x;
  if (x === 0) return up ? Number.MIN_VALUE : -Number.MIN_VALUE;
  f64[0] = x;
  i64[0]! += x > 0 === up ? 1n : -1n;
  return f64[0]!;
}

/** The next 32-bit float above (`up`) or below `x` (itself a 32-bit float). */
export function nextFloat32(x: number, up: boolean): number {
  if (Number.isNaN(x) || x === (up ? Infinity : -Infinity)) return x;
  if (x === 0) return up ? 2 ** -149 : -(2 ** -149);
  f32[0] = x;
  i32[0]! += x > 0 === up ? 1 : -1;
  return f32[0]!;
}
