/**
 * Encoder threads: row groups encoded by parquet-wasm on worker threads, so that the main thread
 * prepares (partitions, collects statistics, serialises) the next row group while the previous one
 * is compressed.
 *
 * Each thread owns its own parquet-wasm instance and receives a row group as an Arrow IPC stream
 * (its buffer transferred, not copied) with plain writer settings; it answers with the encoded
 * one-row-group Parquet file (transferred back). Threads run the very functions the main thread
 * uses (`parquet-encode`), from their source text, so the code needs no separate build step and
 * works the same from TypeScript sources and compiled output.
 *
 * Memory: producers hand over row groups while the IPC bytes waiting for or being encoded stay
 * under a bound (`saturated`), and wait for their oldest result beyond it. Threads are started on first use and keep the process alive
 * only while they have work.
 */
import { InvalidArgumentError } from "../errors/argument-errors.js";
import { availableParallelism } from "node:os";
import { Worker, type parentPort as ParentPort } from "node:worker_threads";
import { ParquetMemoryError, ParquetWriteError } from "../errors/parquet-errors.js";
import { classifyWasmError, type EncodeSettings, encodeRowGroup, type ParquetWasmModule, type WasmFailure } from "./parquet-encode.js";
import { OUT_OF_MEMORY_HEAP, parquetWasmHeapLimit, parquetWasmModulePath } from "./parquet-wasm-runtime.js";

/** A job as posted to a thread. */
interface EncodeJob {
  id: number;
  ipc: Uint8Array;
  settings: EncodeSettings;
}

/** A thread's answer: the encoded file, or what went wrong. */
interface EncodeReply {
  id: number;
  bytes?: Uint8Array;
  failure?: { kind: WasmFailure["kind"]; message: string };
}

type Encode = typeof encodeRowGroup;
type Classify = typeof classifyWasmError;

/**
 * The body of an encoder thread. It runs from its source text (see {@link threadSource}): like the
 * functions it is given, it may use only its arguments.
 */
function encoderThread(
  req: NodeJS.Require,
  modulePath: string,
  heapLimit: number,
  oomHeap: number,
  encode: Encode,
  classify: Classify,
): void {
  const { parentPort } = req("node:worker_threads") as { parentPort: typeof ParentPort };
  let wasm: ParquetWasmModule | undefined;
  parentPort!.on("message", (job: EncodeJob) => {
    if (!wasm) {
      // a fresh instance (after a trap, or when the heap outgrew the limit) is a fresh require
      delete req.cache[modulePath];
      wasm = req(modulePath) as ParquetWasmModule;
    }
    const instance = wasm;
    try {
      const bytes = encode(instance, job.ipc, job.settings);
      parentPort!.postMessage({ id: job.id, bytes } satisfies EncodeReply, [bytes.buffer as ArrayBuffer]);
    } catch (err) {
      const failure = classify(err, instance.wasmMemory().buffer.byteLength, oomHeap);
      if (failure.kind !== "error") wasm = undefined;
      parentPort!.postMessage({ id: job.id, failure: { kind: failure.kind, message: failure.message } } satisfies EncodeReply);
    } finally {
      if (wasm && wasm.wasmMemory().buffer.byteLength > heapLimit) wasm = undefined;
    }
  });
}

/** The program an encoder thread runs. */
function threadSource(): string {
  const args = [
    JSON.stringify(parquetWasmModulePath()),
    String(parquetWasmHeapLimit()),
    String(OUT_OF_MEMORY_HEAP),
    encodeRowGroup.toString(),
    classifyWasmError.toString(),
  ];
  return `(${encoderThread.toString()})(require, ${args.join(", ")});`;
}

