/**
 * Reading Parquet objects from any {@link ObjectStore} into apache-arrow `RecordBatch`es.
 *
 * How: one ranged `get` fetches the file's tail (footer included, usually); the footer is decoded
 * in JS; for each row group only the byte ranges of the wanted columns are fetched, placed in a
 * small self-contained Parquet file (`parquet-footer`), decoded by parquet-wasm's synchronous
 * reader and handed over as Arrow IPC. All I/O happens in JS through the store, so store errors
 * pass through untouched and `signal` aborts between requests; decoder failures become
 * {@link CorruptParquetError}. Memory is bounded by one decode unit (a row group, or a few small
 * ones) of the projected columns.
 */
import { InvalidArgumentError } from "../errors/argument-errors.js";
import { type Data, type RecordBatch, RecordBatchReader, Schema } from "apache-arrow";
import { CorruptParquetError, ParquetMemoryError } from "../errors/parquet-errors.js";
import type { ObjectStore } from "../storage/store.js";
import { forEachConcurrent } from "../util/concurrency.js";
import { batchOf, mapLeafTypes, mapLeaves } from "../arrow/data.js";
import {
  buildProjectedFile,
  buildSchemaOnlyFile,
  decodeFooter,
  type FetchRange,
  footerLength,
  type FooterField,
  leavesOf,
  type ParquetFooter,
  PhysicalType,
  planFetch,
} from "./parquet-footer.js";
import { INT96_ARROW_TYPE, int96ToTimestamp } from "./parquet-int96.js";
import { type DecodeUnit, planDecodeUnits, zipColumnGroups } from "./parquet-read-plan.js";
import { runParquetWasm, type WasmFailure } from "./parquet-wasm-runtime.js";

/** Options for {@link openParquetFile}. */
export interface OpenParquetOptions {
  /** The object's size when already known (from a listing or a log entry); saves a `head`. */
  size?: number;
  signal?: AbortSignal;
  /** Bytes fetched from the end of the file in the first request (default 64 KiB). Files this small are fetched whole, once. */
  footerPrefetch?: number;
}

/** Options for {@link ParquetFileReader.readBatches}. */
export interface ReadBatchesOptions {
  /** Top-level columns to read, in the order wanted; names absent from the file are skipped. All when omitted. */
  columns?: readonly string[];
  /** Row groups to read, in the order given (indexes into `metadata.rowGroups`). All when omitted. */
  rowGroups?: readonly number[];
  /** Most rows per batch (default 65 536). */
  batchSize?: number;
  signal?: AbortSignal;
  /** Ranges closer than this many bytes are fetched as one request (default 1 MiB). */
  coalesceBytes?: number;
  /**
   * Budget of one decode call, in uncompressed bytes of the projected column chunks (default
   * 64 MiB): smaller consecutive row groups are decoded together, larger ones a few columns at a
   * time. Bounds the WASM heap, which never shrinks.
   */
  decodeUnitBytes?: number;
  /** Decode units fetched ahead of the one being decoded (default 2). */
  prefetchUnits?: number;
}

/** One row group, as the footer records it. */
export interface ParquetRowGroupInfo {
  numRows: number;
  /** Bytes a full read of the row group fetches. */
  compressedBytes: number;
  uncompressedBytes: number;
}

/** What the footer says about a Parquet file. */
export interface ParquetMetadata {
  /** Object size in bytes. */
  size: number;
  numRows: number;
  rowGroups: readonly ParquetRowGroupInfo[];
  /**
   * The Arrow schema of the batches a full read yields: Parquet types mapped by parquet-wasm
   * (the file's embedded `ARROW:schema` hint is ignored), INT96 as Timestamp(µs, "UTC").
   * Field ids, where written, are in each field's metadata under `PARQUET:field_id`.
   */
  schema: Schema;
  /** The footer's key-value metadata (including `ARROW:schema` when the writer embedded one). */
  keyValueMetadata: ReadonlyMap<string, string>;
  /** The writer's `created_by` string. */
  createdBy: string | undefined;
}

const DEFAULT_FOOTER_PREFETCH = 64 * 1024;
const DEFAULT_BATCH_SIZE = 64 * 1024;
const DEFAULT_COALESCE = 1024 * 1024;
const DEFAULT_DECODE_UNIT = 64 * 1024 * 1024;
const FETCH_CONCURRENCY = 8;
const DEFAULT_PREFETCH = 2;

/**
 * Opens a Parquet object: a `head` (unless `size` is given) and one ranged `get` for the tail,
 * plus a second `get` only when the footer is larger than the prefetch. Throws the store's
 * `NotFoundError` when absent, {@link CorruptParquetError} when the footer is unreadable,
 * `UnsupportedParquetError` for encrypted files.
 *
 * @example
 * const file = await openParquetFile(store, "part-0000.parquet", { size });
 * for await (const batch of file.readBatches({ columns: ["id", "value"] })) use(batch);
 */
