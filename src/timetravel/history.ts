/**
 * Time travel and history: when each version was committed, which version was current at a
 * point in time, and the commit infos of past commits.
 */
import { readTableProperties } from "../log/table-properties.js";
import { TableNotFoundError, TimestampOutOfRangeError } from "../errors/log-errors.js";
import type { CommitInfo } from "../log/actions.js";
import type { Engine } from "../engine/index.js";
import type { LogFile } from "../log/log-files.js";
import { listLogFiles, readableCommits, type CommitFile } from "../log/log-segment.js";
import { loadSnapshot, type Snapshot } from "../log/snapshot.js";
import { readCommitInfo } from "../log/parse-actions.js";
import type { ObjectStore } from "../storage/store.js";
import { mapInOrder } from "../util/concurrency.js";
import { describeArgument, optionalSafeInteger } from "../util/validate.js";
import { InvalidArgumentError } from "../errors/argument-errors.js";

/** One entry of a table's history: the commit info of a version, with its version and time. */
export interface HistoryEntry extends CommitInfo {
  version: number;
  /** Commit time in ms: the in-commit timestamp when present, else commitInfo.timestamp, else the file time. */
  timestamp: number;
}

/** Options for {@link readHistory}. */
export interface HistoryOptions {
  /** At most this many entries, newest first. */
  limit?: number;
  /** Only versions at or below this one. */
  upToVersion?: number;
  signal?: AbortSignal;
}

/**
 * Commit infos, newest first. I/O: one listing of the log and one `get` per returned commit
 * (8 in flight). Commits already removed by log cleanup are not listed.
 */
export async function readHistory(store: ObjectStore, options: HistoryOptions = {}): Promise<HistoryEntry[]> {
  const limit = optionalSafeInteger(options.limit, "history limit");
  optionalSafeInteger(options.upToVersion, "history upToVersion");
  const commits = await listCommits(store, options.signal);
  const eligible = commits.filter((c) => options.upToVersion === undefined || c.version <= options.upToVersion).reverse();
  const chosen = limit === undefined ? eligible : eligible.slice(0, limit);
  const out: HistoryEntry[] = [];
  await mapInOrder(
    chosen,
    8,
    (commit) => store.get(commit.path, { signal: options.signal }),
    (bytes, commit) => {
      const ci = readCommitInfo(bytes, commit.path) ?? {};
      const timestamp = numberOr(ci.inCommitTimestamp, numberOr(ci.timestamp, commit.lastModified));
      out.push({ ...ci, version: commit.version, timestamp });
    },
    options.signal,
  );
  return out;
}

/** Every commit file of the log, ascending by version. Throws {@link TableNotFoundError} when there is none. */
export async function listCommits(store: ObjectStore, signal?: AbortSignal): Promise<CommitFile[]> {
  const files = await listLogFiles(store, 0, signal);
  const commits = files.filter((f): f is CommitFile => f.kind === "commit").sort((a, b) => a.version - b.version);
  if (commits.length === 0) throw new TableNotFoundError(store.rootUrl);
  return commits;
}

/** Options for {@link versionAtTimestamp}. */
export interface VersionAtTimestampOptions {
  /**
   * Table properties of the latest snapshot (to find in-commit timestamp enablement). When
   * omitted (no snapshot loaded yet), enablement is read from the commits themselves: a table has
   * in-commit timestamps when its newest commit carries one, and they start at the oldest commit
   * of the run of commits that carry one (found by binary search).
   */
  properties?: Record<string, string>;
  /** Every log file from version 0, when the caller listed the log already (else it is listed here). */
  listing?: readonly LogFile[];
  signal?: AbortSignal;
}

/**
 * The newest version committed at or before `timestamp` (ms). Commit times are the in-commit
 * timestamps from the version where they were enabled on, and before that the commit files'
 * modification times, made strictly increasing as Spark does (a file time not after its
 * predecessor's counts as the predecessor's plus 1 ms). A time after the last commit gives the
 * latest version; one before the earliest version that can be reconstructed (the oldest
 * checkpoint, once log cleanup removed commit 0) throws {@link TimestampOutOfRangeError}.
 * I/O: one listing of the log (none with `options.listing`), and the `get` of a few commits
 * (O(log n)) when the table has in-commit timestamps; no log replay.
 */
