/**
 * Reading checkpoints: classic (one Parquet file or several parts), v2 (a JSON or Parquet
 * top-level file that may point at sidecar files of adds and removes).
 */
import { Buffer, isAscii } from "node:buffer";
import { DataType as ArrowTypes, type Vector } from "apache-arrow";
import type { Engine } from "../engine/index.js";
import { mapInOrder } from "../util/concurrency.js";
import type { Action, AddFile, Sidecar } from "./actions.js";
import { LOG_DIR } from "./log-files.js";
import type { CheckpointFile } from "./log-segment.js";
import { forEachAction, validateAction } from "./parse-actions.js";
import { CorruptLogError } from "../errors/log-errors.js";

/** The action columns of a checkpoint, in the order they are applied. */
const CHECKPOINT_COLUMNS = ["protocol", "metaData", "txn", "domainMetadata", "checkpointMetadata", "sidecar", "remove", "add"] as const;

/** Reads every action of a checkpoint (all parts, and the sidecars of a v2 checkpoint). */
export async function readCheckpoint(
  engine: Engine,
  files: CheckpointFile[],
  visit: (action: Action) => void,
  signal?: AbortSignal,
): Promise<void> {
  const sidecars: Sidecar[] = [];
  const collect = (action: Action) => {
    if ("sidecar" in action) sidecars.push(action.sidecar);
    else visit(action);
  };
  for (const file of files) {
    if (file.fileType === "json") {
      const bytes = await engine.store.get(file.path, { signal });
      forEachAction(bytes, file.path, (a) => collect(a));
    } else {
      await readParquetActions(engine, { path: file.path, size: file.size, signal }, collect);
    }
  }
  await mapInOrder(
    sidecars,
    4,
    async (sidecar) => {
      const path = sidecarPath(sidecar.path);
      const actions: Action[] = [];
      await readParquetActions(engine, { path, size: sidecar.sizeInBytes, signal }, (a) => actions.push(a));
      return actions;
    },
    (actions) => actions.forEach(visit),
    signal,
  );
}

/** Sidecar paths are relative to `_delta_log/_sidecars/` unless absolute. */
function sidecarPath(path: string): string {
  return path.includes("/") ? path : `${LOG_DIR}/_sidecars/${path}`;
}

/** Converts the action rows of one Parquet checkpoint or sidecar file. */
async function readParquetActions(
  engine: Engine,
  file: { path: string; size?: number; signal?: AbortSignal },
  visit: (action: Action) => void,
): Promise<void> {
  const { path, size, signal } = file;
  for await (const batch of engine.parquet.read(engine.store, path, {
    columns: [...CHECKPOINT_COLUMNS],
    size,
    signal,
    batchSize: 1 << 16,
  })) {
    // adds, the bulk of a checkpoint, are built column by column (addReader); the other action
    // kinds are rare: a generic reader per column, asked only where the column is set
    const others: [string, Vector, Reader][] = [];
    for (const kind of CHECKPOINT_COLUMNS) {
      const vector = batch.getChild(kind);
      if (kind !== "add" && vector && vector.nullCount < vector.length) others.push([kind, vector, makeReader(vector)]);
    }
    const adds = batch.getChild("add");
    const readAdd = adds && adds.nullCount < adds.length ? addReader(adds, path) : undefined;
    const addData = adds?.data[0]; // a record batch's column is one chunk
    for (let i = 0; i < batch.numRows; i++) {
      for (const [kind, vector, read] of others) {
        if (!vector.isValid(i)) continue;
        const action = validateAction({ [kind]: read(i) }, path, undefined);
        if (action) visit(action);
      }
      if (readAdd && addData!.getValid(i)) visit({ add: readAdd(i) });
    }
  }
}

/**
 * A reader of the `add` column that builds each add straight from its child columns: the fields
 * every add has are read by position, the rare ones (deletion vector, tags, row ids) through the
 * generic reader and only where set. `dataChange` is not read: a snapshot does not keep it
 * (`FileIndex.addFile`), and checkpoints record false for every file.
 */