export async function openParquetFile(store: ObjectStore, path: string, options: OpenParquetOptions = {}): Promise<ParquetFileReader> {
  const { signal } = options;
  const size = options.size ?? (await store.head(path, { signal })).size;
  const want = Math.min(size, Math.max(options.footerPrefetch ?? DEFAULT_FOOTER_PREFETCH, 8));
  const tail = want === 0 ? new Uint8Array(0) : await store.get(path, { range: { offset: size - want, length: want }, signal });
  if (tail.byteLength !== want)
    throw new CorruptParquetError(path, `object is shorter than its size ${size} (read ${tail.byteLength} of the last ${want} bytes)`);
  const length = footerLength(tail, size, path);
  const metadata =
    length + 8 <= tail.byteLength
      ? tail.subarray(tail.byteLength - 8 - length, tail.byteLength - 8)
      : await store.get(path, { range: { offset: size - 8 - length, length }, signal });
  const footer = decodeFooter(metadata, size, path);
  const whole = want === size ? tail : undefined;
  return new ParquetFileReader(store, path, size, footer, whole);
}

/** Reads the footer only: {@link openParquetFile} then its metadata. */
export async function readParquetMetadata(store: ObjectStore, path: string, options: OpenParquetOptions = {}): Promise<ParquetMetadata> {
  return (await openParquetFile(store, path, options)).metadata;
}

/**
 * Opens the object and yields its batches: {@link openParquetFile} then
 * {@link ParquetFileReader.readBatches}.
 */
export async function* readParquetBatches(
  store: ObjectStore,
  path: string,
  options: OpenParquetOptions & ReadBatchesOptions = {},
): AsyncGenerator<RecordBatch> {
  const file = await openParquetFile(store, path, options);
  yield* file.readBatches(options);
}

/** An opened Parquet object: its decoded footer, and reads of any columns and row groups. */
export class ParquetFileReader {
  private cachedMetadata: ParquetMetadata | undefined;

  /** @internal use {@link openParquetFile} */
  constructor(
    readonly store: ObjectStore,
    readonly path: string,
    readonly size: number,
    /** The decoded footer (for row-group statistics and other low-level needs). */
    readonly footer: ParquetFooter,
    private readonly whole: Uint8Array | undefined,
  ) {}

  /** Row counts, row groups, Arrow schema and key-value metadata. Computed once, no I/O. */
  get metadata(): ParquetMetadata {
    return (this.cachedMetadata ??= {
      size: this.size,
      numRows: this.footer.numRows,
      rowGroups: this.footer.rowGroups.map((g) => ({
        numRows: g.numRows,
        compressedBytes: g.compressedSize,
        uncompressedBytes: g.totalByteSize,
      })),
      schema: this.decodeSchema(),
      keyValueMetadata: this.footer.keyValueMetadata,
      createdBy: this.footer.createdBy,
    });
  }

  /** Whether the file has a top-level column of this name. */
  hasColumn(name: string): boolean {
    return this.footer.fields.some((f) => f.name === name);
  }

  /**
   * Yields the chosen columns of the chosen row groups as batches of at most `batchSize` rows,
   * in row-group order. Fetches only those column chunks (nearby ranges coalesced); with
   * `columns: []` it yields empty-schema batches carrying row counts and fetches nothing.
   * Throws {@link CorruptParquetError} when a chunk cannot be decoded; store errors pass through.
   */
  async *readBatches(options: ReadBatchesOptions = {}): AsyncGenerator<RecordBatch> {
    const { signal } = options;
    const fields = this.selectFields(options.columns);
    const groups = this.selectRowGroups(options.rowGroups);
    const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
    if (fields.length === 0) {
      for (const rg of groups) yield* emptyBatches(this.footer.rowGroups[rg]?.numRows ?? 0, batchSize);
      return;
    }
    const units = planDecodeUnits(this.footer, groups, fields, options.decodeUnitBytes ?? DEFAULT_DECODE_UNIT);
    const gap = options.coalesceBytes ?? DEFAULT_COALESCE;
    const depth = Math.max(1, options.prefetchUnits ?? DEFAULT_PREFETCH);
    // prefetches are cancelled when the caller aborts or stops iterating early
    const controller = new AbortController();
    const forward = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", forward, { once: true });
    const queue: ReturnType<ParquetFileReader["fetchRanges"]>[] = [];
    let scheduled = 0;
    const fill = () => {
      while (scheduled < units.length && queue.length < depth) {
        const unit = units[scheduled++] as DecodeUnit;
        const pending = this.fetchRanges(planFetch(this.footer, unit.rowGroups, leavesOf(fields), gap), controller.signal);
        pending.catch(() => undefined); // observed when awaited; never an unhandled rejection
        queue.push(pending);
      }
    };
    try {
      fill();
      for (const unit of units) {
        signal?.throwIfAborted();
        const fetched = await (queue.shift() as ReturnType<ParquetFileReader["fetchRanges"]>);
        fill();
        // let the prefetches' I/O callbacks run before the (synchronous) decode blocks the loop
        await new Promise((resolve) => setImmediate(resolve));
        const parts = unit.columnGroups.map((group) => this.decodeGroup(unit.rowGroups, group, fetched, batchSize));
        for (const batch of parts.length === 1 ? (parts[0] as RecordBatch[]) : zipColumnGroups(parts, this.path)) {
          yield batch;
          signal?.throwIfAborted();
        }
      }
    } finally {
      signal?.removeEventListener("abort", forward);
      controller.abort();
    }
  }

