/**
 * The table layer: `DeltaTable`, the facade users start from. It wires the concrete pieces (the
 * store for the URL, the parquet-wasm engine) into the protocol layers below.
 */
import { Table, type RecordBatch, type Schema } from "apache-arrow";
import { TableExistsError } from "../errors/txn-errors.js";
import { createEngine, type Engine } from "../engine/index.js";
import type { AddFile, Metadata, Protocol } from "../log/actions.js";
import { loadSnapshot, loadSnapshotIfExists, type Snapshot } from "../log/snapshot.js";
import { scanSnapshot, type ScanEnvironment, type ScanOptions } from "../scan/scan.js";
import { planScan } from "../scan/scan-plan.js";
import { toArrowSchema } from "../schema/arrow-schema.js";
import type { StructType } from "../schema/types.js";
import { openStore } from "../storage/open-store.js";
import type { StorageOptions } from "../storage/options.js";
import type { ObjectStore } from "../storage/store.js";
import { readHistory, versionAtTimestamp, type HistoryEntry } from "../timetravel/history.js";
import { addConstraint, dropConstraint } from "../ops/alter-constraints.js";
import { createTable, type CreateTableOptions, type TableDefinition } from "../ops/create.js";
import { writeTable, type WriteOptions, type WriteResult } from "../ops/write/write-table.js";
import { optimizeTable, type OptimizeMetrics, type OptimizeOptions } from "../ops/maintenance/optimize.js";
import { vacuumTable, type VacuumOptions, type VacuumResult } from "../ops/maintenance/vacuum.js";
import { restoreTable, type RestoreOptions, type RestoreResult, type RestoreTarget } from "../ops/maintenance/restore.js";
import { writeCheckpoint, type CheckpointMetrics, type CheckpointOptions } from "../ops/maintenance/checkpoint.js";
import { autoMaintenanceHook, type AutoMaintenanceOptions } from "../ops/maintenance/checkpoint-auto.js";
import { cleanupExpiredLog, type LogCleanupMetrics, type LogCleanupOptions } from "../ops/maintenance/log-cleanup.js";
import { deleteRows, type DeleteOptions, type DeleteResult } from "../ops/row-level/delete.js";
import { updateRows, type UpdateOptions, type UpdateResult } from "../ops/row-level/update.js";
import { MergeBuilder, mergeRows, type MergeOptions } from "../ops/row-level/merge.js";
import { readChanges, type ChangesOptions } from "../scan/changes.js";
import type { Expression } from "../expr/expression.js";
import type { WriteInput } from "../ops/write/input.js";
import { fromArrowSchema } from "../schema/from-arrow.js";
import { Transaction, type TransactionOptions } from "../txn/transaction.js";
import { resolveExternalFile } from "./external-files.js";
import type { ExternalPathPolicy } from "../scan/path-policy.js";
import { InvalidArgumentError, InvalidOperationError } from "../errors/argument-errors.js";
import { describeArgument, optionalSafeInteger } from "../util/validate.js";

/** Options for {@link DeltaTable.create}. */
export interface CreateOptions extends CreateTableOptions {
  /** A Delta schema, or an Arrow schema converted with the rules of `fromArrowSchema`. */
  schema: StructType | Schema;
  partitionBy?: string[];
  properties?: Record<string, string>;
  name?: string;
  description?: string;
  storage?: StorageOptions;
  store?: ObjectStore;
}

function isArrowSchema(schema: StructType | Schema): schema is Schema {
  return Array.isArray((schema as Schema).fields) && (schema as StructType).type !== "struct";
}

/** A point in time: a `Date`, milliseconds since the epoch, or an ISO-8601 string. */
export type TimestampLike = Date | number | string;

/** Options for {@link DeltaTable.changes}: {@link ChangesOptions} with timestamps as any {@link TimestampLike}. */
export interface TableChangesOptions extends Omit<ChangesOptions, "startingTimestamp" | "endingTimestamp"> {
  startingTimestamp?: TimestampLike;
  endingTimestamp?: TimestampLike;
}

