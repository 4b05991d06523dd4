/**
 * A decorator for tests that injects storage faults by rule: fail a call, delay it, or let it
 * take effect and then report failure (the "did my write land?" case), and counts every call.
 * Exported so users can test their own code against storage failures.
 *
 * @example
 * const store = new FaultStore(new MemoryStore(), [{ call: 3, action: "applyThenFail" }]);
 * await DeltaTable.create("memory://t", { schema, store }).catch(() => {});
 * console.log(store.calls, store.injected);
 */
import { AmbiguousOutcomeError, TransientError } from "../errors/storage-errors.js";
import { sleep } from "../util/abort.js";
import type { CallOptions, GetOptions, ListOptions, ObjectMeta, ObjectStore, PutOptions, PutResult, PutStreamOptions } from "./store.js";

/** The store methods a {@link FaultRule} can target. */
export type FaultMethod = "get" | "head" | "put" | "putStream" | "delete" | "deleteMany" | "list";

/**
 * What happens to a matching call:
 * - `fail`: the call rejects without touching the inner store;
 * - `delay`: the call waits `delayMs` (abortable), then proceeds;
 * - `applyThenFail`: the call is made on the inner store, then rejects as if the reply was lost.
 */
export type FaultAction = "fail" | "delay" | "applyThenFail";

/** One recorded call. */
export interface FaultCall {
  /** 1-based position among all calls made through this store. */
  n: number;
  method: FaultMethod;
  /** The path, or the prefix for `list`, or the first path for `deleteMany`. */
  path: string;
  /** The `put` mode, when a put. */
  mode?: PutOptions["mode"];
}

/** When and how to inject a fault. All given conditions must hold. */
export interface FaultRule {
  /** Only the call with this 1-based position among all calls (see {@link FaultCall.n}). */
  call?: number;
  /** Only these methods. */
  method?: FaultMethod | FaultMethod[];
  /** Only paths containing this string, or matching this pattern. */
  path?: string | RegExp;
  /** Only the Nth (1-based) call that matches `method` and `path`. */
  occurrence?: number;
  action: FaultAction;
  /** How many times the rule fires (default 1; `Infinity` for a lasting fault). */
  times?: number;
  /** For `delay`. */
  delayMs?: number;
  /**
   * The error to reject with. Default: `fail` gives a {@link TransientError} that did not apply;
   * `applyThenFail` gives {@link AmbiguousOutcomeError} for a `create` put, else a
   * {@link TransientError} with `mayHaveApplied: true`.
   */
  error?: (call: FaultCall, backend: string) => Error;
}

interface RuleState {
  rule: FaultRule;
  matched: number;
  fired: number;
}

/** Wraps `inner` and applies {@link FaultRule}s to the calls that pass through. */
export class FaultStore implements ObjectStore {
  readonly backend: string;
  readonly rootUrl: string;
  readonly capabilities;
  /** Every call so far, in order. */
  readonly log: FaultCall[] = [];
  /** Faults injected so far (fail and applyThenFail; delays not counted). */
  injected = 0;
  private rules: RuleState[] = [];

  constructor(
    readonly inner: ObjectStore,
    rules: FaultRule[] = [],
  ) {
    this.backend = inner.backend;
    this.rootUrl = inner.rootUrl;
    this.capabilities = inner.capabilities;
    this.setRules(rules);
  }

  /** Calls made so far. */
  get calls(): number {
    return this.log.length;
  }

  /** Calls made so far per method. */
  countsByMethod(): Record<FaultMethod, number> {
    const counts: Record<FaultMethod, number> = { get: 0, head: 0, put: 0, putStream: 0, delete: 0, deleteMany: 0, list: 0 };
    for (const c of this.log) counts[c.method]++;
    return counts;
  }

  /** Replaces the rules (their firing counts start again). */
  setRules(rules: FaultRule[]): void {
    this.rules = rules.map((rule) => ({ rule, matched: 0, fired: 0 }));
  }

  /** Clears the call log, the injected count and the rules' firing counts. */
  reset(rules?: FaultRule[]): void {
    this.log.length = 0;
    this.injected = 0;
    this.setRules(rules ?? this.rules.map((s) => s.rule));
  }

