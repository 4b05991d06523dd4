/**
 * Errors of the vacuum and restore maintenance operations.
 */
import { LakelogError } from "./base.js";

/**
 * A vacuum asked for a retention shorter than the table's `delta.deletedFileRetentionDuration`
 * while the retention check was on. Files removed within that duration may still be read by
 * time travel or by a writer that has not committed yet.
 */
export class VacuumRetentionTooShortError extends LakelogError {
  readonly code = "VACUUM_RETENTION_TOO_SHORT";
  constructor(
    readonly tableUrl: string,
    /** The retention asked for, in hours. */
    readonly requestedHours: number,
    /** The table's minimum (its deletedFileRetentionDuration), in hours, rounded up. */
    readonly minimumHours: number,
  ) {
    super(
      `vacuum refused: ${tableUrl} retention of ${requestedHours} hours is below the table's deletedFileRetentionDuration of ${minimumHours} hours ` +
        `(use retentionHours >= ${minimumHours}, or pass enforceRetention: false if no reader or writer can need those files)`,
    );
  }
}

/**
 * A restore needs data or deletion-vector files of the target version that no longer exist in
 * storage (removed by vacuum, or deleted by hand). Nothing was committed.
 */
export class RestoreMissingFilesError extends LakelogError {
  readonly code = "RESTORE_MISSING_FILES";
  constructor(
    readonly tableUrl: string,
    /** The version the restore aimed at. */
    readonly version: number,
    /** Store-relative paths of the missing files (at most the first 100). */
    readonly missing: string[],
    /** How many files are missing in all. */
    readonly missingCount: number,
  ) {
    super(
      `restore refused: ${tableUrl} version ${version} needs ${missingCount} file(s) that no longer exist, e.g. ${missing.slice(0, 3).join(", ")} ` +
        `(they were probably vacuumed; restore a newer version)`,
    );
  }
}
