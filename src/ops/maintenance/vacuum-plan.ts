/**
 * Choosing what vacuum deletes. Both modes yield store-relative paths inside the table root that
 * no version within retention references and that were last modified before the cutoff; neither
 * ever yields anything under `_delta_log/`.
 *
 * - `lite`: the files of tombstones (and their deletion vectors) removed before the cutoff, as
 *   the snapshot remembers them; each is checked with `head`, so files already gone are not
 *   reported again. No listing of the table.
 * - `full`: one listing of the whole table root, skipping hidden paths as Spark does, so orphans
 *   of failed writes are found too; the local store's leftover `.lakelog-tmp-*` files (a write
 *   killed between its temporary file and the rename) are swept wherever they are, `_delta_log/`
 *   included: no reader lists them, and one older than the retention belongs to no live writer.
 */
import type { Engine } from "../../engine/index.js";
import { NotFoundError } from "../../errors/storage-errors.js";
import { canonicalizePath, isAbsoluteKey } from "../../log/file-paths.js";
import { LOG_DIR } from "../../log/log-files.js";
import type { Snapshot } from "../../log/snapshot.js";
import { compareKeys, normalizePath } from "../../storage/paths.js";
import { forEachConcurrent } from "../../util/concurrency.js";
import { deletionVectorKey, type ReferencedFiles } from "./vacuum-references.js";

/** A file vacuum will delete. */
export interface VacuumCandidate {
  path: string;
  size: number;
}

/** What planning saw. */
export interface VacuumPlan {
  files: VacuumCandidate[];
  /** Objects listed (full) or tombstone files checked (lite). */
  examined: number;
}

/** Progress callback of planning: objects examined so far and candidates found. */
export type PlanProgress = (examined: number, candidates: number) => void;

/** What {@link planFull} and {@link planLite} plan against. */
export interface PlanOptions {
  /** Files some version within the retention still references. */
  refs: ReferencedFiles;
  /** Files modified (or tombstoned) at or after this time (ms) are kept. */
  cutoff: number;
  onProgress?: PlanProgress;
  signal?: AbortSignal;
}

/** The local store's temporary-file prefix (`LOCAL_TEMP_PREFIX`): hidden from readers, yet ours to sweep. */
const LAKELOG_TEMP_PREFIX = ".lakelog-tmp-";

/** `head` calls in flight when checking tombstone files. */
const HEAD_CONCURRENCY = 16;

/** Progress is reported every this many objects. */
const PROGRESS_EVERY = 1000;

/**
 * True when vacuum must leave `key` alone because a path segment is hidden, by Spark's rule: a
 * directory or file name starting with `_` or `.` is hidden, except `_change_data*` and
 * `_delta_index*` (Delta-managed) and partition directories (`<column>=...`).
 */
function isHiddenPath(key: string, partitionColumns: readonly string[]): boolean {
  const segments = key.split("/");
  for (let i = 0; i < segments.length; i++) {
    const name = segments[i]!;
    if (!name.startsWith("_") && !name.startsWith(".")) continue;
    if (name.startsWith("_change_data") || name.startsWith("_delta_index")) continue;
    if (partitionColumns.some((c) => name.startsWith(`${c}=`))) continue;
    return true;
  }
  return false;
}

/** True when `key` is a plain store-relative key inside the root, outside `_delta_log/`. */
function isDeletableKey(key: string, backend: string): boolean {
  if (key === LOG_DIR || key.startsWith(`${LOG_DIR}/`)) return false;
  return isPlainKey(key, backend);
}

/** True when `key` is a plain store-relative key inside the root. */
function isPlainKey(key: string, backend: string): boolean {
  try {
    return normalizePath(key, backend) === key;
  } catch {
    return false;
  }
}

/** True for a leftover temporary file (or stale lock) of the local store, in any directory of the table. */
function isLakelogTemp(key: string, backend: string): boolean {
  return key.slice(key.lastIndexOf("/") + 1).startsWith(LAKELOG_TEMP_PREFIX) && isPlainKey(key, backend);
}

/** Full mode: lists the table root once (the local store's temporary files included, `_delta_log/` ones too). */
export async function planFull(engine: Engine, snapshot: Snapshot, options: PlanOptions): Promise<VacuumPlan> {
  const { refs, cutoff, onProgress, signal } = options;
  const { store } = engine;
  const files: VacuumCandidate[] = [];
  let examined = 0;
  for await (const meta of store.list("", { includeHidden: true, signal })) {
    examined++;
    if (onProgress && examined % PROGRESS_EVERY === 0) onProgress(examined, files.length);
    if (meta.lastModified >= cutoff) continue;
    if (!isLakelogTemp(meta.path, store.backend)) {
      if (!isDeletableKey(meta.path, store.backend)) continue;
      if (isHiddenPath(meta.path, snapshot.partitionColumns)) continue;
      if (refs.has(meta.path)) continue;
    }
    files.push({ path: meta.path, size: meta.size });
  }
  onProgress?.(examined, files.length);
  return { files, examined };
}

/** Lite mode: the files of expired tombstones that still exist and are older than the cutoff. */
export async function planLite(engine: Engine, snapshot: Snapshot, options: PlanOptions): Promise<VacuumPlan> {
  const { refs, cutoff, onProgress, signal } = options;
  const { store } = engine;
  const root = snapshot.tableUrl.replace(/\/+$/, "");
  const keys = new Set<string>();
  const consider = (key: string | undefined) => {
    if (key === undefined || isAbsoluteKey(key) || refs.has(key) || !isDeletableKey(key, store.backend)) return;
    keys.add(key);
  };
  for (const tombstone of snapshot.tombstones.values()) {
    if ((tombstone.deletionTimestamp ?? 0) >= cutoff) continue;
    consider(canonicalizePath(tombstone.path, root));
    consider(deletionVectorKey(tombstone.deletionVector, root));
  }
  const files: VacuumCandidate[] = [];
  let examined = 0;
  await forEachConcurrent(
    keys,
    HEAD_CONCURRENCY,
    async (key) => {
      try {
        const meta = await store.head(key, { signal });
        if (meta.lastModified < cutoff) files.push({ path: key, size: meta.size });
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
      examined++;
      if (onProgress && examined % PROGRESS_EVERY === 0) onProgress(examined, files.length);
    },
    signal,
  );
  files.sort((a, b) => compareKeys(a.path, b.path));
  onProgress?.(examined, files.length);
  return { files, examined };
}
