/**
 * Conflict checking: after losing the race for a version, a transaction compares what it read
 * and wrote with each winning commit. The rules run in Spark's order; the first one that fails
 * is returned as a {@link Conflict} value naming the rule and the winning version (the commit
 * loop turns it into a typed error for callers). Anything that passes every rule can be rebased.
 */
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

/** How the rules identify files. */
export interface ConflictContext {
  /** The replay key of a file path (canonical path, plus deletion vector id). */
  keyOf: (file: AddFile | RemoveFile) => string;
}

/**
 * Why a winning commit invalidates the current transaction: the rule that failed, the winning
 * version, and the value involved (domain, file path or application id).
 */
export type Conflict =
  | { rule: "protocol-changed"; winningVersion: number }
  | { rule: "metadata-changed"; winningVersion: number }
  | { rule: "concurrent-domain-metadata"; winningVersion: number; domain: string }
  | { rule: "concurrent-append"; winningVersion: number; path: string }
  | { rule: "concurrent-delete-read"; winningVersion: number; path: string }
  | { rule: "concurrent-delete-delete"; winningVersion: number; path: string }
  | { rule: "concurrent-transaction"; winningVersion: number; appId: string };

/**
 * The first conflict between the current transaction and `winner`, or undefined when there is
 * none, checking in order: protocol change, metadata change, domain metadata, files added that
 * the transaction should have read, files it read that were removed, files both removed,
 * application transactions. Pure.
 */
export function checkConflicts(current: TransactionSummary, winner: WinningCommit, context: ConflictContext): Conflict | undefined {
  const winningVersion = winner.version;
  if (winner.protocol) return { rule: "protocol-changed", winningVersion };
  if (winner.metadata) return { rule: "metadata-changed", winningVersion };
  const domain = winner.domains.find((d) => current.domains.has(d.domain));
  if (domain) return { rule: "concurrent-domain-metadata", winningVersion, domain: domain.domain };
  const conflict = checkAddedFiles(current, winner) ?? checkRemovedFiles(current, winner, context);
  if (conflict) return conflict;
  const txn = winner.txns.find((t) => current.appIds.has(t.appId));
  if (txn) return { rule: "concurrent-transaction", winningVersion, appId: txn.appId };
  return undefined;
}

/** Files the winner added that the current transaction should have seen. */
function checkAddedFiles(current: TransactionSummary, winner: WinningCommit): Conflict | undefined {
  for (const add of addedFilesToCheck(current, winner)) {
    if (current.readWholeTable || current.readsAddedFile(add))
      return { rule: "concurrent-append", winningVersion: winner.version, path: add.path };
  }
  return undefined;
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

function checkRemovedFiles(current: TransactionSummary, winner: WinningCommit, context: ConflictContext): Conflict | undefined {
  for (const remove of winner.removes) {
    if (current.readFiles.has(context.keyOf(remove)) || (current.readWholeTable && remove.dataChange)) {
      return { rule: "concurrent-delete-read", winningVersion: winner.version, path: remove.path };
    }
  }
  for (const remove of winner.removes) {
    if (current.removedFiles.has(context.keyOf(remove)))
      return { rule: "concurrent-delete-delete", winningVersion: winner.version, path: remove.path };
  }
  return undefined;
}

/**
 * True when `conflict` is the one a table-creating transaction (read version -1) meets because
 * another writer created the table first: the winner is version 0 and carries protocol or metadata.
 */
export function isLostCreate(conflict: Conflict, readVersion: number): boolean {
  return (
    readVersion === -1 && conflict.winningVersion === 0 && (conflict.rule === "protocol-changed" || conflict.rule === "metadata-changed")
  );
}
