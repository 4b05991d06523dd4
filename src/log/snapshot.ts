/**
 * The log layer: listing, parsing and replaying `_delta_log` into immutable snapshots.
 * It reaches storage and Parquet only through the {@link Engine} value (src/engine/index.ts).
 */
import { InvalidTablePropertyError, MissingActionError, TableNotFoundError } from "../errors/log-errors.js";
import { InvalidSchemaError } from "../errors/schema-errors.js";
import { NotFoundError } from "../errors/storage-errors.js";
import type { Engine } from "../engine/index.js";
import { columnMappingMode, type ColumnMappingMode } from "../schema/column-mapping.js";
import { parseSchemaString } from "../schema/parse-schema.js";
import type { StructType } from "../schema/types.js";
import type { ObjectStore } from "../storage/store.js";
import { mapInOrder } from "../util/concurrency.js";
import { optionalSafeInteger } from "../util/validate.js";
import type { DomainMetadata, Metadata, Protocol, RemoveFile, SetTransaction } from "./actions.js";
import { readCheckpoint } from "./checkpoint-read.js";
import type { FileIndex } from "./file-index.js";
import type { LogFile } from "./log-files.js";
import { buildLogSegment, listLogFiles, type LogSegment } from "./log-segment.js";
import { forEachCommitAction } from "./parse-actions.js";
import { ReplayState } from "./replay.js";
import { assertReadSupported } from "./table-features.js";
import { readTableProperties, type TableProperties } from "./table-properties.js";

/** Commit files fetched ahead of the one being replayed. */
const COMMIT_PREFETCH = 8;

/** The state of a table at one version. Immutable: loading a newer version returns a new one. */
export class Snapshot {
  private parsedSchema?: StructType;
  private typedProperties?: TableProperties;

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
      if (typeof this.metadata.schemaString !== "string")
        throw new InvalidSchemaError("", `metaData of ${this.tableUrl} has no schemaString`);
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

  /** The `delta.*` properties, typed and parsed with Spark's rules. */
  get tableProperties(): TableProperties {
    this.typedProperties ??= readTableProperties(this.metadata.configuration, this.tableUrl);
    return this.typedProperties;
  }

  get columnMappingMode(): ColumnMappingMode {
    return columnMappingMode(this.metadata.configuration);
  }
}

/** Options for {@link loadSnapshot}. */
export interface LoadSnapshotOptions {
  /** Version to load; the latest when omitted. */
  version?: number;
  /**
   * A snapshot of the same table at an older version: only the commits after it are read and
   * replayed on top of its state (falls back to a full load when they are not all there).
   */
  base?: Snapshot;
  /**
   * Every log file from version 0, when the caller listed the log already: the load then reads
   * no `_last_checkpoint` and lists nothing (see `buildLogSegment`).
   */
  listing?: readonly LogFile[];
  signal?: AbortSignal;
}

/**
 * Reconstructs the table at a version: lists the log, reads the newest usable checkpoint and the
 * commits after it (up to 8 fetched ahead), replays them, and checks that the protocol is one
 * lakelog can read.
 *
 * @example
 * const snapshot = await loadSnapshot(createEngine(store));
 * console.log(snapshot.version, snapshot.files.length);
 */
export async function loadSnapshot(engine: Engine, options: LoadSnapshotOptions = {}): Promise<Snapshot> {
  const snapshot = await loadSnapshotIfExists(engine, options);
  if (!snapshot) throw new TableNotFoundError(engine.store.rootUrl);
  return snapshot;
}

/**
 * Like {@link loadSnapshot}, but resolves with undefined when the store holds no table (no commit
 * and no checkpoint in `_delta_log`) instead of rejecting with {@link TableNotFoundError}. Every
 * other failure (a missing version, a corrupt log) still rejects. Same I/O as `loadSnapshot`.
 *
 * @example
 * const snapshot = await loadSnapshotIfExists(engine);
 * if (!snapshot) await createTable(engine, definition);
 */
