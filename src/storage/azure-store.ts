/**
 * Azure Blob Storage / ADLS Gen2 backend, over the Blob API of `@azure/storage-blob` (an optional
 * peer dependency, loaded when the first Azure table is opened).
 *
 * Guarantees and how they are met:
 * - create-if-absent: a single Put Blob with `If-None-Match: *` (atomic on the service);
 * - compare-and-swap: Put Blob with `If-Match`;
 * - whole-object visibility: Put Blob, or staged blocks made visible by one Put Block List;
 * - listing in byte order: List Blobs (flat), which returns names in order, page by page.
 * On hierarchical-namespace accounts the Blob API also shows directories as empty blobs marked
 * `hdi_isfolder`; they are not objects here: `list` skips them and `get`/`head` report them absent.
 */
import type * as AzureBlob from "@azure/storage-blob";
import { NotFoundError, TransientError } from "../errors/storage-errors.js";
import { loadAzureBlobSdk, createContainerClient } from "./azure-client.js";
import type { AzureBlobSdk } from "./azure-client.js";
import { resolveAzureConfig } from "./azure-config.js";
import type { AzureLocation } from "./azure-config.js";
import { deleteKeys } from "./azure-delete.js";
import type { BulkDeleteState, BulkDeleteTarget } from "./azure-delete.js";
import { azureStatus, translateAzureError } from "./azure-errors.js";
import type { AzureOperation } from "./azure-errors.js";
import { uploadInBlocks } from "./azure-upload.js";
import type { BlockUploadTarget } from "./azure-upload.js";
import type { AzureStorageOptions } from "./options.js";
import { compareKeys, joinKey, normalizePath, normalizePrefix } from "./paths.js";
import { resolveRange } from "./ranges.js";
import { retryTransient } from "./retry-store.js";
import type {
  ByteRange,
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

const BACKEND = "azure";
const LIST_PAGE_SIZE = 5000;
const DEFAULT_PART_SIZE = 4 * 1024 * 1024;
const DEFAULT_CONCURRENCY = 4;

/**
 * Opens the store for an Azure location (`az://container/prefix`, `abfss://container@account...`,
 * `https://account.blob.core.windows.net/container/prefix`). Credentials and endpoint are resolved
 * as described in `azure-config.ts`. Imports `@azure/storage-blob` (and `@azure/identity` when no
 * credential is configured); throws `MissingDependencyError` when absent and
 * `InvalidStorageConfigError` for contradictory settings. Performs no network I/O: a missing
 * container or bad credential surfaces on the first request.
 */
export async function createAzureStore(
  location: AzureLocation,
  options: AzureStorageOptions,
  env: Record<string, string | undefined>,
): Promise<ObjectStore> {
  const config = resolveAzureConfig(location, options, env);
  const sdk = await loadAzureBlobSdk();
  const container = await createContainerClient(config, sdk);
  return new AzureStore(container, sdk, config.prefix, config.rootUrl);
}

/** An {@link ObjectStore} over one container (and key prefix) of an Azure storage account. */
export class AzureStore implements ObjectStore {
  readonly backend = BACKEND;
  readonly capabilities: StoreCapabilities = { atomicCreate: "native", conditionalUpdate: true };
  private readonly deleteState: BulkDeleteState = { batchUnavailable: false };

  /**
   * @param container the SDK client for the container, built with SDK retries off.
   * @param prefix key prefix inside the container, no leading or trailing `/` (may be empty).
   * @param rootUrl `az://container/prefix`, without credentials.
   */
  constructor(
    private readonly container: AzureBlob.ContainerClient,
    private readonly sdk: Pick<AzureBlobSdk, "BlobBatch">,
    private readonly prefix: string,
    readonly rootUrl: string,
  ) {}

  /**
   * What `util.inspect` (and so `console.log`) shows: the root URL only, never the SDK client and
   * the credentials it holds.
   */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `AzureStore { ${this.rootUrl} }`;
  }

  /** Reads the object or a range of it; a suffix range first reads the size (one extra request). */
  async get(path: string, options: GetOptions = {}): Promise<Uint8Array> {
    const { range, signal } = options;
    const blob = this.container.getBlobClient(this.key(path));
    if (range === undefined) return this.download(path, blob, 0, undefined, signal);
    resolveRange(range, Number.MAX_SAFE_INTEGER); // validates the numbers
    if ("suffix" in range || range.length === 0) return this.getBySize(path, blob, range, signal);
    return this.download(path, blob, range.offset, range.length, signal);
  }

  async head(path: string, options: CallOptions = {}): Promise<ObjectMeta> {
    const key = this.key(path);
    const props = await this.call(path, "read", options.signal, () =>
      this.container.getBlobClient(key).getProperties({ abortSignal: options.signal }),
    );
    if (isDirectoryMarker(props.metadata)) throw new NotFoundError(path, this.backend);
    return {
      path: this.relative(key),
      size: props.contentLength ?? 0,
      lastModified: props.lastModified?.getTime() ?? 0,
      etag: quoteEtag(props.etag),
    };
  }

  /** One Put Blob; `create` adds `If-None-Match: *`, `{ifMatch}` adds `If-Match`. */
  async put(path: string, data: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    const { signal } = options;
    const mode = options.mode ?? "overwrite";
    const blob = this.container.getBlockBlobClient(this.key(path));
    // an empty etag must still be a condition (one that never matches), never an unconditional write
    const conditions =
      mode === "create" ? { ifNoneMatch: "*" } : typeof mode === "object" ? { ifMatch: quoteEtag(mode.ifMatch) ?? '""' } : undefined;
    const operation: AzureOperation = mode === "create" ? "create" : typeof mode === "object" ? "update" : "write";
    try {
      const res = await blob.upload(data, data.byteLength, { abortSignal: signal, conditions });
      return { etag: quoteEtag(res.etag) };
    } catch (err) {
      const expectedEtag = typeof mode === "object" ? mode.ifMatch : undefined;
      if (expectedEtag !== undefined && azureStatus(err) === 412) await this.throwIfAbsent(path, signal);
      throw translateAzureError(err, { path, backend: this.backend, operation, expectedEtag, signal });
    }
  }

  /** After a failed `If-Match`: a missing object is `NotFoundError`, as on the other stores. */
  private async throwIfAbsent(path: string, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.head(path, { signal });
    } catch (err) {
      if (err instanceof NotFoundError || signal?.aborted) throw err;
      // anything else: keep reporting the precondition failure
    }
  }

  /** Staged blocks, committed once the stream ends (see `azure-upload.ts`); always overwrites. */
  async putStream(path: string, source: AsyncIterable<Uint8Array>, options: PutStreamOptions = {}): Promise<PutResult> {
    const blob = this.container.getBlockBlobClient(this.key(path));
    const call = <T>(fn: () => Promise<T>, signal?: AbortSignal) => this.call(path, "write", signal, fn);
    const target: BlockUploadTarget = {
      uploadWhole: (data, signal) => call(async () => (await blob.upload(data, data.byteLength, { abortSignal: signal })).etag, signal),
      stageBlock: (id, data, signal) =>
        call(async () => void (await blob.stageBlock(id, data, data.byteLength, { abortSignal: signal })), signal),
      commitBlocks: (ids, signal) => call(async () => (await blob.commitBlockList(ids, { abortSignal: signal })).etag, signal),
    };
    const etag = await uploadInBlocks(target, source, {
      partSize: options.partSize ?? DEFAULT_PART_SIZE,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      signal: options.signal,
      path,
      backend: this.backend,
    });
    return { etag: quoteEtag(etag) };
  }

  /** Delete Blob (with its snapshots); an absent blob is success. */
  async delete(path: string, options: CallOptions = {}): Promise<void> {
    await this.deleteKey(path, this.key(path), options.signal);
  }

  /** Blob Batch deletes of 256, falling back to single deletes (see `azure-delete.ts`). */
  async deleteMany(paths: Iterable<string> | AsyncIterable<string>, options: CallOptions = {}): Promise<void> {
    const target: BulkDeleteTarget = {
      deleteBatch: (keys, signal) => this.deleteBatch(keys, signal),
      deleteOne: (key, signal) => this.deleteKey(this.relative(key), key, signal),
    };
    await deleteKeys(target, this.keys(paths), this.deleteState, options.signal);
  }

  /**
   * List Blobs (flat) under the prefix, 5000 per page, each page retried on transient failures.
   * `startAfter` is applied here (the service has no start-after): pages that end at or before it
   * are skipped whole, and a `startAfter` outside the prefix needs no filtering or no request.
   */
  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ObjectMeta> {
    const { signal } = options;
    // joinKey gives `<root>/` for the whole store, never `<root>` (which would take in a sibling `<root>0/...`)
    const wanted = joinKey(this.prefix, normalizePrefix(prefix, this.backend));
    let after = options.startAfter === undefined ? undefined : joinKey(this.prefix, normalizePath(options.startAfter, this.backend));
    if (after !== undefined && !after.startsWith(wanted)) {
      if (compareKeys(after, wanted) > 0) return; // every key under the prefix sorts before startAfter
      after = undefined; // every key under the prefix sorts after it
    }
    let marker: string | undefined;
    do {
      const page = await retryTransient(() => this.listPage(prefix, wanted, marker, signal), signal);
      marker = page?.continuationToken || undefined;
      const items = page?.segment.blobItems ?? [];
      const last = items.at(-1);
      if (after !== undefined && last !== undefined && compareKeys(last.name, after) <= 0) continue;
      for (const item of items) {
        if (after !== undefined && compareKeys(item.name, after) <= 0) continue;
        if (isDirectoryMarker(item.metadata)) continue;
        yield this.itemMeta(item);
      }
    } while (marker !== undefined);
  }

  private listPage(prefix: string, wanted: string, marker: string | undefined, signal: AbortSignal | undefined) {
    return this.call(prefix, "list", signal, async () => {
      const pages = this.container
        .listBlobsFlat({ prefix: wanted === "" ? undefined : wanted, includeMetadata: true, abortSignal: signal })
        .byPage({ continuationToken: marker, maxPageSize: LIST_PAGE_SIZE });
      const next = await pages.next();
      return next.done ? undefined : next.value;
    });
  }

  private itemMeta(item: AzureBlob.BlobItem): ObjectMeta {
    return {
      path: this.relative(item.name),
      size: item.properties.contentLength ?? 0,
      lastModified: item.properties.lastModified.getTime(),
      etag: quoteEtag(item.properties.etag),
    };
  }

  /** One ranged or whole Get Blob; a range starting at or past the end (416) reads as empty. */
  private async download(
    path: string,
    blob: AzureBlob.BlobClient,
    offset: number,
    count: number | undefined,
    signal: AbortSignal | undefined,
    ifMatch?: string,
  ): Promise<Uint8Array> {
    let res: AzureBlob.BlobDownloadResponseParsed;
    try {
      res = await blob.download(offset, count, { abortSignal: signal, maxRetryRequests: 0, conditions: ifMatch ? { ifMatch } : undefined });
    } catch (err) {
      if (azureStatus(err) === 416) return new Uint8Array(0);
      // the object changed between reading its size and its bytes: read both again
      if (ifMatch && azureStatus(err) === 412) throw new TransientError(path, this.backend, 1, false, { cause: err });
      throw translateAzureError(err, { path, backend: this.backend, operation: "read", signal });
    }
    const data = await this.readBody(path, res, signal);
    if (isDirectoryMarker(res.metadata)) throw new NotFoundError(path, this.backend);
    const ranged = offset > 0 || count !== undefined;
    if (ranged && res._response.status === 200) {
      // the service ignored the Range header and sent everything: cut the range here
      const { start, end } = resolveRange({ offset, length: count }, data.byteLength);
      return data.slice(start, end);
    }
    return data;
  }

  /** Suffix and empty ranges: read the size and etag, then the resolved window of that version. */
  private async getBySize(
    path: string,
    blob: AzureBlob.BlobClient,
    range: ByteRange,
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array> {
    const meta = await this.head(path, { signal });
    const { start, end } = resolveRange(range, meta.size);
    if (end <= start) return new Uint8Array(0);
    return this.download(path, blob, start, end - start, signal, meta.etag);
  }

  /**
   * Reads a download's body into one array. A body that breaks off or comes up short while the
   * caller's signal has not fired is a transient failure; an abort the caller asked for passes.
   */
  private async readBody(path: string, res: AzureBlob.BlobDownloadResponseParsed, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const expected = res.contentLength ?? 0;
    const chunks: Uint8Array[] = [];
    let received = 0;
    try {
      for await (const chunk of (res.readableStreamBody ?? []) as AsyncIterable<Uint8Array>) {
        chunks.push(chunk);
        received += chunk.byteLength;
      }
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new TransientError(path, this.backend, 1, false, { cause: err });
    }
    if (received !== expected) {
      throw new TransientError(path, this.backend, 1, false, { cause: new Error(`response body had ${received} of ${expected} bytes`) });
    }
    const out = new Uint8Array(received);
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return out;
  }

  private async deleteKey(path: string, key: string, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.call(path, "delete", signal, () =>
        this.container.getBlobClient(key).delete({ abortSignal: signal, deleteSnapshots: "include" }),
      );
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  /** One Blob Batch request; per-key outcomes as typed errors (404 counts as deleted). */
  private async deleteBatch(keys: string[], signal: AbortSignal | undefined): Promise<Array<Error | undefined>> {
    const clients = keys.map((key) => this.container.getBlobClient(key));
    const batch = new this.sdk.BlobBatch();
    for (const client of clients) await batch.deleteBlob(client, { deleteSnapshots: "include" });
    const label = keys.length === 1 ? this.relative(keys[0] ?? "") : `${keys.length} objects`;
    const res = await this.call(label, "delete", signal, () =>
      this.container.getBlobBatchClient().submitBatch(batch, { abortSignal: signal }),
    );
    const byUrl = new Map(res.subResponses.map((sub) => [sub._request.url, sub]));
    return clients.map((client, i) => {
      const sub = byUrl.get(client.url) ?? res.subResponses[i];
      if (sub === undefined) return new TransientError(this.relative(keys[i] ?? ""), this.backend, 1, true);
      if ((sub.status >= 200 && sub.status < 300) || sub.status === 404) return undefined;
      const shaped = { statusCode: sub.status, code: sub.errorCode, details: { errorCode: sub.errorCode } };
      return translateAzureError(shaped, { path: this.relative(keys[i] ?? ""), backend: this.backend, operation: "delete" }) as Error;
    });
  }

  /** Runs one SDK call, translating its failure into the typed storage errors. */
  private async call<T>(path: string, operation: AzureOperation, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw translateAzureError(err, { path, backend: this.backend, operation, signal });
    }
  }

  private key(path: string): string {
    return joinKey(this.prefix, normalizePath(path, this.backend));
  }

  private relative(key: string): string {
    return this.prefix === "" ? key : key.slice(this.prefix.length + 1);
  }

  private async *keys(paths: Iterable<string> | AsyncIterable<string>): AsyncIterable<string> {
    for await (const path of paths) yield this.key(path);
  }
}

/** True for the empty blobs a hierarchical-namespace account shows for directories. */
function isDirectoryMarker(metadata: Record<string, string> | undefined): boolean {
  if (!metadata) return false;
  const flag = Object.entries(metadata).find(([name]) => name.toLowerCase() === "hdi_isfolder")?.[1];
  return flag?.toLowerCase() === "true";
}

/** Etags as the service's headers spell them (`"0x..."`): listings return them bare. */
export function quoteEtag(etag: string | undefined): string | undefined {
  if (etag === undefined || etag === "") return undefined;
  return etag.startsWith('"') || etag.startsWith("W/") ? etag : `"${etag}"`;
}
