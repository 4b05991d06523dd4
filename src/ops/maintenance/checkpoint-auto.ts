/**
 * Automatic checkpoints: after a commit whose version is a multiple of `delta.checkpointInterval`,
 * write a checkpoint of that version and then, when `delta.enableExpiredLogCleanup` allows,
 * delete the expired log files. It runs after the commit has resolved, in the background: its
 * failures are reported through `onMaintenance`, never thrown, and the commit that triggered it
 * is neither failed nor delayed.
 */
import type { Engine } from "../../engine/index.js";
import type { Metadata } from "../../log/actions.js";
import { loadSnapshot, type Snapshot } from "../../log/snapshot.js";
import type { CommitResult } from "../../txn/transaction.js";
import { type CheckpointMetrics, writeCheckpoint } from "./checkpoint.js";
import { readTableProperties } from "../../log/table-properties.js";
import { cleanupExpiredLog, type LogCleanupMetrics } from "./log-cleanup.js";

/** Something automatic maintenance did, or failed to do. */
export type MaintenanceEvent =
  | { kind: "checkpoint"; metrics: CheckpointMetrics }
  | { kind: "checkpoint-error"; version: number; error: unknown }
  | { kind: "log-cleanup"; metrics: LogCleanupMetrics }
  | { kind: "log-cleanup-error"; version: number; error: unknown };

/** Options of the operations that commit, controlling automatic maintenance after the commit. */
export interface AutoMaintenanceOptions {
  /**
   * `false` turns off the automatic checkpoint (and the log cleanup that follows it) after this
   * operation's commit. Default true; `delta.checkpointInterval` decides when one is due.
   */
  autoCheckpoint?: boolean;
  /** Receives what automatic maintenance did and its failures (which are never thrown). */
  onMaintenance?: (event: MaintenanceEvent) => void;
}

type AfterCommit = (result: CommitResult, readSnapshot: Snapshot | undefined) => void;

/**
 * True when a commit of `version` under `metadata` should be followed by a checkpoint. Throws
 * `InvalidTablePropertyError` for a malformed `delta.checkpointInterval`.
 */
export function isCheckpointDue(version: number, metadata: Metadata): boolean {
  if (version <= 0) return false;
  return version % readTableProperties(metadata.configuration).checkpointInterval === 0;
}

/**
 * The hook a transaction calls once its commit landed (see `TransactionOptions.afterCommit`):
 * when a checkpoint is due it schedules one on the next turn of the event loop and returns at
 * once. I/O (in the background): the commits since `readSnapshot`, the checkpoint's files,
 * `_last_checkpoint`, and a log listing plus deletes for the cleanup.
 */
export function autoMaintenanceHook(engine: Engine, options: AutoMaintenanceOptions & { afterCommit?: AfterCommit } = {}): AfterCommit {
  return (result, readSnapshot) => {
    try {
      options.afterCommit?.(result, readSnapshot); // the caller's own hook runs first
    } catch {
      // as in Transaction.commit: a hook never fails a commit that landed
    }
    if (options.autoCheckpoint === false) return;
    const metadata = committedMetadata(result) ?? readSnapshot?.metadata;
    try {
      if (!metadata || !isCheckpointDue(result.version, metadata)) return;
    } catch (error) {
      emit(options, { kind: "checkpoint-error", version: result.version, error }); // a malformed interval
      return;
    }
    setImmediate(() => void runMaintenance(engine, result.version, readSnapshot, options));
  };
}

function committedMetadata(result: CommitResult): Metadata | undefined {
  let found: Metadata | undefined;
  for (const action of result.actions) if ("metaData" in action) found = action.metaData;
  return found;
}

/** Checkpoint of `version`, then the cleanup; each failure is reported, none thrown. */
async function runMaintenance(engine: Engine, version: number, base: Snapshot | undefined, options: AutoMaintenanceOptions): Promise<void> {
  let snapshot: Snapshot;
  try {
    snapshot = await loadSnapshot(engine, { version, base });
    const metrics = await writeCheckpoint(engine, snapshot);
    emit(options, { kind: "checkpoint", metrics });
  } catch (error) {
    emit(options, { kind: "checkpoint-error", version, error });
    return;
  }
  try {
    if (!snapshot.tableProperties.enableExpiredLogCleanup) return;
    const metrics = await cleanupExpiredLog(engine, snapshot.properties);
    emit(options, { kind: "log-cleanup", metrics });
  } catch (error) {
    emit(options, { kind: "log-cleanup-error", version, error });
  }
}

function emit(options: AutoMaintenanceOptions, event: MaintenanceEvent): void {
  try {
    options.onMaintenance?.(event);
  } catch {
    // a failing listener must not turn into an unhandled rejection
  }
}
