/**
 * Log actions, shaped exactly like the protocol's JSON. A commit file is one action per line,
 * each a single-key object: `{"add": {...}}`, `{"metaData": {...}}`, ...
 */

/** `protocol`: the reader and writer versions (and, at 3/7, the feature lists) a client must support. */
export interface Protocol {
  minReaderVersion: number;
  minWriterVersion: number;
  readerFeatures?: string[];
  writerFeatures?: string[];
}

/** `metaData`: table identity, schema, partitioning and properties. */
export interface Metadata {
  id: string;
  name?: string | null;
  description?: string | null;
  format: { provider: string; options?: Record<string, string> };
  schemaString: string;
  partitionColumns: string[];
  configuration: Record<string, string>;
  createdTime?: number | null;
}

/** Where a deletion vector lives: `u` (relative UUID path), `i` (inline), `p` (absolute path). */
export interface DeletionVectorDescriptor {
  storageType: "u" | "i" | "p";
  pathOrInlineDv: string;
  offset?: number;
  sizeInBytes: number;
  cardinality: number;
  maxRowIndex?: number;
}

/** `add`: a data file that is part of the table from this version on. */
export interface AddFile {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: DeletionVectorDescriptor | null;
  baseRowId?: number | null;
  defaultRowCommitVersion?: number | null;
  clusteringProvider?: string | null;
}

/** `remove`: a data file logically deleted at this version (a tombstone until vacuum). */
export interface RemoveFile {
  path: string;
  deletionTimestamp?: number | null;
  dataChange: boolean;
  extendedFileMetadata?: boolean;
  partitionValues?: Record<string, string | null> | null;
  size?: number | null;
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: DeletionVectorDescriptor | null;
  baseRowId?: number | null;
  defaultRowCommitVersion?: number | null;
}

/** `cdc`: a change-data file written by this commit. */
export interface AddCDCFile {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  dataChange: boolean;
  tags?: Record<string, string> | null;
}

/** `txn`: the latest version an application recorded (exactly-once writes). */
export interface SetTransaction {
  appId: string;
  version: number;
  lastUpdated?: number | null;
}

/** `domainMetadata`: configuration owned by a named domain; `removed` is a tombstone. */
export interface DomainMetadata {
  domain: string;
  configuration: string;
  removed: boolean;
}

/** `commitInfo`: provenance of a commit. Free-form; these fields are the ones lakelog reads and writes. */
export interface CommitInfo {
  timestamp?: number;
  inCommitTimestamp?: number;
  operation?: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, unknown>;
  readVersion?: number;
  isolationLevel?: string;
  isBlindAppend?: boolean;
  engineInfo?: string;
  txnId?: string;
  userId?: string;
  userName?: string;
  userMetadata?: string;
  [key: string]: unknown;
}

/** `checkpointMetadata`: marks a v2 checkpoint. */
export interface CheckpointMetadata {
  version: number;
  tags?: Record<string, string> | null;
}

/** `sidecar`: a file of add/remove actions that a v2 checkpoint references. */
export interface Sidecar {
  path: string;
  sizeInBytes: number;
  modificationTime: number;
  tags?: Record<string, string> | null;
}

/** One line of a commit or JSON checkpoint. */
export type Action =
  | { protocol: Protocol }
  | { metaData: Metadata }
  | { add: AddFile }
  | { remove: RemoveFile }
  | { cdc: AddCDCFile }
  | { txn: SetTransaction }
  | { domainMetadata: DomainMetadata }
  | { commitInfo: CommitInfo }
  | { checkpointMetadata: CheckpointMetadata }
  | { sidecar: Sidecar };

/** The action kinds lakelog knows; other keys are ignored on read, as the protocol asks. */
export const ACTION_KINDS = [
  "protocol",
  "metaData",
  "add",
  "remove",
  "cdc",
  "txn",
  "domainMetadata",
  "commitInfo",
  "checkpointMetadata",
  "sidecar",
] as const;

export type ActionKind = (typeof ACTION_KINDS)[number];
