/**
 * Writing checkpoints: the state of one version as Parquet, so readers start from it instead of
 * replaying every commit.
 *
 * - classic: `_delta_log/<v>.checkpoint.parquet`;
 * - multi-part, when the actions exceed `actionsPerPart`: `<v>.checkpoint.<i>.<n>.parquet`;
 * - v2, when the table has the `v2Checkpoint` feature: a UUID-named top-level file with a
 *   `checkpointMetadata` action and the non-file actions, pointing at sidecar files
 *   (`_delta_log/_sidecars/`) that hold the adds and tombstones.
 *
 * Rows are produced from the snapshot's file index a batch at a time and streamed through the
 * engine's Parquet writer into `store.putStream`, so memory stays at a few batches and row groups
 * whatever the table's size. A checkpoint's content is a function of its version, so classic and
 * multi-part files are simply overwritten (the protocol allows it); `_last_checkpoint` is updated
 * last and never moved back to an older version. See spec/maintenance.md.
 */
import { randomUUID } from "node:crypto";
import type { RecordBatch, Schema } from "apache-arrow";
import { InvalidArgumentError } from "../../errors/argument-errors.js";
import type { Engine } from "../../engine/index.js";
import type { RemoveFile } from "../../log/actions.js";
import { LOG_DIR, padVersion } from "../../log/log-files.js";
import { readLastCheckpoint } from "../../log/log-segment.js";
import type { Snapshot } from "../../log/snapshot.js";
import { hasFeature } from "../../log/table-features.js";
import { describeArgument } from "../../util/validate.js";
import { CHECKPOINT_BATCH_ROWS, type CheckpointRow, nonFileRows, PartitionValueParser, removeRow, rowsToBatch } from "./checkpoint-rows.js";
import { addColumnOptions, checkpointSchema } from "./checkpoint-schema.js";
import { AddBatchBuilder } from "./checkpoint-columns.js";

/**
 * Default most actions per checkpoint part (or sidecar): 5,000,000, the old default of Spark's
 * `spark.databricks.delta.checkpoint.partSize` (optional, unset, in current Delta).
 */
export const DEFAULT_ACTIONS_PER_PART = 5_000_000;

/** Options of {@link writeCheckpoint}. */
export interface CheckpointOptions {
  /** Most actions per part (classic) or per sidecar (v2); more make a multi-part checkpoint. */
  actionsPerPart?: number;
  /** Called after each batch of rows is handed to the writer. */
  onProgress?: (progress: { actionsWritten: number; totalActions: number }) => void;
  signal?: AbortSignal;
}

/** What a checkpoint wrote. */
export interface CheckpointMetrics {
  version: number;
  format: "classic" | "multipart" | "v2";
  /** Parquet files of the checkpoint (1 for classic and v2, n for multi-part), sidecars not counted. */
  parts: number;
  /** Sidecar files (v2 only). */
  sidecars: number;
  /** Store-relative paths of every file written, sidecars included. */
  files: string[];
  /** Actions written (what `_last_checkpoint.size` records). */
  numActions: number;
  numAddFiles: number;
  /** Tombstones kept (removes younger than `delta.deletedFileRetentionDuration`). */
  numRemoveFiles: number;
  /** Bytes of every file written. */
  sizeInBytes: number;
  durationMs: number;
}

/** The actions of a checkpoint, addressed by position: non-file actions, tombstones, adds. */
interface ActionSource {
  nonFile: CheckpointRow[];
  tombstones: RemoveFile[];
  partitions: PartitionValueParser;
  numAdds: number;
}

/**
 * Writes a checkpoint of `snapshot` and updates `_last_checkpoint`. I/O: one streamed upload per
 * Parquet file (plus one `head` per sidecar), one get and one put of `_last_checkpoint`.
 * Failures (storage, encoding, abort) reject after removing the files this call wrote; the table
 * stays readable as before either way.
 *
 * @example
 * const metrics = await writeCheckpoint(engine, snapshot);
 * console.log(metrics.version, metrics.sizeInBytes);
 */
