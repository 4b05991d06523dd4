/**
 * The log layer: listing, parsing and replaying `_delta_log` into immutable snapshots.
 * It reaches storage and Parquet only through the `ObjectStore` and `ParquetEngine` seams.
 */
import { MissingActionError } from "../errors/log-errors.js";
import { InvalidSchemaError } from "../errors/schema-errors.js";
import type { ParquetEngine } from "../engine/engine.js";
import { columnMappingMode, type ColumnMappingMode } from "../schema/column-mapping.js";
import { parseSchemaString } from "../schema/parse-schema.js";
import type { StructType } from "../schema/types.js";
import type { ObjectStore } from "../storage/store.js";
import { mapInOrder } from "../util/concurrency.js";
import type { DomainMetadata, Metadata, Protocol, RemoveFile, SetTransaction } from "./actions.js";
import { readCheckpoint } from "./checkpoint-read.js";
import type { FileIndex } from "./file-index.js";
import { buildLogSegment, type LogSegment } from "./log-segment.js";
import { forEachAction } from "./parse-actions.js";
import { ReplayState } from "./replay.js";
import { assertReadSupported } from "./table-features.js";

/** Commit files fetched ahead of the one being replayed. */
const COMMIT_PREFETCH = 8;

/** The state of a table at one version. Immutable: loading a newer version returns a new one. */
export class Snapshot {
  private parsedSchema?: StructType;

  constructor(
    /** Root URL of the table (credentials stripped). */
    readonly tableUrl: string,
    readonly version: number,
    readonly protocol: Protocol,
    readonly metadata: Metadata,
    /** The active data files. */
    readonly files: FileIndex,
    /** Removed files still remembered for vacuum, by replay key. */
    readonly tombstones: ReadonlyMap<string, RemoveFile>,
    /** Newest recorded version per application id. */
    readonly txns: ReadonlyMap<string, SetTransaction>,
    /** Live domain metadata per domain. */
    readonly domains: ReadonlyMap<string, DomainMetadata>,
    /** When this version was committed (ms): its in-commit timestamp, else its commit file's time. */
    readonly timestamp: number,
    /** The log files this snapshot was built from. */
    readonly segment: LogSegment,
  ) {}

  /** The table schema (logical names). Throws {@link InvalidSchemaError} when the log's schema is missing or invalid. */
  get schema(): StructType {
    if (!this.parsedSchema) {
      if (typeof this.metadata.schemaString !== "string") throw new InvalidSchemaError("", `metaData of ${this.tableUrl} has no schemaString`);
      this.parsedSchema = parseSchemaString(this.metadata.schemaString);
    }
    return this.parsedSchema;
  }

  get partitionColumns(): string[] {
    return this.metadata.partitionColumns;
  }

  /** Table properties (`metaData.configuration`). */
  get properties(): Record<string, string> {
    return this.metadata.configuration;
  }

  get columnMappingMode(): ColumnMappingMode {
    return columnMappingMode(this.metadata.configuration);
  }
}

/** Options for {@link loadSnapshot}. */
export interface LoadSnapshotOptions {
  /** Version to load; the latest when omitted. */
  version?: number;
  signal?: AbortSignal;
}

/**
 * Reconstructs the table at a version: lists the log, reads the newest usable checkpoint and the
 * commits after it (up to 8 fetched ahead), replays them, and checks that the protocol is one
 * lakelog can read.
 *
 * @example
 * const snapshot = await loadSnapshot(store, engine);
 * console.log(snapshot.version, snapshot.files.length);
 */
export async function loadSnapshot(store: ObjectStore, engine: ParquetEngine, options: LoadSnapshotOptions = {}): Promise<Snapshot> {
  const tableUrl = store.rootUrl;
  const { signal } = options;
  const segment = await buildLogSegment(store, { version: options.version, tableUrl, signal });
  const state = new ReplayState(tableUrl.replace(/\/+$/, ""));
  if (segment.checkpoint) {
    const cp = segment.checkpoint;
    await readCheckpoint(store, engine, cp.files, (action) => state.apply(action, cp.version, true), signal);
    if (!state.checkpointHadProtocol) throw new MissingActionError(tableUrl, "protocol", cp.version, `the checkpoint at version ${cp.version} lacks it`);
    if (!state.checkpointHadMetadata) throw new MissingActionError(tableUrl, "metaData", cp.version, `the checkpoint at version ${cp.version} lacks it`);
  }
  await mapInOrder(
    segment.commits,
    COMMIT_PREFETCH,
    (commit) => store.get(commit.path, { signal }),
    (bytes, commit) => {
      state.lastInCommitTimestamp = undefined;
      forEachAction(bytes, commit.path, (action) => state.apply(action, commit.version));
    },
    signal,
  );
  if (!state.protocol) throw new MissingActionError(tableUrl, "protocol", segment.version);
  if (!state.metadata) throw new MissingActionError(tableUrl, "metaData", segment.version);
  assertReadSupported(state.protocol, tableUrl);
  return new Snapshot(
    tableUrl,
    segment.version,
    state.protocol,
    state.metadata,
    state.files.build(),
    state.tombstones,
    state.txns,
    state.domains,
    commitTimestamp(state, segment),
    segment,
  );
}

function commitTimestamp(state: ReplayState, segment: LogSegment): number {
  const ictEnabled = state.metadata?.configuration["delta.enableInCommitTimestamps"] === "true";
  if (ictEnabled && state.lastInCommitTimestamp !== undefined && segment.commits.length > 0) return state.lastInCommitTimestamp;
  return segment.latestCommit?.lastModified ?? segment.checkpoint?.files[0]?.lastModified ?? 0;
}