/**
 * Options for {@link DeltaTable.open}. `allowExternalPaths` / `allowedRoots` let scans read data
 * files the log names outside the table root (shallow clones); by default such files are refused
 * with `ExternalPathRefusedError` (see spec/reader.md, "Path safety").
 */
export interface OpenTableOptions extends ExternalPathPolicy {
  /** Load this version instead of the latest. */
  version?: number;
  /** Load the latest version committed at or before this time. */
  timestamp?: TimestampLike;
  /** Credentials, endpoints and retry policy for the table's store. */
  storage?: StorageOptions;
  /** Use this store instead of opening one for the URL. */
  store?: ObjectStore;
  signal?: AbortSignal;
}

/**
 * A Delta table at one version. Instances are immutable: `loadVersion`, `loadTimestamp` and
 * `refresh` return new ones.
 *
 * @example
 * const table = await DeltaTable.open("s3://bucket/events", { storage: { s3: { region: "eu-west-1" } } });
 * console.log(table.version, table.schema);
 * const arrow = await table.toArrow({ columns: ["id", "ts"], filter: "day = '2024-05-01'" });
 */
export class DeltaTable {
  private constructor(
    /** The table URL as given. */
    readonly url: string,
    /** The store, Parquet handler and clock every operation of this table goes through. */
    readonly engine: Engine,
    readonly snapshot: Snapshot,
    private readonly storageOptions: StorageOptions,
    /** Which files outside the table root scans may read (default: none). */
    private readonly pathPolicy: ExternalPathPolicy = {},
  ) {}

  /** The table's object store (paths relative to the table root). */
  get store(): ObjectStore {
    return this.engine.store;
  }

  /** What `util.inspect` (`console.log`) shows: URL and version, never the storage options and their credentials. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `DeltaTable { ${this.engine.store.rootUrl} @ version ${this.snapshot.version} }`;
  }

  /**
   * Opens the table at `url` (see the README for URL forms): its latest version, or the one
   * asked for by `version` or `timestamp`. I/O: reads `_last_checkpoint`, lists the log from the
   * checkpoint on and reads the checkpoint and later commits; time travel by timestamp first lists
   * the commits and reads a few commit infos (O(log n)) to find the version, then loads it.
   */
  static async open(url: string, options: OpenTableOptions = {}): Promise<DeltaTable> {
    const storage = options.storage ?? {};
    const store = options.store ?? (await openStore(url, storage));
    const engine = createEngine(store);
    const { signal } = options;
    let version = options.version;
    if (options.timestamp !== undefined) {
      if (version !== undefined) throw new InvalidOperationError("open", "give a version or a timestamp, not both");
      // found from the commit listing (and a few commit infos), so the log is replayed only once
      version = await versionAtTimestamp(store, toMillis(options.timestamp), { signal });
    }
    const snapshot = await loadSnapshot(engine, { version: optionalSafeInteger(version, "version"), signal });
    return new DeltaTable(url, engine, snapshot, storage, pathPolicyOf(options));
  }

  /** The loaded version. */
  get version(): number {
    return this.snapshot.version;
  }

  /** The table schema (Delta types, logical names). */
  get schema(): StructType {
    return this.snapshot.schema;
  }

  /** The schema scans return, as Arrow. */
  get arrowSchema(): Schema {
    return toArrowSchema(this.snapshot.schema);
  }

  get metadata(): Metadata {
    return this.snapshot.metadata;
  }

  get protocol(): Protocol {
    return this.snapshot.protocol;
  }

  get partitionColumns(): string[] {
    return this.snapshot.partitionColumns;
  }

  /** Table properties (`delta.*` settings and user properties). */
  get properties(): Record<string, string> {
    return this.snapshot.properties;
  }

