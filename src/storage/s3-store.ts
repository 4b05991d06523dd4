/**
 * Amazon S3 and S3-compatible servers (MinIO, Ceph RGW, Cloudflare R2) through
 * `@aws-sdk/client-s3`, an optional peer dependency loaded on first use.
 *
 * How the contract of {@link ObjectStore} is met:
 * - create-if-absent is one `PutObject` with `If-None-Match: *` (never multipart: some servers
 *   ignore the condition on `CompleteMultipartUpload`); 412 and 409 mean "already exists";
 * - compare-and-swap is `PutObject` with `If-Match`. Etags are handed out quoted, as HTTP spells
 *   them. Some servers only match the bare value, so a 412 is checked with a `HeadObject`: a
 *   missing object gives `NotFoundError`, a different etag `PreconditionError`, and an unchanged
 *   etag means the server did not accept the spelling, so the write is sent once more with the
 *   other spelling (safe: the 412 proves the first attempt wrote nothing) and the store keeps
 *   using the spelling that worked. The other spelling is only ever sent for an object just seen
 *   to carry exactly that etag;
 * - every request is one attempt (SDK retries off); transient failures surface as
 *   `TransientError` for the retry decorator, except list pages, delete batches and upload parts,
 *   which are retried here with `retryTransient`.
 */
import type {
  _Object,
  CompleteMultipartUploadCommandOutput,
  DeleteObjectsCommandOutput,
  ListObjectsV2CommandOutput,
  S3Client,
} from "@aws-sdk/client-s3";
import { NotFoundError, PreconditionError, StoreRequestError, TransientError } from "../errors/storage-errors.js";
import { chunked, forEachConcurrent } from "../util/concurrency.js";
import type { StoreLocation } from "./location.js";
import type { S3StorageOptions } from "./options.js";
import { normalizePath } from "./paths.js";
import { httpRangeHeader, resolveRange } from "./ranges.js";
import { retryTransient } from "./retry-store.js";
import { resolveS3Config } from "./s3-config.js";
import { translateS3Error } from "./s3-errors.js";
import type { S3ErrorContext } from "./s3-errors.js";
import { canonicalEtag, etagSpellings } from "./s3-etag.js";
import { S3KeyMap } from "./s3-keys.js";
import { asS3Client, loadS3Sdk, s3ClientConfig } from "./s3-sdk.js";
import type { S3Module } from "./s3-sdk.js";
import { MAX_PARTS, uploadStream } from "./s3-upload.js";
import type { MultipartTarget } from "./s3-upload.js";
import type {
  CallOptions,
  GetOptions,
  ListOptions,
  ObjectMeta,
  ObjectStore,
  PutOptions,
  PutResult,
  PutStreamOptions,
  StoreCapabilities,
} from "./store.js";

/** Keys per `DeleteObjects` request (the S3 maximum). */
const DELETE_BATCH_SIZE = 1000;
/** `DeleteObjects` requests in flight at once. */
const DELETE_CONCURRENCY = 4;

/**
 * Opens the store for `s3://bucket/prefix`. Loads `@aws-sdk/client-s3` (throws
 * `MissingDependencyError` when it is absent), resolves settings from `options` then `env` (see
 * {@link resolveS3Config}; throws `InvalidStorageConfigError`), and builds a client unless
 * `options.client` is given. Performs no network I/O: credentials and the bucket are first used
 * by the first request. Normally reached through `openStore`.
 *
 * @example
 * const store = await createS3Store({ kind: "s3", bucket: "lake", prefix: "tables/events" }, { endpoint: "http://127.0.0.1:7480" }, process.env);
 * await store.put("_delta_log/00000000000000000000.json", commit, { mode: "create" });
 */
