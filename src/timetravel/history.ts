/**
 * Time travel and history: when each version was committed, which version was current at a
 * point in time, and the commit infos of past commits.
 */
import { TableNotFoundError, TimestampOutOfRangeError } from "../errors/log-errors.js";
import type { CommitInfo } from "../log/actions.js";
import { listLogFiles, type CommitFile } from "../log/log-segment.js";
import { parseActions } from "../log/parse-actions.js";
import type { ObjectStore } from "../storage/store.js";
import { mapInOrder } from "../util/concurrency.js";

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
  const commits = await listCommits(store, options.signal);
  const eligible = commits.filter((c) => options.upToVersion === undefined || c.version <= options.upToVersion).reverse();
  const chosen = options.limit === undefined ? eligible : eligible.slice(0, Math.max(0, options.limit));
  const out: HistoryEntry[] = [];
  await mapInOrder(
    chosen,
    8,
    (commit) => store.get(commit.path, { signal: options.signal }),
    (bytes, commit) => {
      const info = parseActions(bytes, commit.path).find((a) => "commitInfo" in a) as { commitInfo: CommitInfo } | undefined;
      const ci = info?.commitInfo ?? {};
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
  /** Table properties of the latest snapshot (to find in-commit timestamp enablement). */
  properties: Record<string, string>;
  /** Lowest version that can still be reconstructed. */
  earliestVersion?: number;
  signal?: AbortSignal;
}

/**
 * The newest version committed at or before `timestamp` (ms). Commit times are the in-commit
 * timestamps from the version where they were enabled on, and before that the commit files'
 * modification times, made strictly increasing as Spark does (a file time not after its
 * predecessor's counts as the predecessor's plus 1 ms). A time after the last commit gives the
 * latest version; one before the earliest readable commit throws {@link TimestampOutOfRangeError}.
 */
export async function versionAtTimestamp(store: ObjectStore, timestamp: number, options: VersionAtTimestampOptions): Promise<number> {
  const all = await listCommits(store, options.signal);
  const commits = all.filter((c) => c.version >= (options.earliestVersion ?? 0));
  const times = monotonicFileTimes(commits);
  const ictFrom = ictEnablementVersion(options.properties);
  const timeOf = async (index: number): Promise<number> => {
    const commit = commits[index]!;
    if (ictFrom === undefined || commit.version < ictFrom) return times[index]!;
    return inCommitTimestamp(store, commit, options.signal);
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
  if (properties["delta.enableInCommitTimestamps"] !== "true") return undefined;
  const v = Number(properties["delta.inCommitTimestampEnablementVersion"] ?? 0);
  return Number.isSafeInteger(v) ? v : 0;
}

async function inCommitTimestamp(store: ObjectStore, commit: CommitFile, signal?: AbortSignal): Promise<number> {
  const actions = parseActions(await store.get(commit.path, { signal }), commit.path);
  const info = actions.find((a) => "commitInfo" in a) as { commitInfo: CommitInfo } | undefined;
  return numberOr(info?.commitInfo.inCommitTimestamp, commit.lastModified);
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}