  /** Decodes some fields of some row groups from fetched bytes, INT96 columns converted. */
  private decodeGroup(
    rowGroups: number[],
    fields: FooterField[],
    fetched: { range: FetchRange; bytes: Uint8Array }[],
    batchSize: number,
  ): RecordBatch[] {
    const file = buildProjectedFile(this.footer, rowGroups, fields, fetched);
    const ipc = runParquetWasm(
      (wasm) => wasm.readParquet(file, { batchSize }).intoIPCStream(),
      (failure) => decodeError(this.path, "decoding", failure),
    );
    const batches = RecordBatchReader.from(ipc).readAll();
    const leaves = leavesOf(fields);
    const int96 = new Set(leaves.flatMap((leaf, i) => (this.footer.leaves[leaf]?.physicalType === PhysicalType.INT96 ? [i] : [])));
    return int96.size === 0 ? batches : batches.map((b) => fixInt96(b, int96, leaves.length, this.path));
  }

  private selectFields(columns: readonly string[] | undefined): FooterField[] {
    if (columns === undefined) return this.footer.fields;
    const out: FooterField[] = [];
    for (const name of new Set(columns)) {
      const field = this.footer.fields.find((f) => f.name === name);
      if (field) out.push(field);
    }
    return out;
  }

  private selectRowGroups(rowGroups: readonly number[] | undefined): number[] {
    const count = this.footer.rowGroups.length;
    if (rowGroups === undefined) return Array.from({ length: count }, (_, i) => i);
    for (const rg of rowGroups) {
      if (!Number.isInteger(rg) || rg < 0 || rg >= count)
        throw new InvalidArgumentError("rowGroups", String(rg), `row group numbers 0 to ${count - 1} of ${this.path}`);
    }
    return [...rowGroups];
  }

  private async fetchRanges(plan: FetchRange[], signal: AbortSignal | undefined): Promise<{ range: FetchRange; bytes: Uint8Array }[]> {
    const out: { range: FetchRange; bytes: Uint8Array }[] = new Array(plan.length);
    await forEachConcurrent(
      plan.map((range, i) => ({ range, i })),
      FETCH_CONCURRENCY,
      async ({ range, i }) => {
        const length = range.end - range.start;
        const bytes = this.whole
          ? this.whole.subarray(range.start, range.end)
          : await this.store.get(this.path, { range: { offset: range.start, length }, signal });
        if (bytes.byteLength !== length)
          throw new CorruptParquetError(this.path, `object ended early: read ${bytes.byteLength} of ${length} bytes at ${range.start}`);
        out[i] = { range, bytes };
      },
      signal,
    );
    return out;
  }

  private decodeSchema(): Schema {
    const ipc = runParquetWasm(
      (wasm) => wasm.readSchema(buildSchemaOnlyFile(this.footer)).intoIPCStream(),
      (failure) => decodeError(this.path, "reading the schema", failure),
    );
    const schema = RecordBatchReader.from(ipc).open().schema;
    const int96 = new Set(this.footer.leaves.flatMap((l, i) => (l.physicalType === PhysicalType.INT96 ? [i] : [])));
    if (int96.size === 0) return schema;
    let next = 0;
    const fields = schema.fields.map((f) => {
      const mapped = mapLeafTypes(f.type, (leaf, i) => (int96.has(i) ? INT96_ARROW_TYPE : leaf), next);
      next = mapped.next;
      return mapped.type === f.type ? f : f.clone({ type: mapped.type });
    });
    return new Schema(fields, schema.metadata);
  }
}

/** Replaces INT96 leaves (decoded as 12-byte binary) by timestamps. */
function fixInt96(batch: RecordBatch, int96: Set<number>, leafCount: number, path: string): RecordBatch {
  let next = 0;
  const columns: Data[] = [];
  const fields = batch.schema.fields.map((field, c) => {
    const mapped = mapLeaves(batch.data.children[c] as Data, (leaf, i) => (int96.has(i) ? int96ToTimestamp(leaf) : leaf), next);
    next = mapped.next;
    columns.push(mapped.data);
    return mapped.data.type === field.type ? field : field.clone({ type: mapped.data.type });
  });
  if (next !== leafCount) throw new CorruptParquetError(path, `decoded ${next} leaf columns where the footer has ${leafCount}`);
  return batchOf(new Schema(fields, batch.schema.metadata), columns, batch.numRows);
}

function* emptyBatches(rows: number, batchSize: number): Generator<RecordBatch> {
  const schema = new Schema([]);
  for (let done = 0; done < rows; done += batchSize) {
    const length = Math.min(batchSize, rows - done);
    yield batchOf(schema, [], length);
  }
}

function decodeError(path: string, operation: string, failure: WasmFailure): Error {
  if (failure.kind === "oom") return new ParquetMemoryError(`${operation} ${path}`, { cause: failure.cause });
  return new CorruptParquetError(path, failure.message, { cause: failure.cause });
}