export async function createS3Store(
  location: Extract<StoreLocation, { kind: "s3" }>,
  options: S3StorageOptions,
  env: Record<string, string | undefined>,
): Promise<ObjectStore> {
  const keys = new S3KeyMap(location, "s3");
  const config = resolveS3Config(options, env, keys.rootUrl);
  const sdk = await loadS3Sdk();
  const owned = options.client === undefined;
  const client = owned ? new sdk.S3Client(s3ClientConfig(config)) : asS3Client(options.client, keys.rootUrl);
  return new S3Store(sdk, client, keys, { atomicCreate: config.atomicCreate, conditionalUpdate: true }, owned);
}

/** An {@link ObjectStore} over one bucket prefix. Built by {@link createS3Store}. */
export class S3Store implements ObjectStore {
  readonly backend = "s3";
  readonly rootUrl: string;
  /** Send `If-Match` with the bare etag first (learned from a server that rejected the quoted one). */
  private preferBareEtag = false;

  /**
   * @param ownsClient whether `close()` destroys the client (false for an injected one).
   */
  constructor(
    private readonly sdk: S3Module,
    private readonly client: S3Client,
    private readonly keys: S3KeyMap,
    readonly capabilities: StoreCapabilities,
    private readonly ownsClient: boolean,
  ) {
    this.rootUrl = keys.rootUrl;
  }

