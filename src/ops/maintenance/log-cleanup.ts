/**
 * Expired log cleanup: deleting the commits, checkpoints and `.crc` files older than
 * `delta.logRetentionDuration` that no retained version needs.
 *
 * The rule keeps every version it does not delete readable: it finds the newest complete
 * checkpoint whose files were all written at or before the cutoff, and deletes only files of
 * versions below it, and only while every commit up to that version is expired too (so a commit
 * with a late modification time is never left behind a gap). Time travel to a deleted version
 * then fails with `VersionNotFoundError` naming the earliest version still readable.
 * See spec/maintenance.md.
 */
import type { Engine } from "../../engine/index.js";
import { LOG_DIR, type LogFile } from "../../log/log-files.js";
import { completeCheckpoints, listLogFiles, type CheckpointFile } from "../../log/log-segment.js";
import { forEachAction } from "../../log/parse-actions.js";
import { readTableProperties } from "../../log/table-properties.js";

/** Options of {@link cleanupExpiredLog}. */
export interface LogCleanupOptions {
  /** "Now" in ms (default `engine.clock.now()`). */
  now?: number;
  /** Retention in ms instead of the table's `delta.logRetentionDuration`. */
  retentionMs?: number;
  signal?: AbortSignal;
}

/** What a cleanup deleted. */
export interface LogCleanupMetrics {
  /** Files older than this time (ms) were eligible. */
  cutoff: number;
  /** The checkpoint every retained version is reachable from (undefined: nothing could be deleted). */
  checkpointVersion?: number;
  /** Store-relative paths deleted (commits, checkpoints, checksums, compactions, sidecars). */
  deleted: string[];
  durationMs: number;
}

/**
 * Deletes expired log files of the table in `engine.store`, keeping what reconstructs every
 * version from the newest checkpoint at or before the cutoff on. I/O: one listing of the log,
 * one listing of `_delta_log/_sidecars/` (and a read of each retained v2 checkpoint's top-level
 * file) when the table has sidecars, and batched deletes.
 *
 * @param configuration the table properties (`delta.logRetentionDuration`).
 */
export async function cleanupExpiredLog(
  engine: Engine,
  configuration: Record<string, string>,
  options: LogCleanupOptions = {},
): Promise<LogCleanupMetrics> {
  const started = Date.now();
  const { signal } = options;
  const retention = options.retentionMs ?? readTableProperties(configuration, engine.store.rootUrl).logRetentionMs;
  const cutoff = (options.now ?? engine.clock.now()) - retention;
  const files = await listLogFiles(engine.store, 0, signal);
  const boundary = deletionBoundary(files, cutoff);
  if (boundary === undefined) return { cutoff, deleted: [], durationMs: Date.now() - started };
  const doomed = files.filter((f) => lastVersionOf(f) < boundary.deleteBelow && f.lastModified <= cutoff).map((f) => f.path);
  const retainedV2 = files.filter(
    (f): f is CheckpointFile => f.kind === "checkpoint" && f.format === "v2" && f.version >= boundary.deleteBelow,
  );
  const sidecars = await expiredSidecars(engine, retainedV2, cutoff, signal);
  const deleted = [...doomed, ...sidecars];
  signal?.throwIfAborted();
  await engine.store.deleteMany(deleted, { signal });
  return { cutoff, checkpointVersion: boundary.checkpoint, deleted, durationMs: Date.now() - started };
}

/** The highest version a log file covers (a compaction file covers a range). */
function lastVersionOf(f: LogFile): number {
  return f.kind === "compaction" ? f.endVersion : f.version;
}

/**
 * The newest complete checkpoint written at or before `cutoff`, and the version below which files
 * may go: that checkpoint's version, lowered to the first commit that is not yet expired.
 */
function deletionBoundary(files: LogFile[], cutoff: number): { checkpoint: number; deleteBelow: number } | undefined {
  const checkpoint = newestExpiredCheckpoint(files, cutoff);
  if (checkpoint === undefined) return undefined;
  let deleteBelow = checkpoint;
  for (const f of files) {
    if ((f.kind === "commit" || f.kind === "crc") && f.version < deleteBelow && f.lastModified > cutoff) deleteBelow = f.version;
  }
  return deleteBelow > 0 ? { checkpoint, deleteBelow } : undefined;
}

/** Version of the newest checkpoint that is complete from files all written at or before the cutoff. */
function newestExpiredCheckpoint(files: LogFile[], cutoff: number): number | undefined {
  const expired = completeCheckpoints(files.filter((f) => f.kind === "checkpoint" && f.lastModified <= cutoff));
  let newest: number | undefined;
  for (const version of expired.keys()) if (newest === undefined || version > newest) newest = version;
  return newest;
}

/** Sidecar files older than the cutoff that no retained v2 checkpoint references. */
async function expiredSidecars(engine: Engine, retained: CheckpointFile[], cutoff: number, signal?: AbortSignal): Promise<string[]> {
  const prefix = `${LOG_DIR}/_sidecars/`;
  const candidates: string[] = [];
  for await (const meta of engine.store.list(prefix, { signal })) if (meta.lastModified <= cutoff) candidates.push(meta.path);
  if (candidates.length === 0) return [];
  const referenced = new Set<string>();
  for (const file of retained) {
    await readCheckpointSidecars(engine, file, (path) => referenced.add(path.includes("/") ? path : `${prefix}${path}`), signal);
  }
  return candidates.filter((p) => !referenced.has(p));
}

/** Visits the sidecar paths a v2 checkpoint's top-level file lists (without reading the sidecars). */
async function readCheckpointSidecars(
  engine: Engine,
  file: CheckpointFile,
  visit: (path: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  if (file.fileType === "json") {
    const bytes = await engine.store.get(file.path, { signal });
    forEachAction(bytes, file.path, (action) => {
      if ("sidecar" in action) visit(action.sidecar.path);
    });
    return;
  }
  for await (const batch of engine.parquet.read(engine.store, file.path, { columns: ["sidecar"], size: file.size, signal })) {
    const paths = batch.getChild("sidecar")?.getChild("path");
    if (!paths) continue;
    for (let i = 0; i < batch.numRows; i++) {
      const path = paths.get(i) as string | null;
      if (typeof path === "string") visit(path);
    }
  }
}
