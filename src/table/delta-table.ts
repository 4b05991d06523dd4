/**
 * The table layer: `DeltaTable`, the facade users start from. It wires the concrete pieces (the
 * store for the URL, the parquet-wasm engine) into the protocol layers below.
 */
import { Table, type RecordBatch, type Schema } from "apache-arrow";
import { TableNotFoundError } from "../errors/log-errors.js";
import { TableExistsError } from "../errors/txn-errors.js";
import type { ParquetEngine } from "../engine/engine.js";
import { parquetWasmEngine } from "../engine/parquet-engine.js";
import type { AddFile, Metadata, Protocol } from "../log/actions.js";
import { loadSnapshot, type Snapshot } from "../log/snapshot.js";
import { scanSnapshot, type ScanOptions } from "../scan/scan.js";
import { planScan } from "../scan/scan-plan.js";
import { toArrowSchema } from "../schema/arrow-schema.js";
import type { StructType } from "../schema/types.js";
import { openStore } from "../storage/open-store.js";
import type { StorageOptions } from "../storage/options.js";
import type { ObjectStore } from "../storage/store.js";
import { readHistory, versionAtTimestamp, type HistoryEntry } from "../timetravel/history.js";
import { addConstraint, dropConstraint } from "../ops/alter-constraints.js";
import { createTable, type CreateTableOptions, type TableDefinition } from "../ops/create.js";
import { writeTable, type WriteOptions, type WriteResult } from "../ops/write.js";
import type { WriteInput } from "../ops/write-input.js";
import { fromArrowSchema } from "../schema/from-arrow.js";
import { Transaction, type TransactionOptions } from "../txn/transaction.js";
import { resolveExternalFile } from "./external-files.js";

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

