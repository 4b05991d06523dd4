import { makeData, RecordBatch, Field, Float64, Schema, Struct, Int32 } from "apache-arrow";
import { describe, expect, it } from "vitest";
import {
  buildProjectedFile,
  decodeFooter,
  footerLength,
  leavesOf,
  type ParquetFooter,
  planFetch,
} from "../../../src/engine/parquet-footer.js";
import { encodeStruct, getStruct, getStructList, i64 } from "../../../src/engine/parquet-thrift.js";
import { writeParquetBuffer } from "../../../src/engine/parquet-write.js";
import { CorruptParquetError, UnsupportedParquetError } from "../../../src/errors/parquet-errors.js";

/** A file of `cols` float columns in row groups of `rowGroupSize` rows. */
function wideFile(cols: number, rows: number, rowGroupSize: number): Uint8Array {
  const fields = Array.from({ length: cols }, (_, c) => new Field(`c${c}`, new Float64(), true));
  const children = fields.map((f, c) =>
    makeData({ type: new Float64(), length: rows, data: Float64Array.from({ length: rows }, (_, i) => i * (c + 1)) }),
  );
  const batch = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: rows, children }));
  return writeParquetBuffer([batch], { rowGroupSize, dictionary: false }).data;
}

function footerOf(file: Uint8Array): ParquetFooter {
  const length = footerLength(file, file.byteLength, "f");
  return decodeFooter(file.subarray(file.byteLength - 8 - length, file.byteLength - 8), file.byteLength, "f");
}

describe("footerLength", () => {
  const valid = wideFile(1, 10, 10);
  it.each([
    ["a file too small to be Parquet", new Uint8Array(8), CorruptParquetError],
    ["a file without the PAR1 magic", new Uint8Array(100).fill(1), CorruptParquetError],
    [
      "a footer length beyond the file",
      (() => {
        const f = valid.slice();
        f[f.byteLength - 6] = 0x7f;
        return f;
      })(),
      CorruptParquetError,
    ],
    [
      "an encrypted footer (PARE)",
      (() => {
        const f = valid.slice();
        f[f.byteLength - 1] = 0x45;
        return f;
      })(),
      UnsupportedParquetError,
    ],
  ])("rejects %s", (_name, bytes, error) => {
    expect(() => footerLength(bytes, bytes.byteLength, "x.parquet")).toThrow(error);
  });

  it("names the path in the error", () => {
    expect(() => footerLength(new Uint8Array(4), 4, "dir/x.parquet")).toThrow(/dir\/x\.parquet/);
  });
});

describe("decodeFooter", () => {
  it("maps top-level fields to their leaves and row groups to chunk ranges", () => {
    const footer = footerOf(wideFile(3, 100, 40));
    expect(footer.numRows).toBe(100);
    expect(footer.fields.map((f) => [f.name, f.leafStart, f.leafEnd])).toEqual([
      ["c0", 0, 1],
      ["c1", 1, 2],
      ["c2", 2, 3],
    ]);
    expect(footer.rowGroups.map((g) => g.numRows)).toEqual([40, 40, 20]);
    for (const g of footer.rowGroups) for (const c of g.chunks) expect(c.start + c.length).toBeLessThanOrEqual(footer.metadataStart);
  });

  it("rejects a column chunk that points outside the data area", () => {
    const file = wideFile(1, 10, 10);
    const footer = footerOf(file);
    const meta = getStruct(getStructList(getStructList(footer.raw, 4)[0]!, 1)[0]!, 3)!;
    meta.set(9, i64(file.byteLength * 2));
    meta.delete(11);
    const encoded = encodeStruct(footer.raw);
    expect(() => decodeFooter(encoded, footer.metadataStart + encoded.byteLength + 8, "bad.parquet")).toThrow(CorruptParquetError);
  });

  it("rejects footer bytes that are not Thrift", () => {
    expect(() => decodeFooter(new Uint8Array([0x19, 0xff]), 100, "p")).toThrow(CorruptParquetError);
  });
});

describe("planFetch", () => {
  const footer = footerOf(wideFile(6, 1000, 500));
  const ranges = (leaves: number[], gap: number, groups = [0]) => planFetch(footer, groups, leaves, gap).length;

  it.each([
    ["adjacent columns in one row group", [0, 1, 2], 0, 1],
    ["columns with a gap and no coalescing", [0, 5], 0, 2],
    ["columns with a gap under the coalescing limit", [0, 5], 1 << 20, 1],
    ["one column of two row groups, far apart", [3], 0, 2],
  ])("fetches %s in the expected number of ranges", (name, leaves, gap, expected) => {
    expect(ranges(leaves as number[], gap as number, name.includes("two row groups") ? [0, 1] : [0])).toBe(expected);
  });

  it("fetches exactly the bytes of the chosen chunks when not coalescing", () => {
    const plan = planFetch(footer, [1], [2, 4], 0);
    const chunks = [footer.rowGroups[1]!.chunks[2]!, footer.rowGroups[1]!.chunks[4]!];
    expect(plan.reduce((s, r) => s + r.end - r.start, 0)).toBe(chunks[0]!.length + chunks[1]!.length);
  });
});

describe("buildProjectedFile", () => {
  it("produces a file whose footer holds only the chosen fields, in the chosen order", () => {
    const file = wideFile(5, 300, 100);
    const footer = footerOf(file);
    const fields = [footer.fields[3]!, footer.fields[1]!];
    const plan = planFetch(footer, [2], leavesOf(fields), 0);
    const fetched = plan.map((range) => ({ range, bytes: file.subarray(range.start, range.end) }));
    const projected = footerOf(buildProjectedFile(footer, [2], fields, fetched));
    expect(projected.fields.map((f) => f.name)).toEqual(["c3", "c1"]);
    expect(projected.numRows).toBe(100);
    expect(projected.rowGroups).toHaveLength(1);
    expect(projected.keyValueMetadata.has("ARROW:schema")).toBe(false);
  });

  it("keeps an all-int schema file readable with zero row groups", () => {
    const fields = [new Field("a", new Int32(), false)];
    const batch = new RecordBatch(
      new Schema(fields),
      makeData({ type: new Struct(fields), length: 1, children: [makeData({ type: new Int32(), length: 1, data: new Int32Array([7]) })] }),
    );
    const footer = footerOf(writeParquetBuffer([batch]).data);
    const empty = footerOf(buildProjectedFile(footer, [], footer.fields, []));
    expect(empty.numRows).toBe(0);
    expect(empty.fields.map((f) => f.name)).toEqual(["a"]);
  });
});
