/**
 * Per-file statistics (`add.stats`) computed from the Arrow data written to the file, as Spark
 * computes them in `StatisticsCollection.statsCollector`:
 * `{"numRecords":N,"minValues":{…},"maxValues":{…},"nullCount":{…}[,"tightBounds":true]}`,
 * nested structs as nested objects, keys the physical names, partition columns left out (see
 * `write-stats-columns.ts` for which columns, `write-stats-json.ts` for how values are written).
 *
 * Semantics, all Spark's:
 * - a field inside a struct is null where the struct is null (counted, and left out of min/max);
 * - integers, decimals, dates and timestamps compare numerically, strings by code point (the
 *   UTF-8 byte order), floats with NaN above every number: a file holding NaN has max `NaN`, and
 *   min `NaN` only when every non-null value is NaN; -0.0 and 0.0 are equal (the first seen wins);
 * - string bounds keep the first `delta.dataSkippingStringPrefixLength` (32) code points; a
 *   truncated max then takes further code points while they are ≥ U+FFFD and gets U+FFFD
 *   appended, so it stays ≥ every value (Spark's `truncateMaxStringAgg`, which counts UTF-16
 *   units and so can cut a surrogate pair; counting code points never does);
 * - a column whose values are all null has no min/max key; a struct with eligible leaves is an
 *   object even when all of them are null (`"a":{}`, what `to_json` writes);
 * - bounds that cannot be written faithfully (dates and timestamps outside years 0001–9999,
 *   strings that are not valid UTF-8) are left out, which readers treat as unknown.
 *
 * Scans run over the Arrow buffers (64-bit values compared as 32-bit word pairs, strings as
 * bytes) and convert only each batch's winning values. Synchronous, no I/O.
 */
import type { Data, RecordBatch } from "apache-arrow";
import { decimalParts } from "../../schema/types.js";
import { type StatsNode, type StatsPlan } from "./stats-columns.js";
import { bigDecimalText, dateText, javaDoubleJson, javaFloatJson, type JsonObject, renderJsonObject, timestampText } from "./stats-json.js";
import { type Bounds, scanBytes, scanDecimal, scanFloat, scanI64, scanInt, validityMask } from "./stats-scan.js";

/** How a leaf's values are compared and written. */
type LeafKind = "int" | "float" | "double" | "i64" | "decimal" | "date" | "timestamp" | "timestamp_ntz" | "string" | "none";

interface LeafState {
  kind: LeafKind;
  scale: number;
  nullCount: number;
  min: number | bigint | Uint8Array | undefined;
  max: number | bigint | Uint8Array | undefined;
  /** Floats: a NaN was seen (it is the max); `nonNaN`: some non-NaN value was seen. */
  sawNaN: boolean;
  sawNumber: boolean;
}

function kindOf(type: unknown, minMax: boolean): LeafKind {
  if (!minMax || typeof type !== "string") return "none";
  switch (type) {
    case "byte":
    case "short":
    case "integer":
      return "int";
    case "long":
      return "i64";
    case "float":
    case "double":
    case "date":
    case "timestamp":
    case "timestamp_ntz":
    case "string":
      return type;
    default:
      return decimalParts(type as never) ? "decimal" : "none";
  }
}

/**
 * Accumulates the statistics of one data file over the batches written to it.
 *
 * @example
 * const stats = new FileStatsCollector(plan);
 * for (const batch of batches) stats.add(batch);
 * add.stats = stats.toJson();
 */
export class FileStatsCollector {
  /** Rows seen so far. */
  numRecords = 0;
  private readonly states = new Map<StatsNode, LeafState>();

  constructor(private readonly plan: StatsPlan) {
    const init = (nodes: readonly StatsNode[]) => {
      for (const node of nodes) {
        if (node.kind === "struct") init(node.children);
        else {
          const kind = kindOf(node.type, node.minMax);
          const scale = kind === "decimal" ? decimalParts(node.type)!.scale : 0;
          this.states.set(node, { kind, scale, nullCount: 0, min: undefined, max: undefined, sawNaN: false, sawNumber: false });
        }
      }
    };
    init(plan.columns);
  }

  /**
   * Adds a batch of the file's data columns (partition columns removed, logical names, the
   * table's Arrow types) to the statistics.
   */
  add(batch: RecordBatch): void {
    const n = batch.numRows;
    if (n === 0) return;
    this.numRecords += n;
    const columns = batch.data.children;
    for (const node of this.plan.columns) this.visit(node, columns[node.index]!, n, undefined);
  }

  private visit(node: StatsNode, data: Data, n: number, parentMask: Uint8Array | undefined): void {
    const mask = validityMask(data, n, parentMask);
    if (node.kind === "struct") {
      for (const child of node.children) this.visit(child, data.children[child.index]!, n, mask);
      return;
    }
    const state = this.states.get(node)!;
    let valid = n;
    if (mask) for (let i = 0; i < n; i++) valid -= mask[i]! ^ 1;
    state.nullCount += n - valid;
    if (state.kind !== "none" && valid > 0) this.scan(state, data, n, mask);
  }

