/**
 * Errors of transactions: commit conflicts (each naming the winning version, as Spark's
 * concurrency exceptions do), exhausted retries, refused writes.
 */
import { LakelogError } from "./base.js";

/** A concurrent commit made this transaction's result invalid; nothing of it was committed. */
export abstract class CommitConflictError extends LakelogError {
  constructor(
    readonly tableUrl: string,
    /** The version committed by the other writer that this transaction conflicts with. */
    readonly winningVersion: number,
    detail: string,
  ) {
    super(
      `commit conflict on ${tableUrl}: ${detail} (version ${winningVersion} was committed concurrently; re-read the table and retry the operation)`,
    );
  }
}

/** The other commit changed the protocol. */
export class ProtocolChangedError extends CommitConflictError {
  readonly code = "PROTOCOL_CHANGED";
  constructor(tableUrl: string, winningVersion: number) {
    super(tableUrl, winningVersion, "the protocol version or table features changed");
  }
}

/** The other commit changed the table metadata (schema, partitioning, properties). */
export class MetadataChangedError extends CommitConflictError {
  readonly code = "METADATA_CHANGED";
  constructor(tableUrl: string, winningVersion: number) {
    super(tableUrl, winningVersion, "the table metadata (schema, partitioning or properties) changed");
  }
}

/** The other commit added files this transaction should have read (they match what it read). */
export class ConcurrentAppendError extends CommitConflictError {
  readonly code = "CONCURRENT_APPEND";
  constructor(
    tableUrl: string,
    winningVersion: number,
    readonly file: string,
  ) {
    super(tableUrl, winningVersion, `file ${file} was added in data this transaction read`);
  }
}

/** The other commit removed a file this transaction read. */
export class ConcurrentDeleteReadError extends CommitConflictError {
  readonly code = "CONCURRENT_DELETE_READ";
  constructor(
    tableUrl: string,
    winningVersion: number,
    readonly file: string,
  ) {
    super(tableUrl, winningVersion, `file ${file}, which this transaction read, was removed`);
  }
}

/** Both commits removed the same file. */
export class ConcurrentDeleteDeleteError extends CommitConflictError {
  readonly code = "CONCURRENT_DELETE_DELETE";
  constructor(
    tableUrl: string,
    winningVersion: number,
    readonly file: string,
  ) {
    super(tableUrl, winningVersion, `file ${file} was removed by both transactions`);
  }
}

/** The other commit recorded a version for an application id this transaction also uses. */
export class ConcurrentTransactionError extends CommitConflictError {
  readonly code = "CONCURRENT_TRANSACTION";
  constructor(
    tableUrl: string,
    winningVersion: number,
    readonly appId: string,
  ) {
    super(tableUrl, winningVersion, `application ${appId} committed a transaction concurrently`);
  }
}

/** Both commits changed the same metadata domain. */
export class ConcurrentDomainMetadataError extends CommitConflictError {
  readonly code = "CONCURRENT_DOMAIN_METADATA";
  constructor(
    tableUrl: string,
    winningVersion: number,
    readonly domain: string,
  ) {
    super(tableUrl, winningVersion, `domain ${domain} was changed by both transactions`);
  }
}

/** The commit lost the race too many times in a row. */
export class CommitRetriesExhaustedError extends LakelogError {
  readonly code = "COMMIT_RETRIES_EXHAUSTED";
  constructor(
    readonly tableUrl: string,
    readonly attempts: number,
    readonly lastVersionTried: number,
  ) {
    super(
      `commit to ${tableUrl} failed after ${attempts} attempts (last tried version ${lastVersionTried}; too much contention — retry later or raise maxCommitAttempts)`,
    );
  }
}

/** The table already exists where `create` was asked to make a new one. */
export class TableExistsError extends LakelogError {
  readonly code = "TABLE_EXISTS";
  constructor(readonly tableUrl: string) {
    super(`table already exists: ${tableUrl} (use ifExists: "ignore" or "overwrite", or write to it)`);
  }
}

/** A write the table forbids (append-only table, a constraint or invariant violated). */
export class WriteRefusedError extends LakelogError {
  readonly code = "WRITE_REFUSED";
  constructor(
    readonly tableUrl: string,
    readonly reason: string,
  ) {
    super(`write refused on ${tableUrl}: ${reason}`);
  }
}
