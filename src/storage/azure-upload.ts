/**
 * Streaming upload as staged blocks (Put Block, then Put Block List), written against a small
 * target interface so the buffering, concurrency and failure rules are tested without a server.
 *
 * Memory stays within about `partSize × (concurrency + 1)`: up to `concurrency` parts in flight
 * plus the one being filled. Part buffers are recycled once their block is staged, so no more than
 * that many are ever allocated, whatever the stream's length. Nothing is visible until the block list is committed; on failure or
 * abort the list is never committed and Azure discards the staged blocks (after a week at most).
 */
import { InvalidArgumentError } from "../errors/argument-errors.js";
import { randomBytes } from "node:crypto";
import { StoreRequestError } from "../errors/storage-errors.js";
import { retryTransient } from "./retry-store.js";

/** The three block-blob requests an upload needs; each throws typed storage errors. */
export interface BlockUploadTarget {
  /** Writes the whole object in one request (used when the stream fits in one part); returns the etag. */
  uploadWhole(data: Uint8Array, signal?: AbortSignal): Promise<string | undefined>;
  /** Stages one block under `blockId`; idempotent. */
  stageBlock(blockId: string, data: Uint8Array, signal?: AbortSignal): Promise<void>;
  /** Commits the staged blocks in order, making the object visible; returns the etag. Idempotent. */
  commitBlocks(blockIds: string[], signal?: AbortSignal): Promise<string | undefined>;
}

/** How to cut and send the stream. */
export interface BlockUploadOptions {
  partSize: number;
  concurrency: number;
  signal?: AbortSignal;
  /** For errors: the store-relative path and backend name. */
  path: string;
  backend: string;
}

/** Azure's limit on blocks in one blob. */
export const MAX_BLOCKS = 50_000;

/**
 * Uploads `source` to `target`: one `uploadWhole` when everything fits in one part, else staged
 * blocks of exactly `partSize` bytes (the last may be shorter) and a final commit. Every request
 * is retried on transient failures (all are idempotent). Chunks are copied, so the source may
 * reuse its buffers. Rejects with the first failure once the requests in flight have settled.
 */
export async function uploadInBlocks(
  target: BlockUploadTarget,
  source: AsyncIterable<Uint8Array>,
  options: BlockUploadOptions,
): Promise<string | undefined> {
  const { signal } = options;
  const pool = new PartPool(options.partSize);
  const assembler = new PartAssembler(options.partSize, pool);
  const stager = new BlockStager(target, options, pool);
  let held: Uint8Array | undefined; // the first full part, kept back in case the stream ends there
  try {
    for await (const chunk of source) {
      signal?.throwIfAborted();
      for (const part of assembler.push(chunk)) {
        if (held === undefined && stager.count === 0) {
          held = part;
          continue;
        }
        if (held !== undefined) await stager.stage(held);
        held = undefined;
        await stager.stage(part);
      }
      stager.throwIfFailed();
    }
    signal?.throwIfAborted();
    const rest = assembler.rest();
    if (stager.count === 0 && (held === undefined || rest === undefined)) {
      return await retryTransient(() => target.uploadWhole(held ?? rest ?? new Uint8Array(0), signal), signal);
    }
    if (held !== undefined) await stager.stage(held);
    if (rest !== undefined) await stager.stage(rest);
    const blockIds = await stager.finish();
    signal?.throwIfAborted();
    return await retryTransient(() => target.commitBlocks(blockIds, signal), signal);
  } finally {
    await stager.settle();
  }
}

/** Stages blocks with at most `concurrency` requests in flight; remembers the first failure. */
class BlockStager {
  private readonly uploadId = randomBytes(8).toString("hex");
  private readonly blockIds: string[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly target: BlockUploadTarget,
    private readonly options: BlockUploadOptions,
    private readonly pool: PartPool,
  ) {}

  get count(): number {
    return this.blockIds.length;
  }

