/**
 * What the `_delta_log/` folder holds, from one listing: commits, checkpoints and the rest, for
 * `health` and `validate`.
 */
import type { ObjectStore } from "../../index.js";

/** The log folder summarised. */
export interface LogListing {
  /** Versions of commit files, ascending. */
  commits: number[];
  /** Versions that have a (classic, multi-part or v2) checkpoint, ascending, without duplicates. */
  checkpoints: number[];
  /** Bytes of everything under `_delta_log/`. */
  bytes: number;
  objects: number;
}

const COMMIT = /^(\d{20})\.json$/;
const CHECKPOINT = /^(\d{20})\.checkpoint(?:\.\d{10}\.\d{10}|\.[^.]+)?\.(?:parquet|json)$/;

/** Lists `_delta_log/` once. */
export async function listLog(store: ObjectStore, signal: AbortSignal): Promise<LogListing> {
  const commits: number[] = [];
  const checkpoints = new Set<number>();
  let bytes = 0;
  let objects = 0;
  for await (const meta of store.list("_delta_log/", { signal })) {
    objects++;
    bytes += meta.size;
    const name = meta.path.slice(meta.path.lastIndexOf("/") + 1);
    const commit = COMMIT.exec(name);
    if (commit) commits.push(Number(commit[1]));
    const checkpoint = CHECKPOINT.exec(name);
    if (checkpoint) checkpoints.add(Number(checkpoint[1]));
  }
  commits.sort((a, b) => a - b);
  return { commits, checkpoints: [...checkpoints].sort((a, b) => a - b), bytes, objects };
}

/** The newest checkpoint at or below `version`, or undefined. */
export function lastCheckpoint(log: LogListing, version: number): number | undefined {
  let found: number | undefined;
  for (const v of log.checkpoints) if (v <= version) found = v;
  return found;
}

/**
 * Versions missing between the first version a reader can start from (the oldest checkpoint, else
 * version 0) and `latest`. Commits before a checkpoint may be cleaned up; later ones must all be
 * there.
 */
export function missingVersions(log: LogListing, latest: number): number[] {
  const have = new Set(log.commits);
  const checkpoint = lastCheckpoint(log, latest);
  const start = checkpoint !== undefined ? checkpoint + 1 : 0;
  const missing: number[] = [];
  for (let v = start; v <= latest && missing.length < 100; v++) if (!have.has(v)) missing.push(v);
  return missing;
}
