/**
 * RESTORE: one commit that makes a table's content equal to an earlier version's. See
 * spec/maintenance.md ("Restore").
 */
import type { Engine } from "../../engine/index.js";
import { InvalidArgumentError } from "../../errors/argument-errors.js";
import { RestoreMissingFilesError } from "../../errors/maintenance-vacuum-errors.js";
import { NotFoundError } from "../../errors/storage-errors.js";
import type { AddFile, RemoveFile } from "../../log/actions.js";
import { canonicalizePath, isAbsoluteKey } from "../../log/file-paths.js";
import type { FileIndex } from "../../log/file-index.js";
import { loadSnapshot, type Snapshot } from "../../log/snapshot.js";
import { versionAtTimestamp } from "../../timetravel/history.js";
import { protocolDiffers, requiredProtocol, writerFeaturesOf } from "../../txn/protocol-support.js";
import type { CommitResult, Transaction } from "../../txn/transaction.js";
import { forEachConcurrent } from "../../util/concurrency.js";
import { describeArgument } from "../../util/validate.js";
import { removeFor } from "../write/row-deletion.js";
import { maintenanceTransaction } from "./vacuum-commit.js";
import { deletionVectorKey } from "./vacuum-references.js";

/** The version to restore: by number, or the one current at a time (ms since the epoch). */
export type RestoreTarget = { version: number; timestamp?: undefined } | { timestamp: number; version?: undefined };

/** Options of {@link restoreTable}. */
export interface RestoreOptions {
  signal?: AbortSignal;
}

/** Spark's RESTORE metrics. */
export interface RestoreMetrics {
  /** Files of the target version added back. */
  numRestoredFiles: number;
  /** Active files removed because the target version did not have them. */
  numRemovedFiles: number;
  restoredFilesSize: number;
  removedFilesSize: number;
  /** Active files and their total size after the restore. */
  numOfFilesAfterRestore: number;
  tableSizeAfterRestore: number;
}

/** What a restore committed. */
export interface RestoreResult {
  /** The version the RESTORE commit created. */
  version: number;
  /** The version whose content the table now has. */
  restoredVersion: number;
  metrics: RestoreMetrics;
  commit: CommitResult;
}

/** `head` calls in flight when checking that the restored files exist. */
const HEAD_CONCURRENCY = 16;

/**
 * Restores the table whose latest state is `latest` to the content of an earlier version: one
 * commit (operation `RESTORE`) that adds back, with `dataChange: true`, every file of the target
 * version not active now and removes every active file the target lacks, so the active file set
 * (paths and deletion vectors) equals the target's. The target's metadata is restored when it
 * differs; the protocol is never downgraded (it is raised when the target needed more). The
 * transaction reads the whole table, so it conflicts with any concurrent change of data.
 *
 * Refused with {@link RestoreMissingFilesError} (nothing committed) when a data or
 * deletion-vector file to add back no longer exists; `VersionNotFoundError` /
 * `TimestampOutOfRangeError` when the target cannot be read; `InvalidArgumentError` when the
 * target is the latest version itself (as Spark and delta-rs refuse it: there is nothing to restore). I/O: loads the target snapshot,
 * one `head` per file to add back (16 in flight), one commit.
 */
export async function restoreTable(
  engine: Engine,
  latest: Snapshot,
  target: RestoreTarget,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  const { signal } = options;
  const version = await resolveTarget(engine, latest, target, signal);
  const old = await loadSnapshot(engine, { version, signal });
  const txn = maintenanceTransaction(engine, latest, signal);
  const keyOf = (file: AddFile) => txn.keyOf(file);
  const current = keySet(latest.files, keyOf);
  const wanted = keySet(old.files, keyOf);
  const toAdd: AddFile[] = [];
  for (let i = 0; i < old.files.length; i++) {
    const add = old.files.addFile(i);
    if (!current.has(keyOf(add))) toAdd.push({ ...add, dataChange: true });
  }
  const now = engine.clock.now();
  const toRemove: RemoveFile[] = [];
  let removedFilesSize = 0;
  for (let i = 0; i < latest.files.length; i++) {
    const add = latest.files.addFile(i);
    if (wanted.has(keyOf(add))) continue;
    toRemove.push(removeFor(add, now));
    removedFilesSize += add.size;
  }
  await assertFilesExist(engine, { tableUrl: latest.tableUrl, version, adds: toAdd, signal });
  txn.readWholeTable();
  restoreTableState(txn, latest, old);
  txn.removeFiles(toRemove);
  txn.addFiles(toAdd);
  const metrics: RestoreMetrics = {
    numRestoredFiles: toAdd.length,
    numRemovedFiles: toRemove.length,
    restoredFilesSize: toAdd.reduce((n, a) => n + a.size, 0),
    removedFilesSize,
    numOfFilesAfterRestore: old.files.length,
    tableSizeAfterRestore: totalSize(old.files),
  };
  const operationParameters = target.timestamp !== undefined ? { timestamp: new Date(target.timestamp).toISOString() } : { version };
  const commit = await txn.commit({ operation: "RESTORE", operationParameters, operationMetrics: { ...metrics } });
  return { version: commit.version, restoredVersion: version, metrics, commit };
}

