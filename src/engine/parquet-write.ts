/**
 * Writing Arrow `RecordBatch`es as Parquet.
 *
 * How: batches are gathered into row groups; each row group is serialised to Arrow IPC, encoded
 * by parquet-wasm's synchronous `writeParquet` as a complete one-row-group file, and stitched into
 * the output (`parquet-stitch`), whose bytes are yielded as they are ready. Memory is therefore
 * bounded by about two row groups, encoder errors surface as {@link ParquetWriteError} (the
 * streaming encoder of parquet-wasm 0.8.0 drops them silently), and the output is one ordinary
 * Parquet file. The streaming writer hands row groups to encoder threads (`parquet-encode-pool`)
 * when there are any, and gathers the next row group while the previous one is encoded. Timestamps are written as INT64 microseconds (never INT96); see
 * {@link writeTypeOf} for the other canonical forms.
 */
import { type RecordBatch, RecordBatchStreamWriter, type Schema, Table } from "apache-arrow";
import { ParquetMemoryError, ParquetWriteError } from "../errors/parquet-errors.js";
import { adoptBatch, adoptSchema } from "../arrow/adopt.js";
import { normalizeBatch } from "../arrow/cast.js";
import { type EncodeSettings, encodeRowGroup } from "./parquet-encode.js";
import { parquetEncoderPool } from "./parquet-encode-pool.js";
import { ParquetStitcher } from "./parquet-stitch.js";
import { runParquetWasm, type WasmFailure } from "./parquet-wasm-runtime.js";
import { highCardinalityColumns, prepareBatch, schemaKey, writeSchemaOf } from "./parquet-write-prepare.js";

/** Options for {@link writeParquetStream} and {@link writeParquetBuffer}. */
export interface ParquetWriteOptions {
  /** Codec for every column (default `snappy`). */
  compression?: "snappy" | "zstd" | "uncompressed";
  /** Most rows per row group (default 1 048 576). */
  rowGroupSize?: number;
  /** A row group is also closed once its Arrow data reaches this many bytes (default 128 MiB). */
  rowGroupBytes?: number;
  /**
   * The first row group closes at this many Arrow bytes instead (default `rowGroupBytes`). Files
   * written side by side (one per partition) with different values here close their row groups
   * at different moments, so their encoding spreads out over time instead of arriving at once.
   */
  firstRowGroupBytes?: number;
  /**
   * Dictionary encoding: `auto` (default) keeps it on except for top-level primitive columns whose
   * first row group is mostly distinct values; `true`/`false` for all columns.
   */
  dictionary?: boolean | "auto";
  /** Per top-level primitive column overrides of `dictionary` (nested leaves cannot be addressed). */
  columnDictionary?: Readonly<Record<string, boolean>>;
  /** Parquet statistics: `page` (default: chunk statistics plus column indexes), `chunk` or `none`. */
  statistics?: "none" | "chunk" | "page";
  /** Extra footer key-value metadata. */
  keyValueMetadata?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /**
   * The file's schema. When given, every batch is first matched to it by column name and
   * converted (`normalizeBatch`), and an empty input writes an empty file of this schema.
   * Otherwise the first batch's schema is the file's and later batches must match it exactly.
   */
  schema?: Schema;
  signal?: AbortSignal;
}

/** What a finished write produced. */
export interface ParquetWriteResult {
  numRows: number;
  numRowGroups: number;
  /** Bytes of the whole file. */
  size: number;
}

/** A Parquet file as a stream of byte chunks (iterate once), with its totals once the stream ends. */
export interface ParquetByteStream extends AsyncIterable<Uint8Array> {
  /** Resolves after the last chunk; rejects with the failure that ended the stream. */
  readonly result: Promise<ParquetWriteResult>;
}

const DEFAULT_ROW_GROUP_SIZE = 1024 * 1024;
const DEFAULT_ROW_GROUP_BYTES = 128 * 1024 * 1024;
/** Row groups of fewer IPC bytes are encoded on the calling thread when nothing is waiting for a thread. */
const INLINE_BELOW_BYTES = 1024 * 1024;

/**
 * Encodes batches as one Parquet file, yielding its bytes chunk by chunk (the header and each row
 * group's data as soon as the row group is complete, then page indexes and footer). Memory stays
 * around one row group. Pass it to `store.putStream`.
 *
 * @example
 * const out = writeParquetStream(batches, { compression: "zstd" });
 * await store.putStream(path, out);
 * const { numRows, size } = await out.result;
 */