  /**
   * Creates a table at `url`. The schema is a Delta schema or an Arrow schema. With
   * `ifExists: "ignore"` an existing table is opened instead; `"overwrite"` replaces its schema
   * and data in a new version.
   *
   * @example
   * const table = await DeltaTable.create("./events", {
   *   schema: new Schema([new Field("id", new Int64()), new Field("day", new Utf8())]),
   *   partitionBy: ["day"],
   * });
   */
  static async create(url: string, options: CreateOptions): Promise<DeltaTable> {
    const storage = options.storage ?? {};
    const store = options.store ?? (await openStore(url, storage));
    const schema = isArrowSchema(options.schema) ? fromArrowSchema(options.schema) : options.schema;
    const definition: TableDefinition = {
      schema,
      partitionBy: options.partitionBy,
      properties: options.properties,
      name: options.name,
      description: options.description,
    };
    const engine = createEngine(store);
    const result = await createTable(engine, definition, options);
    const snapshot = result.created
      ? await loadSnapshot(engine, { version: result.commit.version, signal: options.signal })
      : result.snapshot;
    return new DeltaTable(url, engine, snapshot, storage);
  }

  /**
   * Writes data to this table: appends by default, or overwrites all rows (or those matching
   * `replaceWhere`). `data` is an Arrow `Table`, a `RecordBatch`, an (async) iterable of record
   * batches, or an array of plain objects. A write always applies to the table's latest version
   * (this object's snapshot is brought up to date first, reading only newer commits), never to an
   * older snapshot. Resolves with the version written and metrics; this object stays at its
   * version (use `refresh()`).
   *
   * @example
   * const { version } = await table.write([{ id: 1n, day: "2024-05-01" }], { mode: "append" });
   */
  async write(data: WriteInput, options: WriteOptions & AutoMaintenanceOptions = {}): Promise<WriteResult> {
    return writeTable(this.engine, await this.latest(options.signal), data, this.withAutoMaintenance(options));
  }

  /**
   * Writes a checkpoint of the table's latest version (classic, multi-part above
   * `actionsPerPart` actions, or v2 with sidecars when the table has `v2Checkpoint`) and updates
   * `_last_checkpoint`. Memory stays bounded: rows are streamed a few thousand at a time. See
   * spec/maintenance.md.
   *
   * @example
   * const { version, sizeInBytes } = await table.checkpoint();
   */
  async checkpoint(options: CheckpointOptions = {}): Promise<CheckpointMetrics> {
    return writeCheckpoint(this.engine, await this.latest(options.signal), options);
  }

  /**
   * Deletes log files (commits, checkpoints, `.crc`) older than `delta.logRetentionDuration`
   * (default 30 days; `now` defaults to the engine clock) that no retained version needs: the
   * newest checkpoint at or before the cutoff and everything after it are kept.
   */
  async cleanupLog(options: LogCleanupOptions = {}): Promise<LogCleanupMetrics> {
    return cleanupExpiredLog(this.engine, (await this.latest(options.signal)).properties, options);
  }

  /**
   * Adds a CHECK constraint (a SQL boolean expression every row must make TRUE) after checking
   * every existing row; later writes are checked too. Resolves with the version committed.
   */
  async addConstraint(name: string, expression: string, options: TransactionOptions = {}): Promise<number> {
    return (await addConstraint(this.engine, await this.latest(options.signal), { name, expression }, options)).version;
  }

  /** Drops a CHECK constraint; resolves with the version committed (undefined when `ifExists` found none). */
  async dropConstraint(name: string, options: TransactionOptions & { ifExists?: boolean } = {}): Promise<number | undefined> {
    return (await dropConstraint(this.engine, await this.latest(options.signal), name, options))?.version;
  }

  /**
   * Compacts small files (bin-packing) or, with `zOrderBy`, clusters each partition's rows by
   * several columns, in one commit whose actions change no data (`dataChange: false`), so
   * concurrent appends never conflict with it; a concurrent delete of a file being rewritten
   * makes it fail with `ConcurrentDeleteReadError`. Applies to the latest version. Deletion
   * vectors of rewritten files are applied. Resolves with metrics; this object stays at its
   * version. See spec/maintenance.md ("Optimize").
   *
   * @example
   * const metrics = await table.optimize({ where: "day = '2024-05-01'", zOrderBy: ["x", "y"] });
   */
  async optimize(options: OptimizeOptions = {}): Promise<OptimizeMetrics> {
    return optimizeTable(this.scanEnvironment(), await this.latest(options.signal), options);
  }

