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

/** Accumulates adds and removes during replay; {@link build} compacts into a {@link FileIndex}. */
export class FileIndexBuilder {
  // replay runs once per add: plain arrays and few allocations keep it near the cost of JSON.parse
  private readonly slots = new KeyTable();
  private readonly paths: string[] = [];
  private readonly partitions: number[] = [];
  private readonly stats: (string | undefined)[] = [];
  private readonly size: number[] = [];
  private readonly modificationTime: number[] = [];
  private readonly extras = new Map<number, Partial<AddFile>>();
  private readonly partitionTable: Record<string, string | null>[] = [{}];
  /** Single-column partition values: column → value → id. */
  private readonly singleColumn = new Map<string, Map<string | null, number>>();
  /** Several columns: concatenated key → id. */
  private readonly multiColumn = new Map<string, number>();
  private live = 0;

  /** Sizes the key table for about `files` adds (a hint; more still fit). */
  reserve(files: number): void {
    this.slots.reserve(files);
  }

  /** Records an add under its replay key, replacing an earlier add of the same key. */
  add(key: string, add: AddFile): void {
    const i = this.paths.length;
    const previous = this.slots.set(key, i);
    if (previous >= 0) this.paths[previous] = ""; // tombstone the old slot
    else this.live++;
    this.paths.push(add.path);
    this.partitions.push(this.internPartition(add.partitionValues));
    this.stats.push(add.stats ?? undefined);
    this.size.push(add.size);
    this.modificationTime.push(add.modificationTime);
    // rarely present fields live in a side map
    if (add.deletionVector || add.tags || add.clusteringProvider || add.dataChange === false || add.baseRowId != null || add.defaultRowCommitVersion != null) {
      this.extras.set(i, {
        deletionVector: add.deletionVector ?? undefined,
        tags: add.tags ?? undefined,
        clusteringProvider: add.clusteringProvider ?? undefined,
        dataChange: add.dataChange,
        baseRowId: add.baseRowId ?? undefined,
        defaultRowCommitVersion: add.defaultRowCommitVersion ?? undefined,
      });
    }
  }

  /** Removes the file with this replay key, if active. */
  remove(key: string): void {
    const slot = this.slots.delete(key);
    if (slot < 0) return;
    this.paths[slot] = "";
    this.extras.delete(slot);
    this.live--;
  }

  /** Number of active files so far. */
  get count(): number {
    return this.live;
  }

  private internPartition(values: Record<string, string | null>): number {
    let first: string | undefined;
    let several = false;
    for (const column in values) {
      if (first === undefined) first = column;
      else {
        several = true;
        break;
      }
    }
    if (first === undefined) return 0;
    if (!several) {
      let byValue = this.singleColumn.get(first);
      if (!byValue) this.singleColumn.set(first, (byValue = new Map()));
      const value = values[first] ?? null;
      let id = byValue.get(value);
      if (id === undefined) byValue.set(value, (id = this.newPartition(values)));
      return id;
    }
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
    const n = this.live;
    const paths: string[] = new Array<string>(n);
    const stats: (string | undefined)[] = new Array<string | undefined>(n);
    const partitions = new Uint32Array(n);
    const size = new Float64Array(n);
    const modificationTime = new Float64Array(n);
    const extras = new Map<number, Partial<AddFile>>();
    let j = 0;
    for (let i = 0; i < this.paths.length; i++) {
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
    return new FileIndex({ paths, partitions, partitionTable: this.partitionTable, stats, size, modificationTime, extras });
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

  /** Rebuilds the full `add` action of file `i`. */
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
      if (extra.dataChange === false) add.dataChange = false;
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
