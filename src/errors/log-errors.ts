/**
 * Errors about the transaction log and the table it describes.
 */
import { LakelogError } from "./base.js";

/** The location holds no Delta table (no `_delta_log` or no commits in it). */
export class TableNotFoundError extends LakelogError {
  readonly code = "TABLE_NOT_FOUND";
  constructor(readonly tableUrl: string) {
    super(`not a Delta table: ${tableUrl} has no _delta_log commits (check the path, or create the table first)`);
  }
}

/** A log file could not be parsed: names the file and, for JSON, the 1-based line. */
export class CorruptLogError extends LakelogError {
  readonly code = "CORRUPT_LOG";
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`corrupt log file: ${file}${line !== undefined ? ` line ${line}` : ""}: ${detail}`, options);
  }
}

/** Commits needed to reconstruct a version are missing (a gap, or vacuumed history). */
export class MissingLogVersionsError extends LakelogError {
  readonly code = "MISSING_LOG_VERSIONS";
  constructor(
    readonly tableUrl: string,
    readonly missing: number[],
    detail: string,
  ) {
    super(`incomplete log: ${tableUrl} is missing version(s) ${formatVersions(missing)}: ${detail}`);
  }
}

/** Replay found no `protocol` or no `metaData` action, or a checkpoint lacks one. */
export class MissingActionError extends LakelogError {
  readonly code = "MISSING_ACTION";
  constructor(
    readonly tableUrl: string,
    readonly action: "protocol" | "metaData",
    readonly version: number,
    detail = "",
  ) {
    super(`invalid table: ${tableUrl} has no ${action} action at version ${version}${detail ? ` (${detail})` : ""}`);
  }
}

/** The table needs a protocol version or table features this library does not implement. */
export class UnsupportedFeatureError extends LakelogError {
  readonly code = "UNSUPPORTED_FEATURE";
  constructor(
    readonly tableUrl: string,
    readonly access: "read" | "write",
    readonly features: string[],
    detail: string,
  ) {
    super(`cannot ${access} ${tableUrl}: ${detail} (unsupported: ${features.join(", ")})`);
  }
}

/** A requested version does not exist or can no longer be reconstructed. */
export class VersionNotFoundError extends LakelogError {
  readonly code = "VERSION_NOT_FOUND";
  constructor(
    readonly tableUrl: string,
    readonly requested: number,
    readonly earliest: number,
    readonly latest: number,
  ) {
    super(`version ${requested} of ${tableUrl} is not available (versions ${earliest} to ${latest} can be read)`);
  }
}

/** A requested timestamp lies before the earliest readable commit (or after the latest). */
export class TimestampOutOfRangeError extends LakelogError {
  readonly code = "TIMESTAMP_OUT_OF_RANGE";
  constructor(
    readonly tableUrl: string,
    readonly requested: number,
    readonly earliest: number,
    readonly latest: number,
  ) {
    super(
      `no version of ${tableUrl} was committed at or before ${new Date(requested).toISOString()} ` +
        `(commits span ${new Date(earliest).toISOString()} to ${new Date(latest).toISOString()})`,
    );
  }
}

function formatVersions(versions: number[]): string {
  if (versions.length <= 6) return versions.join(", ");
  return `${versions.slice(0, 3).join(", ")} … ${versions.slice(-2).join(", ")} (${versions.length} in all)`;
}

/** A `delta.*` table property holds a value its parser does not accept (read lazily, when used). */
export class InvalidTablePropertyError extends LakelogError {
  readonly code = "INVALID_TABLE_PROPERTY";
  constructor(
    readonly tableUrl: string,
    readonly key: string,
    readonly value: string,
    reason: string,
  ) {
    super(
      `invalid table property: ${key} = ${JSON.stringify(value)}${tableUrl ? ` on ${tableUrl}` : ""}: ${reason} (fix it with ALTER TABLE SET TBLPROPERTIES or remove it)`,
    );
  }
}
