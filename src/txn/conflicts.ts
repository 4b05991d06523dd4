/**
 * Conflict checking: after losing the race for a version, a transaction compares what it read
 * and wrote with each winning commit. The rules run in Spark's order; each failure is a typed
 * error naming the winning version. Anything that passes every rule can be rebased safely.
 */
import {
  CommitConflictError,
  ConcurrentAppendError,
  ConcurrentDeleteDeleteError,
  ConcurrentDeleteReadError,
  ConcurrentDomainMetadataError,
  ConcurrentTransactionError,
  MetadataChangedError,
  ProtocolChangedError,
} from "../errors/txn-errors.js";
import type { Action, AddFile, CommitInfo, DomainMetadata, Metadata, Protocol, RemoveFile, SetTransaction } from "../log/actions.js";

/** How strictly concurrent commits are serialised. */
export type IsolationLevel = "Serializable" | "WriteSerializable" | "SnapshotIsolation";

/** What the current transaction read and changed, as conflict checking needs it. */
export interface TransactionSummary {
  isolationLevel: IsolationLevel;
  /** The transaction depends on every file of the table (a delete or overwrite without predicate). */
  readWholeTable: boolean;
  /** Returns true when a file added concurrently could hold rows this transaction read. */
  readsAddedFile: (add: AddFile) => boolean;
  /** Replay keys of the files it read. */
  readFiles: ReadonlySet<string>;
  /** Replay keys of the files it removes. */
  removedFiles: ReadonlySet<string>;
  /** Application ids whose txn version it read or writes. */
  appIds: ReadonlySet<string>;
  /** Domains it changes. */
  domains: ReadonlySet<string>;
  metadataChanged: boolean;
}

/** The actions of one winning commit, grouped. */
export interface WinningCommit {
  version: number;
  protocol?: Protocol;
  metadata?: Metadata;
  adds: AddFile[];
  removes: RemoveFile[];
  txns: SetTransaction[];
  domains: DomainMetadata[];
  commitInfo?: CommitInfo;
  isBlindAppend: boolean;
}

/** Groups a commit's actions for {@link checkConflicts}. */
export function summarizeWinner(version: number, actions: Action[]): WinningCommit {
  const winner: WinningCommit = { version, adds: [], removes: [], txns: [], domains: [], isBlindAppend: false };
  for (const a of actions) {
    if ("add" in a) winner.adds.push(a.add);
    else if ("remove" in a) winner.removes.push(a.remove);
    else if ("metaData" in a) winner.metadata = a.metaData;
    else if ("protocol" in a) winner.protocol = a.protocol;
    else if ("txn" in a) winner.txns.push(a.txn);
    else if ("domainMetadata" in a) winner.domains.push(a.domainMetadata);
    else if ("commitInfo" in a) winner.commitInfo = a.commitInfo;
  }
  winner.isBlindAppend = winner.commitInfo?.isBlindAppend === true;
  return winner;
}

/** Context for messages and file keys. */
export interface ConflictContext {
  tableUrl: string;
  /** The replay key of a file path (canonical path, plus deletion vector id). */
  keyOf: (file: AddFile | RemoveFile) => string;
}

/**
 * Throws the first conflict between the current transaction and `winner`, checking in order:
 * protocol change, metadata change, domain metadata, files added that the transaction should
 * have read, files it read that were removed, files both removed, application transactions.
 */
export function checkConflicts(current: TransactionSummary, winner: WinningCommit, context: ConflictContext): void {
  const { tableUrl } = context;
  if (winner.protocol) throw new ProtocolChangedError(tableUrl, winner.version);
  if (winner.metadata) throw new MetadataChangedError(tableUrl, winner.version);
  for (const d of winner.domains) {
    if (current.domains.has(d.domain)) throw new ConcurrentDomainMetadataError(tableUrl, winner.version, d.domain);
  }
  checkAddedFiles(current, winner, context);
  checkRemovedFiles(current, winner, context);
  for (const t of winner.txns) {
    if (current.appIds.has(t.appId)) throw new ConcurrentTransactionError(tableUrl, winner.version, t.appId);
  }
}

/** Files the winner added that the current transaction should have seen. */
function checkAddedFiles(current: TransactionSummary, winner: WinningCommit, context: ConflictContext): void {
  const candidates = addedFilesToCheck(current, winner);
  for (const add of candidates) {
    if (current.readWholeTable || current.readsAddedFile(add)) {
      throw new ConcurrentAppendError(context.tableUrl, winner.version, add.path);
    }
  }
}

/**
 * Which concurrently added files count: none under snapshot isolation; under WriteSerializable
 * the winner's blind appends are ignored (unless this transaction changes the metadata), so
 * appends never invalidate a concurrent delete or overwrite of other data; under Serializable
 * every added data file counts.
 */
function addedFilesToCheck(current: TransactionSummary, winner: WinningCommit): AddFile[] {
  if (current.isolationLevel === "SnapshotIsolation") return [];
  const changed = winner.adds.filter((a) => a.dataChange);
  if (current.isolationLevel === "WriteSerializable" && !current.metadataChanged && winner.isBlindAppend) return [];
  return changed;
}

function checkRemovedFiles(current: TransactionSummary, winner: WinningCommit, context: ConflictContext): void {
  for (const remove of winner.removes) {
    const key = context.keyOf(remove);
    if (current.readFiles.has(key) || (current.readWholeTable && remove.dataChange)) {
      throw new ConcurrentDeleteReadError(context.tableUrl, winner.version, remove.path);
    }
  }
  for (const remove of winner.removes) {
    if (current.removedFiles.has(context.keyOf(remove))) {
      throw new ConcurrentDeleteDeleteError(context.tableUrl, winner.version, remove.path);
    }
  }
}

/**
 * True when `err` is the conflict a table-creating transaction (read version -1) meets because
 * another writer created the table first: its version 0 carries protocol and metadata.
 */
export function createdConcurrently(err: unknown, readVersion: number): boolean {
  return readVersion === -1 && err instanceof CommitConflictError && err.winningVersion === 0 && (err instanceof ProtocolChangedError || err instanceof MetadataChangedError);
}