export function writeParquetStream(
  batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>,
  options: ParquetWriteOptions = {},
): ParquetByteStream {
  let settle!: { resolve: (r: ParquetWriteResult) => void; reject: (e: unknown) => void };
  const result = new Promise<ParquetWriteResult>((resolve, reject) => (settle = { resolve, reject }));
  result.catch(() => undefined); // the iterator's caller sees the error; `result` need not be awaited
  let started = false;
  async function* run(): AsyncGenerator<Uint8Array> {
    const writer = new ParquetFileWriter(options);
    const pool = parquetEncoderPool();
    // row groups handed to encoder threads, oldest first; their files are stitched in this order
    const encoding: Array<{ part: Promise<Uint8Array>; done: boolean }> = [];
    async function* encode(jobs: RowGroupJob[]): AsyncGenerator<Uint8Array> {
      for (const job of jobs) {
        // small row groups (small appends, a file's last rows) are not worth a hand-over
        if (!pool || (encoding.length === 0 && job.ipc.byteLength < INLINE_BELOW_BYTES)) {
          yield* writer.add(encodeHere(job));
          continue;
        }
        const entry = { part: pool.encode(job.ipc, job.settings), done: false };
        // awaited below, or abandoned when the write fails first
        entry.part.then(
          () => (entry.done = true),
          () => (entry.done = true),
        );
        encoding.push(entry);
        // keep gathering while the threads keep up: take what is done, and wait only when the
        // row groups waiting for a thread exceed the pool's bound
        while (encoding.length > 0 && (encoding[0]!.done || pool.saturated)) yield* writer.add(await encoding.shift()!.part);
      }
    }
    let settled = false;
    try {
      for await (const batch of batches) {
        options.signal?.throwIfAborted();
        yield* encode(writer.write(batch));
      }
      options.signal?.throwIfAborted();
      yield* encode(writer.flush());
      while (encoding.length > 0) yield* writer.add(await encoding.shift()!.part);
      yield* writer.finish();
      settled = true;
      settle.resolve(writer.result());
    } catch (err) {
      settled = true;
      settle.reject(err);
      throw err;
    } finally {
      // the consumer stopped early (for example a failed upload): the file is incomplete
      if (!settled) settle.reject(new ParquetWriteError("the byte stream was closed before the file was complete"));
    }
  }
  return {
    result,
    [Symbol.asyncIterator]() {
      if (started) throw new ParquetWriteError("a Parquet byte stream can be iterated only once");
      started = true;
      return run();
    },
  };
}

/**
 * Encodes batches as one Parquet file in memory (for small files; use {@link writeParquetStream}
 * for large ones). Synchronous.
 */
export function writeParquetBuffer(
  batches: Iterable<RecordBatch>,
  options: Omit<ParquetWriteOptions, "signal"> = {},
): ParquetWriteResult & { data: Uint8Array } {
  const writer = new ParquetFileWriter(options);
  const chunks: Uint8Array[] = [];
  for (const batch of batches) for (const job of writer.write(batch)) chunks.push(...writer.add(encodeHere(job)));
  for (const job of writer.flush()) chunks.push(...writer.add(encodeHere(job)));
  chunks.push(...writer.finish());
  const { size } = writer.result();
  const data = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.byteLength;
  }
  return { ...writer.result(), data };
}

/** A row group ready to encode: its rows as an Arrow IPC stream and the writer settings. */
interface RowGroupJob {
  ipc: Uint8Array;
  settings: EncodeSettings;
}

/** Encodes a row group on this thread. */
function encodeHere(job: RowGroupJob): Uint8Array {
  return runParquetWasm((wasm) => encodeRowGroup(wasm, job.ipc, job.settings), writeError);
}

/**
 * Gathers batches into row groups and stitches their encoded files; the synchronous core of both
 * entry points, which do the encoding (here or on encoder threads) in between.
 */
class ParquetFileWriter {
  private readonly stitcher = new ParquetStitcher();
  private readonly rowGroupSize: number;
  private readonly rowGroupBytes: number;
  private schema: Schema | undefined;
  private key = "";
  private pending: RecordBatch[] = [];
  private pendingRows = 0;
  private pendingBytes = 0;
  private settings: EncodeSettings | undefined;
  private readonly target: Schema | undefined;
  /** Row groups closed so far. */
  private closed = 0;
  private readonly firstRowGroupBytes: number;

  constructor(private readonly options: Omit<ParquetWriteOptions, "signal">) {
    this.rowGroupSize = Math.max(1, options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE);
    this.rowGroupBytes = Math.max(1, options.rowGroupBytes ?? DEFAULT_ROW_GROUP_BYTES);
    this.firstRowGroupBytes = Math.max(1, options.firstRowGroupBytes ?? this.rowGroupBytes);
    this.target = options.schema ? adoptSchema(options.schema) : undefined;
    if (this.target) this.useSchema(this.target);
  }

