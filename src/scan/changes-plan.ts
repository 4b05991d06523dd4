/**
 * Planning a change data feed read: which commits are in range, when each was committed, whether
 * the table recorded changes at each, and per commit which files to read and how (change data
 * files, or data files added or removed, possibly with deletion vectors). Reads commit JSON only.
 */
import { ChangeDataFeedNotEnabledError, ChangeDataVersionError } from "../errors/row-level-errors.js";
import { NotFoundError } from "../errors/storage-errors.js";
import type { AddCDCFile, AddFile, CommitInfo, DeletionVectorDescriptor, Metadata, RemoveFile } from "../log/actions.js";
import { listLogFiles } from "../log/log-segment.js";
import type { LogFile } from "../log/log-files.js";
import { parseCommitActions } from "../log/parse-actions.js";
import { readTableProperties } from "../log/table-properties.js";
import type { ObjectStore } from "../storage/store.js";

type CommitFile = Extract<LogFile, { kind: "commit" }>;

/** One file to read for the change feed, and which of its rows become which change. */
export type ChangeRead =
  /** A `_change_data` file: its rows as they are, `_change_type` from the file. */
  | { kind: "cdc"; file: AddCDCFile }
  /** Rows of a data file, all of one change type; `deletionVector` = the rows not to return. */
  | {
      kind: "rows";
      changeType: "insert" | "delete";
      path: string;
      size?: number;
      partitionValues: Record<string, string | null>;
      deletionVector?: DeletionVectorDescriptor | null;
    }
  /** A file re-added with another deletion vector: rows deleted by `after` but not `before` are deletes, the reverse inserts. */
  | {
      kind: "dv-update";
      path: string;
      size?: number;
      partitionValues: Record<string, string | null>;
      before?: DeletionVectorDescriptor | null;
      after?: DeletionVectorDescriptor | null;
    };

/** The change data of one commit. */
export interface CommitChanges {
  version: number;
  /** Commit time (ms): the in-commit timestamp when the table has them, else the commit file's time. */
  timestamp: number;
  reads: ChangeRead[];
}

/** A version range and the commits that form it. */
export interface ChangeRange {
  startingVersion: number;
  endingVersion: number;
  commits: CommitFile[];
}

/** Lists the commits of the log, ascending (one listing). */
export async function listCommitFiles(store: ObjectStore, signal?: AbortSignal): Promise<CommitFile[]> {
  const files = await listLogFiles(store, 0, signal);
  return files.filter((f): f is CommitFile => f.kind === "commit").sort((a, b) => a.version - b.version);
}

/**
 * Commit file times made strictly increasing, as Spark does for time travel (a time not after its
 * predecessor's counts as the predecessor's plus 1 ms).
 */
export function monotonicTimes(commits: readonly CommitFile[]): number[] {
  const out: number[] = [];
  for (const c of commits) {
    const previous = out[out.length - 1];
    out.push(previous !== undefined && c.lastModified <= previous ? previous + 1 : c.lastModified);
  }
  return out;
}

/**
 * Reads the commits of `range` and plans each one. `metadataAtStart` is the table's metadata as
 * of `startingVersion` (that commit included). Throws {@link ChangeDataFeedNotEnabledError} when
 * `delta.enableChangeDataFeed` is not true as of some version of the range (metadata changes in
 * the range are followed), {@link ChangeDataVersionError} when a commit file is gone.
 * I/O: one `get` per commit; memory: the file actions of the range (no data).
 */
export async function planChanges(
  store: ObjectStore,
  range: ChangeRange,
  metadataAtStart: Metadata,
  signal?: AbortSignal,
): Promise<CommitChanges[]> {
  const { startingVersion, endingVersion } = range;
  const byVersion = new Map(range.commits.map((c, i) => [c.version, i]));
  const times = monotonicTimes(range.commits);
  let metadata = metadataAtStart;
  const out: CommitChanges[] = [];
  for (let version = startingVersion; version <= endingVersion; version++) {
    const index = byVersion.get(version);
    if (index === undefined)
      throw new ChangeDataVersionError(
        store.rootUrl,
        startingVersion,
        endingVersion,
        `the commit of version ${version} is missing (removed by log cleanup?)`,
      );
    const commit = range.commits[index]!;
    let bytes: Uint8Array;
    try {
      bytes = await store.get(commit.path, { signal });
    } catch (err) {
      if (err instanceof NotFoundError)
        throw new ChangeDataVersionError(
          store.rootUrl,
          startingVersion,
          endingVersion,
          `the commit of version ${version} is missing (removed by log cleanup?)`,
        );
      throw err;
    }
    const grouped = groupActions(parseCommitActions(bytes, commit.path));
    if (grouped.metadata) metadata = grouped.metadata;
    const properties = readTableProperties(metadata.configuration, store.rootUrl);
    if (!properties.enableChangeDataFeed) throw new ChangeDataFeedNotEnabledError(store.rootUrl, version, startingVersion, endingVersion);
    const ict = properties.enableInCommitTimestamps ? grouped.commitInfo?.inCommitTimestamp : undefined;
    const timestamp = typeof ict === "number" && Number.isFinite(ict) ? ict : times[index]!;
    out.push({ version, timestamp, reads: readsOf(grouped) });
  }
  return out;
}

interface GroupedActions {
  metadata?: Metadata;
  commitInfo?: CommitInfo;
  adds: AddFile[];
  removes: RemoveFile[];
  cdcs: AddCDCFile[];
}

function groupActions(actions: ReturnType<typeof parseCommitActions>): GroupedActions {
  const g: GroupedActions = { adds: [], removes: [], cdcs: [] };
  for (const a of actions) {
    if ("add" in a) g.adds.push(a.add);
    else if ("remove" in a) g.removes.push(a.remove);
    else if ("cdc" in a) g.cdcs.push(a.cdc);
    else if ("metaData" in a) g.metadata = a.metaData;
    else if ("commitInfo" in a) g.commitInfo = a.commitInfo;
  }
  return g;
}

/**
 * The reads of one commit: its change data files when it has any (they are then the whole truth,
 * as the protocol says); otherwise inserts from `add`s and deletes from `remove`s with
 * `dataChange`, a remove and add of the same path (a deletion vector update) read as the rows
 * whose deletion state changed.
 */
function readsOf(g: GroupedActions): ChangeRead[] {
  if (g.cdcs.length > 0) return g.cdcs.map((file) => ({ kind: "cdc", file }));
  const adds = g.adds.filter((a) => a.dataChange);
  const removes = g.removes.filter((r) => r.dataChange);
  const removedByPath = new Map(removes.map((r) => [r.path, r]));
  const readdedPaths = new Set<string>();
  const reads: ChangeRead[] = [];
  for (const add of adds) {
    const removed = removedByPath.get(add.path);
    if (removed) {
      readdedPaths.add(add.path);
      reads.push({
        kind: "dv-update",
        path: add.path,
        size: add.size,
        partitionValues: add.partitionValues,
        before: removed.deletionVector,
        after: add.deletionVector,
      });
    } else {
      reads.push({
        kind: "rows",
        changeType: "insert",
        path: add.path,
        size: add.size,
        partitionValues: add.partitionValues,
        deletionVector: add.deletionVector,
      });
    }
  }
  for (const r of removes) {
    if (readdedPaths.has(r.path)) continue;
    reads.push({
      kind: "rows",
      changeType: "delete",
      path: r.path,
      size: r.size ?? undefined,
      partitionValues: r.partitionValues ?? {},
      deletionVector: r.deletionVector,
    });
  }
  return reads;
}
