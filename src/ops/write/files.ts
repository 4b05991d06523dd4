/**
 * Turning a stream of Arrow batches into the data files of a Delta table and the `add` actions
 * that describe them: partitioning, Parquet files streamed into the store with rolling, and
 * per-file statistics. No log I/O: the caller commits the returned actions (or, when this throws,
 * commits nothing: the files written so far are deleted first).
 *
 * - Files hold the data columns (partition columns left out) under their physical names.
 * - Partitioned tables: input batches are pooled (up to 1M rows or 32 MiB of Arrow data, when
 *   every data column is flat) and split by partition tuple, each partition's rows gathered into
 *   one batch (values copied once); one file is open per partition, at most `maxOpenFiles` at
 *   once (the least recently used is finished when another is needed; rows of its partition
 *   arriving later start a new file). With many more partitions than that in random order, files
 *   get small: sort or cluster the input by partition for large files.
 * - A file is finished once its estimated size reaches `targetFileSize`, and the next rows of its
 *   partition go to a new file.
 * - Memory: per open file about one row group (its Arrow bytes capped at `rowGroupBytes`, by
 *   default 128 MiB, split evenly over `maxOpenFiles` when partitioned) plus one waiting batch.
 */
import { Data, Int64, RecordBatch, Schema, Struct } from "apache-arrow";
import { nullData } from "../../arrow/data.js";
import type { Engine, ParquetWriteOptions } from "../../engine/index.js";
import { InvalidSchemaError, SchemaMismatchError } from "../../errors/schema-errors.js";
import type { AddFile } from "../../log/actions.js";
import type { Snapshot } from "../../log/snapshot.js";
import { hasRowTrackingColumns, rowTrackingFields, type RowTrackingColumns } from "../../scan/row-tracking-columns.js";
import { preservedRowTracking } from "../../txn/row-tracking.js";
import { hasFeature } from "../../log/table-features.js";
import type { ColumnMappingMode } from "../../schema/column-mapping.js";
import type { StructType } from "../../schema/types.js";
import { arrowSize, DataFileSink, type FinishedFile, SizeModel } from "./file-sink.js";
import { type PartitionGroup, PartitionSplitter } from "./partitions.js";
import { dataFileName, parquetExtension, randomPrefix, randomPrefixLength, toLogPath } from "./paths.js";
import { fileSchemaOf, toFileBatch } from "./physical.js";
import { gatherGroups, isFlatSchema, type Segment } from "./scatter.js";
import { dataFieldsOf, type StatsPlan, statsPlanFor } from "./stats-columns.js";
import { writeArrowSchema } from "./conform.js";

/** How {@link writeDataFiles} writes. */
export interface DataFileOptions {
  /**
   * The logical table schema; batches arrive conformed to `toArrowSchema(schema)` (logical names),
   * as `conformBatch` returns them, built with lakelog's copy of apache-arrow (`openWriteInput`
   * adopts other copies' batches; nothing here adopts or casts again).
   */
  schema: StructType;
  /** `metaData.partitionColumns` (logical names). */
  partitionColumns: string[];
  columnMappingMode: ColumnMappingMode;
  /** Table properties (statistics settings, random file prefixes). */
  configuration: Record<string, string>;
  /** Bytes at which a file is finished and a new one started (default 128 MiB). */
  targetFileSize?: number;
  /** Most rows per row group (default 1 048 576). */
  rowGroupSize?: number;
  /** Most Arrow bytes per row group (default 128 MiB, divided by `maxOpenFiles` when partitioned, at least 8 MiB). */
  rowGroupBytes?: number;
  /** Most files open at once in a partitioned write (default 16). */
  maxOpenFiles?: number;
  compression?: "snappy" | "zstd" | "uncompressed";
  /** Write `"tightBounds":true` in the stats: set it when the table's protocol supports deletion vectors (Spark does). */
  tightBounds?: boolean;
  /** `add.dataChange` (default true). */
  dataChange?: boolean;
  /**
   * Row tracking (a rewrite of a table with `delta.enableRowTracking`): every file gets these two
   * long columns after the data columns, the materialized row ID and commit version columns. A
   * batch may end with them (as `readFileRows`/the scan return them for rows copied or updated);
   * for a batch without them (inserted rows) they are NULL: those rows get fresh IDs.
   */
  rowTracking?: RowTrackingColumns;
  signal?: AbortSignal;
  /** Called after each batch and each finished file. */
  onProgress?: (progress: { rows: number; files: number; bytes: number }) => void;
}

