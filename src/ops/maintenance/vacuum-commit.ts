/**
 * The commits vacuum (and restore) make through the transaction layer: the empty `VACUUM START`
 * and `VACUUM END` commits Spark records around the deletes, with its parameters and metrics.
 */
import type { Engine } from "../../engine/index.js";
import type { Snapshot } from "../../log/snapshot.js";
import { Transaction, type CommitResult } from "../../txn/transaction.js";

/** A transaction on `snapshot` (commit times come from the engine's clock). */
export function maintenanceTransaction(engine: Engine, snapshot: Snapshot, signal?: AbortSignal): Transaction {
  return new Transaction(engine, snapshot, { signal });
}

/** What VACUUM START records. */
export interface VacuumStartInfo {
  retentionCheckEnabled: boolean;
  specifiedRetentionMillis?: number;
  defaultRetentionMillis: number;
  vacuumType: "LITE" | "FULL";
  numFilesToDelete: number;
  sizeOfDataToDelete: number;
}

/**
 * Commits `VACUUM START` (no actions; parameters retentionCheckEnabled, specifiedRetentionMillis,
 * defaultRetentionMillis, vacuumType; metrics numFilesToDelete, sizeOfDataToDelete).
 */
export function commitVacuumStart(engine: Engine, snapshot: Snapshot, info: VacuumStartInfo, signal?: AbortSignal): Promise<CommitResult> {
  const txn = maintenanceTransaction(engine, snapshot, signal);
  return txn.commit({
    operation: "VACUUM START",
    operationParameters: {
      retentionCheckEnabled: info.retentionCheckEnabled,
      specifiedRetentionMillis: info.specifiedRetentionMillis,
      defaultRetentionMillis: info.defaultRetentionMillis,
      vacuumType: info.vacuumType,
    },
    operationMetrics: { numFilesToDelete: info.numFilesToDelete, sizeOfDataToDelete: info.sizeOfDataToDelete },
  });
}

/**
 * Commits `VACUUM END` (no actions; parameter status `COMPLETED` or `FAILED`; on completion the
 * metrics numDeletedFiles and numVacuumedDirectories, the latter always 0: object stores have no
 * directories to remove, and local directories are left in place).
 */
export function commitVacuumEnd(
  engine: Engine,
  snapshot: Snapshot,
  deleted: number | undefined,
  signal?: AbortSignal,
): Promise<CommitResult> {
  const txn = maintenanceTransaction(engine, snapshot, signal);
  const completed = deleted !== undefined;
  return txn.commit({
    operation: "VACUUM END",
    operationParameters: { status: completed ? "COMPLETED" : "FAILED" },
    operationMetrics: completed ? { numDeletedFiles: deleted, numVacuumedDirectories: 0 } : undefined,
  });
}
