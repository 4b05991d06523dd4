/**
 * The files vacuum must keep: every data, deletion-vector and change-data file that some version
 * within the retention window references, as store-relative keys.
 *
 * A version within retention is the one current at the cutoff time and every later one. Its
 * files are the latest snapshot's active files plus everything the commits after the cutoff
 * added or removed; tombstones still in the snapshot and not yet expired are kept as well (they
 * cover commits already folded into a checkpoint). Commits made after the snapshot are added
 * with {@link ReferencedFiles.catchUp}, so a writer committing while vacuum runs is seen before
 * each batch of deletes.
 */
import type { Engine } from "../../engine/index.js";
import type { DeletionVectorDescriptor } from "../../log/actions.js";
import { canonicalizePath, isAbsoluteKey } from "../../log/file-paths.js";
import { listLogFiles, type CommitFile } from "../../log/log-segment.js";
import { forEachAction } from "../../log/parse-actions.js";
import type { Snapshot } from "../../log/snapshot.js";
import { resolveDeletionVectorKey } from "../../dv/deletion-vector.js";
import { mapInOrder } from "../../util/concurrency.js";

/** Commit files read at once. */
const COMMIT_FETCHES = 8;

/** The set of store-relative keys vacuum must never delete. */
export class ReferencedFiles {
  private readonly keys = new Set<string>();
  private readonly root: string;

  private constructor(
    private readonly engine: Engine,
    tableUrl: string,
    /** The newest commit version whose actions are in the set. */
    private lastVersion: number,
  ) {
    this.root = tableUrl.replace(/\/+$/, "");
  }

  /**
   * Builds the set for `snapshot` and `cutoff` (ms). I/O: one listing of `_delta_log` and a `get`
   * of each commit file modified after the cutoff (8 in flight).
   */
  static async collect(engine: Engine, snapshot: Snapshot, cutoff: number, signal?: AbortSignal): Promise<ReferencedFiles> {
    const refs = new ReferencedFiles(engine, snapshot.tableUrl, snapshot.version);
    const files = snapshot.files;
    for (let i = 0; i < files.length; i++) refs.addFile(files.path(i), files.deletionVector(i));
    for (const tombstone of snapshot.tombstones.values()) {
      if ((tombstone.deletionTimestamp ?? 0) >= cutoff) refs.addFile(tombstone.path, tombstone.deletionVector);
    }
    const commits = (await listLogFiles(engine.store, 0, signal)).filter((f): f is CommitFile => f.kind === "commit");
    await refs.readCommits(
      commits.filter((c) => c.lastModified > cutoff || c.version > snapshot.version),
      signal,
    );
    return refs;
  }

  /** True when `key` (store-relative) is referenced. */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Number of keys held. */
  get size(): number {
    return this.keys.size;
  }

  /**
   * Adds the files of commits made since the last look. I/O: one listing of `_delta_log` from
   * the next version on, and a `get` per new commit. Resolves with the number of new commits.
   */
  async catchUp(signal?: AbortSignal): Promise<number> {
    const files = await listLogFiles(this.engine.store, this.lastVersion + 1, signal);
    const commits = files.filter((f): f is CommitFile => f.kind === "commit" && f.version > this.lastVersion);
    await this.readCommits(commits, signal);
    return commits.length;
  }

  private async readCommits(commits: CommitFile[], signal?: AbortSignal): Promise<void> {
    const sorted = [...commits].sort((a, b) => a.version - b.version);
    await mapInOrder(
      sorted,
      COMMIT_FETCHES,
      (commit) => this.engine.store.get(commit.path, { signal }),
      (bytes, commit) => {
        forEachAction(bytes, commit.path, (action) => {
          if ("add" in action) this.addFile(action.add.path, action.add.deletionVector);
          else if ("remove" in action) this.addFile(action.remove.path, action.remove.deletionVector);
          else if ("cdc" in action) this.addFile(action.cdc.path, undefined);
        });
        if (commit.version > this.lastVersion) this.lastVersion = commit.version;
      },
      signal,
    );
  }

  /** Records a file and its deletion-vector file; paths outside the table root are not ours and are skipped. */
  private addFile(path: string, dv: DeletionVectorDescriptor | null | undefined): void {
    const key = canonicalizePath(path, this.root);
    if (!isAbsoluteKey(key)) this.keys.add(key);
    const dvKey = deletionVectorKey(dv, this.root);
    if (dvKey !== undefined) this.keys.add(dvKey);
  }
}

/**
 * The store-relative key of a deletion vector's file, or undefined when it has none (inline) or
 * it lies outside the table or its descriptor cannot be resolved (then it is no file of ours).
 */
export function deletionVectorKey(dv: DeletionVectorDescriptor | null | undefined, tableRoot: string): string | undefined {
  if (!dv || dv.storageType === "i") return undefined;
  try {
    return resolveDeletionVectorKey(dv, tableRoot);
  } catch {
    return undefined;
  }
}
