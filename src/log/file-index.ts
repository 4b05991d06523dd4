/**
 * The active files of a snapshot, held column by column: numbers in typed arrays, partition
 * values interned (files of one partition share one object), statistics kept as their JSON
 * strings and parsed only when a scan asks. A table with hundreds of thousands of files costs a
 * few arrays, not hundreds of thousands of objects.
 */
import type { AddFile, DeletionVectorDescriptor } from "./actions.js";
import { KeyTable } from "./key-table.js";

/** Unique id of a deletion vector within its file: part of the replay key. */
export function deletionVectorId(dv: DeletionVectorDescriptor | null | undefined): string | undefined {
  if (!dv) return undefined;
  return `${dv.storageType}${dv.pathOrInlineDv}${dv.offset !== undefined && dv.offset !== null ? `@${dv.offset}` : ""}`;
}

/** Slots of a builder that was given no size hint. */
const INITIAL_CAPACITY = 1024;

/** `target` with the first `count` values of `source` copied in. */
function copyInto<T extends Uint32Array | Float64Array>(target: T, source: T, count: number): T {
  target.set(source.subarray(0, count));
  return target;
}

/**
 * Accumulates adds and removes during replay; {@link build} compacts into a {@link FileIndex}.
 *
 * Adds are appended to the columns without touching the key index: a run of adds is entered in
 * one tight loop when something needs the index (a remove, {@link count}, {@link build}). Entering
 * them in order keeps the rules (a later add of a key replaces the earlier one) and, away from
 * JSON parsing, the index stays in the CPU caches.
 */
export class FileIndexBuilder {
  // replay runs once per add: columns written by position and few allocations keep it near the cost of JSON.parse
  private paths: string[] = [];
  /** Replay keys that differ from the path (with a deletion vector, escapes, absolute); empty elsewhere. */
  private keys: (string | undefined)[] = [];
  private readonly slots = new KeyTable((slot) => this.keys[slot] ?? this.paths[slot]!);
  private stats: (string | undefined)[] = [];
  private partitions = new Uint32Array(INITIAL_CAPACITY);
  private size = new Float64Array(INITIAL_CAPACITY);
  private modificationTime = new Float64Array(INITIAL_CAPACITY);
  private readonly extras = new Map<number, Partial<AddFile>>();
  private readonly partitionTable: Record<string, string | null>[] = [{}];
  /** Single-column partition values: column → value → id. */
  private readonly singleColumn = new Map<string, Map<string | null, number>>();
  /** The single partition column seen last, and its value map: most tables have one partition column. */
  private lastColumn?: string;
  private lastColumnValues?: Map<string | null, number>;
  /** Several columns: concatenated key → id. */
  private readonly multiColumn = new Map<string, number>();
  /** Slots written; slots `indexed..length-1` are not yet in the key index. */
  private length = 0;
  private indexed = 0;
  private live = 0;

  /**
   * Sizes the columns for about `files` adds (a hint; more still fit). The key index needs no
   * hint: it is sized for each run of adds when the run is entered.
   */
  reserve(files: number): void {
    const capacity = Math.ceil(files);
    if (this.length > 0 || capacity <= this.size.length) return;
    this.paths = new Array<string>(capacity);
    this.keys = new Array<string | undefined>(capacity);
    this.stats = new Array<string | undefined>(capacity);
    this.resize(capacity);
  }

  /** Records an add under its replay key, replacing an earlier add of the same key. */
  add(key: string, add: AddFile): void {
    const i = this.length++;
    if (i === this.size.length) this.resize(i * 2);
    this.paths[i] = add.path;
    this.keys[i] = key === add.path ? undefined : key;
    this.stats[i] = add.stats ?? undefined;
    this.partitions[i] = this.internPartition(add.partitionValues);
    this.size[i] = add.size;
    this.modificationTime[i] = add.modificationTime;
    // rarely present fields live in a side map; dataChange is not kept (see FileIndex.addFile)
    if (add.deletionVector || add.tags || add.clusteringProvider || add.baseRowId != null || add.defaultRowCommitVersion != null) {
      this.extras.set(i, {
        deletionVector: add.deletionVector ?? undefined,
        tags: add.tags ?? undefined,
        clusteringProvider: add.clusteringProvider ?? undefined,
        baseRowId: add.baseRowId ?? undefined,
        defaultRowCommitVersion: add.defaultRowCommitVersion ?? undefined,
      });
    }
  }

  /** Removes the file with this replay key, if active. */
  remove(key: string): void {
    this.index();
    const slot = this.slots.delete(key);
    if (slot < 0) return;
    this.paths[slot] = "";
    this.extras.delete(slot);
    this.live--;
  }

  /** Enters the adds recorded since the last call into the key index, oldest first. */
  private index(): void {
    if (this.indexed === this.length) return;
    this.slots.reserve(this.slots.size + this.length - this.indexed);
    const replaced = this.slots.insertRange(this.indexed, this.length);
    for (const previous of replaced) this.paths[previous] = ""; // tombstone the replaced slot
    this.live += this.length - this.indexed - replaced.length;
    this.indexed = this.length;
  }

  /** Grows (or sizes) the numeric columns to `capacity` slots. */
  private resize(capacity: number): void {
    this.partitions = copyInto(new Uint32Array(capacity), this.partitions, this.length);
    this.size = copyInto(new Float64Array(capacity), this.size, this.length);
    this.modificationTime = copyInto(new Float64Array(capacity), this.modificationTime, this.length);
  }

  /** Number of active files so far. */
  get count(): number {
    this.index();
    return this.live;
  }

