/**
 * Streaming upload with bounded memory: a stream shorter than one part goes up in a single put;
 * anything longer becomes a multipart upload whose parts are sent with limited concurrency.
 * The requests themselves are supplied by the caller ({@link MultipartTarget}), so this logic
 * runs without an SDK or a server.
 */
import { InvalidArgumentError } from "../errors/argument-errors.js";

/** Default size of one part: 8 MiB. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/** Smallest part S3 accepts (every part but the last): 5 MiB. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** Default number of parts in flight (with 8 MiB parts: about 24 MiB of buffers per upload). */
export const DEFAULT_UPLOAD_CONCURRENCY = 3;
/** Most parts one S3 multipart upload may have. */
export const MAX_PARTS = 10_000;

/** One uploaded part, as `CompleteMultipartUpload` wants it. */
export interface CompletedPart {
  PartNumber: number;
  ETag: string;
}

/** The requests an upload needs; each resolves once its request succeeded (retries included). */
export interface MultipartTarget {
  /** Writes the whole object in one request; resolves to its etag. */
  putSingle(body: Uint8Array, signal?: AbortSignal): Promise<string | undefined>;
  /** Starts a multipart upload; resolves to its upload id. */
  create(signal?: AbortSignal): Promise<string>;
  /** Uploads one part (numbered from 1); resolves to the part's etag. */
  uploadPart(uploadId: string, partNumber: number, body: Uint8Array, signal?: AbortSignal): Promise<string>;
  /** Publishes the object from its parts (in part order); resolves to its etag. */
  complete(uploadId: string, parts: CompletedPart[], signal?: AbortSignal): Promise<string | undefined>;
  /** Discards the upload and its parts; best effort, must not be interrupted by the caller's signal. */
  abort(uploadId: string): Promise<void>;
  /** Error for a stream that needs more than {@link MAX_PARTS} parts of `partSize` bytes. */
  tooLarge(partSize: number): Error;
}

/** Knobs of {@link uploadStream}. */
export interface UploadStreamOptions {
  /** Bytes per part; raised to {@link MIN_PART_SIZE}. Default {@link DEFAULT_PART_SIZE}. */
  partSize?: number;
  /** Parts in flight at once, at least 1. Default {@link DEFAULT_UPLOAD_CONCURRENCY}. */
  concurrency?: number;
  signal?: AbortSignal;
}

/**
 * Uploads `source` through `target`. At most `concurrency` part buffers of `partSize` bytes are
 * ever allocated per upload: the next part is filled only while at most `concurrency - 1` are in
 * flight, and the buffer of an uploaded part is reused for a later one (so memory does not depend
 * on when the garbage collector runs). Every chunk is copied into its part, so the producer may
 * reuse its buffers. On any failure or abort the multipart upload is aborted
 * (nothing becomes visible), the source iterator is closed, and the first error is rethrown (the
 * signal's reason when aborted). Resolves to the new object's etag.
 */
export async function uploadStream(
  target: MultipartTarget,
  source: AsyncIterable<Uint8Array>,
  options: UploadStreamOptions = {},
): Promise<string | undefined> {
  const partSize = Math.max(MIN_PART_SIZE, Math.floor(options.partSize ?? DEFAULT_PART_SIZE));
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_UPLOAD_CONCURRENCY));
  const { signal } = options;
  const iterator = source[Symbol.asyncIterator]();
  const reader = new PartReader(iterator, partSize);
  try {
    signal?.throwIfAborted();
    const first = await reader.next(signal);
    if (first === undefined || first.byteLength < partSize) {
      return await target.putSingle(first ?? new Uint8Array(0), signal);
    }
    return await uploadParts(target, reader, first, { partSize, concurrency, signal });
  } finally {
    await iterator.return?.().catch(() => undefined);
  }
}

async function uploadParts(
  target: MultipartTarget,
  reader: PartReader,
  first: Uint8Array,
  options: { partSize: number; concurrency: number; signal: AbortSignal | undefined },
): Promise<string | undefined> {
  const { signal } = options;
  const uploadId = await target.create(signal);
  // stops the parts in flight as soon as one fails or the caller aborts
  const inner = new AbortController();
  const onAbort = () => inner.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const parts: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  /** Buffers of parts already uploaded, ready to be filled again. */
  const spare: Uint8Array[] = [];
  let failure: { error: unknown } | undefined;
  try {
    let part: Uint8Array | undefined = first;
    for (let partNumber = 1; part !== undefined && failure === undefined; partNumber++) {
      if (partNumber > MAX_PARTS) throw target.tooLarge(options.partSize);
      const number = partNumber;
      const body = part;
      const task: Promise<void> = target.uploadPart(uploadId, number, body, inner.signal).then(
        (etag) => {
          parts.push({ PartNumber: number, ETag: etag });
          // the request is over (the server answered after reading the whole body): reuse it
          if (body.byteLength === options.partSize) spare.push(body);
        },
        (error: unknown) => {
          failure ??= { error };
          inner.abort();
        },
      );
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      if (inFlight.size >= options.concurrency) await Promise.race(inFlight);
      if (failure === undefined) part = await reader.next(signal, spare.pop());
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure.error;
    signal?.throwIfAborted();
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    return await target.complete(uploadId, parts, signal);
  } catch (err) {
    inner.abort();
    await Promise.allSettled(inFlight);
    await target.abort(uploadId).catch(() => undefined);
    throw signal?.aborted ? signal.reason : err;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/** Cuts a stream of chunks of any size into parts of exactly `size` bytes (the last may be shorter). */
export class PartReader {
  private pending: Uint8Array | undefined;
  private ended = false;

  constructor(
    private readonly iterator: AsyncIterator<Uint8Array>,
    private readonly size: number,
  ) {}

  /**
   * The next part, or undefined once the stream is exhausted. Fills `reuse` (a buffer of at least
   * `size` bytes no longer in use) when given, else a new buffer.
   */
  async next(signal?: AbortSignal, reuse?: Uint8Array): Promise<Uint8Array | undefined> {
    const part = reuse !== undefined && reuse.byteLength >= this.size ? reuse.subarray(0, this.size) : new Uint8Array(this.size);
    let filled = 0;
    while (filled < this.size) {
      if (this.pending === undefined || this.pending.byteLength === 0) {
        if (this.ended) break;
        signal?.throwIfAborted();
        const result = await this.iterator.next();
        if (result.done) {
          this.ended = true;
          break;
        }
        if (!(result.value instanceof Uint8Array))
          throw new InvalidArgumentError("putStream source chunk", typeof result.value, "Uint8Array chunks");
        this.pending = result.value;
        continue;
      }
      const n = Math.min(this.size - filled, this.pending.byteLength);
      part.set(this.pending.subarray(0, n), filled);
      filled += n;
      this.pending = this.pending.subarray(n);
    }
    if (filled === 0) return undefined;
    return filled === this.size ? part : part.subarray(0, filled);
  }
}
