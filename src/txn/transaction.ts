/**
 * The transaction layer: staging a change against one snapshot and committing it with optimistic
 * concurrency. A commit is the atomic create of the next `_delta_log/<version>.json`; on losing
 * the race the transaction reads the winning commits, runs the conflict rules, rebases onto the
 * newest version and tries again with backoff. See spec/transactions.md.
 */
import { lakelogVersion } from "../util/version.js";
import { randomUUID } from "node:crypto";
import { InvalidArgumentError, InvalidOperationError } from "../errors/argument-errors.js";
import { WriteRefusedError } from "../errors/txn-errors.js";
import { describeArgument, optionalSafeInteger, requireSafeInteger } from "../util/validate.js";
import type { Action, AddCDCFile, AddFile, CommitInfo, DomainMetadata, Metadata, Protocol, RemoveFile } from "../log/actions.js";
import { canonicalizePath } from "../log/file-paths.js";
import { deletionVectorId } from "../log/file-index.js";
import type { Snapshot } from "../log/snapshot.js";
import type { Engine } from "../engine/index.js";
import { readTableProperties } from "../log/table-properties.js";
import type { ObjectStore } from "../storage/store.js";
import { commitWithRetries, conflictError, type CommitAttemptOptions, type CommitOutcome, type CommitResult } from "./commit-loop.js";

export type { CommitOutcome, CommitResult };
import type { IsolationLevel, TransactionSummary } from "./conflicts.js";
import { assertWriteSupported } from "./protocol-support.js";
import {
  assignRowIds,
  highWaterMarkAfter,
  isRowTrackingSupported,
  preservedRowTracking,
  ROW_TRACKING_DOMAIN,
  rowIdHighWaterMark,
  withMaterializedColumnNames,
} from "./row-tracking.js";
import { UnsupportedFeatureError } from "../errors/log-errors.js";

/** Library identification written into every commitInfo. */
export const ENGINE_INFO = `lakelog/${lakelogVersion()}`;

/** Options of a transaction. */
export interface TransactionOptions {
  /** Default `WriteSerializable` (Delta's default); `Serializable` also conflicts with concurrent appends. */
  isolationLevel?: IsolationLevel;
  /**
   * Commit attempts before giving up (default 100). Each lost attempt costs one listing and the
   * reads of the winning commits; eight processes appending flat out needed up to 38 attempts
   * on Azurite in the integration tests, so the default leaves room (Spark's is practically
   * unlimited).
   */
  maxCommitAttempts?: number;
  /** Commit even on a store that cannot prove atomic create; the caller guarantees one writer at a time. */
  singleWriter?: boolean;
  /**
   * Called once, synchronously, after the commit landed and before `commit()` resolves; its
   * exceptions are ignored. The table layer uses it to start automatic checkpoints in the
   * background (it must return at once).
   */
  afterCommit?: (result: CommitResult, readSnapshot: Snapshot | undefined) => void;
  signal?: AbortSignal;
}

/** What an operation tells the log about itself. */
export interface OperationInfo {
  /** Spark's operation name: `WRITE`, `CREATE TABLE`, `DELETE`, `OPTIMIZE`, ... */
  operation: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, number | string>;
  userMetadata?: string;
}

/**
 * Stages actions against a snapshot (or against nothing, to create a table) and commits them.
 *
 * @example
 * const txn = new Transaction(createEngine(store), snapshot);
 * txn.addFiles(adds);
 * const { version } = await txn.commit({ operation: "WRITE", operationParameters: { mode: "Append" } });
 */
export class Transaction {
  private readonly adds: AddFile[] = [];
  private readonly removes: RemoveFile[] = [];
  private readonly cdcs: AddCDCFile[] = [];
  private readonly domains = new Map<string, DomainMetadata>();
  private readonly appTxns = new Map<string, number>();
  private readonly readFileKeys = new Set<string>();
  private readPredicate?: (add: AddFile) => boolean;
  private wholeTableRead = false;
  private newMetadata?: Metadata;
  private newProtocol?: Protocol;
  private committed = false;
  private freshRowsOnly = false;
  private rowTrackingPreserved = false;

  constructor(
    /** Store and clock of the table (commit timestamps come from `engine.clock`). */
    readonly engine: Engine,
    /** The snapshot read; undefined when the transaction creates the table. */
    readonly snapshot: Snapshot | undefined,
    readonly options: TransactionOptions = {},
  ) {
    optionalSafeInteger(options.maxCommitAttempts, "maxCommitAttempts", 1);
  }

  /** The table's store. */
  get store(): ObjectStore {
    return this.engine.store;
  }

  /** The version this transaction read (-1 for a new table). */
  get readVersion(): number {
    return this.snapshot?.version ?? -1;
  }

  /** The metadata the commit will leave (new or unchanged). */
  get metadata(): Metadata | undefined {
    return this.newMetadata ?? this.snapshot?.metadata;
  }

  /** The protocol the commit will leave (new or unchanged). */
  get protocol(): Protocol | undefined {
    return this.newProtocol ?? this.snapshot?.protocol;
  }

  addFiles(adds: Iterable<AddFile>): void {
    for (const a of adds) this.adds.push(a);
  }