  /**
   * Deletes files the table no longer needs (default: a dry run that only lists them). `lite`
   * mode (default) deletes the files of `remove` tombstones older than the retention; `full` lists
   * the whole table root and also deletes orphans of failed writes and leftover temp files. Never
   * touches `_delta_log/`, files outside the table root, files modified within the retention, or
   * files any version within the retention references. A retention below
   * `delta.deletedFileRetentionDuration` (default 7 days) is refused with
   * `VacuumRetentionTooShortError` unless `enforceRetention: false`. Applies to the latest
   * version; commits VACUUM START / VACUUM END when not a dry run. See spec/maintenance.md ("Vacuum").
   *
   * @example
   * const preview = await table.vacuum({ mode: "full" });
   * const done = await table.vacuum({ mode: "full", dryRun: false });
   */
  async vacuum(options: VacuumOptions = {}): Promise<VacuumResult> {
    return vacuumTable(this.engine, await this.latest(options.signal), options);
  }

  /**
   * Restores the table's content to an earlier version (by number, or the version current at a
   * time) in one `RESTORE` commit on top of the latest version. Refused with
   * `RestoreMissingFilesError` (nothing committed) when a file of that version was vacuumed.
   * Resolves with the version committed and Spark's restore metrics; this object stays at its
   * version. See spec/maintenance.md ("Restore").
   *
   * @example
   * const { version, metrics } = await table.restore({ version: 3 });
   */
  async restore(target: { version: number } | { timestamp: TimestampLike }, options: RestoreOptions = {}): Promise<RestoreResult> {
    // both fields go through, so restoreTable refuses a target that gives both (never picks one)
    const { version, timestamp } = target as { version?: number; timestamp?: TimestampLike };
    const resolved = { version, timestamp: timestamp === undefined ? undefined : toMillis(timestamp) } as RestoreTarget;
    return restoreTable(this.engine, await this.latest(options.signal), resolved, options);
  }

  /**
   * Deletes the rows matching `predicate` (every row without one) from the latest version in one
   * `DELETE` commit: whole files by partition values when the predicate names only partition
   * columns, otherwise deletion vectors (`delta.enableDeletionVectors`) or rewritten files for
   * the candidate files that hold matching rows; change data with `delta.enableChangeDataFeed`.
   * Resolves with the version (undefined when nothing matched: no commit) and Spark's metrics;
   * this object stays at its version. See spec/row-level.md.
   *
   * @example
   * const { metrics } = await table.delete("day = '2024-05-01' AND status = 'void'");
   */
  async delete(predicate?: string | Expression, options: DeleteOptions & AutoMaintenanceOptions = {}): Promise<DeleteResult> {
    return deleteRows(this.scanEnvironment(), await this.latest(options.signal), predicate, this.withAutoMaintenance(options));
  }

  /**
   * Sets columns of the rows matching `where` (every row without it) in the latest version in one
   * `UPDATE` commit; files without matching rows are never rewritten; the old rows get deletion
   * vectors (`delta.enableDeletionVectors`) or their files are rewritten; change data with
   * `delta.enableChangeDataFeed`. New values are type-checked against the columns and checked
   * against NOT NULL and CHECK constraints. Resolves with the version (undefined when nothing
   * matched) and Spark's metrics; this object stays at its version. See spec/row-level.md.
   *
   * @example
   * await table.update({ where: "id = 3", set: { status: "'void'", amount: "amount * 2" } });
   */
  async update(options: UpdateOptions & AutoMaintenanceOptions): Promise<UpdateResult> {
    return updateRows(this.scanEnvironment(), await this.latest(options.signal), this.withAutoMaintenance(options));
  }

  /**
   * Starts a MERGE of `source` (Arrow table, batches or plain objects; held in memory up to
   * `maxSourceBytes`, default 512 MiB) into the latest version: add WHEN clauses on the returned
   * builder, then `execute()` for one `MERGE` commit. Only target files the `on` condition and the
   * source's key values cannot rule out are read. See spec/row-level.md.
   *
   * @example
   * await table.merge(rows, { on: "target.id = source.id" }).whenMatchedUpdateAll().whenNotMatchedInsertAll().execute();
   */
  merge(source: WriteInput, options: MergeOptions & AutoMaintenanceOptions): MergeBuilder {
    return new MergeBuilder(async (clauses) =>
      mergeRows(this.scanEnvironment(), await this.latest(options.signal), source, this.withAutoMaintenance(options), clauses),
    );
  }

