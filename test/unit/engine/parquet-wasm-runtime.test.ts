import { createRequire } from "node:module";
import type * as Arrow from "apache-arrow";
import { RecordBatchStreamWriter } from "apache-arrow";
import { afterEach, describe, expect, it } from "vitest";
import {
  parquetWasmHeapBytes,
  parquetWasmLoadCount,
  runParquetWasm,
  setParquetWasmHeapLimit,
  type WasmFailure,
} from "../../../src/engine/parquet-wasm-runtime.js";

const failure = (f: WasmFailure) => Object.assign(new Error(f.message), { kind: f.kind });
const healthy = () => runParquetWasm((w) => w.Table.fromIPCStream(new Uint8Array(8)), failure);

/** IPC bytes that make the Rust side trap: this module's IPC writer fed another apache-arrow copy's batch. */
function trappingIpc(): Uint8Array {
  const cjs = createRequire(import.meta.url)("apache-arrow") as typeof Arrow;
  const foreign = cjs.tableFromArrays({ a: Int32Array.from([1, 2, 3]), s: ["x", "y", "z"] }).batches[0];
  return RecordBatchStreamWriter.writeAll([foreign as never]).toUint8Array(true);
}

describe("parquet-wasm runtime", () => {
  afterEach(() => setParquetWasmHeapLimit(1024 * 1024 * 1024));

  it("reports a library error as kind `error` and keeps the instance", () => {
    expect(healthy).toThrow(expect.objectContaining({ kind: "error" }));
    const loads = parquetWasmLoadCount();
    expect(healthy).toThrow();
    expect(parquetWasmLoadCount()).toBe(loads);
  });

  it("discards the instance after a trap; the next call gets a fresh, working one", () => {
    const ipc = trappingIpc();
    expect(() => runParquetWasm((w) => w.writeParquet(w.Table.fromIPCStream(ipc)), failure)).toThrow(
      expect.objectContaining({ kind: "trap" }),
    );
    const loads = parquetWasmLoadCount();
    expect(healthy).toThrow(expect.objectContaining({ kind: "error" }));
    expect(parquetWasmLoadCount()).toBe(loads + 1);
  });

  it("replaces an instance whose heap grew past the limit", () => {
    expect(healthy).toThrow();
    setParquetWasmHeapLimit(1);
    const loads = parquetWasmLoadCount();
    expect(healthy).toThrow();
    expect(parquetWasmHeapBytes()).toBe(0);
    expect(healthy).toThrow();
    expect(parquetWasmLoadCount()).toBe(loads + 1);
  });
});