function addReader(vector: Vector, path: string): (i: number) => AddFile {
  const child = (name: string): Vector | undefined => {
    const type = vector.type as { children?: { name: string }[] };
    const k = type.children?.findIndex((f) => f.name === name) ?? -1;
    return k < 0 ? undefined : (vector.getChildAt(k) ?? undefined);
  };
  const paths = utf8Reader(child("path"));
  const sizes = int64Reader(child("size"));
  const times = int64Reader(child("modificationTime"));
  const stats = utf8Reader(child("stats"));
  const statsParsed = child("stats_parsed");
  const readStatsParsed = statsParsed ? makeReader(statsParsed) : undefined;
  const partitions = child("partitionValues");
  const readPartitions = partitions ? mapReader(partitions) : undefined;
  const rare = (["tags", "deletionVector", "baseRowId", "defaultRowCommitVersion", "clusteringProvider"] as const)
    .map((name) => [name, child(name)] as const)
    .filter((entry): entry is readonly [(typeof entry)[0], Vector] => entry[1] !== undefined && entry[1].nullCount < entry[1].length)
    .map(([name, v]) => [name, v, makeReader(v)] as const);
  const fail = (detail: string): never => {
    throw new CorruptLogError(path, undefined, detail);
  };
  return (i) => {
    const filePath = paths?.(i);
    if (typeof filePath !== "string" || filePath === "") fail("add needs a non-empty path");
    const fileSize = sizes?.(i);
    if (typeof fileSize !== "number") fail(`add ${String(filePath)} needs a numeric size`);
    const time = times?.(i);
    const add: AddFile = {
      path: filePath as string,
      partitionValues: readPartitions?.(i) ?? {},
      size: fileSize as number,
      modificationTime: typeof time === "number" ? time : 0,
      dataChange: true,
    };
    const text = stats?.(i);
    if (text !== null && text !== undefined) add.stats = text;
    else if (readStatsParsed) {
      const parsed = readStatsParsed(i);
      if (parsed !== null && parsed !== undefined) add.stats = JSON.stringify(parsed);
    }
    for (const [name, v, read] of rare) {
      if (v.isValid(i)) (add as unknown as Record<string, unknown>)[name] = read(i);
    }
    return add;
  };
}

/**
 * A reader of a `map<string, string>` column (partition values). Rows with equal entries share one
 * object (a table has few partitions), found by the entries' text without building a new object.
 */
function mapReader(vector: Vector): (i: number) => Record<string, string | null> | null {
  const data = vector.data;
  const entries = vector.getChildAt(0);
  const keys = utf8Reader(entries?.getChildAt(0) ?? undefined);
  const values = utf8Reader(entries?.getChildAt(1) ?? undefined);
  if (data.length !== 1 || !keys || !values) {
    const generic = makeReader(vector);
    return (i) => generic(i) as Record<string, string | null> | null;
  }
  const offsets = data[0]!.valueOffsets;
  const shared = new Map<string, Record<string, string | null>>();
  const single = new Map<string, Map<string | null, Record<string, string | null>>>();
  return (i) => {
    if (!vector.isValid(i)) return null;
    const from = offsets[i]!;
    const to = offsets[i + 1]!;
    if (to - from === 1) {
      // one partition column, the common case: looked up by column then value, no key string built
      const key = keys(from) ?? "null";
      const value = values(from);
      let byValue = single.get(key);
      if (!byValue) single.set(key, (byValue = new Map()));
      let out = byValue.get(value);
      if (!out) byValue.set(value, (out = { [key]: value }));
      return out;
    }
    let id = "";
    for (let j = from; j < to; j++) {
      const value = values(j);
      id += `${keys(j)}\u0001${value === null ? "\u0002" : value}\u0000`;
    }
    let out = shared.get(id);
    if (out === undefined) {
      out = {};
      for (let j = from; j < to; j++) out[keys(j) ?? "null"] = values(j);
      shared.set(id, out);
    }
    return out;
  };
}

