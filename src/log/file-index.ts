/**
 * The active files of a snapshot, held column by column: numbers in typed arrays, partition
 * values interned (files of one partition share one object), statistics kept as their JSON
 * strings and parsed only when a scan asks. A table with hundreds of thousands of files costs a
 * few arrays, not hundreds of thousands of objects.
 */
import type { AddFile, DeletionVectorDescriptor } from "./actions.js";

/** Unique id of a deletion vector within its file: part of the replay key. */
export function deletionVectorId(dv: DeletionVectorDescriptor | null | undefined): string | undefined {
  if (!dv) return undefined;
  return `${dv.storageType}${dv.pathOrInlineDv}${dv.offset !== undefined && dv.offset !== null ? `@${dv.offset}` : ""}`;
}

class Float64Column {
  data = new Float64Array(1024);
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const next = new Float64Array(Math.max(this.data.length * 2, i + 1));
      next.set(this.data);
      this.data = next;
    }
    this.data[i] = v;
  }
}

/** Accumulates adds and removes during replay; {@link build} compacts into a {@link FileIndex}. */
export class FileIndexBuilder {
  private readonly slots = new Map<string, number>();
  private readonly paths: string[] = [];
  private readonly partitions: number[] = [];
  private readonly stats: (string | undefined)[] = [];
  private readonly size = new Float64Column();
  private readonly modificationTime = new Float64Column();
  private readonly baseRowId = new Float64Column();
  private readonly defaultRowCommitVersion = new Float64Column();
  private readonly extras = new Map<number, Partial<AddFile>>();
  private readonly partitionTable: Record<string, string | null>[] = [];
  private readonly partitionIds = new Map<string, number>();
  private live = 0;

  /** Records an add under its replay key, replacing an earlier add of the same key. */
  add(key: string, add: AddFile): void {
    const previous = this.slots.get(key);
    if (previous !== undefined) this.paths[previous] = ""; // tombstone the old slot
    else this.live++;
    const i = this.paths.length;
    this.slots.set(key, i);
    this.paths.push(add.path);
    this.partitions.push(this.internPartition(add.partitionValues));
    this.stats.push(add.stats ?? undefined);
    this.size.set(i, add.size);
    this.modificationTime.set(i, add.modificationTime);
    this.baseRowId.set(i, add.baseRowId ?? NaN);
    this.defaultRowCommitVersion.set(i, add.defaultRowCommitVersion ?? NaN);
    if (add.deletionVector || add.tags || add.clusteringProvider || add.dataChange === false) {
      this.extras.set(i, {
        deletionVector: add.deletionVector ?? undefined,
        tags: add.tags ?? undefined,
        clusteringProvider: add.clusteringProvider ?? undefined,
        dataChange: add.dataChange,
      });
    }
  }

  /** Removes the file with this replay key, if active. */
  remove(key: string): void {
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    this.slots.delete(key);
    this.paths[slot] = "";
    this.extras.delete(slot);
    this.live--;
  }

  /** Number of active files so far. */
  get count(): number {
    return this.live;
  }

  private internPartition(values: Record<string, string | null>): number {
    let key = "";
    for (const column in values) key += `${column}\u0001${values[column] ?? "\u0002"}\u0000`;
    let id = this.partitionIds.get(key);
    if (id === undefined) {
      id = this.partitionTable.length;
      this.partitionTable.push(values);
      this.partitionIds.set(key, id);
    }
    return id;
  }

  /** The compacted, immutable index of the files still active. */
  build(): FileIndex {
    const n = this.live;
    const order = new Uint32Array(n);
    let j = 0;
    for (let i = 0; i < this.paths.length; i++) if (this.paths[i] !== "") order[j++] = i;
    const pick = (col: Float64Column) => Float64Array.from(order, (i) => col.data[i]!);
    const extras = new Map<number, Partial<AddFile>>();
    order.forEach((from, to) => {
      const e = this.extras.get(from);
      if (e) extras.set(to, e);
    });
    return new FileIndex({
      paths: Array.from(order, (i) => this.paths[i]!),
      partitions: Uint32Array.from(order, (i) => this.partitions[i]!),
      partitionTable: this.partitionTable,
      stats: Array.from(order, (i) => this.stats[i]),
      size: pick(this.size),
      modificationTime: pick(this.modificationTime),
      baseRowId: pick(this.baseRowId),
      defaultRowCommitVersion: pick(this.defaultRowCommitVersion),
      extras,
    });
  }
}

interface FileIndexColumns {
  paths: string[];
  partitions: Uint32Array;
  partitionTable: Record<string, string | null>[];
  stats: (string | undefined)[];
  size: Float64Array;
  modificationTime: Float64Array;
  baseRowId: Float64Array;
  defaultRowCommitVersion: Float64Array;
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
    if (!Number.isNaN(c.baseRowId[i])) add.baseRowId = c.baseRowId[i]!;
    if (!Number.isNaN(c.defaultRowCommitVersion[i])) add.defaultRowCommitVersion = c.defaultRowCommitVersion[i]!;
    const extra = c.extras.get(i);
    if (extra) {
      if (extra.deletionVector) add.deletionVector = extra.deletionVector;
      if (extra.tags) add.tags = extra.tags;
      if (extra.clusteringProvider) add.clusteringProvider = extra.clusteringProvider;
      if (extra.dataChange === false) add.dataChange = false;
    }
    return add;
  }

  /** Every active file as an `add` action (materialised one at a time). */
  *[Symbol.iterator](): IterableIterator<AddFile> {
    for (let i = 0; i < this.length; i++) yield this.addFile(i);
  }
}