/**
 * The options for writing files into the existing table of `snapshot` with its schema, layout and
 * statistics settings (`tightBounds` when its protocol has deletion vectors, as Spark writes), and
 * its materialized row tracking columns when row tracking is enabled (the rewrites of row-level
 * operations use these options).
 */
export function snapshotFileOptions(snapshot: Snapshot, signal?: AbortSignal): DataFileOptions {
  return {
    schema: snapshot.schema,
    partitionColumns: snapshot.partitionColumns,
    columnMappingMode: snapshot.columnMappingMode,
    configuration: snapshot.metadata.configuration,
    tightBounds: hasFeature(snapshot.protocol, "deletionVectors"),
    rowTracking: preservedRowTracking(snapshot),
    signal,
  };
}

/** The files a write produced. */
export interface WrittenFiles {
  /** One `add` per file, in the order the files were finished. */
  adds: AddFile[];
  numRows: number;
  /** Total size of the files. */
  numBytes: number;
}

const MiB = 1024 * 1024;
const DEFAULT_TARGET_FILE_SIZE = 128 * MiB;
const DEFAULT_ROW_GROUP_BYTES = 128 * MiB;
const DEFAULT_MAX_OPEN_FILES = 16;
const PARTITIONED_BUFFER_BUDGET = 256 * MiB;
/** First row groups of partitioned files close after 1/8, 2/8, … of the usual bytes (see `staggered`). */
const STAGGER_STEPS = 8;
/** Input gathered before a partition split, so each partition gets a sizeable batch. */
const COALESCE_ROWS = 1024 * 1024;
const COALESCE_BYTES = 32 * MiB;

/**
 * Writes `batches` as Parquet data files of a table and returns their `add` actions. Reads the
 * batches once; writes each file with one `putStream`. On failure or abort, deletes the files it
 * wrote (best effort) and rethrows; nothing is committed either way.
 *
 * @example
 * const { adds } = await writeDataFiles(createEngine(store), batches, { schema, partitionColumns: ["day"], columnMappingMode: "none", configuration: {} });
 */
export async function writeDataFiles(
  engine: Engine,
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  options: DataFileOptions,
): Promise<WrittenFiles> {
  const writer = new DataFileWriter(engine, options);
  try {
    for await (const batch of batches) {
      options.signal?.throwIfAborted();
      await writer.write(batch);
    }
    options.signal?.throwIfAborted();
    return await writer.finish();
  } catch (err) {
    await writer.abort(err);
    throw err;
  }
}

/** The state of one {@link writeDataFiles} call. */
class DataFileWriter {
  private readonly splitter: PartitionSplitter;
  private readonly expectedNames: string[];
  private readonly expectedTypes: string[];
  private checkedSchema: Schema | undefined;
  private readonly dataSchema: Schema;
  private readonly fileSchema: Schema;
  private readonly plan: StatsPlan;
  private readonly prefixLength: number | undefined;
  private readonly extension: string;
  private readonly target: number;
  private readonly maxOpen: number;
  private readonly writeOptions: ParquetWriteOptions;
  private readonly model = new SizeModel();
  private readonly open = new Map<string, DataFileSink>();
  private readonly started: DataFileSink[] = [];
  private readonly finished: FinishedFile[] = [];
  private rows = 0;
  /** Whether input batches are pooled before splitting (partitioned, flat columns only). */
  private readonly coalesce: boolean;
  private pending: Array<{ data: RecordBatch; groups: PartitionGroup[] }> = [];
  private pendingRows = 0;
  private pendingBytes = 0;