  /** Starts staging `part`, then waits until fewer than `concurrency` requests are in flight. */
  async stage(part: Uint8Array): Promise<void> {
    this.throwIfFailed();
    const { signal, path, backend } = this.options;
    if (this.blockIds.length >= MAX_BLOCKS) {
      throw new StoreRequestError(
        path,
        backend,
        undefined,
        `stream needs more than ${MAX_BLOCKS} blocks of ${this.options.partSize} bytes (raise partSize)`,
      );
    }
    const id = blockId(this.uploadId, this.blockIds.length);
    this.blockIds.push(id);
    const request: Promise<void> = retryTransient(() => this.target.stageBlock(id, part, signal), signal)
      .then(() => this.pool.release(part)) // a failed request may still reference its buffer: not recycled
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.inFlight.delete(request));
    this.inFlight.add(request);
    while (this.inFlight.size >= Math.max(1, this.options.concurrency) && !this.failure) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Waits for every staged block; returns the ids in order, or throws the first failure. */
  async finish(): Promise<string[]> {
    await this.settle();
    this.throwIfFailed();
    return this.blockIds;
  }

  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}

/**
 * Block ids of one upload: a random upload id and a zero-padded index, base64-encoded. Azure
 * requires every block id of a blob to have the same length, which this fixed layout guarantees.
 */
export function blockId(uploadId: string, index: number): string {
  return Buffer.from(`${uploadId}-${index.toString().padStart(6, "0")}`).toString("base64");
}

/** Free part buffers of exactly `partSize` bytes, handed back once their block is staged. */
export class PartPool {
  private readonly free: Uint8Array[] = [];
  /** Buffers created so far (for tests). */
  allocated = 0;

  constructor(readonly partSize: number) {}

  take(): Uint8Array {
    const buffer = this.free.pop();
    if (buffer) return buffer;
    this.allocated++;
    return new Uint8Array(this.partSize);
  }

  /** Returns a whole part buffer for reuse; views of a shorter last part are ignored. */
  release(part: Uint8Array): void {
    if (part.byteLength === this.partSize && part.byteOffset === 0 && part.buffer.byteLength === this.partSize) this.free.push(part);
  }
}

/**
 * Cuts a stream of chunks into parts of exactly `partSize` bytes by copying. Until the first part
 * is complete the buffer grows by doubling, so a small stream does not allocate a whole part;
 * later parts come from the pool.
 */
export class PartAssembler {
  private buffer: Uint8Array | undefined;
  private filled = 0;
  private emitted = false;
  private readonly pool: PartPool;

  constructor(
    private readonly partSize: number,
    pool?: PartPool,
  ) {
    if (!Number.isSafeInteger(partSize) || partSize <= 0)
      throw new InvalidArgumentError("partSize", String(partSize), "a positive safe integer");
    this.pool = pool ?? new PartPool(partSize);
  }

  /** Copies `chunk` in and yields every part it completes; a yielded part is the caller's. */
  *push(chunk: Uint8Array): Generator<Uint8Array> {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const n = Math.min(this.partSize - this.filled, chunk.byteLength - offset);
      const buffer = this.reserve(this.filled + n);
      buffer.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.partSize) {
        this.buffer = undefined;
        this.filled = 0;
        this.emitted = true;
        yield buffer;
      }
    }
  }

  /** The bytes of the unfinished last part, if any. */
  rest(): Uint8Array | undefined {
    return this.buffer && this.filled > 0 ? this.buffer.subarray(0, this.filled) : undefined;
  }

  private reserve(needed: number): Uint8Array {
    const current = this.buffer;
    if (current && current.byteLength >= needed) return current;
    const grown = Math.max(needed, 2 * (current?.byteLength ?? 0), 64 * 1024);
    const next = this.emitted || grown >= this.partSize ? this.pool.take() : new Uint8Array(grown);
    if (current) next.set(current.subarray(0, this.filled));
    this.buffer = next;
    return next;
  }
}