  /** Adds a batch; returns the row groups completed by it (usually none). */
  write(input: RecordBatch): RowGroupJob[] {
    const local = adoptBatch(input);
    // a batch whose columns already hold the file schema's own type objects (the write
    // pipeline's: it conformed them to that schema) needs no conversion
    const normalized = this.target && !isAlreadyOf(local, this.target) ? normalizeBatch(local, this.target) : local;
    if (!this.schema) this.useSchema(normalized.schema);
    let batch = prepareBatch(normalized, this.schema as Schema, this.key);
    const out: RowGroupJob[] = [];
    while (batch.numRows > 0) {
      const room = this.rowGroupSize - this.pendingRows;
      const head = batch.numRows <= room ? batch : batch.slice(0, room);
      this.pending.push(head);
      this.pendingRows += head.numRows;
      this.pendingBytes += head.data.byteLength;
      batch = head === batch ? batch.slice(0, 0) : batch.slice(room);
      const byteLimit = this.closed === 0 ? this.firstRowGroupBytes : this.rowGroupBytes;
      if (this.pendingRows >= this.rowGroupSize || this.pendingBytes >= byteLimit) out.push(...this.flush());
    }
    return out;
  }

  /** The rows gathered so far as a row group (none when there are none). */
  flush(): RowGroupJob[] {
    if (this.pendingRows === 0) return [];
    const job = this.job(this.pending);
    this.closed++;
    this.pending = [];
    this.pendingRows = 0;
    this.pendingBytes = 0;
    return [job];
  }

  /** Stitches the encoded file of the next row group (in the order they were returned); returns the chunks ready. */
  add(part: Uint8Array): Uint8Array[] {
    return this.stitcher.add(part);
  }

  /** Closes the file after every row group was added; returns the remaining chunks. */
  finish(): Uint8Array[] {
    if (this.pendingRows > 0) throw new ParquetWriteError("internal: finish() with rows not yet flushed");
    const empty = this.stitcher.rowGroupCount === 0 ? encodeHere(this.job([], true)) : undefined;
    return this.stitcher.finish(empty);
  }

  result(): ParquetWriteResult {
    return { numRows: this.stitcher.rowCount, numRowGroups: this.stitcher.rowGroupCount, size: this.stitcher.bytesWritten };
  }

  private useSchema(schema: Schema): void {
    this.schema = writeSchemaOf(schema);
    this.key = schemaKey(this.schema);
  }

  /** `batches` (none and `emptyFile`: an empty file) as a job for one row group. */
  private job(batches: RecordBatch[], emptyFile = false): RowGroupJob {
    if (!this.schema) throw new ParquetWriteError("no batches and no schema to write an empty file with");
    const ipc = RecordBatchStreamWriter.writeAll(emptyFile ? new Table(this.schema) : batches).toUint8Array(true);
    this.settings ??= this.settingsFor(batches[0]);
    return { ipc, settings: this.settings };
  }

  /** The writer settings, with the dictionary choice made on the first row group's first batch. */
  private settingsFor(first: RecordBatch | undefined): EncodeSettings {
    const mode = this.options.dictionary ?? "auto";
    const off = mode === "auto" && first ? highCardinalityColumns(first) : [];
    const kv = this.options.keyValueMetadata;
    return {
      compression: this.options.compression ?? "snappy",
      statistics: this.options.statistics ?? "page",
      maxRowGroupSize: this.rowGroupSize,
      dictionary: this.options.dictionary !== false,
      columnDictionary: [...off.map((name): [string, boolean] => [name, false]), ...Object.entries(this.options.columnDictionary ?? {})],
      keyValueMetadata: kv ? (kv instanceof Map ? [...kv] : Object.entries(kv)) : undefined,
      createdBy: "lakelog (parquet-rs via parquet-wasm)",
    };
  }
}

function writeError(failure: WasmFailure): Error {
  if (failure.kind === "oom") return new ParquetMemoryError("encoding a row group", { cause: failure.cause });
  return new ParquetWriteError(`the encoder failed: ${failure.message}`, { cause: failure.cause });
}

/**
 * True when `batch` has `target`'s columns in order (names, nullability) and each column's data
 * is of the very type object `target` declares: {@link normalizeBatch} would convert no value.
 * O(columns), no allocation.
 */
function isAlreadyOf(batch: RecordBatch, target: Schema): boolean {
  const fields = batch.schema.fields;
  const wanted = target.fields;
  const columns = batch.data.children;
  if (fields.length !== wanted.length || columns.length !== wanted.length) return false;
  for (let i = 0; i < wanted.length; i++) {
    const w = wanted[i]!;
    if (fields[i]!.name !== w.name || fields[i]!.nullable !== w.nullable || columns[i]!.type !== w.type) return false;
  }
  return true;
}
