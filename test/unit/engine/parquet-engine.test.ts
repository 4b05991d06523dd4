import { Field, Int32, makeData, RecordBatch, Schema, Struct } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { parquetWasm } from "../../../src/engine/index.js";
import { writeParquetBuffer } from "../../../src/engine/parquet-write.js";
import { CorruptParquetError } from "../../../src/errors/parquet-errors.js";
import { NotFoundError } from "../../../src/errors/storage-errors.js";
import { MemoryStore } from "../../../src/storage/memory-store.js";

describe("parquetWasmEngine (the ParquetEngine seam)", () => {
  const fields = [new Field("a", new Int32(), false), new Field("b", new Int32(), true)];
  const batch = new RecordBatch(
    new Schema(fields),
    makeData({
      type: new Struct(fields),
      length: 3,
      children: [
        makeData({ type: new Int32(), length: 3, data: new Int32Array([1, 2, 3]) }),
        makeData({ type: new Int32(), length: 3, data: new Int32Array([4, 5, 6]) }),
      ],
    }),
  );

  it("reads the requested columns, ignoring unknown names, and reports the footer", async () => {
    const store = new MemoryStore();
    const data = writeParquetBuffer([batch], { rowGroupSize: 2 }).data;
    await store.put("f.parquet", data);
    const rows: number[] = [];
    for await (const b of parquetWasm.read(store, "f.parquet", { columns: ["b", "zzz"], size: data.byteLength })) {
      expect(b.schema.fields.map((f) => f.name)).toEqual(["b"]);
      rows.push(...Array.from(b.getChild("b") ?? [], Number));
    }
    expect(rows).toEqual([4, 5, 6]);
    const info = await parquetWasm.readInfo(store, "f.parquet");
    expect(info.numRows).toBe(3);
    expect(info.rowGroups).toEqual([{ numRows: 2 }, { numRows: 1 }]);
    expect(info.schema.fields.map((f) => f.name)).toEqual(["a", "b"]);
  });

  it("surfaces NotFoundError and CorruptParquetError", async () => {
    const store = new MemoryStore();
    await store.put("bad.parquet", new Uint8Array([1, 2, 3]));
    await expect(parquetWasm.readInfo(store, "missing.parquet")).rejects.toBeInstanceOf(NotFoundError);
    await expect(parquetWasm.readInfo(store, "bad.parquet")).rejects.toBeInstanceOf(CorruptParquetError);
  });
});
