/**
 * In-memory store: the same contract as the others, for unit tests and demos.
 * Stores opened with the same `memory://name` URL in one process share their objects.
 */
import { AlreadyExistsError, NotFoundError, PreconditionError } from "../errors/storage-errors.js";
import { compareKeys, joinKey, normalizePath, normalizePrefix } from "./paths.js";
import { resolveRange } from "./ranges.js";
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

interface MemoryObject {
  data: Uint8Array;
  lastModified: number;
  etag: string;
}

/** One namespace of objects; stores rooted in it see each other's writes. */
type MemoryBucket = Map<string, MemoryObject>;

const buckets = new Map<string, MemoryBucket>();
let etagCounter = 0;

/** Options for {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Shared namespace name (`memory://<name>/...`); a private namespace when omitted. */
  bucket?: string;
  /** Key prefix inside the namespace. */
  prefix?: string;
}

/** An {@link ObjectStore} held in process memory. */
export class MemoryStore implements ObjectStore {
  readonly backend = "memory";
  readonly rootUrl: string;
  readonly capabilities: StoreCapabilities = { atomicCreate: "native", conditionalUpdate: true };
  private readonly objects: MemoryBucket;
  private readonly prefix: string;

  constructor(options: MemoryStoreOptions = {}) {
    const name = options.bucket;
    if (name === undefined) {
      this.objects = new Map();
    } else {
      let bucket = buckets.get(name);
      if (!bucket) buckets.set(name, (bucket = new Map()));
      this.objects = bucket;
    }
    this.prefix = options.prefix ? normalizePath(options.prefix, this.backend) : "";
    this.rootUrl = `memory://${name ?? "(private)"}/${this.prefix}`;
  }

  private key(path: string): string {
    return joinKey(this.prefix, normalizePath(path, this.backend));
  }

  private relative(key: string): string {
    return this.prefix === "" ? key : key.slice(this.prefix.length + 1);
  }

  private meta(key: string, object: MemoryObject): ObjectMeta {
    return { path: this.relative(key), size: object.data.byteLength, lastModified: object.lastModified, etag: object.etag };
  }

  async get(path: string, options: GetOptions = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted();
    const key = this.key(path);
    const object = this.objects.get(key);
    if (!object) throw new NotFoundError(path, this.backend);
    if (!options.range) return object.data.slice();
    const { start, end } = resolveRange(options.range, object.data.byteLength);
    return object.data.slice(start, end);
  }

  async head(path: string, options: CallOptions = {}): Promise<ObjectMeta> {
    options.signal?.throwIfAborted();
    const key = this.key(path);
    const object = this.objects.get(key);
    if (!object) throw new NotFoundError(path, this.backend);
    return this.meta(key, object);
  }

  async put(path: string, data: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    options.signal?.throwIfAborted();
    const key = this.key(path);
    const mode = options.mode ?? "overwrite";
    const existing = this.objects.get(key);
    if (mode === "create" && existing) throw new AlreadyExistsError(path, this.backend);
    if (typeof mode === "object") {
      if (!existing) throw new NotFoundError(path, this.backend);
      if (existing.etag !== mode.ifMatch) throw new PreconditionError(path, this.backend, mode.ifMatch);
    }
    const etag = `m${++etagCounter}`;
    this.objects.set(key, { data: data.slice(), lastModified: Date.now(), etag });
    return { etag };
  }

  async putStream(path: string, source: AsyncIterable<Uint8Array>, options: PutStreamOptions = {}): Promise<PutResult> {
    const key = this.key(path);
    const parts: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of source) {
      options.signal?.throwIfAborted();
      parts.push(chunk.slice());
      size += chunk.byteLength;
    }
    options.signal?.throwIfAborted();
    const data = new Uint8Array(size);
    let offset = 0;
    for (const part of parts) {
      data.set(part, offset);
      offset += part.byteLength;
    }
    const etag = `m${++etagCounter}`;
    this.objects.set(key, { data, lastModified: Date.now(), etag });
    return { etag };
  }

  async delete(path: string, options: CallOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    this.objects.delete(this.key(path));
  }

  async deleteMany(paths: Iterable<string> | AsyncIterable<string>, options: CallOptions = {}): Promise<void> {
    for await (const path of paths) {
      options.signal?.throwIfAborted();
      this.objects.delete(this.key(path));
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ObjectMeta> {
    const wanted = joinKey(this.prefix, normalizePrefix(prefix, this.backend));
    const scope = this.prefix === "" ? "" : `${this.prefix}/`;
    const after = options.startAfter === undefined ? undefined : joinKey(this.prefix, normalizePath(options.startAfter, this.backend));
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(wanted) && k.startsWith(scope) && (after === undefined || compareKeys(k, after) > 0))
      .sort(compareKeys);
    for (const key of keys) {
      options.signal?.throwIfAborted();
      const object = this.objects.get(key);
      if (object) yield this.meta(key, object);
    }
  }
}
