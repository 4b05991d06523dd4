/**
 * Reading checkpoints: classic (one Parquet file or several parts), v2 (a JSON or Parquet
 * top-level file that may point at sidecar files of adds and removes).
 */
import { DataType as ArrowTypes, type RecordBatch, type Vector } from "apache-arrow";
import type { ParquetEngine } from "../engine/engine.js";
import type { ObjectStore } from "../storage/store.js";
import { mapInOrder } from "../util/concurrency.js";
import type { Action, Sidecar } from "./actions.js";
import { LOG_DIR } from "./log-files.js";
import type { CheckpointFile } from "./log-segment.js";
import { forEachAction, validateAction } from "./parse-actions.js";

/** The action columns of a checkpoint, in the order they are applied. */
const CHECKPOINT_COLUMNS = ["protocol", "metaData", "txn", "domainMetadata", "checkpointMetadata", "sidecar", "remove", "add"] as const;

/** Reads every action of a checkpoint (all parts, and the sidecars of a v2 checkpoint). */
export async function readCheckpoint(
  store: ObjectStore,
  engine: ParquetEngine,
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
      const bytes = await store.get(file.path, { signal });
      forEachAction(bytes, file.path, (a) => collect(a));
    } else {
      await readParquetActions(store, engine, file.path, file.size, collect, signal);
    }
  }
  await mapInOrder(
    sidecars,
    4,
    async (sidecar) => {
      const path = sidecarPath(sidecar.path);
      const actions: Action[] = [];
      await readParquetActions(store, engine, path, sidecar.sizeInBytes, (a) => actions.push(a), signal);
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
  store: ObjectStore,
  engine: ParquetEngine,
  path: string,
  size: number | undefined,
  visit: (action: Action) => void,
  signal?: AbortSignal,
): Promise<void> {
  for await (const batch of engine.readParquet(store, path, { columns: [...CHECKPOINT_COLUMNS], size, signal, batchSize: 1 << 16 })) {
    const readers = CHECKPOINT_COLUMNS.map((kind) => [kind, columnReader(batch, kind)] as const).filter(([, r]) => r !== undefined);
    for (let i = 0; i < batch.numRows; i++) {
      for (const [kind, read] of readers) {
        const value = read!(i);
        if (value === null || value === undefined) continue;
        if (kind === "add") normaliseAddStats(value as Record<string, unknown>);
        const action = validateAction({ [kind]: value }, path, undefined);
        if (action) visit(action);
      }
    }
  }
}

/** Checkpoints written without JSON stats carry `stats_parsed`; turn it into the JSON form. */
function normaliseAddStats(add: Record<string, unknown>): void {
  const parsed = add.stats_parsed;
  delete add.stats_parsed;
  delete add.partitionValues_parsed;
  if ((add.stats === null || add.stats === undefined) && parsed) add.stats = JSON.stringify(parsed);
}

type Reader = (i: number) => unknown;

function columnReader(batch: RecordBatch, name: string): Reader | undefined {
  const vector = batch.getChild(name);
  return vector ? makeReader(vector) : undefined;
}

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
