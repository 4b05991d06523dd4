import { describe, expect, it } from "vitest";
import { StoreRequestError, TransientError } from "../../../src/errors/storage-errors.js";
import { MAX_BLOCKS, PartAssembler, PartPool, blockId, uploadInBlocks } from "../../../src/storage/azure-upload.js";
import type { BlockUploadTarget } from "../../../src/storage/azure-upload.js";

/** An in-memory block blob that records requests and in-flight counts. */
class FakeBlob implements BlockUploadTarget {
  staged = new Map<string, Uint8Array>();
  committed: Uint8Array | undefined;
  wholeUploads = 0;
  stageCalls = 0;
  inFlight = 0;
  maxInFlight = 0;
  delayed = true;
  failStage: (index: number, attempt: number) => Error | undefined = () => undefined;
  private attempts = new Map<string, number>();

  async uploadWhole(data: Uint8Array): Promise<string> {
    this.wholeUploads++;
    this.committed = data.slice();
    return '"whole"';
  }

  async stageBlock(id: string, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    this.stageCalls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayed) await new Promise((r) => setTimeout(r, 1));
      signal?.throwIfAborted();
      const attempt = (this.attempts.get(id) ?? 0) + 1;
      this.attempts.set(id, attempt);
      const failure = this.failStage(this.staged.size, attempt);
      if (failure) throw failure;
      this.staged.set(id, data.slice());
    } finally {
      this.inFlight--;
    }
  }

  async commitBlocks(ids: string[]): Promise<string> {
    const parts = ids.map((id) => this.staged.get(id)!);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    this.committed = out;
    return '"committed"';
  }
}

const pattern = (n: number, seed = 0) => new Uint8Array(n).map((_, i) => (i * 7 + seed) % 251);

async function* chunksOf(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.byteLength; i += size) yield data.subarray(i, Math.min(data.byteLength, i + size));
}

const opts = (partSize: number, concurrency = 3, signal?: AbortSignal) => ({
  partSize,
  concurrency,
  signal,
  path: "big.bin",
  backend: "azure",
});

describe("uploadInBlocks", () => {
  it.each([
    ["an empty stream", 0],
    ["a stream smaller than one part", 999],
    ["a stream of exactly one part", 1000],
  ])("sends %s as one whole upload, staging nothing", async (_label, size) => {
    const blob = new FakeBlob();
    const data = pattern(size);
    const etag = await uploadInBlocks(blob, chunksOf(data, 300), opts(1000));
    expect(etag).toBe('"whole"');
    expect(blob.wholeUploads).toBe(1);
    expect(blob.stageCalls).toBe(0);
    expect(blob.committed).toEqual(data);
  });

  it("stages parts of exactly partSize (the last shorter), commits them in order", async () => {
    const blob = new FakeBlob();
    const data = pattern(10_500);
    const etag = await uploadInBlocks(blob, chunksOf(data, 777), opts(1000));
    expect(etag).toBe('"committed"');
    expect(blob.wholeUploads).toBe(0);
    expect([...blob.staged.values()].map((p) => p.byteLength)).toEqual([...Array(10).fill(1000), 500]);
    expect(blob.committed).toEqual(data);
  });

  it("stages two blocks when the stream is one part and a bit", async () => {
    const blob = new FakeBlob();
    const data = pattern(1001);
    await uploadInBlocks(blob, chunksOf(data, 1001), opts(1000));
    expect(blob.staged.size).toBe(2);
    expect(blob.committed).toEqual(data);
  });

  it("keeps at most `concurrency` blocks in flight", async () => {
    const blob = new FakeBlob();
    await uploadInBlocks(blob, chunksOf(pattern(50_000), 4096), opts(1000, 3));
    expect(blob.maxInFlight).toBeLessThanOrEqual(3);
    expect(blob.maxInFlight).toBeGreaterThan(1);
  });

  it("copies chunks, so a source that reuses its buffer uploads the right bytes", async () => {
    const blob = new FakeBlob();
    const reused = new Uint8Array(300);
    async function* source() {
      for (let i = 0; i < 10; i++) {
        reused.fill(i);
        yield reused;
      }
    }
    await uploadInBlocks(blob, source(), opts(1000));
    const expected = new Uint8Array(3000).map((_, i) => Math.floor(i / 300));
    expect(blob.committed).toEqual(expected);
  });

  it("retries a transient stage failure and completes", async () => {
    const blob = new FakeBlob();
    blob.failStage = (index, attempt) => (index === 2 && attempt === 1 ? new TransientError("big.bin", "azure", 1, true) : undefined);
    const data = pattern(5000);
    await uploadInBlocks(blob, chunksOf(data, 1000), opts(1000));
    expect(blob.committed).toEqual(data);
  });

  it("on a lasting failure: rejects with it, never commits, and stops reading the source", async () => {
    const blob = new FakeBlob();
    const failure = new StoreRequestError("big.bin", "azure", 400, "InvalidBlockList");
    blob.failStage = (index) => (index === 1 ? failure : undefined);
    let pulled = 0;
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; i < 1000; i++) {
          pulled++;
          yield pattern(1000, i);
        }
      } finally {
        closed = true;
      }
    }
    await expect(uploadInBlocks(blob, source(), opts(1000, 2))).rejects.toBe(failure);
    expect(blob.committed).toBeUndefined();
    expect(pulled).toBeLessThan(20);
    expect(closed).toBe(true);
  });

  it("on abort: rejects with the abort and never commits", async () => {
    const blob = new FakeBlob();
    const controller = new AbortController();
    async function* source() {
      for (let i = 0; i < 100; i++) {
        if (i === 5) controller.abort();
        yield pattern(1000, i);
      }
    }
    await expect(uploadInBlocks(blob, source(), opts(1000, 2, controller.signal))).rejects.toMatchObject({ name: "AbortError" });
    expect(blob.committed).toBeUndefined();
    expect(blob.wholeUploads).toBe(0);
  });

  it("refuses a stream that would need more than 50,000 blocks", async () => {
    const blob = new FakeBlob();
    blob.delayed = false;
    async function* source() {
      for (let i = 0; i <= MAX_BLOCKS; i++) yield new Uint8Array(1);
    }
    await expect(uploadInBlocks(blob, source(), opts(1, 64))).rejects.toBeInstanceOf(StoreRequestError);
    expect(blob.committed).toBeUndefined();
  });
});