  constructor(
    private readonly engine: Engine,
    private readonly options: DataFileOptions,
  ) {
    const { schema, partitionColumns, columnMappingMode: mode, configuration } = options;
    if (dataFieldsOf(schema, partitionColumns).length === 0) {
      // a Parquet file without columns cannot hold a row count; Spark refuses such tables too
      throw new InvalidSchemaError("", "every column is a partition column (a table needs at least one data column)");
    }
    this.splitter = new PartitionSplitter(schema, partitionColumns, mode);
    const arrow = writeArrowSchema(schema);
    this.expectedNames = arrow.fields.map((f) => f.name);
    this.expectedTypes = arrow.fields.map((f) => String(f.type));
    const tracking = options.rowTracking ? rowTrackingFields(options.rowTracking) : [];
    this.dataSchema = new Schema([...this.splitter.dataIndices.map((i) => arrow.fields[i]!), ...tracking]);
    // without column mapping the file schema is the data schema itself: batches then reach the
    // Parquet writer under the very schema object it was opened with, and it converts nothing
    this.fileSchema =
      mode === "none" ? this.dataSchema : new Schema([...fileSchemaOf(dataFieldsOf(schema, partitionColumns), mode).fields, ...tracking]);
    this.coalesce = this.splitter.isPartitioned && isFlatSchema(this.dataSchema);
    this.plan = statsPlanFor(schema, { partitionColumns, columnMappingMode: mode, configuration, tightBounds: options.tightBounds });
    this.prefixLength = randomPrefixLength(configuration, mode !== "none");
    const compression = options.compression ?? "snappy";
    this.extension = parquetExtension(compression);
    this.target = Math.max(1, options.targetFileSize ?? DEFAULT_TARGET_FILE_SIZE);
    this.maxOpen = Math.max(1, options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES);
    const shared = this.splitter.isPartitioned
      ? Math.max(8 * MiB, Math.floor(PARTITIONED_BUFFER_BUDGET / this.maxOpen))
      : DEFAULT_ROW_GROUP_BYTES;
    this.writeOptions = {
      compression,
      rowGroupSize: options.rowGroupSize,
      rowGroupBytes: options.rowGroupBytes ?? Math.min(DEFAULT_ROW_GROUP_BYTES, shared),
      signal: options.signal,
    };
  }

  async write(batch: RecordBatch): Promise<void> {
    this.checkColumns(batch);
    if (batch.numRows === 0) return;
    const columns = [...this.splitter.dataIndices.map((i) => batch.data.children[i]!), ...this.rowTrackingOf(batch)];
    const data = new RecordBatch(
      this.dataSchema,
      new Data(new Struct(this.dataSchema.fields), 0, batch.numRows, 0, [undefined, undefined, undefined], columns),
    );
    this.pending.push({ data, groups: this.splitter.split(batch).groups });
    this.pendingRows += batch.numRows;
    this.pendingBytes += arrowSize(data.data);
    this.rows += batch.numRows;
    if (!this.coalesce || this.pendingRows >= COALESCE_ROWS || this.pendingBytes >= COALESCE_BYTES) await this.flushPending();
    this.progress();
  }

  /** Splits the pooled input by partition and writes each partition's rows as one batch. */
  private async flushPending(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    this.pendingRows = this.pendingBytes = 0;
    if (pending.length === 0) return;
    if (!this.splitter.isPartitioned) {
      for (const p of pending) await this.writeGroup(p.groups[0]!, p.data);
      return;
    }
    const byKey = new Map<string, { group: PartitionGroup; segments: Segment[] }>();
    pending.forEach((p, source) => {
      for (const group of p.groups) {
        let entry = byKey.get(group.key);
        if (!entry) byKey.set(group.key, (entry = { group, segments: [] }));
        entry.segments.push({ source, rows: group.rows });
      }
    });
    const entries = [...byKey.values()];
    const parts = gatherGroups(
      this.dataSchema,
      pending.map((p) => p.data),
      entries.map((e) => e.segments),
    );
    for (let g = 0; g < entries.length; g++) await this.writeGroup(entries[g]!.group, parts[g]!);
  }

  /** The row tracking columns of the file: the batch's carried ones, or NULLs (fresh rows); none without row tracking. */
  private rowTrackingOf(batch: RecordBatch): Data[] {
    if (!this.options.rowTracking) return [];
    if (hasRowTrackingColumns(batch, this.options.rowTracking)) return batch.data.children.slice(-2) as Data[];
    return [nullData(new Int64(), batch.numRows), nullData(new Int64(), batch.numRows)];
  }

  /**
   * Refuses batches not conformed to the table's Arrow form (checked once per distinct schema
   * object); with row tracking, the carried row tracking columns may follow the table's columns.
   */
  private checkColumns(batch: RecordBatch): void {
    if (batch.schema === this.checkedSchema) return;
    const carried = hasRowTrackingColumns(batch, this.options.rowTracking);
    const names = batch.schema.fields.map((f) => f.name).slice(0, carried ? -2 : undefined);
    if (names.length !== this.expectedNames.length || names.some((n, i) => n !== this.expectedNames[i])) {
      throw new SchemaMismatchError(
        "",
        this.expectedNames.join(", "),
        names.join(", "),
        "a batch does not have the table's columns in the table's order",
      );
    }
    batch.schema.fields.forEach((f, i) => {
      if (i >= names.length) {
        if (String(f.type) !== "Int64")
          throw new SchemaMismatchError(f.name, "Int64", String(f.type), "a row tracking column must be long");
        return;
      }
      const type = String(f.type);
      if (type !== this.expectedTypes[i])
        throw new SchemaMismatchError(f.name, this.expectedTypes[i]!, type, "a batch column does not have the table's Arrow type");
    });
    this.checkedSchema = batch.schema;
  }

