/**
 * The commit loop: try to create the next version; on losing, check the winners for conflicts
 * and rebase; on an unknown outcome, read the version back and recognise our own commit by its
 * transaction id, so a commit is never lost and never applied twice. A conflict is turned into
 * its typed error here, except the one a table-creating transaction meets when another writer
 * created the table first: that is an expected outcome, returned as `lost-create`.
 */
import {
  type CommitConflictError,
  CommitRetriesExhaustedError,
  ConcurrentAppendError,
  ConcurrentDeleteDeleteError,
  ConcurrentDeleteReadError,
  ConcurrentDomainMetadataError,
  ConcurrentTransactionError,
  MetadataChangedError,
  ProtocolChangedError,
} from "../errors/txn-errors.js";
import { AlreadyExistsError, AmbiguousOutcomeError, NotFoundError } from "../errors/storage-errors.js";
import type { Action, AddFile, CommitInfo, RemoveFile } from "../log/actions.js";
import { commitPath, LOG_DIR, padVersion, parseLogFile } from "../log/log-files.js";
import { parseCommitActions, readCommitInfo } from "../log/parse-actions.js";
import { ensureAtomicCreate } from "../storage/atomic-create.js";
import type { ObjectStore } from "../storage/store.js";
import { sleep } from "../util/abort.js";
import { checkConflicts, isLostCreate, summarizeWinner, type Conflict, type TransactionSummary, type WinningCommit } from "./conflicts.js";
import { serializeActions } from "./serialize.js";

/** The outcome of a successful commit. */
export interface CommitResult {
  version: number;
  /** Attempts it took (1 when nobody else committed in between). */
  attempts: number;
  commitInfo: CommitInfo;
  /** Every action written, commitInfo first. */
  actions: Action[];
}

/**
 * How a commit ended when no error was thrown: committed, or lost to another writer that created
 * the table (version 0) while this transaction was creating it. `conflict` is what a caller
 * throws (via {@link conflictError}) when it has no better answer.
 */
export type CommitOutcome =
  { kind: "committed"; result: CommitResult } | { kind: "lost-create"; winner: WinningCommit; conflict: Conflict };

/** Everything one commit needs; built by `Transaction.commit`. */
export interface CommitAttemptOptions {
  store: ObjectStore;
  tableUrl: string;
  readVersion: number;
  /** The staged actions (without commitInfo). */
  actions: () => Action[];
  /**
   * Rewrites the staged actions for the version an attempt writes, given every commit that won
   * since the read version (row tracking assigns row IDs here, so a retry re-assigns them).
   */
  prepare?: (actions: Action[], version: number, winners: readonly WinningCommit[]) => Action[];
  /** commitInfo without timestamps (the loop stamps each attempt). */
  commitInfo: CommitInfo;
  /** The table writes in-commit timestamps. */
  inCommitTimestamps: boolean;
  /** The read version's commit time. */
  previousTimestamp?: number;
  summary: TransactionSummary;
  keyOf: (file: AddFile | RemoveFile) => string;
  maxAttempts: number;
  singleWriter: boolean;
  clock: () => number;
  signal?: AbortSignal;
}

const BASE_BACKOFF_MS = 10;
const MAX_BACKOFF_MS = 1000;

/**
 * Runs the loop; see the module header. Throws the typed error of the first conflict (other than
 * a lost create), `CommitRetriesExhaustedError`, or a storage error.
 */
