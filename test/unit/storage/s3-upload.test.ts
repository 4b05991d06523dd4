import { InvalidArgumentError } from "../../../src/errors/argument-errors.js";
import { describe, expect, it } from "vitest";
import { MIN_PART_SIZE, PartReader, uploadStream } from "../../../src/storage/s3-upload.js";
import type { CompletedPart, MultipartTarget } from "../../../src/storage/s3-upload.js";

const MiB = 1024 * 1024;

/** A target that records calls and can be told to fail a part. */
class FakeTarget implements MultipartTarget {
  readonly calls: string[] = [];
  readonly parts = new Map<number, Uint8Array>();
  single: Uint8Array | undefined;
  completed: CompletedPart[] | undefined;
  inFlight = 0;
  maxInFlight = 0;
  failPart: number | undefined;
  readonly buffers = new Set<ArrayBufferLike>();

  async putSingle(body: Uint8Array): Promise<string> {
    this.calls.push(`single ${body.byteLength}`);
    this.single = body.slice();
    return '"single"';
  }
  async create(): Promise<string> {
    this.calls.push("create");
    return "upload-1";
  }
  async uploadPart(_id: string, partNumber: number, body: Uint8Array, signal?: AbortSignal): Promise<string> {
    this.inFlight++;
    this.buffers.add(body.buffer);
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, 2));
      signal?.throwIfAborted();
      if (partNumber === this.failPart) throw new Error(`part ${partNumber} failed`);
      this.parts.set(partNumber, body.slice());
      return `"etag-${partNumber}"`;
    } finally {
      this.inFlight--;
    }
  }
  async complete(_id: string, parts: CompletedPart[]): Promise<string> {
    this.calls.push(`complete ${parts.length}`);
    this.completed = parts;
    return '"multi-3"';
  }
  async abort(): Promise<void> {
    this.calls.push("abort");
  }
  tooLarge(): Error {
    return new Error("too large");
  }
  assembled(): Uint8Array {
    const ordered = [...this.parts.keys()].sort((a, b) => a - b).map((n) => this.parts.get(n)!);
    return Buffer.concat(ordered);
  }
}

/** `total` bytes with a position-dependent pattern, in chunks of `chunk` bytes (reused buffer). */
async function* pattern(total: number, chunk: number): AsyncGenerator<Uint8Array> {
  const buffer = new Uint8Array(chunk);
  for (let sent = 0; sent < total; sent += chunk) {
    const n = Math.min(chunk, total - sent);
    for (let i = 0; i < n; i++) buffer[i] = (sent + i) % 251;
    yield buffer.subarray(0, n); // the producer reuses its buffer: the upload must copy
  }
}

function expected(total: number): Uint8Array {
  return Uint8Array.from({ length: total }, (_, i) => i % 251);
}

