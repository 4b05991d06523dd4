import { describe, expect, it } from "vitest";
import { CorruptDeletionVectorError, InvalidRowIndexError } from "../../../src/errors/dv-errors.js";
import { encodeDeletionVector } from "../../../src/dv/deletion-vector.js";
import { decodeDeletionVectorBitmap, deletionVectorBitmapCardinality } from "../../../src/dv/roaring.js";

const source = { location: "test.bin", offset: 1 };
const decode = (bytes: Uint8Array, cardinality: number) => [...decodeDeletionVectorBitmap(bytes, cardinality, source)];
const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ""), "hex"));

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function randomSet(count: number, below: number, seed: number): number[] {
  const next = random(seed);
  const set = new Set<number>();
  while (set.size < count) set.add(Math.floor(next() * below));
  return [...set].sort((a, b) => a - b);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Little-endian byte builder for hand-made bitmaps, written from the RoaringFormatSpec. */
class Bytes {
  private readonly out: number[] = [];
  u8(...values: number[]): this {
    this.out.push(...values);
    return this;
  }
  u16(...values: number[]): this {
    for (const v of values) this.out.push(v & 0xff, (v >>> 8) & 0xff);
    return this;
  }
  u32(...values: number[]): this {
    for (const v of values) this.u16(v & 0xffff, v >>> 16);
    return this;
  }
  get length(): number {
    return this.out.length;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

const MAGIC = 1681511377;

describe("encodeDeletionVector → decode round trip", () => {
  it.each([
    ["the empty set", []],
    ["row 0 alone", [0]],
    ["the last row of the first container and the first of the next", [65535, 65536]],
    ["sparse indexes (arrays)", randomSet(1000, 10_000_000, 1)],
    ["a dense container (bitmap)", randomSet(30_000, 65536, 2)],
    ["consecutive ranges (runs)", [...range(100, 5000), ...range(70_000, 140_000)]],
    ["a full container (one run)", range(0, 65536)],
    ["> 65536 indexes spread over many containers", randomSet(200_000, 2 ** 24, 3)],
    ["exactly 4096 values in a container (largest array)", randomSet(4096, 65536, 4)],
    ["4097 values in a container (smallest bitmap)", randomSet(4097, 65536, 5)],
    ["high 32-bit keys (several buckets)", [0, 5, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 7, 2 ** 33 + 65536, 2 ** 40, 2 ** 53 - 1]],
    [
      "every container kind in one bitmap",
      [...randomSet(10, 65536, 6), ...range(65536, 65536 + 3000), ...randomSet(20_000, 65536, 7).map((v) => v + 2 * 65536)],
    ],
  ])("round-trips %s", (_name, values) => {
    const bytes = encodeDeletionVector(values);
    expect(decode(bytes, values.length)).toEqual(values);
    expect(deletionVectorBitmapCardinality(bytes, source)).toBe(values.length);
  });

  it("returns a Uint32Array below 2^32 and a Float64Array above", () => {
    expect(decodeDeletionVectorBitmap(encodeDeletionVector([1, 2]), 2, source)).toBeInstanceOf(Uint32Array);
    expect(decodeDeletionVectorBitmap(encodeDeletionVector([1, 2 ** 32]), 2, source)).toBeInstanceOf(Float64Array);
  });

  it("accepts any order and duplicates, and typed arrays", () => {
    const bytes = encodeDeletionVector([9, 0, 9, 3]);
    expect(decode(bytes, 3)).toEqual([0, 3, 9]);
    expect(encodeDeletionVector(new Float64Array([0, 3, 9]))).toEqual(bytes);
    expect(encodeDeletionVector(new Uint32Array([0, 3, 9]))).toEqual(bytes);
  });

  it.each([[-1], [1.5], [2 ** 53], [NaN]])("refuses the row index %d", (bad) => {
    expect(() => encodeDeletionVector([1, bad])).toThrow(InvalidRowIndexError);
  });
});

describe("encodeDeletionVector container choice", () => {
  it("writes Spark's exact bytes for {0, 9} (an array container, table-with-dv-small)", () => {
    const spark = hex("d1d33964 0100000000000000 00000000 3a300000 01000000 0000 0100 10000000 0000 0900");
    expect(encodeDeletionVector([0, 9])).toEqual(spark);
  });

  it("writes Spark's exact bytes for {0,1,2,3,4,6} (a run container, cdf-table-with-cdc-and-dvs)", () => {
    const spark = hex("d1d33964 0100000000000000 00000000 3b300000 01 0000 0500 0200 0000 0400 0600 0000");
    expect(encodeDeletionVector([0, 1, 2, 3, 4, 6])).toEqual(spark);
  });

  it.each([
    ["sparse values as an array (2 bytes each)", randomSet(100, 65536, 8), 12 + 4 + 16 + 200],
    ["4097 scattered values as an 8 KiB bitmap", randomSet(4097, 65536, 9), 12 + 4 + 16 + 8192],
    ["a full container as one run", range(0, 65536), 12 + 4 + 4 + 1 + 4 + 6],
  ])("stores %s", (_name, values, size) => {
    expect(encodeDeletionVector(values)).toHaveLength(size);
  });

  it("writes the offset header with runs from 4 containers on", () => {
    const values = [...range(0, 10), 65536, 2 * 65536, 3 * 65536];
    // cookie 4, run flags 1, headers 16, offsets 16, run container 6, three single-value arrays 6
    expect(encodeDeletionVector(values)).toHaveLength(12 + 4 + 4 + 1 + 16 + 16 + 6 + 6);
  });
});

describe("decodeDeletionVectorBitmap on hand-made bytes", () => {
  it("reads a 12347 bitmap with 4 containers (offset header present): run, array, bitmap, run", () => {
    const b = new Bytes().u32(MAGIC).u32(1, 0).u32(0); // one bucket, key 0
    const bitset = new Uint8Array(8192);
    const bitmapValues = range(0, 5000).map((i) => i * 13);
    for (const v of bitmapValues) bitset[v >> 3] = bitset[v >> 3]! | (1 << (v & 7));
    b.u32(12347 | (3 << 16)).u8(0b1001); // containers 0 and 3 are runs
    b.u16(0, 9, 1, 1, 2, 4999, 5, 65535); // keys and cardinality - 1
    const start = b.length + 16 - 12 - 4; // offsets count from the cookie
    b.u32(start, start + 6, start + 10, start + 8202);
    b.u16(1, 10, 9); // run 10..19
    b.u16(3, 7); // array
    b.u8(...bitset);
    b.u16(1, 0, 65535); // full run
    const expected = [...range(10, 20), 65536 + 3, 65536 + 7, ...bitmapValues.map((v) => 2 * 65536 + v), ...range(5 * 65536, 6 * 65536)];
    expect(decode(b.bytes(), expected.length)).toEqual(expected);
  });

  it("reads a 12346 bitmap with two buckets, the second holding indexes above 2^32", () => {
    const b = new Bytes().u32(MAGIC).u32(2, 0);
    b.u32(0).u32(12346, 1).u16(0, 0).u32(16).u16(42);
    b.u32(3).u32(12346, 1).u16(2, 1).u32(16).u16(1, 2);
    expect(decode(b.bytes(), 3)).toEqual([42, 3 * 2 ** 32 + 2 * 65536 + 1, 3 * 2 ** 32 + 2 * 65536 + 2]);
  });

  it("reads empty buckets (Spark's bitmap arrays may keep them)", () => {
    const b = new Bytes().u32(MAGIC).u32(2, 0);
    b.u32(0).u32(12346, 0);
    b.u32(1).u32(12346, 1).u16(0, 0).u32(16).u16(5);
    expect(decode(b.bytes(), 1)).toEqual([2 ** 32 + 5]);
  });

  it("reads the protocol's inline example in the older native layout: rows 3, 4, 7, 11, 18, 29", () => {
    const bytes = hex("6439d3d0 00000001 0000001c 3a300000 01000000 0000 0500 10000000 0300 0400 0700 0b00 1200 1d00");
    expect(decode(bytes, 6)).toEqual([3, 4, 7, 11, 18, 29]);
  });

  const valid = () => new Bytes().u32(MAGIC).u32(1, 0).u32(0).u32(12346, 1).u16(0, 1).u32(16);
  it.each([
    ["a wrong magic number", new Bytes().u32(123).u32(0, 0).bytes(), 0, /magic number 123/],
    ["a truncated bitmap", valid().u16(4).bytes(), 2, /runs past the end/],
    ["trailing bytes", valid().u16(4, 5, 6).bytes(), 2, /ends at byte 36 but 38/],
    [
      "a cardinality other than the descriptor's",
      valid().u16(4, 5).bytes(),
      3,
      /holds 2 row indexes but the descriptor's cardinality is 3/,
    ],
    ["an array that is not ascending", valid().u16(5, 4).bytes(), 2, /not strictly ascending/],
    ["an unknown cookie", new Bytes().u32(MAGIC).u32(1, 0).u32(0).u32(999).bytes(), 0, /cookie 999/],
    [
      "container keys out of order",
      new Bytes().u32(MAGIC).u32(1, 0).u32(0).u32(12346, 2).u16(1, 0, 0, 0).u32(24, 26).u16(1, 1).bytes(),
      2,
      /container keys are not ascending/,
    ],
    [
      "bucket keys out of order",
      new Bytes().u32(MAGIC).u32(2, 0).u32(1).u32(12346, 0).u32(0).u32(12346, 0).bytes(),
      0,
      /bucket keys are not ascending/,
    ],
    [
      "a bucket key beyond 2^53",
      new Bytes()
        .u32(MAGIC)
        .u32(1, 0)
        .u32(2 ** 21)
        .u32(12346, 0)
        .bytes(),
      0,
      /beyond 2\^53/,
    ],
    ["an implausible bucket count", new Bytes().u32(MAGIC).u32(0, 1).bytes(), 0, /implausible bucket count/],
    ["overlapping runs", new Bytes().u32(MAGIC).u32(1, 0).u32(0).u32(12347).u8(1).u16(0, 3).u16(2, 5, 1, 3, 1).bytes(), 4, /overlapping/],
    [
      "runs longer than the cardinality",
      new Bytes().u32(MAGIC).u32(1, 0).u32(0).u32(12347).u8(1).u16(0, 1).u16(1, 5, 3).bytes(),
      2,
      /more values than its cardinality/,
    ],
  ])("refuses %s", (_name, bytes, cardinality, reason) => {
    const error = (() => {
      try {
        decodeDeletionVectorBitmap(bytes, cardinality, source);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(CorruptDeletionVectorError);
    expect((error as CorruptDeletionVectorError).reason).toMatch(reason);
    expect((error as CorruptDeletionVectorError).location).toBe("test.bin");
  });

  it("refuses a bitmap container whose bits disagree with its cardinality", () => {
    const b = new Bytes().u32(MAGIC).u32(1, 0).u32(0).u32(12346, 1).u16(0, 4999).u32(16);
    const bitset = new Uint8Array(8192).fill(0xff); // 65536 bits set, 5000 declared
    const bytes = Uint8Array.from([...b.bytes(), ...bitset]);
    expect(() => decodeDeletionVectorBitmap(bytes, 5000, source)).toThrow(/more bits set than its cardinality 5000/);
    bitset.fill(0);
    const sparse = Uint8Array.from([...b.bytes(), ...bitset]);
    expect(() => decodeDeletionVectorBitmap(sparse, 5000, source)).toThrow(/fewer bits set/);
  });
});
