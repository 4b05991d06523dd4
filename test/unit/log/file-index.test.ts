import { describe, expect, it } from "vitest";
import type { AddFile, DeletionVectorDescriptor } from "../../../src/log/actions.js";
import { FileIndexBuilder, type FileIndex } from "../../../src/log/file-index.js";

const add = (path: string, extra: Partial<AddFile> = {}): AddFile => ({
  path,
  partitionValues: {},
  size: 10,
  modificationTime: 1,
  dataChange: true,
  ...extra,
});

const files = (index: FileIndex) => [...index].map((f) => [f.path, f.size]);

describe("FileIndexBuilder", () => {
  it.each([
    ["with a size hint", 1_000],
    ["without a size hint", undefined],
  ])("keeps files in add order and compacts nothing when nothing was replaced (%s)", (_, hint) => {
    const builder = new FileIndexBuilder();
    if (hint !== undefined) builder.reserve(hint);
    builder.add("a", add("a", { size: 1, stats: '{"numRecords":1}' }));
    builder.add("b", add("b", { size: 2, tags: { t: "v" } }));
    const index = builder.build();
    expect(files(index)).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    expect(index.stats(0)).toBe('{"numRecords":1}');
    expect(index.stats(1)).toBeUndefined();
    expect(index.addFile(1).tags).toEqual({ t: "v" });
  });

  it("lets a later add of a key replace the earlier one, and a remove delete it", () => {
    const builder = new FileIndexBuilder();
    builder.add("a", add("a", { size: 1 }));
    builder.add("b", add("b", { size: 2, dataChange: false }));
    builder.add("a", add("a", { size: 3 }));
    builder.remove("b");
    builder.remove("missing");
    builder.add("c", add("c", { size: 4 }));
    expect(builder.count).toBe(2);
    const index = builder.build();
    expect(files(index)).toEqual([
      ["a", 3],
      ["c", 4],
    ]);
    // the removed file's side-map entry does not leak onto another file
    expect(index.addFile(0).dataChange).toBe(true);
    expect(index.addFile(1).dataChange).toBe(true);
  });

  it("reports dataChange true for an active file whose add said false (the flag belongs to the commit)", () => {
    const builder = new FileIndexBuilder();
    builder.add("a", add("a", { dataChange: false }));
    const index = builder.build();
    expect(index.addFile(0).dataChange).toBe(true);
  });

  it("moves the rare fields with their file when the index is compacted", () => {
    const dv: DeletionVectorDescriptor = { storageType: "u", pathOrInlineDv: "ab", offset: 1, sizeInBytes: 4, cardinality: 2 };
    const builder = new FileIndexBuilder();
    builder.add("x", add("x"));
    builder.add("x", add("x", { size: 20 }));
    builder.add("y\u0000uab@1", add("y", { deletionVector: dv, baseRowId: 7 }));
    const index = builder.build();
    expect(files(index)).toEqual([
      ["x", 20],
      ["y", 10],
    ]);
    expect(index.deletionVector(1)).toEqual(dv);
    expect(index.addFile(1).baseRowId).toBe(7);
    expect(index.deletionVector(0)).toBeUndefined();
  });

  it("keys files by the replay key, not the path", () => {
    const builder = new FileIndexBuilder();
    builder.add("f", add("f"));
    builder.add("f\u0000dv1", add("f", { size: 2 }));
    builder.add("a b", add("a%20b"));
    builder.add("a b", add("a%20b", { size: 3 }));
    expect(files(builder.build())).toEqual([
      ["f", 10],
      ["f", 2],
      ["a%20b", 3],
    ]);
  });

  it("brings a removed key back with a later add and counts it once", () => {
    const builder = new FileIndexBuilder();
    builder.add("a", add("a", { size: 1 }));
    builder.remove("a");
    builder.add("a", add("a", { size: 2 }));
    builder.add("a", add("a", { size: 3 }));
    expect(builder.count).toBe(1);
    expect(files(builder.build())).toEqual([["a", 3]]);
  });

  it("grows past its size hint", () => {
    const builder = new FileIndexBuilder();
    builder.reserve(10);
    for (let i = 0; i < 5_000; i++) builder.add(`f${i}`, add(`f${i}`, { size: i, modificationTime: i * 2 }));
    builder.remove("f17");
    const index = builder.build();
    expect(index.length).toBe(4_999);
    expect(index.addFile(4_998)).toMatchObject({ path: "f4999", size: 4_999, modificationTime: 9_998 });
  });

  it("shares one partition-values object per partition, single and multi-column", () => {
    const builder = new FileIndexBuilder();
    builder.add("1", add("1", { partitionValues: { p: "x" } }));
    builder.add("2", add("2", { partitionValues: { q: "x" } })); // another column, same value
    builder.add("3", add("3", { partitionValues: { p: "x" } }));
    builder.add("4", add("4", { partitionValues: { p: null } }));
    builder.add("5", add("5", { partitionValues: { p: "y", q: "1" } }));
    builder.add("6", add("6", { partitionValues: { p: "y", q: "1" } }));
    builder.add("7", add("7", { partitionValues: { p: "y", q: null } }));
    builder.add("8", add("8"));
    const index = builder.build();
    const pv = (i: number) => index.partitionValues(i);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(pv)).toEqual([
      { p: "x" },
      { q: "x" },
      { p: "x" },
      { p: null },
      { p: "y", q: "1" },
      { p: "y", q: "1" },
      { p: "y", q: null },
      {},
    ]);
    expect(pv(0)).toBe(pv(2));
    expect(pv(0)).not.toBe(pv(1));
    expect(pv(0)).not.toBe(pv(3));
    expect(pv(4)).toBe(pv(5));
    expect(pv(4)).not.toBe(pv(6));
  });
});