/** The target version: checked as given, or the one current at the timestamp. */
async function resolveTarget(engine: Engine, latest: Snapshot, target: RestoreTarget, signal?: AbortSignal): Promise<number> {
  if (target.version !== undefined && target.timestamp !== undefined) {
    throw new InvalidArgumentError("restore target", "both version and timestamp", "one of { version } or { timestamp }");
  }
  if (target.version !== undefined) {
    const v = target.version;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v >= latest.version) {
      throw new InvalidArgumentError("restore.version", describeArgument(v), earlierVersions(latest));
    }
    return v;
  }
  const ms = target.timestamp;
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    throw new InvalidArgumentError(
      "restore target",
      describeArgument(ms),
      "{ version: number } or { timestamp } (a Date, ms or ISO-8601 string)",
    );
  }
  const version = await versionAtTimestamp(engine.store, ms, { properties: latest.properties, signal });
  if (version >= latest.version) {
    const committed = new Date(latest.timestamp).toISOString();
    throw new InvalidArgumentError(
      "restore.timestamp",
      new Date(ms).toISOString(),
      `a time before the latest commit (version ${latest.version}, ${committed}): the table has not changed since`,
    );
  }
  return version;
}

/** What a restore by version accepts: an earlier version (as Spark and delta-rs require). */
function earlierVersions(latest: Snapshot): string {
  const current = `version ${latest.version} is the current one, so there is nothing to restore`;
  return latest.version === 0 ? `an earlier version (${current})` : `a version from 0 to ${latest.version - 1} (${current})`;
}

/** Restores metadata as it was at the target; raises (never lowers) the protocol to cover the target's. */
function restoreTableState(txn: Transaction, latest: Snapshot, old: Snapshot): void {
  if (JSON.stringify(old.metadata) !== JSON.stringify(latest.metadata)) txn.setMetadata(old.metadata);
  const needed = new Set([...writerFeaturesOf(old.protocol), ...(old.protocol.readerFeatures ?? [])]);
  const protocol = requiredProtocol(needed, latest.protocol);
  if (protocolDiffers(latest.protocol, protocol)) txn.setProtocol(protocol);
}

/** Throws {@link RestoreMissingFilesError} unless every data and deletion-vector file of `adds` inside the table exists. */
async function assertFilesExist(
  engine: Engine,
  target: { tableUrl: string; version: number; adds: AddFile[]; signal?: AbortSignal },
): Promise<void> {
  const { tableUrl, version, adds, signal } = target;
  const root = tableUrl.replace(/\/+$/, "");
  const keys = new Set<string>();
  for (const add of adds) {
    const key = canonicalizePath(add.path, root);
    if (!isAbsoluteKey(key)) keys.add(key);
    const dv = deletionVectorKey(add.deletionVector, root);
    if (dv !== undefined) keys.add(dv);
  }
  const missing: string[] = [];
  await forEachConcurrent(
    keys,
    HEAD_CONCURRENCY,
    async (key) => {
      try {
        await engine.store.head(key, { signal });
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        missing.push(key);
      }
    },
    signal,
  );
  if (missing.length > 0) throw new RestoreMissingFilesError(tableUrl, version, missing.sort().slice(0, 100), missing.length);
}

function keySet(files: FileIndex, keyOf: (add: AddFile) => string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < files.length; i++) out.add(keyOf(files.addFile(i)));
  return out;
}

function totalSize(files: FileIndex): number {
  let total = 0;
  for (let i = 0; i < files.length; i++) total += files.size(i);
  return total;
}