export async function commitWithRetries(o: CommitAttemptOptions): Promise<CommitOutcome> {
  await ensureAtomicCreate(o.store, { singleWriter: o.singleWriter, signal: o.signal });
  let version = o.readVersion + 1;
  let lastTimestamp = o.previousTimestamp ?? 0;
  let maybeWritten = false; // an earlier attempt at `version` may have landed
  const won: WinningCommit[] = []; // every commit since the read version
  for (let attempt = 1; attempt <= o.maxAttempts; attempt++) {
    o.signal?.throwIfAborted();
    const commitInfo = stamp(o, lastTimestamp);
    const staged = o.actions();
    const actions: Action[] = [{ commitInfo }, ...(o.prepare ? o.prepare(staged, version, won) : staged)];
    const bytes = serializeActions(actions);
    try {
      // no signal on the create itself: once sent, its outcome must be known, not abandoned
      await o.store.put(commitPath(version), bytes, { mode: "create" });
      return committed({ version, attempts: attempt, commitInfo, actions });
    } catch (err) {
      if (err instanceof AmbiguousOutcomeError) {
        maybeWritten = true;
        const own = await readOwnCommit(o, version);
        if (own === "ours") return committed({ version, attempts: attempt, commitInfo, actions });
        if (own === "absent") {
          await backoff(attempt, o.signal);
          continue; // nothing landed (yet): retrying the same create with the same txnId is safe
        }
      } else if (!(err instanceof AlreadyExistsError)) {
        throw err;
      }
    }
    const winners = await readWinners(o, version);
    if (maybeWritten && winners[0] && winners[0].commitInfo?.txnId === o.commitInfo.txnId) {
      return committed({ version, attempts: attempt, commitInfo: winners[0].commitInfo!, actions });
    }
    maybeWritten = false;
    for (const winner of winners) {
      const conflict = checkConflicts(o.summary, winner, { keyOf: o.keyOf });
      if (!conflict) continue;
      if (isLostCreate(conflict, o.readVersion)) return { kind: "lost-create", winner, conflict };
      throw conflictError(conflict, o.tableUrl);
    }
    won.push(...winners);
    const newest = winners[winners.length - 1];
    version = (newest?.version ?? version) + 1;
    for (const w of winners) lastTimestamp = Math.max(lastTimestamp, w.commitInfo?.inCommitTimestamp ?? 0);
    await backoff(attempt, o.signal);
  }
  throw new CommitRetriesExhaustedError(o.tableUrl, o.maxAttempts, version);
}

function committed(result: CommitResult): CommitOutcome {
  return { kind: "committed", result };
}

/** The typed error callers see for a conflict. */
export function conflictError(conflict: Conflict, tableUrl: string): CommitConflictError {
  switch (conflict.rule) {
    case "protocol-changed":
      return new ProtocolChangedError(tableUrl, conflict.winningVersion);
    case "metadata-changed":
      return new MetadataChangedError(tableUrl, conflict.winningVersion);
    case "concurrent-domain-metadata":
      return new ConcurrentDomainMetadataError(tableUrl, conflict.winningVersion, conflict.domain);
    case "concurrent-append":
      return new ConcurrentAppendError(tableUrl, conflict.winningVersion, conflict.path);
    case "concurrent-delete-read":
      return new ConcurrentDeleteReadError(tableUrl, conflict.winningVersion, conflict.path);
    case "concurrent-delete-delete":
      return new ConcurrentDeleteDeleteError(tableUrl, conflict.winningVersion, conflict.path);
    case "concurrent-transaction":
      return new ConcurrentTransactionError(tableUrl, conflict.winningVersion, conflict.appId);
  }
}

/** The commitInfo of one attempt: wall-clock timestamp, and a monotonic in-commit timestamp when enabled. */
function stamp(o: CommitAttemptOptions, lastTimestamp: number): CommitInfo {
  const now = o.clock();
  const info: CommitInfo = { ...o.commitInfo, timestamp: now };
  if (o.inCommitTimestamps) info.inCommitTimestamp = Math.max(now, lastTimestamp + 1);
  return info;
}

/** After an ambiguous create: is the version there, and is it ours? */
async function readOwnCommit(o: CommitAttemptOptions, version: number): Promise<"ours" | "other" | "absent"> {
  try {
    const info = readCommitInfo(await o.store.get(commitPath(version), { signal: o.signal }), commitPath(version));
    return info?.txnId === o.commitInfo.txnId ? "ours" : "other";
  } catch (err) {
    if (err instanceof NotFoundError) return "absent";
    throw err;
  }
}

/** Every commit from `version` on, in order (the ones that beat this transaction). */
async function readWinners(o: CommitAttemptOptions, version: number): Promise<WinningCommit[]> {
  const startAfter = version > 0 ? `${LOG_DIR}/${padVersion(version - 1)}.~` : undefined;
  const versions: number[] = [];
  for await (const meta of o.store.list(`${LOG_DIR}/`, { startAfter, signal: o.signal })) {
    const file = parseLogFile(meta);
    if (file?.kind === "commit" && file.version >= version) versions.push(file.version);
  }
  versions.sort((a, b) => a - b);
  const contiguous: number[] = [];
  for (const v of versions) {
    if (v !== version + contiguous.length) break;
    contiguous.push(v);
  }
  if (contiguous.length === 0) contiguous.push(version); // listed late: the create told us it exists
  const commits = await Promise.all(
    contiguous.map(async (v) =>
      summarizeWinner(v, parseCommitActions(await o.store.get(commitPath(v), { signal: o.signal }), commitPath(v))),
    ),
  );
  return commits;
}

/** Exponential backoff with full jitter between attempts. */
function backoff(attempt: number, signal?: AbortSignal): Promise<void> {
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1));
  return sleep(Math.random() * ceiling, signal);
}