describe("uploadStream", () => {
  it("sends a stream shorter than one part as a single put", async () => {
    const target = new FakeTarget();
    const etag = await uploadStream(target, pattern(1000, 300));
    expect(etag).toBe('"single"');
    expect(target.calls).toEqual(["single 1000"]);
    expect(target.single).toEqual(expected(1000));
  });

  it("sends an empty stream as an empty single put", async () => {
    const target = new FakeTarget();
    await uploadStream(target, pattern(0, 10));
    expect(target.calls).toEqual(["single 0"]);
  });

  it("cuts a long stream into full parts plus a short last one, completed in order", async () => {
    const target = new FakeTarget();
    const total = 3 * MIN_PART_SIZE + 12345;
    const etag = await uploadStream(target, pattern(total, 1_000_003), { partSize: MIN_PART_SIZE, concurrency: 2 });
    expect(etag).toBe('"multi-3"');
    expect(target.calls).toEqual(["create", "complete 4"]);
    expect(target.completed?.map((p) => p.PartNumber)).toEqual([1, 2, 3, 4]);
    expect(target.completed?.map((p) => p.ETag)).toEqual(['"etag-1"', '"etag-2"', '"etag-3"', '"etag-4"']);
    expect([...target.parts.values()].map((p) => p.byteLength)).toContain(12345);
    expect(Buffer.compare(target.assembled(), expected(total))).toBe(0);
  });

  it.each([1, 3])("keeps at most %i part(s) in flight", async (concurrency) => {
    const target = new FakeTarget();
    await uploadStream(target, pattern(8 * MIN_PART_SIZE, MiB), { partSize: MIN_PART_SIZE, concurrency });
    expect(target.maxInFlight).toBeLessThanOrEqual(concurrency);
    expect(target.completed).toHaveLength(8);
  });

  it.each([1, 2, 4])("allocates at most %i part buffer(s) for a 12-part upload, reusing uploaded ones", async (concurrency) => {
    const target = new FakeTarget();
    const total = 12 * MIN_PART_SIZE;
    await uploadStream(target, pattern(total, MiB), { partSize: MIN_PART_SIZE, concurrency });
    expect(target.buffers.size).toBeLessThanOrEqual(concurrency);
    expect(Buffer.compare(target.assembled(), expected(total))).toBe(0);
  });

  it("raises a part size below the S3 minimum to 5 MiB", async () => {
    const target = new FakeTarget();
    await uploadStream(target, pattern(MIN_PART_SIZE + 1, MiB), { partSize: 1024 });
    expect(target.completed).toHaveLength(2);
    expect(target.parts.get(1)?.byteLength).toBe(MIN_PART_SIZE);
  });

  it("aborts the upload and rethrows when a part fails", async () => {
    const target = new FakeTarget();
    target.failPart = 2;
    await expect(uploadStream(target, pattern(4 * MIN_PART_SIZE, MiB), { partSize: MIN_PART_SIZE })).rejects.toThrow("part 2 failed");
    expect(target.calls).toContain("abort");
    expect(target.calls.some((c) => c.startsWith("complete"))).toBe(false);
  });

  it("aborts the upload and closes the source when the source throws", async () => {
    const target = new FakeTarget();
    async function* broken() {
      yield new Uint8Array(MIN_PART_SIZE);
      throw new Error("producer broke");
    }
    await expect(uploadStream(target, broken(), { partSize: MIN_PART_SIZE })).rejects.toThrow("producer broke");
    expect(target.calls).toEqual(["create", "abort"]);
  });

  it("aborts the upload, closes the source and rethrows the signal's reason when aborted", async () => {
    const target = new FakeTarget();
    const controller = new AbortController();
    let closed = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) {
          if (i === 2) controller.abort(new Error("user abort"));
          yield new Uint8Array(MIN_PART_SIZE);
        }
      } finally {
        closed = true;
      }
    }
    await expect(uploadStream(target, endless(), { partSize: MIN_PART_SIZE, signal: controller.signal })).rejects.toThrow("user abort");
    expect(target.calls).toContain("abort");
    expect(closed).toBe(true);
  });

  it("refuses to start when the signal has already fired", async () => {
    const target = new FakeTarget();
    await expect(uploadStream(target, pattern(10, 10), { signal: AbortSignal.abort(new Error("early")) })).rejects.toThrow("early");
    expect(target.calls).toEqual([]);
  });
});

describe("PartReader", () => {
  it("splits chunks larger than a part and joins smaller ones", async () => {
    async function* chunks() {
      yield Uint8Array.from([1, 2, 3, 4, 5, 6, 7]);
      yield Uint8Array.from([8]);
      yield Uint8Array.from([9, 10]);
    }
    const reader = new PartReader(chunks()[Symbol.asyncIterator](), 3);
    const parts: number[][] = [];
    for (let part = await reader.next(); part !== undefined; part = await reader.next()) parts.push([...part]);
    expect(parts).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]);
  });

  it("refuses chunks that are not bytes", async () => {
    async function* strings() {
      yield "text" as unknown as Uint8Array;
    }
    await expect(new PartReader(strings()[Symbol.asyncIterator](), 3).next()).rejects.toThrow(InvalidArgumentError);
  });
});