/** Options for {@link DeltaTable.open}. */
export interface OpenTableOptions {
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
    readonly store: ObjectStore,
    readonly snapshot: Snapshot,
    private readonly engine: ParquetEngine,
    private readonly storageOptions: StorageOptions,
  ) {}

  /**
   * Opens the table at `url` (see the README for URL forms): its latest version, or the one
   * asked for by `version` or `timestamp`. I/O: reads `_last_checkpoint`, lists the log from the
   * checkpoint on and reads the checkpoint and later commits; time travel by timestamp lists the
   * commits once more and may read some commit infos.
   */
  static async open(url: string, options: OpenTableOptions = {}): Promise<DeltaTable> {
    const storage = options.storage ?? {};
    const store = options.store ?? (await openStore(url, storage));
    const engine = parquetWasmEngine;
    const { signal } = options;
    let version = options.version;
    if (options.timestamp !== undefined) {
      if (version !== undefined) throw new RangeError("open a table by version or by timestamp, not both");
      const latest = await loadSnapshot(store, engine, { signal });
      version = await versionAtTimestamp(store, toMillis(options.timestamp), { properties: latest.properties, signal });
      if (version === latest.version) return new DeltaTable(url, store, latest, engine, storage);
    }
    const snapshot = await loadSnapshot(store, engine, { version, signal });
    return new DeltaTable(url, store, snapshot, engine, storage);
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
    const definition: TableDefinition = { schema, partitionBy: options.partitionBy, properties: options.properties, name: options.name, description: options.description };
    const result = await createTable(store, parquetWasmEngine, definition, options);
    const snapshot = result.created ? await loadSnapshot(store, parquetWasmEngine, { version: result.commit.version, signal: options.signal }) : result.snapshot;
    return new DeltaTable(url, store, snapshot, parquetWasmEngine, storage);
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
  async write(data: WriteInput, options: WriteOptions = {}): Promise<WriteResult> {
    const latest = await loadSnapshot(this.store, this.engine, { base: this.snapshot, signal: options.signal });
    return writeTable(this.store, this.engine, latest, data, options);
  }

  /**
   * Adds a CHECK constraint (a SQL boolean expression every row must make TRUE) after checking
   * every existing row; later writes are checked too. Resolves with the version committed.
   */
  async addConstraint(name: string, expression: string, options: TransactionOptions = {}): Promise<number> {
    const latest = await loadSnapshot(this.store, this.engine, { base: this.snapshot, signal: options.signal });
    return (await addConstraint(this.store, this.engine, latest, name, expression, options)).version;
  }

  /** Drops a CHECK constraint; resolves with the version committed (undefined when `ifExists` found none). */
  async dropConstraint(name: string, options: TransactionOptions & { ifExists?: boolean } = {}): Promise<number | undefined> {
    const latest = await loadSnapshot(this.store, this.engine, { base: this.snapshot, signal: options.signal });
    return (await dropConstraint(this.store, latest, name, options))?.version;
  }

  /**
   * A transaction on this snapshot for advanced use: stage adds, removes, metadata, then commit
   * with optimistic concurrency (see spec/transactions.md). It reads this object's version; commits
   * made since are checked for conflicts when it commits.
   */
  transaction(options: TransactionOptions = {}): Transaction {
    return new Transaction(this.store, this.snapshot, options);
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

  /** Commit infos, newest first, up to the loaded version. */
  history(options: { limit?: number; signal?: AbortSignal } = {}): Promise<HistoryEntry[]> {
    return readHistory(this.store, { ...options, upToVersion: this.version });
  }

  /** This table at another version. */
  loadVersion(version: number, options: { signal?: AbortSignal } = {}): Promise<DeltaTable> {
    return DeltaTable.open(this.url, { ...options, version, store: this.store, storage: this.storageOptions });
  }

  /** This table as it was at a point in time. */
  loadTimestamp(timestamp: TimestampLike, options: { signal?: AbortSignal } = {}): Promise<DeltaTable> {
    return DeltaTable.open(this.url, { ...options, timestamp, store: this.store, storage: this.storageOptions });
  }

  /** The latest version of this table; reads only the commits made since this snapshot. */
  async refresh(options: { signal?: AbortSignal } = {}): Promise<DeltaTable> {
    const snapshot = await loadSnapshot(this.store, this.engine, { base: this.snapshot, signal: options.signal });
    return snapshot === this.snapshot ? this : new DeltaTable(this.url, this.store, snapshot, this.engine, this.storageOptions);
  }

  /**
   * Streams matching rows as Arrow record batches (see {@link ScanOptions}): projection, a
   * filter used for partition pruning, statistics skipping and exact row filtering, a row limit.
   */
  scan(options: ScanOptions = {}): AsyncIterable<RecordBatch> {
    return scanSnapshot(this.snapshot, {
      store: this.store,
      engine: this.engine,
      resolveExternal: (absoluteUrl) => resolveExternalFile(absoluteUrl, this.storageOptions),
    }, options);
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
  const ms = t instanceof Date ? t.getTime() : typeof t === "number" ? t : Date.parse(t);
  if (!Number.isFinite(ms)) throw new RangeError(`not a valid timestamp: ${String(t)}`);
  return ms;
}

/** Options of {@link writeDeltaTable}. */
export interface WriteDeltaTableOptions extends Omit<WriteOptions, "mode"> {
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
  let snapshot: Snapshot | undefined;
  try {
    snapshot = await loadSnapshot(store, parquetWasmEngine, { signal: options.signal });
  } catch (err) {
    if (!(err instanceof TableNotFoundError)) throw err;
  }
  const requested = options.mode ?? "error";
  if (snapshot && requested === "error") throw new TableExistsError(store.rootUrl);
  if (snapshot && requested === "ignore") return { version: snapshot.version, skipped: true, metrics: { numFiles: 0, numOutputRows: 0, numOutputBytes: 0, numRemovedFiles: 0, numDeletedRows: 0, numCopiedRows: 0, executionTimeMs: 0 } };
  const mode = requested === "overwrite" ? "overwrite" : "append";
  const onConcurrentCreate = requested === "error" || requested === "ignore" ? "fail" : "append";
  try {
    return await writeTable(store, parquetWasmEngine, snapshot, data, { ...options, mode, onConcurrentCreate });
  } catch (err) {
    // mode "ignore": another writer created the table first, so this write does nothing
    if (requested !== "ignore" || !(err instanceof TableExistsError)) throw err;
    const existing = await loadSnapshot(store, parquetWasmEngine, { signal: options.signal });
    return { version: existing.version, skipped: true, metrics: { numFiles: 0, numOutputRows: 0, numOutputBytes: 0, numRemovedFiles: 0, numDeletedRows: 0, numCopiedRows: 0, executionTimeMs: 0 } };
  }
}
