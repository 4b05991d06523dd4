/**
 * Bounded-concurrency helpers.
 */

/**
 * Runs `fn` over every item of a (possibly async) iterable with at most `limit` calls in flight.
 * Pulls items lazily, so an unbounded source uses bounded memory. Rejects with the first failure
 * after the calls already started have settled; stops pulling once the signal fires.
 */
export async function forEachConcurrent<T>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
  let failure: { error: unknown } | undefined;
  let pulling = Promise.resolve();
  const next = async (): Promise<IteratorResult<T>> => {
    // serialise pulls: async iterators must not be called concurrently
    const result = pulling.then(() => iterator.next());
    pulling = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  };
  const worker = async () => {
    while (!failure) {
      signal?.throwIfAborted();
      const item = await next();
      if (item.done) return;
      try {
        await fn(item.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, limit) }, worker);
  const settled = await Promise.allSettled(workers);
  if (failure) throw failure.error;
  for (const s of settled) if (s.status === "rejected") throw s.reason;
}

/** Groups a (possibly async) iterable into arrays of at most `size` items. */
export async function* chunked<T>(items: Iterable<T> | AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Runs `fetch` over `items` with up to `limit` calls in flight (a sliding window) and hands the
 * results to `consume` strictly in input order: prefetching without reordering. Stops at the
 * first failure; results already fetched beyond it are dropped.
 */
export async function mapInOrder<T, R>(
  items: readonly T[],
  limit: number,
  fetch: (item: T, index: number) => Promise<R>,
  consume: (result: R, item: T, index: number) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let index = 0;
  for await (const result of prefetchInOrder(items, limit, fetch)) {
    signal?.throwIfAborted();
    await consume(result, items[index]!, index);
    index++;
  }
}

/**
 * Yields `fetch(item)` for each item in input order while keeping up to `limit` fetches in
 * flight ahead of the consumer. If the consumer stops early, fetches already started keep
 * running (their failures are swallowed); pass them an abort signal to stop them.
 */
export async function* prefetchInOrder<T, R>(
  items: readonly T[],
  limit: number,
  fetch: (item: T, index: number) => Promise<R>,
): AsyncGenerator<R> {
  const window: Array<Promise<R>> = [];
  let next = 0;
  const launch = () => {
    const index = next++;
    const p = fetch(items[index]!, index);
    p.catch(() => undefined); // observed when awaited in order
    window.push(p);
  };
  while (next < items.length && window.length < Math.max(1, limit)) launch();
  while (window.length > 0) {
    const result = await window.shift()!;
    if (next < items.length) launch();
    yield result;
  }
}
