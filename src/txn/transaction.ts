/**
 * The transaction layer: staging a change against one snapshot and committing it with optimistic
 * concurrency. A commit is the atomic create of the next `_delta_log/<version>.json`; on losing
 * the race the transaction reads the winning commits, runs the conflict rules, rebases onto the
 * newest version and tries again with backoff. See spec/transactions.md.
 */
import { randomUUID } from "node:crypto";
import { WriteRefusedError } from "../errors/txn-errors.js";
import type { Action, AddCDCFile, AddFile, CommitInfo, DomainMetadata, Metadata, Protocol, RemoveFile } from "../log/actions.js";
import { canonicalizePath } from "../log/file-paths.js";
import { deletionVectorId } from "../log/file-index.js";
import type { Snapshot } from "../log/snapshot.js";
import type { ObjectStore } from "../storage/store.js";
import { commitWithRetries, type CommitAttemptOptions, type CommitResult } from "./commit-loop.js";

export type { CommitResult };
import type { IsolationLevel, TransactionSummary } from "./conflicts.js";
import { assertWriteSupported } from "./protocol-support.js";

/** Library identification written into every commitInfo. */
export const ENGINE_INFO = "lakelog/0.1.0";

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
  /** Clock for commit timestamps (ms); injectable for tests. */
  clock?: () => number;
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
 * const txn = new Transaction(store, snapshot);
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

  constructor(
    readonly store: ObjectStore,
    /** The snapshot read; undefined when the transaction creates the table. */
    readonly snapshot: Snapshot | undefined,
    readonly options: TransactionOptions = {},
  ) {}

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
    this.appTxns.set(appId, version);
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
    return this.removes.length === 0 && !this.wholeTableRead && !this.readPredicate && this.readFileKeys.size === 0 && this.adds.every((a) => a.dataChange);
  }

  /**
   * Commits the staged actions. Resolves with the version written; rejects with a typed conflict
   * error (nothing committed) when a concurrent commit invalidates this one, or
   * `CommitRetriesExhaustedError` after `maxCommitAttempts`. A transaction commits at most once.
   */
  async commit(operation: OperationInfo): Promise<CommitResult> {
    if (this.committed) throw new RangeError("this transaction was already committed");
    const protocol = this.protocol;
    const metadata = this.metadata;
    if (!protocol || !metadata) throw new RangeError("a new table needs protocol and metadata before its first commit");
    const tableUrl = this.snapshot?.tableUrl ?? this.store.rootUrl;
    assertWriteSupported(protocol, metadata, tableUrl);
    if (metadata.configuration["delta.appendOnly"]?.toLowerCase() === "true" && this.removes.some((r) => r.dataChange)) {
      throw new WriteRefusedError(tableUrl, "the table is append-only (delta.appendOnly = true); rows cannot be removed or overwritten");
    }
    const attempt: CommitAttemptOptions = {
      store: this.store,
      tableUrl,
      readVersion: this.readVersion,
      actions: () => this.stagedActions(),
      commitInfo: this.commitInfoFor(operation),
      inCommitTimestamps: metadata.configuration["delta.enableInCommitTimestamps"]?.toLowerCase() === "true",
      previousTimestamp: this.snapshot?.timestamp,
      summary: this.summary(),
      keyOf: (f) => this.keyOf(f),
      maxAttempts: this.options.maxCommitAttempts ?? 100,
      singleWriter: this.options.singleWriter ?? false,
      clock: this.options.clock ?? Date.now,
      signal: this.options.signal,
    };
    const result = await commitWithRetries(attempt);
    this.committed = true;
    return result;
  }

  private stagedActions(): Action[] {
    const out: Action[] = [];
    if (this.newProtocol) out.push({ protocol: this.newProtocol });
    if (this.newMetadata) out.push({ metaData: this.newMetadata });
    for (const [appId, version] of this.appTxns) out.push({ txn: { appId, version, lastUpdated: (this.options.clock ?? Date.now)() } });
    for (const d of this.domains.values()) out.push({ domainMetadata: d });
    for (const r of this.removes) out.push({ remove: r });
    for (const a of this.adds) out.push({ add: a });
    for (const c of this.cdcs) out.push({ cdc: c });
    return out;
  }

  private commitInfoFor(op: OperationInfo): CommitInfo {
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