export async function versionAtTimestamp(store: ObjectStore, timestamp: number, options: VersionAtTimestampOptions = {}): Promise<number> {
  if (typeof timestamp !== "number" || !Number.isFinite(timestamp))
    throw new InvalidArgumentError("timestamp", describeArgument(timestamp), "a finite number of milliseconds since the epoch");
  const commits = readableCommits(options.listing ?? (await listLogFiles(store, 0, options.signal)));
  if (commits.length === 0) throw new TableNotFoundError(store.rootUrl);
  const times = monotonicFileTimes(commits);
  const ictOf = inCommitTimestampReader(store, commits, options.signal);
  const ictFrom = options.properties ? ictEnablementVersion(options.properties) : await ictEnablementFromCommits(commits, ictOf);
  const timeOf = async (index: number): Promise<number> => {
    if (ictFrom === undefined || commits[index]!.version < ictFrom) return times[index]!;
    return (await ictOf(index)) ?? commits[index]!.lastModified;
  };
  const earliest = await timeOf(0);
  const latestIndex = commits.length - 1;
  const latest = await timeOf(latestIndex);
  if (timestamp < earliest) throw new TimestampOutOfRangeError(store.rootUrl, timestamp, earliest, latest);
  if (timestamp >= latest) return commits[latestIndex]!.version;
  // binary search: the last index whose time <= timestamp
  let lo = 0;
  let hi = latestIndex;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if ((await timeOf(mid)) <= timestamp) lo = mid;
    else hi = mid - 1;
  }
  return commits[lo]!.version;
}

/**
 * The table at the version current at `timestamp` (ms), as {@link versionAtTimestamp} finds it.
 * I/O: one listing of the log, serving both the version lookup and the load; the `get` of a few
 * commits for in-commit timestamps; then the checkpoint and commits of that version.
 */
export async function loadSnapshotAtTimestamp(
  engine: Engine,
  timestamp: number,
  options: { signal?: AbortSignal } = {},
): Promise<Snapshot> {
  const { signal } = options;
  const listing = await listLogFiles(engine.store, 0, signal);
  const version = await versionAtTimestamp(engine.store, timestamp, { listing, signal });
  return loadSnapshot(engine, { version, listing, signal });
}

function monotonicFileTimes(commits: CommitFile[]): number[] {
  const out: number[] = [];
  for (const c of commits) {
    const previous = out[out.length - 1];
    out.push(previous !== undefined && c.lastModified <= previous ? previous + 1 : c.lastModified);
  }
  return out;
}

/** The version from which commits carry in-commit timestamps, if the table has them. */
function ictEnablementVersion(properties: Record<string, string>): number | undefined {
  const typed = readTableProperties(properties);
  if (!typed.enableInCommitTimestamps) return undefined;
  return typed.inCommitTimestampEnablementVersion ?? 0;
}

/**
 * The same answer from the commits alone: writers put an in-commit timestamp in every commit
 * from the enabling version on, so the commits carrying one are a suffix of the log; undefined
 * when the newest commit has none (never enabled, or disabled since).
 */
async function ictEnablementFromCommits(
  commits: CommitFile[],
  ictOf: (index: number) => Promise<number | undefined>,
): Promise<number | undefined> {
  let hi = commits.length - 1;
  if ((await ictOf(hi)) === undefined) return undefined;
  let lo = 0;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await ictOf(mid)) !== undefined) hi = mid;
    else lo = mid + 1;
  }
  return commits[lo]!.version;
}

/** Reads the in-commit timestamp of `commits[index]` (undefined when it has none), each commit at most once. */
function inCommitTimestampReader(
  store: ObjectStore,
  commits: CommitFile[],
  signal?: AbortSignal,
): (index: number) => Promise<number | undefined> {
  const read = new Map<number, Promise<number | undefined>>();
  return (index) => {
    let ict = read.get(index);
    if (!ict) {
      const commit = commits[index]!;
      ict = store.get(commit.path, { signal }).then((bytes) => {
        const value = readCommitInfo(bytes, commit.path)?.inCommitTimestamp;
        return typeof value === "number" && Number.isFinite(value) ? value : undefined;
      });
      read.set(index, ict);
    }
    return ict;
  };
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}