  /**
   * Streams the change data feed of a range of versions (the table needs
   * `delta.enableChangeDataFeed` over the whole range): the table's columns plus `_change_type`,
   * `_commit_version` and `_commit_timestamp`, one file at a time. The range ends at the latest
   * version unless `endingVersion`/`endingTimestamp` says otherwise. See spec/row-level.md.
   *
   * @example
   * for await (const batch of table.changes({ startingVersion: 5 })) process(batch);
   */
  changes(options: TableChangesOptions): AsyncIterable<RecordBatch> {
    const request: ChangesOptions = {
      ...options,
      startingTimestamp: options.startingTimestamp === undefined ? undefined : toMillis(options.startingTimestamp),
      endingTimestamp: options.endingTimestamp === undefined ? undefined : toMillis(options.endingTimestamp),
    };
    const read = async function* (table: DeltaTable) {
      yield* readChanges(table.scanEnvironment(), await table.latest(options.signal), request);
    };
    return read(this);
  }

  /**
   * A transaction on this snapshot for advanced use: stage adds, removes, metadata, then commit
   * with optimistic concurrency (see spec/transactions.md). It reads this object's version; commits
   * made since are checked for conflicts when it commits.
   */
  transaction(options: TransactionOptions & AutoMaintenanceOptions = {}): Transaction {
    return new Transaction(this.engine, this.snapshot, this.withAutoMaintenance(options));
  }

  /** When the loaded version was committed. */
  get timestamp(): Date {
    return new Date(this.snapshot.timestamp);
  }

  /** Paths of the active data files, as the log records them (relative to the table root unless absolute). */
  files(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.snapshot.files.length; i++) out.push(this.snapshot.files.path(i));
    return out;
  }

  /** The `add` actions of the active files (materialised one at a time). */
  addActions(): Iterable<AddFile> {
    return this.snapshot.files;
  }

  /**
   * The `add` actions of the active files that may hold rows matching `filter`, judged by
   * partition values and statistics only (the pruning a scan does). Performs no I/O.
   */
  matchingAddActions(filter: ScanOptions["filter"]): AddFile[] {
    return planScan(this.snapshot, { filter }).files.map((i) => this.snapshot.files.addFile(i));
  }

  /** Commit infos, newest first, up to the loaded version. */
  history(options: { limit?: number; signal?: AbortSignal } = {}): Promise<HistoryEntry[]> {
    return readHistory(this.store, { ...options, upToVersion: this.version });
  }

  /** This table at another version. */
  loadVersion(version: number, options: { signal?: AbortSignal } = {}): Promise<DeltaTable> {
    return DeltaTable.open(this.url, { ...this.pathPolicy, ...options, version, store: this.store, storage: this.storageOptions });
  }

  /** This table as it was at a point in time. */
  loadTimestamp(timestamp: TimestampLike, options: { signal?: AbortSignal } = {}): Promise<DeltaTable> {
    return DeltaTable.open(this.url, { ...this.pathPolicy, ...options, timestamp, store: this.store, storage: this.storageOptions });
  }

  /** The latest version of this table; reads only the commits made since this snapshot. */
  async refresh(options: { signal?: AbortSignal } = {}): Promise<DeltaTable> {
    const snapshot = await this.latest(options.signal);
    return snapshot === this.snapshot ? this : new DeltaTable(this.url, this.engine, snapshot, this.storageOptions, this.pathPolicy);
  }

  /**
   * The latest snapshot, brought up from this one (reads only the commits made since). Every
   * operation that commits or follows the table applies to it, never to an older snapshot.
   */
  private latest(signal: AbortSignal | undefined): Promise<Snapshot> {
    return loadSnapshot(this.engine, { base: this.snapshot, signal });
  }

  /** Where data files are read from: this table's engine, and the files outside its root that its path policy allows. */
  private scanEnvironment(): ScanEnvironment {
    return {
      engine: this.engine,
      resolveExternal: (absoluteUrl) => resolveExternalFile(absoluteUrl, this.storageOptions, this.pathPolicy, this.store.rootUrl),
    };
  }

  /** `options` with automatic checkpoints after the commit (the caller's own `afterCommit` still runs first). */
  private withAutoMaintenance<T extends AutoMaintenanceOptions & TransactionOptions>(options: T): T {
    return { ...options, afterCommit: autoMaintenanceHook(this.engine, options) };
  }

  /**
   * Streams matching rows as Arrow record batches (see {@link ScanOptions}): projection, a
   * filter used for partition pruning, statistics skipping and exact row filtering, a row limit.
   */
  scan(options: ScanOptions = {}): AsyncIterable<RecordBatch> {
    return scanSnapshot(this.snapshot, this.scanEnvironment(), options);
  }

  /** Reads matching rows into one Arrow table. */
  async toArrow(options: ScanOptions = {}): Promise<Table> {
    const batches: RecordBatch[] = [];
    for await (const batch of this.scan(options)) batches.push(batch);
    if (batches.length > 0) return new Table(batches);
    return new Table(planScan(this.snapshot, options).outputSchema);
  }
}

