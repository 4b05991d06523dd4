/**
 * One data file being written: batches are pushed in, the engine's streaming Parquet writer
 * pulls them through a one-slot channel and its bytes go straight into `store.putStream`. A push
 * resolves once the writer has taken the batch, so each open file holds at most one waiting
 * batch plus the writer's current row group; a failed upload rejects the pending and later
 * pushes. The sink also keeps the file's statistics and an estimate of its final size
 * (bytes written so far plus the not yet encoded Arrow bytes times the compression ratio seen so
 * far) for rolling to a new file.
 */
import { InternalError } from "../../errors/argument-errors.js";
import { type Data, type RecordBatch, type Schema, Type } from "apache-arrow";
import type { Engine, ParquetWriteOptions, ParquetWriteResult } from "../../engine/index.js";
import { FileStatsCollector } from "./stats.js";
import type { StatsPlan } from "./stats-columns.js";

/** Compressed bytes per Arrow byte, learned across the files of one write. */
export class SizeModel {
  arrowBytes = 0;
  fileBytes = 0;

  /** Bytes of Parquet per byte of Arrow data (1 until a row group has been encoded). */
  get ratio(): number {
    return this.arrowBytes > 0 && this.fileBytes > 0 ? this.fileBytes / this.arrowBytes : 1;
  }
}

/** A single-consumer queue of batches with a one-slot buffer; pushes wait for the consumer. */
class BatchChannel implements AsyncIterable<RecordBatch> {
  /** Arrow bytes of the batches the consumer has taken. */
  takenBytes = 0;
  private slot: { batch: RecordBatch; bytes: number; taken: () => void; failed: (e: unknown) => void } | undefined;
  private consumer: { resolve: (r: IteratorResult<RecordBatch>) => void; reject: (e: unknown) => void } | undefined;
  private ended = false;
  private stopped = false;
  private readonly waiters: Array<(e: unknown) => void> = [];
  private failure: { error: unknown } | undefined;

  push(batch: RecordBatch, bytes: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    // the consumer stopped reading (it failed): wait for the failure it reports
    if (this.stopped) return new Promise((_, failed) => this.waiters.push(failed));
    if (this.slot || this.ended) return Promise.reject(new InternalError("BatchChannel: push while a batch is waiting or after the end"));
    if (this.consumer) {
      const consumer = this.consumer;
      this.consumer = undefined;
      this.takenBytes += bytes;
      consumer.resolve({ value: batch, done: false });
      return Promise.resolve();
    }
    return new Promise((taken, failed) => (this.slot = { batch, bytes, taken, failed }));
  }

  end(): void {
    this.ended = true;
    this.consumer?.resolve({ value: undefined, done: true });
    this.consumer = undefined;
  }

  fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.slot?.failed(error);
    this.slot = undefined;
    for (const failed of this.waiters.splice(0)) failed(error);
    this.consumer?.reject(error);
    this.consumer = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordBatch> {
    return {
      next: () => {
        if (this.slot) {
          const { batch, bytes, taken } = this.slot;
          this.slot = undefined;
          this.takenBytes += bytes;
          taken();
          return Promise.resolve({ value: batch, done: false });
        }
        if (this.failure) return Promise.reject(this.failure.error);
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => (this.consumer = { resolve, reject }));
      },
      return: () => {
        // a waiting push now waits for the failure the writer reports through its upload
        this.stopped = true;
        if (this.slot) {
          const { failed } = this.slot;
          this.slot = undefined;
          this.waiters.push(failed);
        }
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** Where a sink writes and what its `add` action will say. */
export interface SinkTarget {
  /** Store key of the file. */
  key: string;
  /** The same as `add.path` (URI-encoded, relative). */
  logPath: string;
  partitionValues: Record<string, string | null>;
}

/** What a finished file contributes. */
export interface FinishedFile extends SinkTarget {
  size: number;
  numRows: number;
  stats: string;
}

/** What one data file is written as: where, in which Arrow schema, with which stats and Parquet settings. */
export interface DataFileSinkOptions {
  target: SinkTarget;
  /** The file's Arrow schema (physical names). */
  schema: Schema;
  plan: StatsPlan;
  /** Shared by the files of one write: the observed Parquet/Arrow size ratio. */
  model: SizeModel;
  writeOptions: ParquetWriteOptions;
}

/** One open data file. */
export class DataFileSink {
  readonly stats: FileStatsCollector;
  /** Bytes the writer has produced so far. */
  emitted = 0;
  private pushedBytes = 0;
  /** Arrow bytes covered by the bytes emitted so far. */
  private coveredBytes = 0;
  private readonly channel = new BatchChannel();
  private readonly upload: Promise<unknown>;
  private readonly output: Promise<ParquetWriteResult>;

  readonly target: SinkTarget;
  private readonly model: SizeModel;

  constructor(engine: Engine, options: DataFileSinkOptions) {
    const { target, schema, plan, model, writeOptions } = options;
    this.target = target;
    this.model = model;
    this.stats = new FileStatsCollector(plan);
    const bytes = engine.parquet.write(this.channel, { ...writeOptions, schema });
    this.output = bytes.result;
    this.upload = engine.store.putStream(target.key, this.count(bytes), { signal: writeOptions.signal });
    // a failed upload stops the producer at its next push; an upload that ends any other way
    // while pushes still wait (it cannot, short of a broken writer) must not leave them hanging
    this.upload.then(
      () =>
        this.channel.fail(
          new InternalError("the store finished the upload before the file was closed (a putStream must read its source to the end)"),
        ),
      (err: unknown) => this.channel.fail(err),
    );
  }

  private async *count(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      this.emitted += chunk.byteLength;
      this.model.fileBytes += chunk.byteLength;
      const covered = this.channel.takenBytes;
      this.model.arrowBytes += covered - this.coveredBytes;
      this.coveredBytes = covered;
      yield chunk;
    }
  }

  /** Estimated size of the file if it were closed after what has been pushed. */
  estimatedSize(): number {
    return this.emitted + (this.pushedBytes - this.coveredBytes) * this.model.ratio;
  }

  /** Adds rows: `logical` feeds the statistics, `file` (the same rows under the file schema) the writer. */
  async write(logical: RecordBatch, file: RecordBatch): Promise<void> {
    this.stats.add(logical);
    const bytes = arrowSize(file.data);
    this.pushedBytes += bytes;
    await this.channel.push(file, bytes);
  }

  /** Finishes the file and waits for the upload. */
  async close(): Promise<FinishedFile> {
    this.channel.end();
    await this.upload;
    const { size, numRows } = await this.output;
    return { ...this.target, size, numRows, stats: this.stats.toJson() };
  }

  /** Stops writing; the upload is abandoned (no object appears) and this settles once it has stopped. */
  async abort(reason: unknown): Promise<void> {
    this.channel.fail(reason);
    await this.upload.catch(() => undefined);
  }
}

/** Arrow bytes of the rows of `data` (slices counted by their own rows, not their whole buffers). */
export function arrowSize(data: Data): number {
  const n = data.length;
  let size = data.nullCount > 0 ? Math.ceil(n / 8) : 0;
  const offsets = data.valueOffsets as Int32Array | BigInt64Array | undefined;
  if (offsets && n > 0) {
    size += (n + 1) * offsets.BYTES_PER_ELEMENT;
    if (data.children.length === 0) size += Number(offsets[n]!) - Number(offsets[0]!);
  } else if (data.values && data.children.length === 0 && data.values.length > 0) {
    size += Math.min(
      data.values.byteLength,
      Math.ceil((n * data.stride * data.values.BYTES_PER_ELEMENT) / (data.typeId === Type.Bool ? 8 : 1)),
    );
  }
  for (const child of data.children) size += arrowSize(child);
  return size;
}