  removeFiles(removes: Iterable<RemoveFile>): void {
    for (const r of removes) this.removes.push(r);
  }

  addChangeFiles(cdcs: Iterable<AddCDCFile>): void {
    for (const c of cdcs) this.cdcs.push(c);
  }

  setMetadata(metadata: Metadata): void {
    this.newMetadata = metadata;
  }

  setProtocol(protocol: Protocol): void {
    this.newProtocol = protocol;
  }

  /** Sets (or with `removed: true`, deletes) a domain's metadata. */
  setDomainMetadata(domain: DomainMetadata): void {
    this.domains.set(domain.domain, domain);
  }

  /** Records `version` for `appId` (exactly-once writes); conflicts with a concurrent commit of the same app. */
  setAppTransaction(appId: string, version: number): void {
    if (typeof appId !== "string" || appId === "")
      throw new InvalidArgumentError("txn appId", describeArgument(appId), "a non-empty string");
    this.appTxns.set(appId, requireSafeInteger(version, "txn version"));
  }

  /**
   * Declares that every added file holds new rows only (none copied from a removed file), so on a
   * row-tracking table the files get fresh row IDs. On a table with row tracking enabled, a commit
   * that removes files and adds files without `baseRowId` must declare this or
   * {@link preserveRowTracking}; otherwise it is refused: moved rows would lose their row IDs.
   */
  declareFreshRows(): void {
    this.freshRowsOnly = true;
  }

  /**
   * Declares that the added files carry the stable row IDs and commit versions of the rows they
   * copy or update in the table's materialized row tracking columns (`preservedRowTracking`, as
   * the write pipeline's `rowTracking` option writes them). The commit then records the column
   * names in its `metaData` when the table's properties lack them, and tags its commitInfo
   * `delta.rowTracking.preserved: "true"` (PROTOCOL.md). No effect unless row tracking is enabled.
   */
  preserveRowTracking(): void {
    this.rowTrackingPreserved = true;
  }

  /** Declares that the result depends on every file of the table (predicate-less delete/overwrite). */
  readWholeTable(): void {
    this.wholeTableRead = true;
  }

  /**
   * Declares what was read: the files, and a test telling whether a concurrently added file could
   * hold rows matching the predicate read with.
   */
  readWith(files: Iterable<AddFile | RemoveFile>, couldMatch: (add: AddFile) => boolean): void {
    for (const f of files) this.readFileKeys.add(this.keyOf(f));
    const previous = this.readPredicate;
    this.readPredicate = previous ? (add) => previous(add) || couldMatch(add) : couldMatch;
  }

  /** Replay key of a file action: canonical path and deletion vector id. */
  keyOf(file: AddFile | RemoveFile): string {
    const root = (this.snapshot?.tableUrl ?? this.store.rootUrl).replace(/\/+$/, "");
    const id = deletionVectorId(file.deletionVector);
    const path = canonicalizePath(file.path, root);
    return id === undefined ? path : `${path}\u0000${id}`;
  }

  /** True when the commit adds data without reading any (never conflicts with other appends). */
  get isBlindAppend(): boolean {
    return (
      this.removes.length === 0 &&
      !this.wholeTableRead &&
      !this.readPredicate &&
      this.readFileKeys.size === 0 &&
      this.adds.every((a) => a.dataChange)
    );
  }

  /**
   * Commits the staged actions. Resolves with the version written; rejects with a typed conflict
   * error (nothing committed) when a concurrent commit invalidates this one, or
   * `CommitRetriesExhaustedError` after `maxCommitAttempts`. A transaction commits at most once.
   */
  async commit(operation: OperationInfo): Promise<CommitResult> {
    const outcome = await this.tryCommit(operation);
    if (outcome.kind === "lost-create") throw conflictError(outcome.conflict, this.store.rootUrl);
    return outcome.result;
  }

  /**
   * Like {@link commit}, but a table-creating transaction (no snapshot) that finds the table
   * created by another writer meanwhile resolves with `{ kind: "lost-create", winner }` (nothing
   * committed) instead of rejecting, so the caller can decide: report that the table exists,
   * keep the other writer's table, or stage its change again on the new table. Every other
   * conflict rejects as in {@link commit}.
   */
  async tryCommit(operation: OperationInfo): Promise<CommitOutcome> {
    if (this.committed) throw new InvalidOperationError("commit", "this transaction was already committed (start a new one)");
    const protocol = this.protocol;
    const metadata = this.metadata;
    if (!protocol || !metadata)
      throw new InvalidOperationError(
        "commit",
        "a new table needs protocol and metadata before its first commit (call setProtocol and setMetadata)",
      );
    const tableUrl = this.snapshot?.tableUrl ?? this.store.rootUrl;
    assertWriteSupported(protocol, metadata, tableUrl);
    const preserved = this.rowTrackingPreserved ? this.recordMaterializedColumns(protocol, metadata, tableUrl) : false;
    const properties = readTableProperties(metadata.configuration, tableUrl);
    if (properties.appendOnly && this.removes.some((r) => r.dataChange)) {
      throw new WriteRefusedError(tableUrl, "the table is append-only (delta.appendOnly = true); rows cannot be removed or overwritten");
    }
    const attempt: CommitAttemptOptions = {
      store: this.store,
      tableUrl,
      readVersion: this.readVersion,
      actions: () => this.stagedActions(),
      commitInfo: this.commitInfoFor(operation, preserved),
      inCommitTimestamps: properties.enableInCommitTimestamps,
      previousTimestamp: this.snapshot?.timestamp,
      summary: this.summary(),
      keyOf: (f) => this.keyOf(f),
      maxAttempts: this.options.maxCommitAttempts ?? 100,
      singleWriter: this.options.singleWriter ?? false,
      clock: () => this.engine.clock.now(),
      signal: this.options.signal,
      prepare: this.rowTracking(protocol, tableUrl),
    };
    const outcome = await commitWithRetries(attempt);
    if (outcome.kind !== "committed") return outcome;
    this.committed = true;
    try {
      this.options.afterCommit?.(outcome.result, this.snapshot);
    } catch {
      // post-commit work never fails a commit that landed
    }
    return outcome;
  }

