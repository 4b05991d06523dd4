/**
 * Bulk deletion: Blob Batch requests of up to 256 deletes where the service accepts them, single
 * deletes (16 at a time) where it does not. Written against a small target interface so the
 * fallback rules are tested without a server.
 *
 * Batching is only an optimisation, so every key a batch could not settle is deleted on its own,
 * which gives the authoritative outcome: a batch request refused as a whole (an account or
 * credential without batch support, such as some hierarchical-namespace accounts or SAS scopes)
 * switches the store to single deletes for good; a sub-request that failed for a lasting reason
 * is repeated as a single delete; transient failures retry the still-undeleted keys.
 */
import { NotFoundError, TransientError } from "../errors/storage-errors.js";
import { isAbortError } from "../util/abort.js";
import { chunked, forEachConcurrent } from "../util/concurrency.js";
import { retryTransient } from "./retry-store.js";

/** Sub-requests per Blob Batch request (the service's limit). */
export const BATCH_SIZE = 256;
/** Batch requests in flight at once. */
export const BATCH_CONCURRENCY = 4;
/** Single deletes in flight at once when batching is unavailable. */
export const SINGLE_CONCURRENCY = 16;

/** The requests bulk deletion needs; both throw typed storage errors. */
export interface BulkDeleteTarget {
  /**
   * Deletes `keys` in one batch request. Resolves with one outcome per key, in order: `undefined`
   * when the key is gone (deleted or already absent), else the sub-request's typed error. Throws
   * when the batch request as a whole fails.
   */
  deleteBatch(keys: string[], signal?: AbortSignal): Promise<Array<Error | undefined>>;
  /** Deletes one key; succeeds when it is already absent. */
  deleteOne(key: string, signal?: AbortSignal): Promise<void>;
}

/** Whether batching still looks usable; shared by every call on one store. */
export interface BulkDeleteState {
  batchUnavailable: boolean;
}

/**
 * Deletes every key of `keys` (already mapped to full blob names). Resolves when all are gone;
 * rejects with the first lasting failure, after the requests already started have settled.
 */
export async function deleteKeys(
  target: BulkDeleteTarget,
  keys: Iterable<string> | AsyncIterable<string>,
  state: BulkDeleteState,
  signal?: AbortSignal,
): Promise<void> {
  await forEachConcurrent(chunked(keys, BATCH_SIZE), BATCH_CONCURRENCY, (batch) => deleteChunk(target, batch, state, signal), signal);
}

async function deleteChunk(target: BulkDeleteTarget, keys: string[], state: BulkDeleteState, signal?: AbortSignal): Promise<void> {
  const leftovers = state.batchUnavailable ? keys : await deleteByBatch(target, keys, state, signal);
  await forEachConcurrent(leftovers, SINGLE_CONCURRENCY, (key) => retryTransient(() => target.deleteOne(key, signal), signal), signal);
}

/** Runs the batch with retries of transiently failed keys; returns the keys left for single deletes. */
async function deleteByBatch(target: BulkDeleteTarget, keys: string[], state: BulkDeleteState, signal?: AbortSignal): Promise<string[]> {
  let remaining = keys;
  const leftovers: string[] = [];
  try {
    await retryTransient(async () => {
      const outcomes = await target.deleteBatch(remaining, signal);
      const retry: string[] = [];
      let firstTransient: TransientError | undefined;
      remaining.forEach((key, i) => {
        const outcome = outcomes[i];
        if (outcome === undefined || outcome instanceof NotFoundError) return;
        if (outcome instanceof TransientError) {
          retry.push(key);
          firstTransient ??= outcome;
        } else {
          leftovers.push(key);
        }
      });
      remaining = retry;
      if (firstTransient) throw firstTransient;
    }, signal);
  } catch (err) {
    if (err instanceof TransientError || isAbortError(err) || signal?.aborted) throw err;
    // refused as a whole for a lasting reason: no more batches on this store
    state.batchUnavailable = true;
    return [...leftovers, ...remaining];
  }
  return leftovers;
}