  private scan(state: LeafState, data: Data, n: number, mask: Uint8Array | undefined): void {
    switch (state.kind) {
      case "int":
      case "date":
        return merge(state, scanInt(data.values as Int32Array, n, mask), compareNumbers);
      case "float":
      case "double": {
        const b = scanFloat(data.values as Float64Array, n, mask);
        state.sawNaN ||= b.sawNaN;
        if (b.min === undefined) return;
        state.sawNumber = true;
        return merge(state, b as Bounds<number>, compareNumbers);
      }
      case "i64":
      case "timestamp":
      case "timestamp_ntz":
        return merge(state, scanI64(data.values as BigInt64Array, n, mask), compareBigints);
      case "decimal":
        return merge(state, scanDecimal(data.values as Uint32Array, data.stride, n, mask), compareBigints);
      case "string":
        return merge(state, scanBytes(data.valueOffsets as Int32Array, data.values as Uint8Array, n, mask), compareBytes);
    }
  }

  /** The `add.stats` JSON for what has been added. */
  toJson(): string {
    const min: JsonObject = new Map();
    const max: JsonObject = new Map();
    const nulls: JsonObject = new Map();
    const hasMinMax = this.plan.columns.some((c) => c.minMax);
    this.render(this.plan.columns, min, max, nulls);
    let json = `{"numRecords":${this.numRecords}`;
    if (hasMinMax) json += `,"minValues":${renderJsonObject(min)},"maxValues":${renderJsonObject(max)}`;
    if (nulls.size > 0) json += `,"nullCount":${renderJsonObject(nulls)}`;
    if (this.plan.tightBounds) json += `,"tightBounds":true`;
    return `${json}}`;
  }

  private render(nodes: readonly StatsNode[], min: JsonObject, max: JsonObject, nulls: JsonObject): void {
    for (const node of nodes) {
      if (node.kind === "struct") {
        const [cmin, cmax, cnulls]: JsonObject[] = [new Map(), new Map(), new Map()];
        this.render(node.children, cmin!, cmax!, cnulls!);
        if (node.minMax) {
          min.set(node.name, cmin!);
          max.set(node.name, cmax!);
        }
        if (cnulls!.size > 0) nulls.set(node.name, cnulls!);
        continue;
      }
      const state = this.states.get(node)!;
      nulls.set(node.name, String(state.nullCount));
      const [lo, hi] = this.bounds(state);
      if (lo !== undefined) min.set(node.name, lo);
      if (hi !== undefined) max.set(node.name, hi);
    }
  }

  private bounds(s: LeafState): [string | undefined, string | undefined] {
    if (s.kind === "float" || s.kind === "double") {
      const write = s.kind === "float" ? javaFloatJson : javaDoubleJson;
      const lo = s.sawNumber ? (s.min as number) : s.sawNaN ? NaN : undefined;
      const hi = s.sawNaN ? NaN : (s.max as number | undefined);
      return [lo === undefined ? undefined : write(lo), hi === undefined ? undefined : write(hi)];
    }
    if (s.min === undefined || s.max === undefined) return [undefined, undefined];
    return [renderBound(s, s.min, false, this.plan.stringPrefixLength), renderBound(s, s.max, true, this.plan.stringPrefixLength)];
  }
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

function renderBound(s: LeafState, v: number | bigint | Uint8Array, isMax: boolean, prefix: number): string | undefined {
  switch (s.kind) {
    case "int":
    case "i64":
      return String(v);
    case "decimal":
      return bigDecimalText(v as bigint, s.scale);
    case "date":
      return quote(dateText(v as number));
    case "timestamp":
    case "timestamp_ntz":
      return quote(timestampText(v as bigint, s.kind === "timestamp"));
    case "string": {
      let text: string;
      try {
        text = fatalUtf8.decode(v as Uint8Array);
      } catch {
        return undefined;
      }
      return JSON.stringify(isMax ? truncateStringMax(text, prefix) : truncateStringMin(text, prefix));
    }
    default:
      return undefined;
  }
}

function quote(text: string | undefined): string | undefined {
  return text === undefined ? undefined : `"${text}"`;
}

/** UTF-16 index just past the first `count` code points of `s` (its length when shorter). */
function codePointEnd(s: string, count: number): number {
  let i = 0;
  for (let k = 0; k < count && i < s.length; k++) i += (s.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  return i;
}

/** A string min bound: the first `prefix` code points (Spark's `substring(min, 0, prefix)`). */
export function truncateStringMin(s: string, prefix: number): string {
  return s.slice(0, codePointEnd(s, prefix));
}

/**
 * A string max bound of at most about `prefix` code points that is still ≥ `s`: the prefix,
 * extended while the next code point is ≥ U+FFFD, then U+FFFD (Spark's tie-breaker).
 */
export function truncateStringMax(s: string, prefix: number): string {
  let end = codePointEnd(s, prefix);
  if (end >= s.length) return s;
  while (end < s.length) {
    const cp = s.codePointAt(end)!;
    if (cp < 0xfffd) break;
    end += cp > 0xffff ? 2 : 1;
  }
  return `${s.slice(0, end)}\ufffd`;
}

function merge<T>(state: LeafState, b: Bounds<T>, compare: (a: T, b: T) => number): void {
  if (b.min === undefined || b.max === undefined) return;
  if (state.min === undefined || compare(b.min, state.min as T) < 0) state.min = b.min as never;
  if (state.max === undefined || compare(b.max, state.max as T) > 0) state.max = b.max as never;
}

const compareNumbers = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0);
const compareBigints = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length;
}