  /** The id of `values` in the partition table; files with equal partition values share one id. */
  private internPartition(values: Record<string, string | null>): number {
    let column: string | undefined;
    let value: string | null | undefined;
    let columns = 0;
    for (const name in values) {
      if (columns++ > 0) break;
      column = name;
      value = values[name];
    }
    if (columns === 0) return 0;
    if (columns > 1) return this.internMultiColumn(values);
    // one column: its value is the key; the column's value map is remembered from the last file
    let byValue = this.lastColumnValues;
    if (column !== this.lastColumn) {
      byValue = this.singleColumn.get(column!);
      if (!byValue) this.singleColumn.set(column!, (byValue = new Map()));
      this.lastColumn = column;
      this.lastColumnValues = byValue;
    }
    const key = value ?? null;
    const id = byValue!.get(key);
    if (id !== undefined) return id;
    const created = this.newPartition(values);
    byValue!.set(key, created);
    return created;
  }

  private internMultiColumn(values: Record<string, string | null>): number {
    let key = "";
    for (const column in values) key += `${column}\u0001${values[column] ?? "\u0002"}\u0000`;
    let id = this.multiColumn.get(key);
    if (id === undefined) this.multiColumn.set(key, (id = this.newPartition(values)));
    return id;
  }

  private newPartition(values: Record<string, string | null>): number {
    this.partitionTable.push(values);
    return this.partitionTable.length - 1;
  }

  /** The compacted, immutable index of the files still active. */
  build(): FileIndex {
    this.index();
    const columns = this.live === this.length ? this.trimmedColumns() : this.compactedColumns();
    return new FileIndex({ ...columns, partitionTable: this.partitionTable });
  }

  /** The columns cut to length: nothing was replaced or removed, so every slot is active. */
  private trimmedColumns(): Omit<FileIndexColumns, "partitionTable"> {
    const n = this.length;
    return {
      paths: this.paths.slice(0, n),
      stats: this.stats.slice(0, n),
      partitions: this.partitions.slice(0, n),
      size: this.size.slice(0, n),
      modificationTime: this.modificationTime.slice(0, n),
      extras: new Map(this.extras),
    };
  }

  /** The active slots only, in slot order. */
  private compactedColumns(): Omit<FileIndexColumns, "partitionTable"> {
    const n = this.live;
    const paths: string[] = new Array<string>(n);
    const stats: (string | undefined)[] = new Array<string | undefined>(n);
    const partitions = new Uint32Array(n);
    const size = new Float64Array(n);
    const modificationTime = new Float64Array(n);
    const extras = new Map<number, Partial<AddFile>>();
    let j = 0;
    for (let i = 0; i < this.length; i++) {
      const path = this.paths[i]!;
      if (path === "") continue;
      paths[j] = path;
      stats[j] = this.stats[i];
      partitions[j] = this.partitions[i]!;
      size[j] = this.size[i]!;
      modificationTime[j] = this.modificationTime[i]!;
      const extra = this.extras.size > 0 ? this.extras.get(i) : undefined;
      if (extra) extras.set(j, extra);
      j++;
    }
    return { paths, stats, partitions, size, modificationTime, extras };
  }
}

interface FileIndexColumns {
  paths: string[];
  partitions: Uint32Array;
  partitionTable: Record<string, string | null>[];
  stats: (string | undefined)[];
  size: Float64Array;
  modificationTime: Float64Array;
  extras: Map<number, Partial<AddFile>>;
}

/** The active files of a snapshot, immutable, addressed by position `0..length-1`. */
export class FileIndex {
  readonly length: number;

  constructor(private readonly columns: FileIndexColumns) {
    this.length = columns.paths.length;
  }

  /** The file's path exactly as the log wrote it (percent-encoded, maybe absolute). */
  path(i: number): string {
    return this.columns.paths[i]!;
  }

  size(i: number): number {
    return this.columns.size[i]!;
  }

  /** Raw partition values (physical column names to serialised values). */
  partitionValues(i: number): Record<string, string | null> {
    return this.columns.partitionTable[this.columns.partitions[i]!]!;
  }

  /** The statistics JSON string, unparsed. */
  stats(i: number): string | undefined {
    return this.columns.stats[i];
  }

  deletionVector(i: number): DeletionVectorDescriptor | undefined {
    return this.columns.extras.get(i)?.deletionVector ?? undefined;
  }

  /**
   * Rebuilds the full `add` action of file `i`. Its `dataChange` is always true: the flag describes
   * the commit that added the file, not the file, and the log does not keep it (a checkpoint
   * records false for every file, as Spark's do), so an active file reports the same value
   * whether the snapshot was read from commits or from a checkpoint.
   */
  addFile(i: number): AddFile {
    const c = this.columns;
    const add: AddFile = {
      path: c.paths[i]!,
      partitionValues: this.partitionValues(i),
      size: c.size[i]!,
      modificationTime: c.modificationTime[i]!,
      dataChange: true,
    };
    const stats = c.stats[i];
    if (stats !== undefined) add.stats = stats;
    const extra = c.extras.get(i);
    if (extra) {
      if (extra.deletionVector) add.deletionVector = extra.deletionVector;
      if (extra.tags) add.tags = extra.tags;
      if (extra.clusteringProvider) add.clusteringProvider = extra.clusteringProvider;
      if (extra.baseRowId !== undefined) add.baseRowId = extra.baseRowId;
      if (extra.defaultRowCommitVersion !== undefined) add.defaultRowCommitVersion = extra.defaultRowCommitVersion;
    }
    return add;
  }

  /** Every active file as an `add` action (materialised one at a time). */
  *[Symbol.iterator](): IterableIterator<AddFile> {
    for (let i = 0; i < this.length; i++) yield this.addFile(i);
  }
}
