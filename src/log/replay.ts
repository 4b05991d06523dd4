/**
 * Log replay: applying actions oldest first (checkpoint, then each commit in version order) to
 * reconstruct a table's state by the protocol's reconciliation rules:
 * - the newest `protocol` and `metaData` win;
 * - files are keyed by canonical path plus deletion-vector id; a later add replaces, a remove
 *   deletes (and leaves a tombstone for vacuum);
 * - `txn` keeps the newest version per application id;
 * - `domainMetadata` keeps the newest entry per domain, and a `removed` entry deletes it.
 */
import type { Action, DomainMetadata, Metadata, Protocol, RemoveFile, SetTransaction } from "./actions.js";
import { canonicalizePath } from "./file-paths.js";
import { deletionVectorId, FileIndexBuilder, type FileIndex } from "./file-index.js";

/** The state replay builds up. */
export class ReplayState {
  protocol?: Protocol;
  metadata?: Metadata;
  /** Version at which the current protocol/metadata were set (for conflict checks and history). */
  protocolVersion = -1;
  metadataVersion = -1;
  readonly files = new FileIndexBuilder();
  readonly tombstones = new Map<string, RemoveFile>();
  readonly txns = new Map<string, SetTransaction>();
  readonly domains = new Map<string, DomainMetadata>();
  /** In-commit timestamp of the last applied commit, when it had one. */
  lastInCommitTimestamp?: number;
  /** Whether the checkpoint that replay started from held protocol and metadata. */
  checkpointHadProtocol = false;
  checkpointHadMetadata = false;

  constructor(private readonly tableRoot: string) {}

  /** A state holding everything `snapshot` holds, to replay later commits onto. */
  static from(snapshot: {
    tableUrl: string;
    protocol: Protocol;
    metadata: Metadata;
    files: FileIndex;
    tombstones: ReadonlyMap<string, RemoveFile>;
    txns: ReadonlyMap<string, SetTransaction>;
    domains: ReadonlyMap<string, DomainMetadata>;
    timestamp: number;
  }): ReplayState {
    const state = new ReplayState(snapshot.tableUrl.replace(/\/+$/, ""));
    state.protocol = snapshot.protocol;
    state.metadata = snapshot.metadata;
    for (const add of snapshot.files) state.files.add(state.key(add.path, add.deletionVector), add);
    for (const [k, v] of snapshot.tombstones) state.tombstones.set(k, v);
    for (const [k, v] of snapshot.txns) state.txns.set(k, v);
    for (const [k, v] of snapshot.domains) state.domains.set(k, v);
    state.lastInCommitTimestamp = snapshot.timestamp;
    return state;
  }

  /** The replay key of a file action. */
  key(path: string, dv: Parameters<typeof deletionVectorId>[0]): string {
    const canonical = canonicalizePath(path, this.tableRoot);
    const id = deletionVectorId(dv);
    return id === undefined ? canonical : `${canonical}\u0000${id}`;
  }

  /**
   * Applies one action from `version`. `fromCheckpoint` marks actions of the starting
   * checkpoint, whose removes are tombstones only.
   */
  apply(action: Action, version: number, fromCheckpoint = false): void {
    if ("add" in action) {
      const add = action.add;
      const key = this.key(add.path, add.deletionVector);
      this.files.add(key, add);
      if (this.tombstones.size > 0) this.tombstones.delete(key);
    } else if ("remove" in action) {
      const remove = action.remove;
      const key = this.key(remove.path, remove.deletionVector);
      if (!fromCheckpoint) this.files.remove(key);
      this.tombstones.set(key, remove);
    } else if ("metaData" in action) {
      this.metadata = action.metaData;
      this.metadataVersion = version;
      if (fromCheckpoint) this.checkpointHadMetadata = true;
    } else if ("protocol" in action) {
      this.protocol = action.protocol;
      this.protocolVersion = version;
      if (fromCheckpoint) this.checkpointHadProtocol = true;
    } else if ("txn" in action) {
      this.txns.set(action.txn.appId, action.txn);
    } else if ("domainMetadata" in action) {
      const d = action.domainMetadata;
      if (d.removed) this.domains.delete(d.domain);
      else this.domains.set(d.domain, d);
    } else if ("commitInfo" in action && !fromCheckpoint) {
      const ict = action.commitInfo.inCommitTimestamp;
      this.lastInCommitTimestamp = typeof ict === "number" ? ict : undefined;
    }
  }
}