  /** Records a call and returns the action of the first rule that fires for it. */
  private record(method: FaultMethod, path: string, mode?: PutOptions["mode"]): { call: FaultCall; rule?: FaultRule } {
    const call: FaultCall = { n: this.log.length + 1, method, path, ...(mode !== undefined ? { mode } : {}) };
    this.log.push(call);
    let chosen: RuleState | undefined;
    // every rule counts its matches, so `occurrence` does not depend on the other rules
    for (const state of this.rules) {
      const { rule } = state;
      if (rule.method !== undefined && !(Array.isArray(rule.method) ? rule.method.includes(method) : rule.method === method)) continue;
      if (rule.path !== undefined && !(typeof rule.path === "string" ? path.includes(rule.path) : rule.path.test(path))) continue;
      state.matched++;
      if (chosen) continue;
      if (rule.call !== undefined && rule.call !== call.n) continue;
      if (rule.occurrence !== undefined && rule.occurrence !== state.matched) continue;
      if (state.fired >= (rule.times ?? 1)) continue;
      chosen = state;
    }
    if (!chosen) return { call };
    chosen.fired++;
    if (chosen.rule.action !== "delay") this.injected++;
    return { call, rule: chosen.rule };
  }

  private failure(call: FaultCall, rule: FaultRule): Error {
    if (rule.error) return rule.error(call, this.backend);
    const cause = new InjectedFault(rule.action, call);
    if (rule.action === "applyThenFail" && call.method === "put" && call.mode === "create") {
      return new AmbiguousOutcomeError(call.path, this.backend, { cause });
    }
    return new TransientError(call.path, this.backend, 1, rule.action === "applyThenFail", { cause });
  }

  /** Runs `op` under the fault (if any) chosen for this call. */
  private async run<T>(
    method: FaultMethod,
    path: string,
    signal: AbortSignal | undefined,
    op: () => Promise<T>,
    mode?: PutOptions["mode"],
  ): Promise<T> {
    const { call, rule } = this.record(method, path, mode);
    if (!rule) return op();
    if (rule.action === "delay") {
      await sleep(rule.delayMs ?? 0, signal);
      return op();
    }
    if (rule.action === "applyThenFail") await op();
    throw this.failure(call, rule);
  }

  get(path: string, options?: GetOptions): Promise<Uint8Array> {
    return this.run("get", path, options?.signal, () => this.inner.get(path, options));
  }

  head(path: string, options?: CallOptions): Promise<ObjectMeta> {
    return this.run("head", path, options?.signal, () => this.inner.head(path, options));
  }

  put(path: string, data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    return this.run("put", path, options?.signal, () => this.inner.put(path, data, options), options?.mode ?? "overwrite");
  }

  async putStream(path: string, source: AsyncIterable<Uint8Array>, options?: PutStreamOptions): Promise<PutResult> {
    let started = false;
    try {
      return await this.run("putStream", path, options?.signal, () => {
        started = true;
        return this.inner.putStream(path, source, options);
      });
    } catch (err) {
      // an upload failed before it began closes its source, as a real one does (the inner store
      // closed it otherwise); the upload's error is the one reported
      if (!started) await closeSource(source);
      throw err;
    }
  }

  delete(path: string, options?: CallOptions): Promise<void> {
    return this.run("delete", path, options?.signal, () => this.inner.delete(path, options));
  }

  async deleteMany(paths: Iterable<string> | AsyncIterable<string>, options?: CallOptions): Promise<void> {
    const all: string[] = [];
    for await (const p of paths) all.push(p);
    return this.run("deleteMany", all[0] ?? "", options?.signal, () => this.inner.deleteMany(all, options));
  }

  async *list(prefix: string, options?: ListOptions): AsyncIterable<ObjectMeta> {
    const { call, rule } = this.record("list", prefix);
    if (rule?.action === "delay") await sleep(rule.delayMs ?? 0, options?.signal);
    else if (rule?.action === "fail") throw this.failure(call, rule);
    yield* this.inner.list(prefix, options);
    if (rule?.action === "applyThenFail") throw this.failure(call, rule);
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}

/** Ends an unread source (a generator runs its `finally`); its own errors are not the caller's concern. */
async function closeSource(source: AsyncIterable<Uint8Array>): Promise<void> {
  try {
    await source[Symbol.asyncIterator]().return?.();
  } catch {
    // a source that cannot be closed is left to the garbage collector
  }
}

/** The `cause` of an injected failure, so tests can tell injected faults from real ones. */
export class InjectedFault extends Error {
  constructor(
    readonly action: FaultAction,
    readonly call: FaultCall,
  ) {
    super(`injected ${action} at call ${call.n} (${call.method} ${call.path})`);
    this.name = "InjectedFault";
  }
}
