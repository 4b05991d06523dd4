/**
 * A decorator that retries transient failures with exponential backoff and full jitter.
 *
 * Backends report a single attempt's transient failure as {@link TransientError} (their SDK's own
 * retries are off, so this is the one retry policy). A `create` is retried only when the failed
 * attempt cannot have taken effect; otherwise it becomes {@link AmbiguousOutcomeError} for the
 * caller to resolve by reading back, because a blind retry could report "already exists" for an
 * object this very call wrote.
 */
import { AmbiguousOutcomeError, TransientError } from "../errors/storage-errors.js";
import { sleep } from "../util/abort.js";
import type { RetryOptions } from "./options.js";
import type { CallOptions, GetOptions, ListOptions, ObjectMeta, ObjectStore, PutOptions, PutResult, PutStreamOptions } from "./store.js";

const DEFAULTS: Required<RetryOptions> = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5000 };

/** Wraps `inner` so that transient failures are retried per `options`. */
export class RetryStore implements ObjectStore {
  readonly backend: string;
  readonly rootUrl: string;
  readonly capabilities;
  private readonly policy: Required<RetryOptions>;

  constructor(
    readonly inner: ObjectStore,
    options: RetryOptions = {},
  ) {
    this.backend = inner.backend;
    this.rootUrl = inner.rootUrl;
    this.capabilities = inner.capabilities;
    this.policy = { ...DEFAULTS, ...options };
  }

  private attempt<T>(path: string, signal: AbortSignal | undefined, isConditional: boolean, call: () => Promise<T>): Promise<T> {
    return runWithRetry(call, this.policy, signal, (err, attempt) => {
      if (isConditional && err.mayHaveApplied) return new AmbiguousOutcomeError(path, this.backend, { cause: err.cause ?? err });
      if (attempt >= this.policy.maxAttempts) {
        return new TransientError(path, this.backend, attempt, err.mayHaveApplied, { cause: err.cause ?? err });
      }
      return undefined;
    });
  }

  get(path: string, options?: GetOptions): Promise<Uint8Array> {
    return this.attempt(path, options?.signal, false, () => this.inner.get(path, options));
  }

  head(path: string, options?: CallOptions): Promise<ObjectMeta> {
    return this.attempt(path, options?.signal, false, () => this.inner.head(path, options));
  }

  put(path: string, data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    // a conditional write that may have applied cannot be retried blindly either: a retry would
    // report "already exists" / "precondition failed" for the caller's own write
    const conditional = options?.mode !== undefined && options.mode !== "overwrite";
    return this.attempt(path, options?.signal, conditional, () => this.inner.put(path, data, options));
  }

  /** Not retried as a whole: the source stream can be consumed once. Backends retry parts. */
  putStream(path: string, source: AsyncIterable<Uint8Array>, options?: PutStreamOptions): Promise<PutResult> {
    return this.inner.putStream(path, source, options);
  }

  delete(path: string, options?: CallOptions): Promise<void> {
    return this.attempt(path, options?.signal, false, () => this.inner.delete(path, options));
  }

  /** Batches are idempotent; the backend retries failed batches through {@link retryTransient}. */
  deleteMany(paths: Iterable<string> | AsyncIterable<string>, options?: CallOptions): Promise<void> {
    return this.inner.deleteMany(paths, options);
  }

  /** Listing pages are retried inside the backend (a listing cannot restart mid-iteration here). */
  list(prefix: string, options?: ListOptions): AsyncIterable<ObjectMeta> {
    return this.inner.list(prefix, options);
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}

/**
 * Retries one idempotent backend request on {@link TransientError}; for use inside backends where
 * the decorator cannot reach (list pages, delete batches, upload parts). Uses the default policy.
 */
export function retryTransient<T>(call: () => Promise<T>, signal?: AbortSignal, options: RetryOptions = {}): Promise<T> {
  const policy = { ...DEFAULTS, ...options };
  return runWithRetry(call, policy, signal, (err, attempt) => (attempt >= policy.maxAttempts ? err : undefined));
}

/**
 * The retry loop: on a {@link TransientError}, `giveUp` returns the error to throw, or undefined
 * to sleep (full jitter, exponential ceiling) and try again. Other errors pass straight through.
 */
async function runWithRetry<T>(
  call: () => Promise<T>,
  policy: Required<RetryOptions>,
  signal: AbortSignal | undefined,
  giveUp: (err: TransientError, attempt: number) => Error | undefined,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof TransientError)) throw err;
      const final = giveUp(err, attempt);
      if (final) throw final;
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.random() * ceiling, signal);
    }
  }
}