export async function loadSnapshotIfExists(engine: Engine, options: LoadSnapshotOptions = {}): Promise<Snapshot | undefined> {
  const { store } = engine;
  const tableUrl = store.rootUrl;
  const { signal, base } = options;
  optionalSafeInteger(options.version, "version");
  if (base && (options.version === undefined || options.version >= base.version)) {
    const advanced = await advanceSnapshot(store, base, options.version, signal);
    if (advanced) return advanced;
  }
  const segment = await buildLogSegment(store, { version: options.version, tableUrl, listing: options.listing, signal });
  if (!segment) return undefined;
  const state = new ReplayState(tableUrl.replace(/\/+$/, ""));
  // an add line is rarely shorter than ~150 bytes: size the replay key table once
  state.files.reserve(segment.commits.reduce((n, c) => n + c.size, 0) / 150);
  if (segment.checkpoint) {
    const cp = segment.checkpoint;
    await readCheckpoint(engine, cp.files, (action) => state.apply(action, cp.version, true), signal);
    if (!state.checkpointHadProtocol)
      throw new MissingActionError(tableUrl, "protocol", cp.version, `the checkpoint at version ${cp.version} lacks it`);
    if (!state.checkpointHadMetadata)
      throw new MissingActionError(tableUrl, "metaData", cp.version, `the checkpoint at version ${cp.version} lacks it`);
  }
  await replayCommits(store, state, segment.commits, signal);
  if (segment.commits.length === 0 && segment.latestCommit && state.metadata && inCommitTimestampsEnabled(state.metadata)) {
    // loaded from a checkpoint of this very version: its in-commit timestamp is in its commit file
    state.lastInCommitTimestamp = await readInCommitTimestamp(store, segment.latestCommit.path, signal);
  }
  return finish(state, segment, tableUrl);
}

/** The `inCommitTimestamp` of one commit file's commitInfo (undefined when absent or the file is gone). */
async function readInCommitTimestamp(store: ObjectStore, path: string, signal?: AbortSignal): Promise<number | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await store.get(path, { signal });
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  let ict: number | undefined;
  forEachCommitAction(bytes, path, (action) => {
    if ("commitInfo" in action && typeof action.commitInfo.inCommitTimestamp === "number") ict = action.commitInfo.inCommitTimestamp;
  });
  return ict;
}

/** Applies commit files in order (8 fetched ahead). */
async function replayCommits(store: ObjectStore, state: ReplayState, commits: LogSegment["commits"], signal?: AbortSignal): Promise<void> {
  await mapInOrder(
    commits,
    COMMIT_PREFETCH,
    (commit) => store.get(commit.path, { signal }),
    (bytes, commit) => {
      state.lastInCommitTimestamp = undefined;
      forEachCommitAction(bytes, commit.path, (action) => state.apply(action, commit.version));
    },
    signal,
  );
}

/**
 * The snapshot at `version` (latest when undefined) built from `base` plus the commits after it,
 * or undefined when those commits are not contiguous (the caller then loads in full).
 */
async function advanceSnapshot(
  store: ObjectStore,
  base: Snapshot,
  version: number | undefined,
  signal?: AbortSignal,
): Promise<Snapshot | undefined> {
  const files = await listLogFiles(store, base.version + 1, signal);
  const commits = files.filter((f): f is LogSegment["commits"][number] => f.kind === "commit").sort((a, b) => a.version - b.version);
  const target = version ?? (commits.length > 0 ? commits[commits.length - 1]!.version : base.version);
  const needed = commits.filter((c) => c.version <= target);
  if (needed.length !== target - base.version || needed.some((c, i) => c.version !== base.version + 1 + i)) return undefined;
  if (needed.length === 0) return base;
  const state = ReplayState.from(base);
  await replayCommits(store, state, needed, signal);
  const segment: LogSegment = {
    version: target,
    checkpoint: base.segment.checkpoint,
    commits: [...base.segment.commits, ...needed],
    latestCommit: needed[needed.length - 1],
  };
  return finish(state, segment, base.tableUrl);
}

function finish(state: ReplayState, segment: LogSegment, tableUrl: string): Snapshot {
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

/**
 * The version's commit time: its in-commit timestamp when the table enables them, else its file's
 * time. A malformed `delta.enableInCommitTimestamps` counts as off here, so the table still
 * opens; the property raises where it decides more (`snapshot.tableProperties`, time travel).
 */
function commitTimestamp(state: ReplayState, segment: LogSegment): number {
  const ict = state.lastInCommitTimestamp;
  if (ict !== undefined && state.metadata && inCommitTimestampsEnabled(state.metadata)) return ict;
  return segment.latestCommit?.lastModified ?? segment.checkpoint?.files[0]?.lastModified ?? 0;
}

function inCommitTimestampsEnabled(metadata: Metadata): boolean {
  try {
    return readTableProperties(metadata.configuration).enableInCommitTimestamps;
  } catch (err) {
    if (err instanceof InvalidTablePropertyError) return false;
    throw err;
  }
}