/** One worker thread and the jobs it has been given. */
class EncoderThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (bytes: Uint8Array) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  /** False once the thread has failed or exited: it takes no more jobs. */
  alive = true;

  constructor() {
    this.worker = new Worker(threadSource(), { eval: true, name: "lakelog parquet encoder" });
    this.worker.unref();
    this.worker.on("message", (reply: EncodeReply) => this.settle(reply));
    this.worker.on("error", (err) => this.fail(new ParquetWriteError(`a Parquet encoder thread failed: ${err.message}`, { cause: err })));
    this.worker.on("exit", (code) => this.fail(new ParquetWriteError(`a Parquet encoder thread exited (code ${code})`)));
  }

  /** Jobs given and not yet answered. */
  get load(): number {
    return this.pending.size;
  }

  run(ipc: Uint8Array, settings: EncodeSettings): Promise<Uint8Array> {
    const id = this.nextId++;
    // hand the buffer over when the view is all of it; otherwise post a copy
    const owned = ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength && ipc.buffer instanceof ArrayBuffer;
    const job: EncodeJob = { id, ipc, settings };
    const result = new Promise<Uint8Array>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    if (this.pending.size === 1) this.worker.ref();
    this.worker.postMessage(job, owned ? [ipc.buffer as ArrayBuffer] : []);
    return result;
  }

  terminate(): Promise<number> {
    this.alive = false;
    return this.worker.terminate();
  }

  private settle(reply: EncodeReply): void {
    const job = this.pending.get(reply.id);
    if (!job) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.bytes) job.resolve(reply.bytes);
    else {
      const failure = reply.failure ?? { kind: "error", message: "no result" };
      job.reject(
        failure.kind === "oom"
          ? new ParquetMemoryError("encoding a row group", { cause: new Error(failure.message) })
          : new ParquetWriteError(`the encoder failed: ${failure.message}`),
      );
    }
  }

  private fail(err: Error): void {
    this.alive = false;
    for (const job of this.pending.values()) job.reject(err);
    this.pending.clear();
    this.worker.unref();
  }
}

/** Encodes row groups on a fixed number of worker threads. */
export class ParquetEncoderPool {
  private readonly threads: EncoderThread[] = [];
  private queuedBytes = 0;
  /** Row groups handed to a thread so far (for tests and benchmarks). */
  handedOver = 0;

  /**
   * @param size threads (at least 1).
   * @param maxQueuedBytes IPC bytes handed over and not yet encoded beyond which the pool is
   *   {@link saturated}: producers should then wait for a result before handing over more.
   */
  constructor(
    readonly size: number,
    private readonly maxQueuedBytes = 64 * 1024 * 1024,
  ) {}

  /** True while the row groups handed over and not yet encoded reach the bound. */
  get saturated(): boolean {
    return this.queuedBytes >= this.maxQueuedBytes;
  }

  /** The Parquet file of one row group (see `encodeRowGroup`). `ipc`'s buffer may be handed over: do not use it afterwards. */
  async encode(ipc: Uint8Array, settings: EncodeSettings): Promise<Uint8Array> {
    const bytes = ipc.byteLength;
    this.queuedBytes += bytes;
    this.handedOver++;
    try {
      return await this.pick().run(ipc, settings);
    } finally {
      this.queuedBytes -= bytes;
    }
  }

  /** Stops every thread (jobs in progress fail). */
  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((t) => t.terminate()));
  }

  /** The live thread with the fewest jobs, starting one while there are fewer than `size`. */
  private pick(): EncoderThread {
    for (let i = this.threads.length - 1; i >= 0; i--) if (!this.threads[i]!.alive) this.threads.splice(i, 1);
    let best = this.threads[0];
    for (const t of this.threads) if (t.load < best!.load) best = t;
    if (!best || (best.load > 0 && this.threads.length < this.size)) {
      best = new EncoderThread();
      this.threads.push(best);
    }
    return best;
  }
}

let warned = false;

/** Threads used when {@link setParquetEncodeThreads} was not called: `LAKELOG_ENCODE_THREADS`, else cores − 1 (at most 4). */
function defaultThreads(): number {
  const env = process.env.LAKELOG_ENCODE_THREADS;
  if (env !== undefined && env.trim() !== "") {
    const n = Number(env);
    if (Number.isInteger(n) && n >= 0) return n;
    if (!warned)
      process.emitWarning(`LAKELOG_ENCODE_THREADS=${JSON.stringify(env)} is not a whole number >= 0; using the default`, {
        code: "LAKELOG_ENCODE_THREADS",
      });
    warned = true;
  }
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

let configured: number | undefined;
let pool: ParquetEncoderPool | undefined;

/** The shared pool, or undefined when encoding stays on the calling thread (0 threads). */
export function parquetEncoderPool(): ParquetEncoderPool | undefined {
  const threads = configured ?? defaultThreads();
  if (threads === 0) return undefined;
  if (!pool || pool.size !== threads) {
    void pool?.close();
    pool = new ParquetEncoderPool(threads);
  }
  return pool;
}

/**
 * Sets how many worker threads encode Parquet row groups for streamed writes (0: encode on the
 * calling thread; `undefined`: back to the default, `LAKELOG_ENCODE_THREADS` or cores − 1, at
 * most 4). Threads already running are stopped when the count changes.
 */
export function setParquetEncodeThreads(threads: number | undefined): void {
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 0))
    throw new InvalidArgumentError("encode threads", String(threads), "a whole number >= 0, or undefined for the default");
  configured = threads;
}
