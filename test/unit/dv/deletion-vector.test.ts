import { InvalidArgumentError } from "../../../src/errors/argument-errors.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import {
  CorruptDeletionVectorError,
  DeletionVectorOutsideTableError,
  InvalidDeletionVectorDescriptorError,
  InvalidRowIndexError,
} from "../../../src/errors/dv-errors.js";
import { NotFoundError } from "../../../src/errors/storage-errors.js";
import type { DeletionVectorDescriptor } from "../../../src/log/actions.js";
import {
  DeletedRows,
  encodeDeletionVector,
  inlineDescriptor,
  loadDeletionVector,
  resolveDeletionVectorKey,
  writeDeletionVectorFile,
} from "../../../src/dv/deletion-vector.js";
import { CountingStore } from "../../../src/storage/counting-store.js";
import { LocalStore } from "../../../src/storage/local-store.js";
import { MemoryStore } from "../../../src/storage/memory-store.js";

let bucketCounter = 0;
const freshStore = () => new CountingStore(new MemoryStore({ bucket: `dv-test-${process.pid}-${bucketCounter++}`, prefix: "tables/t1" }));
const load = async (store: CountingStore, d: DeletionVectorDescriptor) => [...(await loadDeletionVector(store, d))];

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

const sets = [[0, 9], [3], Array.from({ length: 5000 }, (_, i) => i * 3), [7, 2 ** 32 + 1]];

describe("writeDeletionVectorFile and loadDeletionVector", () => {
  it("writes one file of framed DVs whose descriptors load back to the same rows", async () => {
    const store = freshStore();
    const descriptors = await writeDeletionVectorFile(
      store,
      sets.map((s) => encodeDeletionVector(s)),
    );
    expect(store.counters.put).toBe(1);
    expect(descriptors.map((d) => d.cardinality)).toEqual(sets.map((s) => s.length));
    expect(new Set(descriptors.map((d) => d.pathOrInlineDv)).size).toBe(1);
    expect(descriptors[0]).toMatchObject({ storageType: "u", offset: 1 });
    for (const [i, d] of descriptors.entries()) expect(await load(store, d)).toEqual(sets[i]);
  });

  it("lays the file out as the protocol says: version 1, then big-endian size, bitmap, big-endian CRC-32", async () => {
    const store = freshStore();
    const vectors = [encodeDeletionVector([0, 9]), encodeDeletionVector([1, 2, 3])];
    const descriptors = await writeDeletionVectorFile(store, vectors);
    const key = resolveDeletionVectorKey(descriptors[0]!, store.rootUrl);
    expect(key).toMatch(/^deletion_vector_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.bin$/);
    const file = await store.get(key);
    const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
    expect(file[0]).toBe(1);
    let pos = 1;
    for (const [i, vector] of vectors.entries()) {
      expect(descriptors[i]!.offset).toBe(pos);
      expect(descriptors[i]!.sizeInBytes).toBe(vector.length);
      expect(view.getUint32(pos, false)).toBe(vector.length);
      expect(file.subarray(pos + 4, pos + 4 + vector.length)).toEqual(vector);
      expect(view.getUint32(pos + 4 + vector.length, false)).toBe(crc32(vector));
      pos += vector.length + 8;
    }
    expect(file.length).toBe(pos);
  });

  it("reads one range per DV, never the whole file (the first DV's range includes the version byte)", async () => {
    const store = freshStore();
    const vectors = sets.map((s) => encodeDeletionVector(s));
    const descriptors = await writeDeletionVectorFile(store, vectors);
    store.reset();
    await loadDeletionVector(store, descriptors[0]!);
    expect(store.reset()).toMatchObject({ get: 1, bytesRead: 1 + vectors[0]!.length + 8 });
    await loadDeletionVector(store, descriptors[2]!);
    expect(store.reset()).toMatchObject({ get: 1, bytesRead: vectors[2]!.length + 8 });
  });

  it("places the file under a random prefix and recovers it from the descriptor", async () => {
    const store = freshStore();
    const [d] = await writeDeletionVectorFile(store, [encodeDeletionVector([4])], { prefix: "ab" });
    expect(d!.pathOrInlineDv).toHaveLength(22);
    expect(d!.pathOrInlineDv.startsWith("ab")).toBe(true);
    expect(resolveDeletionVectorKey(d!, store.rootUrl)).toMatch(/^ab\/deletion_vector_.*\.bin$/);
    expect(await load(store, d!)).toEqual([4]);
  });

  it("refuses a prefix that is not letters and digits, and writes nothing for no vectors", async () => {
    const store = freshStore();
    await expect(writeDeletionVectorFile(store, [encodeDeletionVector([1])], { prefix: "../x" })).rejects.toThrow(InvalidArgumentError);
    expect(await writeDeletionVectorFile(store, [])).toEqual([]);
    expect(store.counters.put).toBe(0);
  });

  it("refuses bytes that are not a DV bitmap", async () => {
    const error = await rejection(writeDeletionVectorFile(freshStore(), [new Uint8Array([1, 2, 3, 4])]));
    expect(error).toBeInstanceOf(CorruptDeletionVectorError);
  });

  it("treats a missing offset as 1 (the first DV in its file)", async () => {
    const store = freshStore();
    const [d] = await writeDeletionVectorFile(store, [encodeDeletionVector([5, 6])]);
    const { offset: _offset, ...withoutOffset } = d!;
    expect(await load(store, withoutOffset)).toEqual([5, 6]);
    expect(await load(store, { ...withoutOffset, offset: null as unknown as undefined })).toEqual([5, 6]);
  });
});