  private async writeGroup(group: PartitionGroup, batch: RecordBatch): Promise<void> {
    for (const piece of this.pieces(batch)) {
      let sink = this.open.get(group.key);
      if (sink) {
        this.open.delete(group.key); // re-inserted below: the map's order is least recently used first
      } else {
        if (this.open.size >= this.maxOpen) await this.closeLeastRecentlyUsed();
        sink = this.startFile(group);
      }
      this.open.set(group.key, sink);
      await sink.write(piece, toFileBatch(piece, this.fileSchema));
      if (sink.estimatedSize() >= this.target) {
        this.open.delete(group.key);
        await this.closeFile(sink);
      }
    }
  }

  /** `batch` in slices small enough (about a quarter of the target file size) to roll files between them. */
  private pieces(batch: RecordBatch): RecordBatch[] {
    const estimate = arrowSize(batch.data) * this.model.ratio;
    const quarter = this.target / 4;
    if (estimate <= quarter || batch.numRows < 2) return [batch];
    const count = Math.min(batch.numRows, Math.ceil(estimate / quarter));
    const rows = Math.ceil(batch.numRows / count);
    const out: RecordBatch[] = [];
    for (let start = 0; start < batch.numRows; start += rows) out.push(batch.slice(start, Math.min(batch.numRows, start + rows)));
    return out;
  }

  /**
   * The write options of the `index`-th file. Partitioned input fills its files at about the same
   * pace, so their row groups would all close during the same input batch and reach the encoder
   * threads at once (which then idle until the next wave); closing the first row group of each
   * file after 1/8 to 8/8 of the usual bytes staggers them for the rest of the file.
   */
  private staggered(index: number): ParquetWriteOptions {
    const bytes = this.writeOptions.rowGroupBytes;
    if (!this.splitter.isPartitioned || bytes === undefined) return this.writeOptions;
    return { ...this.writeOptions, firstRowGroupBytes: Math.ceil((bytes * ((index % STAGGER_STEPS) + 1)) / STAGGER_STEPS) };
  }

  private startFile(group: PartitionGroup): DataFileSink {
    const name = dataFileName(this.started.length, this.extension);
    const directory = this.prefixLength !== undefined ? randomPrefix(this.prefixLength) : group.directory;
    const key = directory ? `${directory}/${name}` : name;
    const sink = new DataFileSink(this.engine, {
      target: { key, logPath: toLogPath(key), partitionValues: group.values },
      schema: this.fileSchema,
      plan: this.plan,
      model: this.model,
      writeOptions: this.staggered(this.started.length),
    });
    this.started.push(sink);
    return sink;
  }

  private async closeLeastRecentlyUsed(): Promise<void> {
    const [key, sink] = this.open.entries().next().value as [string, DataFileSink];
    this.open.delete(key);
    await this.closeFile(sink);
  }

  private async closeFile(sink: DataFileSink): Promise<void> {
    this.finished.push(await sink.close());
    this.progress();
  }

  async finish(): Promise<WrittenFiles> {
    await this.flushPending();
    const sinks = [...this.open.values()];
    this.open.clear();
    const results = await Promise.allSettled(sinks.map((s) => s.close()));
    for (const r of results) if (r.status === "rejected") throw r.reason;
    for (const r of results) if (r.status === "fulfilled") this.finished.push(r.value);
    this.progress();
    const dataChange = this.options.dataChange ?? true;
    const modificationTime = this.engine.clock.now();
    const adds = this.finished.map((f): AddFile => ({
      path: f.logPath,
      partitionValues: f.partitionValues,
      size: f.size,
      modificationTime,
      dataChange,
      stats: f.stats,
    }));
    return { adds, numRows: this.finished.reduce((n, f) => n + f.numRows, 0), numBytes: this.finished.reduce((n, f) => n + f.size, 0) };
  }

  /** Stops every open file and deletes every file this write started (best effort). */
  async abort(reason: unknown): Promise<void> {
    this.pending = [];
    const open = [...this.open.values()];
    this.open.clear();
    await Promise.all(open.map((s) => s.abort(reason)));
    try {
      await this.engine.store.deleteMany(this.started.map((s) => s.target.key));
    } catch {
      // best effort: the caller reports the original failure
    }
  }

  private progress(): void {
    this.options.onProgress?.({ rows: this.rows, files: this.finished.length, bytes: this.model.fileBytes });
  }
}
