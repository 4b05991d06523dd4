/**
 * Errors of row-level operations (DELETE) and of reading the change data feed.
 */
import { LakelogError } from "./base.js";

/**
 * The change data feed was asked for a version range in which the table did not record changes:
 * `delta.enableChangeDataFeed` was not true at `version`.
 */
export class ChangeDataFeedNotEnabledError extends LakelogError {
  readonly code = "CHANGE_DATA_FEED_NOT_ENABLED";
  constructor(
    readonly tableUrl: string,
    readonly version: number,
    readonly startingVersion: number,
    readonly endingVersion: number,
  ) {
    super(
      `change data feed not available: ${tableUrl} versions ${startingVersion}..${endingVersion}, delta.enableChangeDataFeed was not true at version ${version} ` +
        "(read a range that starts after the change feed was enabled)",
    );
  }
}

/**
 * A file the change data feed needs (a `_change_data` file, or a data file added or removed in
 * the range) no longer exists, usually because VACUUM deleted it.
 */
export class ChangeDataFileMissingError extends LakelogError {
  readonly code = "CHANGE_DATA_FILE_MISSING";
  constructor(
    readonly tableUrl: string,
    readonly version: number,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(
      `change data file missing: ${path} of version ${version} in ${tableUrl} ` +
        "(it was probably vacuumed; read a range of versions newer than the vacuum retention)",
      options,
    );
  }
}

/**
 * The change data feed was asked for versions the log cannot provide: a starting version after
 * the ending one or after the latest, or commits removed by log cleanup.
 */
export class ChangeDataVersionError extends LakelogError {
  readonly code = "CHANGE_DATA_VERSION_UNAVAILABLE";
  constructor(
    readonly tableUrl: string,
    readonly startingVersion: number,
    readonly endingVersion: number,
    readonly reason: string,
  ) {
    super(
      `change data versions unavailable: ${tableUrl} ${startingVersion}..${endingVersion}: ${reason} (ask for versions between the earliest retained commit and the latest)`,
    );
  }
}