describe("inline deletion vectors", () => {
  it.each([[[3]], [[0, 9]], [[0, 1, 4, 5]], [Array.from({ length: 300 }, (_, i) => i * 7)]])(
    "round-trips %j through the log without I/O",
    async (rows) => {
      const store = freshStore();
      const bytes = encodeDeletionVector(rows);
      const d = inlineDescriptor(bytes);
      expect(d).toMatchObject({ storageType: "i", sizeInBytes: bytes.length, cardinality: rows.length });
      expect(d.offset).toBeUndefined();
      expect(await load(store, d)).toEqual(rows);
      expect(store.counters.get).toBe(0);
    },
  );

  it.each([
    ["bad Z85", { pathOrInlineDv: "abc~e", sizeInBytes: 4 }, /not Z85/],
    ["a sizeInBytes larger than the text", { sizeInBytes: 40 }, /bytes decoded but sizeInBytes is 40/],
    ["a wrong cardinality", { cardinality: 5 }, /cardinality is 5/],
  ])("reports %s as a corrupt inline DV", async (_name, change, reason) => {
    const d = { ...inlineDescriptor(encodeDeletionVector([0, 9])), ...change };
    const error = await rejection(loadDeletionVector(freshStore(), d));
    expect(error).toBeInstanceOf(CorruptDeletionVectorError);
    expect((error as CorruptDeletionVectorError).location).toBe("inline");
    expect((error as CorruptDeletionVectorError).reason).toMatch(reason);
  });
});

describe("absolute-path (p) deletion vectors", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("loads a p DV under the table root, in every spelling of a local path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lakelog-dv-"));
    dirs.push(dir);
    const store = new CountingStore(new LocalStore(dir));
    const [u] = await writeDeletionVectorFile(store, [encodeDeletionVector([2, 79])]);
    const key = resolveDeletionVectorKey(u!, store.rootUrl);
    for (const path of [`file://${dir}/${key}`, `file:${dir}/${key}`, `${dir}/${key}`]) {
      expect(await load(store, { ...u!, storageType: "p", pathOrInlineDv: path })).toEqual([2, 79]);
    }
  });

  it("loads a p DV on a prefixed store and refuses one outside the table", async () => {
    const store = freshStore();
    const [u] = await writeDeletionVectorFile(store, [encodeDeletionVector([1])]);
    const key = resolveDeletionVectorKey(u!, store.rootUrl);
    expect(await load(store, { ...u!, storageType: "p", pathOrInlineDv: `${store.rootUrl}/${key}` })).toEqual([1]);
    const outside = { ...u!, storageType: "p" as const, pathOrInlineDv: `s3://elsewhere/${key}` };
    const error = await rejection(loadDeletionVector(store, outside));
    expect(error).toBeInstanceOf(DeletionVectorOutsideTableError);
    expect(store.counters.get).toBe(1);
  });
});