export async function writeCheckpoint(engine: Engine, snapshot: Snapshot, options: CheckpointOptions = {}): Promise<CheckpointMetrics> {
  const started = Date.now();
  const perPart = options.actionsPerPart ?? DEFAULT_ACTIONS_PER_PART;
  if (!Number.isSafeInteger(perPart) || perPart < 1)
    throw new InvalidArgumentError("actionsPerPart", describeArgument(perPart), "a positive integer");
  const props = snapshot.tableProperties;
  const minDeletion = engine.clock.now() - props.deletedFileRetentionMs;
  const tombstones = [...snapshot.tombstones.values()].filter((r) => (r.deletionTimestamp ?? 0) > minDeletion);
  const addOptions = addColumnOptions(
    snapshot.metadata,
    snapshot.protocol,
    { writeStatsAsJson: props.checkpointWriteStatsAsJson, writeStatsAsStruct: props.checkpointWriteStatsAsStruct },
    anyStats(snapshot),
  );

  const source: ActionSource = {
    nonFile: nonFileRows(snapshot.protocol, snapshot.metadata, snapshot.txns.values(), snapshot.domains.values()),
    tombstones,
    partitions: new PartitionValueParser(snapshot.metadata),
    numAdds: snapshot.files.length,
  };
  const written: string[] = [];
  const ctx: WriteContext = { engine, snapshot, source, written, signal: options.signal, progress: progressReporter(source, options) };
  try {
    const v2 = hasFeature(snapshot.protocol, "v2Checkpoint");
    const result = v2
      ? await writeV2(
          ctx,
          snapshot.version,
          { top: checkpointSchema("v2-top", addOptions), sidecar: checkpointSchema("sidecar", addOptions) },
          perPart,
        )
      : await writeClassic(ctx, snapshot.version, checkpointSchema("classic", addOptions), perPart);
    await updateLastCheckpoint(engine, snapshot.version, { ...result, numAdds: source.numAdds }, options.signal);
    return {
      version: snapshot.version,
      ...result,
      files: written,
      numAddFiles: source.numAdds,
      numRemoveFiles: tombstones.length,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    await engine.store.deleteMany(written).catch(() => undefined);
    throw err;
  }
}

interface WriteContext {
  engine: Engine;
  snapshot: Snapshot;
  source: ActionSource;
  written: string[];
  signal?: AbortSignal;
  progress: (rows: number) => void;
}

type PartResult = Omit<CheckpointMetrics, "version" | "files" | "numAddFiles" | "numRemoveFiles" | "durationMs">;

function anyStats(snapshot: Snapshot): boolean {
  for (let i = 0; i < snapshot.files.length; i++) if (snapshot.files.stats(i) !== undefined) return true;
  return false;
}

function progressReporter(source: ActionSource, options: CheckpointOptions): (rows: number) => void {
  const totalActions = source.nonFile.length + source.tombstones.length + source.numAdds;
  let actionsWritten = 0;
  return (rows) => {
    actionsWritten += rows;
    options.onProgress?.({ actionsWritten, totalActions });
  };
}

/**
 * Batches of actions `from..to-1` of the sequence (non-file actions unless `withNonFile` is
 * false, tombstones, adds): row objects for the few non-file actions and tombstones, then the
 * adds built column by column.
 */
function* rangeBatches(ctx: WriteContext, schema: Schema, from: number, to: number, withNonFile: boolean): Generator<RecordBatch> {
  const { source } = ctx;
  const nonFile = withNonFile ? source.nonFile : [];
  const t0 = nonFile.length;
  const a0 = t0 + source.tombstones.length;
  function* rows(): Generator<CheckpointRow> {
    for (let i = from; i < Math.min(to, a0); i++) yield i < t0 ? nonFile[i]! : removeRow(source.tombstones[i - t0]!);
  }
  yield* batchesOf(schema, rows(), ctx);
  const adds = new AddBatchBuilder(schema, ctx.snapshot.files, source.partitions);
  for (let i = Math.max(from, a0); i < to; i += CHECKPOINT_BATCH_ROWS) {
    const end = Math.min(to, i + CHECKPOINT_BATCH_ROWS);
    yield adds.batch(i - a0, end - a0);
    ctx.progress(end - i);
  }
}

/** Batches of `schema` from `rows`, {@link CHECKPOINT_BATCH_ROWS} at a time. */
function* batchesOf(schema: Schema, rows: Iterable<CheckpointRow>, ctx: WriteContext): Generator<RecordBatch> {
  let pending: CheckpointRow[] = [];
  for (const row of rows) {
    pending.push(row);
    if (pending.length === CHECKPOINT_BATCH_ROWS) {
      yield rowsToBatch(schema, pending);
      ctx.progress(pending.length);
      pending = [];
    }
  }
  if (pending.length > 0) {
    yield rowsToBatch(schema, pending);
    ctx.progress(pending.length);
  }
}

/** Streams `batches` into one Parquet object at `path`; returns its size. */
async function writeFile(ctx: WriteContext, path: string, batches: Iterable<RecordBatch>): Promise<number> {
  ctx.signal?.throwIfAborted();
  const stream = ctx.engine.parquet.write(batches, { signal: ctx.signal, rowGroupBytes: 32 * 1024 * 1024, compression: "snappy" });
  ctx.written.push(path);
  await ctx.engine.store.putStream(path, stream, { signal: ctx.signal });
  return (await stream.result).size;
}

/** A classic checkpoint: one file, or `n` parts of at most `perPart` actions. */
async function writeClassic(ctx: WriteContext, version: number, schema: Schema, perPart: number): Promise<PartResult> {
  const { source } = ctx;
  const total = source.nonFile.length + source.tombstones.length + source.numAdds;
  const parts = Math.max(1, Math.ceil(total / perPart));
  let sizeInBytes = 0;
  for (let p = 0; p < parts; p++) {
    const path =
      parts === 1
        ? `${LOG_DIR}/${padVersion(version)}.checkpoint.parquet`
        : `${LOG_DIR}/${padVersion(version)}.checkpoint.${pad10(p + 1)}.${pad10(parts)}.parquet`;
    sizeInBytes += await writeFile(ctx, path, rangeBatches(ctx, schema, p * perPart, Math.min(total, (p + 1) * perPart), true));
  }
  return { format: parts === 1 ? "classic" : "multipart", parts, sidecars: 0, numActions: total, sizeInBytes };
}

/** A v2 checkpoint: sidecars of adds and tombstones, then the top-level file pointing at them. */
async function writeV2(
  ctx: WriteContext,
  version: number,
  schemas: { top: Schema; sidecar: Schema },
  perPart: number,
): Promise<PartResult> {
  const { top: topSchema, sidecar: sidecarSchema } = schemas;
  const { source, engine } = ctx;
  const fileActions = source.tombstones.length + source.numAdds;
  const count = fileActions === 0 ? 0 : Math.ceil(fileActions / perPart);
  const sidecarRows: CheckpointRow[] = [];
  let sizeInBytes = 0;
  for (let s = 0; s < count; s++) {
    const name = `${padVersion(version)}.checkpoint.${pad10(s + 1)}.${pad10(count)}.${randomUUID()}.parquet`;
    const path = `${LOG_DIR}/_sidecars/${name}`;
    const size = await writeFile(ctx, path, rangeBatches(ctx, sidecarSchema, s * perPart, Math.min(fileActions, (s + 1) * perPart), false));
    const meta = await engine.store.head(path, { signal: ctx.signal });
    sizeInBytes += size;
    sidecarRows.push({ sidecar: { path: name, sizeInBytes: size, modificationTime: meta.lastModified, tags: null } });
  }
  const topRows = [{ checkpointMetadata: { version, tags: null } }, ...source.nonFile, ...sidecarRows];
  const path = `${LOG_DIR}/${padVersion(version)}.checkpoint.${randomUUID()}.parquet`;
  sizeInBytes += await writeFile(ctx, path, batchesOf(topSchema, topRows, ctx));
  return { format: "v2", parts: 1, sidecars: count, numActions: topRows.length + fileActions, sizeInBytes };
}

function pad10(n: number): string {
  return String(n).padStart(10, "0");
}

/**
 * Writes `_last_checkpoint` (version, size, parts for multi-part, sizeInBytes, numOfAddFiles)
 * unless it already names a newer checkpoint.
 */
async function updateLastCheckpoint(
  engine: Engine,
  version: number,
  result: PartResult & { numAdds: number },
  signal?: AbortSignal,
): Promise<void> {
  const current = await readLastCheckpoint(engine.store, signal);
  if (current && current.version > version) return;
  const hint: Record<string, unknown> = { version, size: result.numActions };
  if (result.format === "multipart") hint.parts = result.parts;
  hint.sizeInBytes = result.sizeInBytes;
  hint.numOfAddFiles = result.numAdds;
  await engine.store.put(`${LOG_DIR}/_last_checkpoint`, new TextEncoder().encode(JSON.stringify(hint)), { mode: "overwrite", signal });
}