function toMillis(t: TimestampLike): number {
  const ms = t instanceof Date ? t.getTime() : typeof t === "number" ? t : typeof t === "string" ? Date.parse(t) : NaN;
  if (!Number.isFinite(ms))
    throw new InvalidArgumentError(
      "timestamp",
      t instanceof Date ? "an invalid Date" : describeArgument(t),
      "a Date, milliseconds since the epoch, or an ISO-8601 string",
    );
  return ms;
}

function pathPolicyOf(options: ExternalPathPolicy): ExternalPathPolicy {
  if (
    options.allowedRoots !== undefined &&
    (!Array.isArray(options.allowedRoots) || options.allowedRoots.some((r) => typeof r !== "string" || r === ""))
  ) {
    throw new InvalidArgumentError("allowedRoots", describeArgument(options.allowedRoots), "an array of non-empty root URLs");
  }
  return {
    allowExternalPaths: options.allowExternalPaths === true,
    allowedRoots: options.allowedRoots ? [...options.allowedRoots] : undefined,
  };
}

/** Options of {@link writeDeltaTable}. */
export interface WriteDeltaTableOptions extends Omit<WriteOptions, "mode">, AutoMaintenanceOptions {
  /**
   * What to do with an existing table: `append` and `overwrite` write to it; `error` (default)
   * refuses; `ignore` writes nothing. A missing table is created in every mode.
   */
  mode?: "append" | "overwrite" | "error" | "ignore";
  storage?: StorageOptions;
  store?: ObjectStore;
}

/**
 * Writes `data` to the table at `url`, creating it on the first write (schema from the data,
 * `partitionBy`, `properties`, `name`, `description`). Like `write_deltalake` in the Python
 * `deltalake` package.
 *
 * @example
 * await writeDeltaTable("s3://bucket/events", rows, { mode: "append", partitionBy: ["day"] });
 */
export async function writeDeltaTable(url: string, data: WriteInput, options: WriteDeltaTableOptions = {}): Promise<WriteResult> {
  const storage = options.storage ?? {};
  const store = options.store ?? (await openStore(url, storage));
  const engine = createEngine(store);
  const snapshot = await loadSnapshotIfExists(engine, { signal: options.signal });
  const requested = options.mode ?? "error";
  if (snapshot && requested === "error") throw new TableExistsError(store.rootUrl);
  if (snapshot && requested === "ignore")
    return {
      version: snapshot.version,
      skipped: true,
      metrics: {
        numFiles: 0,
        numOutputRows: 0,
        numOutputBytes: 0,
        numRemovedFiles: 0,
        numDeletedRows: 0,
        numCopiedRows: 0,
        executionTimeMs: 0,
      },
    };
  const mode = requested === "overwrite" ? "overwrite" : "append";
  // another writer creating the table first: "error" reports it, "ignore" then writes nothing
  const onConcurrentCreate = requested === "error" ? "fail" : requested === "ignore" ? "skip" : "append";
  return writeTable(engine, snapshot, data, { ...options, mode, onConcurrentCreate, afterCommit: autoMaintenanceHook(engine, options) });
}