describe("loadDeletionVector refuses what does not match its descriptor", () => {
  async function written() {
    const store = freshStore();
    const [d] = await writeDeletionVectorFile(store, [encodeDeletionVector([0, 9]), encodeDeletionVector([1])]);
    const key = resolveDeletionVectorKey(d!, store.rootUrl);
    return { store, d: d!, key, file: await store.get(key) };
  }

  it.each([
    ["a flipped bitmap byte", (f: Uint8Array) => (f[30] = f[30]! ^ 1), /CRC-32 mismatch/],
    ["a wrong version byte", (f: Uint8Array) => (f[0] = 2), /format version byte 2, expected 1/],
    [
      "a size prefix other than sizeInBytes",
      (f: Uint8Array) => (f[4] = 35),
      /size prefix says 35 bytes but the descriptor's sizeInBytes is 36/,
    ],
  ])("%s", async (_name, damage, reason) => {
    const { store, d, key, file } = await written();
    damage(file);
    await store.put(key, file);
    const error = await rejection(loadDeletionVector(store, d));
    expect(error).toBeInstanceOf(CorruptDeletionVectorError);
    expect(error).toMatchObject({ location: key, offset: 1 });
    expect((error as CorruptDeletionVectorError).reason).toMatch(reason);
    expect((error as Error).message).toContain(key);
  });

  it("a truncated file", async () => {
    const { store, d, key, file } = await written();
    await store.put(key, file.subarray(0, 20));
    await expect(loadDeletionVector(store, d)).rejects.toThrow(/file ends early: 20 of 45 bytes/);
  });

  it("a cardinality other than the bitmap's", async () => {
    const { store, d } = await written();
    await expect(loadDeletionVector(store, { ...d, cardinality: 3 })).rejects.toThrow(CorruptDeletionVectorError);
  });

  it("a missing file (the store's NotFoundError passes through)", async () => {
    const { store, d } = await written();
    await expect(loadDeletionVector(store, { ...d, pathOrInlineDv: "0000000000000000000" + "0" })).rejects.toThrow(NotFoundError);
  });

  it.each([
    ["an unknown storage type", { storageType: "x" }, /storageType must be u, i or p/],
    ["a u path shorter than a UUID", { pathOrInlineDv: "abc" }, /shorter than the 20-character/],
    ["a u path with a bad UUID", { pathOrInlineDv: "~~~~~~~~~~~~~~~~~~~~" }, /bad encoded UUID/],
    ["offset 0", { offset: 0 }, /offset 0 is not an integer of at least 1/],
    ["a negative cardinality", { cardinality: -1 }, /cardinality -1/],
    ["a fractional size", { sizeInBytes: 3.5 }, /sizeInBytes 3.5/],
  ])("refuses a descriptor with %s", async (_name, change, reason) => {
    const { store, d } = await written();
    const error = await rejection(loadDeletionVector(store, { ...d, ...change } as DeletionVectorDescriptor));
    expect(error).toBeInstanceOf(InvalidDeletionVectorDescriptorError);
    expect((error as Error).message).toMatch(reason);
  });

  it("stops before any I/O when the signal has fired", async () => {
    const { store, d } = await written();
    store.reset();
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(loadDeletionVector(store, d, { signal: controller.signal }));
    expect((error as Error).name).toBe("AbortError");
    expect(store.counters.get).toBe(0);
  });
});

describe("DeletedRows", () => {
  const deleted = DeletedRows.from([7, 2, 2, 9, 4]);

  it("sorts and de-duplicates, and answers membership", () => {
    expect([...deleted]).toEqual([2, 4, 7, 9]);
    expect(deleted.cardinality).toBe(4);
    expect(deleted.maxRowIndex).toBe(9);
    expect([2, 3, 9, 10].map((i) => deleted.has(i))).toEqual([true, false, true, false]);
    expect(DeletedRows.EMPTY.maxRowIndex).toBeUndefined();
  });

  it("builds keep masks batch by batch", () => {
    expect([...deleted.keepMask(0, 5)]).toEqual([1, 1, 0, 1, 0]);
    expect([...deleted.keepMask(5, 5)]).toEqual([1, 1, 0, 1, 0]);
    expect([...deleted.keepMask(10, 3)]).toEqual([1, 1, 1]);
    expect([...DeletedRows.EMPTY.keepMask(0, 2)]).toEqual([1, 1]);
    expect(deleted.countIn(0, 5)).toBe(2);
    expect(deleted.countIn(3, 100)).toBe(3);
  });

  it("works past 2^32", () => {
    const wide = DeletedRows.from([2 ** 32 + 1, 5]);
    expect(wide.indexes).toBeInstanceOf(Float64Array);
    expect([...wide.keepMask(2 ** 32, 3)]).toEqual([1, 0, 1]);
  });

  it("unions two sets (a DELETE extending an existing DV)", () => {
    const more = DeletedRows.from([1, 4, 2 ** 40]);
    expect([...deleted.union(more)]).toEqual([1, 2, 4, 7, 9, 2 ** 40]);
    expect(deleted.union(DeletedRows.EMPTY)).toBe(deleted);
    expect(DeletedRows.EMPTY.union(deleted)).toBe(deleted);
  });

  it("encodes straight from a DeletedRows", () => {
    expect(encodeDeletionVector(deleted)).toEqual(encodeDeletionVector([2, 4, 7, 9]));
  });

  it("refuses out-of-order input to fromSorted and invalid indexes", () => {
    expect(() => DeletedRows.fromSorted(new Uint32Array([3, 2]))).toThrow(InvalidRowIndexError);
    expect(() => DeletedRows.from([0.5])).toThrow(InvalidRowIndexError);
  });
});
