/**
 * A decorator that counts requests and bytes, so tests and benchmarks can assert I/O cost.
 */
import type { CallOptions, GetOptions, ListOptions, ObjectMeta, ObjectStore, PutOptions, PutResult, PutStreamOptions } from "./store.js";

/** Request and byte counters of a {@link CountingStore}. */
export interface StoreCounters {
  get: number;
  head: number;
  put: number;
  putStream: number;
  delete: number;
  list: number;
  /** Objects yielded by all listings. */
  listed: number;
  bytesRead: number;
  bytesWritten: number;
}

const zero = (): StoreCounters => ({ get: 0, head: 0, put: 0, putStream: 0, delete: 0, list: 0, listed: 0, bytesRead: 0, bytesWritten: 0 });

/** Wraps a store and counts what passes through it. */
export class CountingStore implements ObjectStore {
  readonly backend: string;
  readonly rootUrl: string;
  readonly capabilities;
  counters: StoreCounters = zero();
  /** Paths passed to `get`, in call order. */
  readonly gets: string[] = [];

  constructor(readonly inner: ObjectStore) {
    this.backend = inner.backend;
    this.rootUrl = inner.rootUrl;
    this.capabilities = inner.capabilities;
  }

  /** Returns the counters so far and starts again from zero. */
  reset(): StoreCounters {
    const before = this.counters;
    this.counters = zero();
    this.gets.length = 0;
    return before;
  }

  async get(path: string, options?: GetOptions): Promise<Uint8Array> {
    this.counters.get++;
    this.gets.push(path);
    const data = await this.inner.get(path, options);
    this.counters.bytesRead += data.byteLength;
    return data;
  }

  head(path: string, options?: CallOptions): Promise<ObjectMeta> {
    this.counters.head++;
    return this.inner.head(path, options);
  }

  put(path: string, data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    this.counters.put++;
    this.counters.bytesWritten += data.byteLength;
    return this.inner.put(path, data, options);
  }

  putStream(path: string, source: AsyncIterable<Uint8Array>, options?: PutStreamOptions): Promise<PutResult> {
    this.counters.putStream++;
    const counters = this.counters;
    async function* counted() {
      for await (const chunk of source) {
        counters.bytesWritten += chunk.byteLength;
        yield chunk;
      }
    }
    return this.inner.putStream(path, counted(), options);
  }

  delete(path: string, options?: CallOptions): Promise<void> {
    this.counters.delete++;
    return this.inner.delete(path, options);
  }

  deleteMany(paths: Iterable<string> | AsyncIterable<string>, options?: CallOptions): Promise<void> {
    const counters = this.counters;
    async function* counted() {
      for await (const path of paths) {
        counters.delete++;
        yield path;
      }
    }
    return this.inner.deleteMany(counted(), options);
  }

  async *list(prefix: string, options?: ListOptions): AsyncIterable<ObjectMeta> {
    this.counters.list++;
    for await (const meta of this.inner.list(prefix, options)) {
      this.counters.listed++;
      yield meta;
    }
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