describe("blockId", () => {
  it("gives ids of one length that differ by index and upload", () => {
    const ids = [blockId("0123456789abcdef", 0), blockId("0123456789abcdef", 49_999), blockId("fedcba9876543210", 0)];
    expect(new Set(ids.map((id) => id.length)).size).toBe(1);
    expect(new Set(ids).size).toBe(3);
  });
});

describe("PartAssembler and PartPool", () => {
  it("cuts across chunk boundaries into exact parts", () => {
    const assembler = new PartAssembler(4);
    const parts = [...assembler.push(Uint8Array.of(1, 2, 3)), ...assembler.push(Uint8Array.of(4, 5, 6, 7, 8, 9, 10))];
    expect(parts.map((p) => [...p])).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    expect([...(assembler.rest() ?? [])]).toEqual([9, 10]);
  });

  it("does not allocate a whole part for a small stream", () => {
    const pool = new PartPool(64 << 20);
    const assembler = new PartAssembler(64 << 20, pool);
    expect([...assembler.push(new Uint8Array(1000))]).toHaveLength(0);
    expect(assembler.rest()!.buffer.byteLength).toBeLessThan(1 << 20);
    expect(pool.allocated).toBe(0);
  });

  it("reuses released part buffers and ignores views of a short last part", () => {
    const pool = new PartPool(8);
    const a = pool.take();
    pool.release(a);
    expect(pool.take()).toBe(a);
    pool.release(a.subarray(0, 4));
    expect(pool.take()).not.toBe(a);
    expect(pool.allocated).toBe(2);
  });

  it("sends a long upload from at most concurrency + 1 distinct part buffers", async () => {
    const blob = new FakeBlob();
    const buffers = new Set<ArrayBufferLike>();
    const stage = blob.stageBlock.bind(blob);
    blob.stageBlock = (id, data, signal) => (buffers.add(data.buffer), stage(id, data, signal));
    const data = pattern(100_000);
    await uploadInBlocks(blob, chunksOf(data, 333), opts(1000, 3));
    expect(blob.committed).toEqual(data);
    expect(blob.stageCalls).toBe(100);
    expect(buffers.size).toBeLessThanOrEqual(4);
  });
});
