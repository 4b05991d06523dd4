/**
 * The object-store seam: the one small interface every storage backend implements.
 *
 * Paths are store-relative keys: `/`-separated, no leading `/`, no empty, `.` or `..` segments
 * (see {@link normalizePath}); a backend maps them under its root (a directory, a bucket prefix,
 * a container prefix). The commit protocol rests on three guarantees written down in
 * `spec/storage.md`: atomic create-if-absent, read-after-write, and listing in byte order.
 */

/** How `put` treats an existing object. */
export type PutMode =
  /** Replace whatever is there (the default). */
  | "overwrite"
  /** Write only if no object exists at the path, atomically even under concurrent writers; else {@link AlreadyExistsError}. */
  | "create"
  /** Replace only if the current object has this etag (compare-and-swap); else {@link PreconditionError}. */
  | { ifMatch: string };

/** A byte range: `{offset, length}`, `{offset}` (to the end), or `{suffix}` (the last n bytes). */
export type ByteRange = { offset: number; length?: number } | { suffix: number };

/** What a store knows about one object. */
export interface ObjectMeta {
  /** Store-relative path. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** Last modification time, milliseconds since the epoch. */
  lastModified: number;
  /** Opaque version tag usable with `{ ifMatch }`, where the backend has one. */
  etag?: string;
}

/** Options every store call takes. */
export interface CallOptions {
  /** Aborts the call; the store stops promptly and leaves no partial object visible. */
  signal?: AbortSignal;
}

export interface GetOptions extends CallOptions {
  range?: ByteRange;
}

export interface PutOptions extends CallOptions {
  mode?: PutMode;
}

export interface PutStreamOptions extends CallOptions {
  /** Size of each uploaded part or block; bounds memory together with `concurrency`. */
  partSize?: number;
  /** Parts in flight at once. */
  concurrency?: number;
}

export interface ListOptions extends CallOptions {
  /** Only keys strictly greater (in byte order) than this full store-relative path. */
  startAfter?: string;
  /**
   * Also yield objects the backend normally hides from listings: the local store's in-progress
   * and leftover temporary files (`.lakelog-tmp-*`). For vacuum, which sweeps those left by
   * crashed writers; other backends have none and ignore the flag.
   */
  includeHidden?: boolean;
}

/** Result of a successful put. */
export interface PutResult {
  etag?: string;
}

/**
 * How a store provides create-if-absent:
 * - `native`: the backend guarantees it (local link, memory, Azure `If-None-Match: *`, AWS S3).
 * - `probe`: the protocol is supported but the server is unknown (an S3-compatible endpoint);
 *   {@link ensureAtomicCreate} proves it once by a second create of the same key before commits.
 * - `none`: no guarantee; commits refuse unless the caller opts into single-writer mode.
 */
export type AtomicCreateSupport = "native" | "probe" | "none";

/** What a backend can promise; the commit layer reads this instead of the backend's name. */
export interface StoreCapabilities {
  atomicCreate: AtomicCreateSupport;
  /** `put` with `{ ifMatch }` is honoured. */
  conditionalUpdate: boolean;
}

/**
 * An object store rooted at one location.
 *
 * Contracts every implementation keeps (the suite in `test/conformance/storage` checks them):
 * - Errors are the typed set in `errors/storage-errors` with the backend error as `cause`.
 * - A finished `put` is visible to every later `get`, `head` and `list` (read-after-write).
 * - `put` with `mode: "create"` is atomic: of any number of concurrent creates of one key, in any
 *   number of processes, exactly one succeeds and the rest get `AlreadyExistsError`. When the
 *   outcome cannot be known (the connection dropped), it throws `AmbiguousOutcomeError` and is
 *   never retried blindly.
 * - Objects appear whole or not at all: readers never see a partial `put` or `putStream`.
 * - `list` yields every key under the prefix in byte order, across pagination.
 */
export interface ObjectStore {
  /** Short backend name for messages and metrics, e.g. `local`, `s3`. */
  readonly backend: string;
  /** The URL this store is rooted at (credentials stripped). */
  readonly rootUrl: string;
  readonly capabilities: StoreCapabilities;

  /** Reads the object, or the requested range of it. Throws `NotFoundError` when absent. */
  get(path: string, options?: GetOptions): Promise<Uint8Array>;

  /** Metadata of one object. Throws `NotFoundError` when absent. */
  head(path: string, options?: CallOptions): Promise<ObjectMeta>;

  /** Writes a whole object in one request (see {@link PutMode}). */
  put(path: string, data: Uint8Array, options?: PutOptions): Promise<PutResult>;

  /**
   * Writes a large object from a stream of chunks with memory bounded by part size and
   * concurrency (multipart / block upload). Always overwrites; the object becomes visible only
   * once complete. Not for commit files: use `put` with `create` for those.
   */
  putStream(path: string, source: AsyncIterable<Uint8Array>, options?: PutStreamOptions): Promise<PutResult>;

  /** Deletes the object; deleting a missing object succeeds. */
  delete(path: string, options?: CallOptions): Promise<void>;

  /**
   * Deletes many objects, batching requests where the backend allows; missing objects are
   * ignored. Resolves once all are gone, or rejects with the first failure.
   */
  deleteMany(paths: Iterable<string> | AsyncIterable<string>, options?: CallOptions): Promise<void>;

  /** Every object whose path starts with `prefix` (a plain string prefix), in byte order. */
  list(prefix: string, options?: ListOptions): AsyncIterable<ObjectMeta>;

  /** Releases sockets and timers; the store is unusable afterwards. */
  close?(): Promise<void>;
}