/**
 * A reader of an integer column as numbers: a 64-bit column is read as two 32-bit words, with no
 * BigInt per value. Values beyond 2^53 read as undefined (as {@link plain} has it).
 */
function int64Reader(vector: Vector | undefined): ((i: number) => number | undefined) | undefined {
  if (!vector) return undefined;
  const data = vector.data[0];
  const values = data?.values as unknown;
  if (vector.data.length !== 1 || !(values instanceof BigInt64Array)) {
    return (i) => {
      const value = plain(vector.get(i));
      return typeof value === "number" ? value : undefined;
    };
  }
  const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  const noNulls = data!.nullCount === 0;
  return (i) => {
    if (!noNulls && !data!.getValid(i)) return undefined;
    const high = words[2 * i + 1]!;
    if (high > 0x1fffff || high < -0x200000) return undefined;
    return high * 4294967296 + (words[2 * i]! >>> 0);
  };
}

/** Largest string column decoded in one piece (V8 strings stop at about 512 MiB). */
const MAX_BULK_DECODE = 1 << 28;

/**
 * A reader of a UTF-8 column that decodes the column's bytes once, when they are ASCII, and cuts
 * each value out of that string: far cheaper than a decoder call per value. Other columns are
 * read value by value.
 */
function utf8Reader(vector: Vector | undefined): ((i: number) => string | null) | undefined {
  if (!vector) return undefined;
  if (!ArrowTypes.isUtf8(vector.type) || vector.data.length !== 1) {
    return (i) => {
      const value = vector.get(i) as unknown;
      return value === null || value === undefined ? null : String(value);
    };
  }
  const data = vector.data[0]!;
  const offsets = data.valueOffsets;
  // arrow-js slices the offsets with the data: value i spans offsets[i] to offsets[i + 1]
  const first = offsets[0]!;
  const last = offsets[data.length]!;
  const bytes = data.values.subarray(first, last);
  if (last - first > MAX_BULK_DECODE || !isAscii(bytes)) return (i) => (vector.isValid(i) ? (vector.get(i) as string) : null);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  const noNulls = data.nullCount === 0;
  return (i) => (noNulls || data.getValid(i) ? text.slice(offsets[i]! - first, offsets[i + 1]! - first) : null);
}

type Reader = (i: number) => unknown;

/** Builds a type-directed reader that turns row `i` of `vector` into plain JSON-like values. */
function makeReader(vector: Vector): Reader {
  const type = vector.type;
  if (ArrowTypes.isStruct(type)) {
    const children = type.children.map((field, k) => [field.name, makeReader(vector.getChildAt(k)!)] as const);
    return (i) => {
      if (!vector.isValid(i)) return null;
      const out: Record<string, unknown> = {};
      for (const [name, read] of children) {
        const value = read(i);
        if (value !== null && value !== undefined) out[name] = value;
      }
      return out;
    };
  }
  if (ArrowTypes.isMap(type)) {
    return (i) => {
      if (!vector.isValid(i)) return null;
      const out: Record<string, unknown> = {};
      for (const [k, v] of vector.get(i) as Iterable<[unknown, unknown]>) out[String(k)] = plain(v);
      return out;
    };
  }
  if (ArrowTypes.isList(type)) {
    return (i) => (vector.isValid(i) ? Array.from(vector.get(i) as Iterable<unknown>, (v) => plain(v)) : null);
  }
  return (i) => plain(vector.get(i));
}

/**
 * Plain value of a cell. Integers beyond 2^53 (possible only in statistics) are dropped, which
 * makes that bound unknown rather than wrong.
 */
function plain(value: unknown): unknown {
  if (typeof value !== "bigint") return value;
  if (value > MAX_SAFE || value < MIN_SAFE) return undefined;
  return Number(value);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
