/**
 * Owns the parquet-wasm instance the engine uses.
 *
 * lakelog calls parquet-wasm only through synchronous functions (`readParquet`, `readSchema`,
 * `writeParquet`, `Table.fromIPCStream`) and never keeps a WASM object alive across an `await`.
 * That makes the instance replaceable between calls, which this module uses twice:
 * - after a WASM trap (a Rust panic surfaces as `WebAssembly.RuntimeError`) the instance may be
 *   inconsistent, so it is dropped and the next call loads a fresh one;
 * - the WASM heap only grows (to a hard 4 GiB cap), so when a call leaves it larger than
 *   {@link setParquetWasmHeapLimit} allows, the instance is dropped and its memory reclaimed.
 *
 * The asynchronous parquet-wasm API (`ParquetFile`, `transformParquetStream`) is deliberately not
 * used: in 0.8.0 a failed range read or a corrupt page inside it panics in a detached task, which
 * is an uncaught exception that ends the Node process (see `spec/notes/parquet-wasm.md`).
 */
import { createRequire } from "node:module";
import { classifyWasmError, type ParquetWasmModule, type WasmFailure } from "./parquet-encode.js";

export type { ParquetWasmModule, WasmFailure };

const require = createRequire(import.meta.url);
let modulePath: string | undefined;
let current: ParquetWasmModule | undefined;
let heapLimit = 1024 * 1024 * 1024;
let loads = 0;

/** The resolved path of parquet-wasm's Node build (what encoder threads load). */
export function parquetWasmModulePath(): string {
  return (modulePath ??= require.resolve("parquet-wasm"));
}

/** The heap size above which an instance is replaced after a call; see {@link setParquetWasmHeapLimit}. */
export function parquetWasmHeapLimit(): number {
  return heapLimit;
}

/** WASM memory of this size or more when a trap happens means the trap was an allocation failure. */
export const OUT_OF_MEMORY_HEAP = 3.5 * 1024 * 1024 * 1024;

function load(): ParquetWasmModule {
  const path = parquetWasmModulePath();
  // parquet-wasm's Node build is CommonJS and instantiates its WASM at load time: removing it from
  // the require cache and requiring it again yields an independent instance with a fresh heap.
  delete require.cache[path];
  loads++;
  return require(path) as ParquetWasmModule;
}

/**
 * Runs `fn` against the parquet-wasm instance (loading it on first use) and returns its result.
 * `fn` must be synchronous and free every WASM object it creates. A failure is passed to
 * `onFailure`, whose return value is thrown; after a trap the instance is discarded first. After
 * every call the instance is discarded if its heap exceeds the limit.
 */
export function runParquetWasm<T>(fn: (wasm: ParquetWasmModule) => T, onFailure: (failure: WasmFailure) => Error): T {
  const wasm = (current ??= load());
  try {
    return fn(wasm);
  } catch (err) {
    const failure = classifyWasmError(err, parquetWasmHeapBytes(), OUT_OF_MEMORY_HEAP);
    if (failure.kind !== "error") current = undefined;
    throw onFailure(failure);
  } finally {
    if (current && parquetWasmHeapBytes() > heapLimit) current = undefined;
  }
}

/** Bytes of linear memory held by the current instance (0 before the first call). */
export function parquetWasmHeapBytes(): number {
  return current ? current.wasmMemory().buffer.byteLength : 0;
}

/**
 * Sets the heap size above which the instance is replaced after a call (default 1 GiB). A lower
 * limit returns memory sooner at the cost of reloading (about 10–30 ms) and regrowing the heap.
 */
export function setParquetWasmHeapLimit(bytes: number): void {
  heapLimit = bytes;
}

/** Drops the current instance now; the next call loads a fresh one. */
export function resetParquetWasm(): void {
  current = undefined;
}

/** How many instances have been loaded so far (for tests and benchmarks). */
export function parquetWasmLoadCount(): number {
  return loads;
}