  /**
   * What `util.inspect` (and so `console.log`) shows: the root URL only, never the SDK client and
   * the credentials it holds.
   */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `S3Store { ${this.rootUrl} }`;
  }

  /** Runs one request; aborts rethrow the signal's reason, other failures are translated. */
  private async call<T>(context: Omit<S3ErrorContext, "backend">, signal: AbortSignal | undefined, request: () => Promise<T>): Promise<T> {
    signal?.throwIfAborted();
    try {
      return await request();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw translateS3Error(err, { ...context, backend: this.backend });
    }
  }

  async get(path: string, options: GetOptions = {}): Promise<Uint8Array> {
    const { range, signal } = options;
    const key = this.keys.key(path);
    if (range !== undefined) resolveRange(range, 0); // validates the numbers
    const header = range === undefined ? undefined : httpRangeHeader(range);
    if (range !== undefined && header === undefined) {
      await this.head(path, { signal }); // an empty range of a missing object is still NotFound
      return new Uint8Array(0);
    }
    try {
      return await this.call({ path }, signal, async () => {
        const out = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.keys.bucket, Key: key, Range: header }), {
          abortSignal: signal,
        });
        const bytes = out.Body === undefined ? new Uint8Array(0) : await out.Body.transformToByteArray();
        if (range === undefined || out.ContentRange !== undefined) return bytes;
        // the server ignored Range and sent the whole object: cut the range out here
        const { start, end } = resolveRange(range, bytes.byteLength);
        return bytes.subarray(start, end);
      });
    } catch (err) {
      // 416: the range starts at or after the end of the object
      if (range !== undefined && err instanceof StoreRequestError && err.status === 416) return new Uint8Array(0);
      throw err;
    }
  }

  async head(path: string, options: CallOptions = {}): Promise<ObjectMeta> {
    const key = this.keys.key(path);
    const out = await this.call({ path }, options.signal, () =>
      this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.keys.bucket, Key: key }), { abortSignal: options.signal }),
    );
    return {
      path: normalizePath(path, this.backend),
      size: out.ContentLength ?? 0,
      lastModified: out.LastModified?.getTime() ?? 0,
      etag: canonicalEtag(out.ETag),
    };
  }

  async put(path: string, data: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    const key = this.keys.key(path);
    const mode = options.mode ?? "overwrite";
    if (typeof mode === "object") return this.putIfMatch(path, key, data, mode.ifMatch, options.signal);
    if (mode === "create") return this.putObject({ path, isCreate: true }, key, data, { IfNoneMatch: "*" }, options.signal);
    return this.putObject({ path }, key, data, {}, options.signal);
  }

  private async putObject(
    context: Omit<S3ErrorContext, "backend">,
    key: string,
    data: Uint8Array,
    conditions: { IfMatch?: string; IfNoneMatch?: string },
    signal: AbortSignal | undefined,
  ): Promise<PutResult> {
    const out = await this.call(context, signal, () =>
      this.client.send(
        new this.sdk.PutObjectCommand({ Bucket: this.keys.bucket, Key: key, Body: data, ContentLength: data.byteLength, ...conditions }),
        { abortSignal: signal },
      ),
    );
    return { etag: canonicalEtag(out.ETag) };
  }

  /** Compare-and-swap; see the file header for how the etag spelling is chosen. */
  private async putIfMatch(
    path: string,
    key: string,
    data: Uint8Array,
    ifMatch: string,
    signal: AbortSignal | undefined,
  ): Promise<PutResult> {
    const { quoted, bare } = etagSpellings(ifMatch);
    const [first, second] = this.preferBareEtag ? [bare, quoted] : [quoted, bare];
    try {
      return await this.putObject({ path, ifMatch }, key, data, { IfMatch: first }, signal);
    } catch (err) {
      if (!(err instanceof PreconditionError)) throw err;
      // 412: another version, no object, or a server that wants the other spelling of this etag
      const current = await this.head(path, { signal }); // NotFoundError when the object is gone
      if (current.etag !== quoted) throw err;
      const result = await this.putObject({ path, ifMatch }, key, data, { IfMatch: second }, signal);
      this.preferBareEtag = second === bare;
      return result;
    }
  }

  /**
   * Single `PutObject` for a stream shorter than one part, else a multipart upload (parts
   * retried on transient failures, the upload aborted on any failure); see {@link uploadStream}.
   */
  async putStream(path: string, source: AsyncIterable<Uint8Array>, options: PutStreamOptions = {}): Promise<PutResult> {
    const key = this.keys.key(path);
    const etag = await uploadStream(this.multipartTarget(path, key), source, options);
    return { etag };
  }

  private multipartTarget(path: string, key: string): MultipartTarget {
    const Bucket = this.keys.bucket;
    const send = this.client.send.bind(this.client);
    const { sdk } = this;
    return {
      putSingle: async (body, signal) => (await retryTransient(() => this.putObject({ path }, key, body, {}, signal), signal)).etag,
      create: (signal) =>
        retryTransient(async () => {
          const out = await this.call({ path }, signal, () =>
            send(new sdk.CreateMultipartUploadCommand({ Bucket, Key: key }), { abortSignal: signal }),
          );
          if (!out.UploadId)
            throw new StoreRequestError(path, this.backend, undefined, "CreateMultipartUpload answered without an upload id");
          return out.UploadId;
        }, signal),
      uploadPart: (UploadId, PartNumber, body, signal) =>
        retryTransient(async () => {
          const input = { Bucket, Key: key, UploadId, PartNumber, Body: body, ContentLength: body.byteLength };
          const out = await this.call({ path }, signal, () => send(new sdk.UploadPartCommand(input), { abortSignal: signal }));
          if (!out.ETag) throw new StoreRequestError(path, this.backend, undefined, `UploadPart ${PartNumber} answered without an etag`);
          return out.ETag;
        }, signal),
      complete: async (UploadId, Parts, signal) => {
        const input = { Bucket, Key: key, UploadId, MultipartUpload: { Parts } };
        const out: CompleteMultipartUploadCommandOutput = await retryTransient(
          () => this.call({ path }, signal, () => send(new sdk.CompleteMultipartUploadCommand(input), { abortSignal: signal })),
          signal,
        );
        return canonicalEtag(out.ETag);
      },
      abort: async (UploadId) => {
        await retryTransient(() =>
          this.call({ path }, undefined, () => send(new sdk.AbortMultipartUploadCommand({ Bucket, Key: key, UploadId }))),
        );
      },
      tooLarge: (partSize) =>
        new StoreRequestError(
          path,
          this.backend,
          undefined,
          `the stream needs more than ${MAX_PARTS} parts of ${partSize} bytes (pass a larger partSize)`,
        ),
    };
  }

  async delete(path: string, options: CallOptions = {}): Promise<void> {
    const key = this.keys.key(path);
    try {
      await this.call({ path }, options.signal, () =>
        this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.keys.bucket, Key: key }), { abortSignal: options.signal }),
      );
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  /**
   * `DeleteObjects` in batches of 1000, a few batches at a time. A batch that fails transiently
   * is sent again (only its failed keys when S3 reported per-key errors); missing keys are
   * ignored; any other per-key error rejects with that key's typed error.
   */
  async deleteMany(paths: Iterable<string> | AsyncIterable<string>, options: CallOptions = {}): Promise<void> {
    const { signal } = options;
    await forEachConcurrent(chunked(paths, DELETE_BATCH_SIZE), DELETE_CONCURRENCY, (batch) => this.deleteBatch(batch, signal), signal);
  }

  private async deleteBatch(paths: string[], signal: AbortSignal | undefined): Promise<void> {
    let pending = new Map(paths.map((path) => [this.keys.key(path), path]));
    const batchPath = paths[0] ?? "";
    await retryTransient(async () => {
      const Objects = [...pending.keys()].map((Key) => ({ Key }));
      const out: DeleteObjectsCommandOutput = await this.call({ path: batchPath }, signal, () =>
        this.client.send(new this.sdk.DeleteObjectsCommand({ Bucket: this.keys.bucket, Delete: { Objects, Quiet: true } }), {
          abortSignal: signal,
        }),
      );
      const retry = new Map<string, string>();
      for (const entry of out.Errors ?? []) {
        const path = entry.Key === undefined ? undefined : pending.get(entry.Key);
        if (path === undefined || entry.Key === undefined) continue;
        const keyError = Object.assign(new Error(entry.Message ?? ""), { name: entry.Code ?? "UnknownError", key: entry.Key });
        const err = translateS3Error(keyError, { path, backend: this.backend });
        if (err instanceof NotFoundError) continue;
        if (!(err instanceof TransientError)) throw err;
        retry.set(entry.Key, path);
      }
      if (retry.size === 0) return;
      pending = retry;
      throw new TransientError(retry.values().next().value ?? batchPath, this.backend, 1, true);
    }, signal);
  }

  /** `ListObjectsV2` page by page (each page retried on transient failures), in S3's byte order. */
  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ObjectMeta> {
    const { signal } = options;
    const wanted = this.keys.listPrefix(prefix);
    let startAfter = options.startAfter === undefined ? undefined : this.keys.key(options.startAfter);
    let token: string | undefined;
    for (;;) {
      const input = {
        Bucket: this.keys.bucket,
        Prefix: wanted === "" ? undefined : wanted,
        ContinuationToken: token,
        StartAfter: token === undefined ? startAfter : undefined,
      };
      const page: ListObjectsV2CommandOutput = await retryTransient(
        () =>
          this.call({ path: prefix }, signal, () => this.client.send(new this.sdk.ListObjectsV2Command(input), { abortSignal: signal })),
        signal,
      );
      let lastKey: string | undefined;
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        lastKey = object.Key;
        const meta = this.listedMeta(object.Key, object);
        if (meta !== undefined) yield meta;
      }
      if (!page.IsTruncated) return;
      if (page.NextContinuationToken) {
        token = page.NextContinuationToken;
      } else if (lastKey !== undefined) {
        token = undefined; // a server without continuation tokens: go on after the last key
        startAfter = lastKey;
      } else {
        throw new StoreRequestError(prefix, this.backend, undefined, "ListObjectsV2 reported more results but gave no way to fetch them");
      }
    }
  }

  private listedMeta(key: string, object: _Object): ObjectMeta | undefined {
    const path = this.keys.relative(key);
    if (path === undefined) return undefined;
    return { path, size: object.Size ?? 0, lastModified: object.LastModified?.getTime() ?? 0, etag: canonicalEtag(object.ETag) };
  }

  /** Destroys the client's sockets when this store created it; an injected client is left open. */
  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }
}