  /**
   * Row ID assignment per attempt on row-tracking tables (see row-tracking.ts). With row tracking
   * enabled, refuses a commit that moves rows into new files without declaring how their row IDs
   * were handled (fresh rows, or preserved in the materialized columns).
   */
  private rowTracking(protocol: Protocol, tableUrl: string): CommitAttemptOptions["prepare"] {
    if (!isRowTrackingSupported(protocol)) return undefined;
    const fresh = this.adds.filter((a) => a.baseRowId === undefined || a.baseRowId === null);
    const enabled = readTableProperties(this.metadata!.configuration, tableUrl).enableRowTracking;
    if (enabled && this.removes.length > 0 && fresh.length > 0 && !this.freshRowsOnly && !this.rowTrackingPreserved) {
      throw new UnsupportedFeatureError(
        tableUrl,
        "write",
        ["rowTracking"],
        "this operation rewrites rows into new files without carrying their row IDs over (materialized row ID columns); appends, overwrites, delete, update, merge, replaceWhere and optimize keep them",
      );
    }
    const base = rowIdHighWaterMark(this.snapshot?.domains.get(ROW_TRACKING_DOMAIN));
    return (actions, version, winners) => assignRowIds(actions, version, highWaterMarkAfter(base, winners));
  }

  /**
   * For a commit that preserved row IDs on a table with row tracking enabled: stages the metadata
   * with the materialized column names when the table lacks them. Returns whether row tracking
   * was preserved (false when it is not enabled).
   */
  private recordMaterializedColumns(protocol: Protocol, metadata: Metadata, tableUrl: string): boolean {
    const properties = readTableProperties(metadata.configuration, tableUrl);
    const names = preservedRowTracking({ protocol, metadata, tableProperties: properties });
    if (!names) return false;
    const named = withMaterializedColumnNames(metadata, names);
    if (named !== metadata) this.newMetadata = named;
    return true;
  }

  private stagedActions(): Action[] {
    const out: Action[] = [];
    if (this.newProtocol) out.push({ protocol: this.newProtocol });
    if (this.newMetadata) out.push({ metaData: this.newMetadata });
    for (const [appId, version] of this.appTxns) out.push({ txn: { appId, version, lastUpdated: this.engine.clock.now() } });
    for (const d of this.domains.values()) out.push({ domainMetadata: d });
    for (const r of this.removes) out.push({ remove: r });
    for (const a of this.adds) out.push({ add: a });
    for (const c of this.cdcs) out.push({ cdc: c });
    return out;
  }

  private commitInfoFor(op: OperationInfo, rowTrackingPreserved: boolean): CommitInfo {
    const info: CommitInfo = {
      operation: op.operation,
      operationParameters: stringifyValues(op.operationParameters ?? {}),
      isolationLevel: this.options.isolationLevel ?? "WriteSerializable",
      isBlindAppend: this.isBlindAppend,
      engineInfo: ENGINE_INFO,
      txnId: randomUUID(),
    };
    if (this.readVersion >= 0) info.readVersion = this.readVersion;
    if (op.operationMetrics) info.operationMetrics = stringifyValues(op.operationMetrics);
    if (op.userMetadata !== undefined) info.userMetadata = op.userMetadata;
    if (rowTrackingPreserved) info.tags = { "delta.rowTracking.preserved": "true" };
    return info;
  }

  private summary(): TransactionSummary {
    const predicate = this.readPredicate;
    return {
      isolationLevel: this.options.isolationLevel ?? "WriteSerializable",
      readWholeTable: this.wholeTableRead,
      readsAddedFile: predicate ?? (() => false),
      readFiles: this.readFileKeys,
      removedFiles: new Set(this.removes.map((r) => this.keyOf(r))),
      appIds: new Set(this.appTxns.keys()),
      domains: new Set(this.domains.keys()),
      metadataChanged: this.newMetadata !== undefined,
    };
  }
}

/** Spark stores operation parameters and metrics as strings (JSON-encoded for non-strings). */
function stringifyValues(values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    out[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}
