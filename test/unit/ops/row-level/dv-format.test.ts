/**
 * The deletion vector files DELETE writes, checked byte by byte against PROTOCOL.md's "Deletion
 * Vector Format" (not with lakelog's decoder): a format version byte 1 at the start of the file;
 * at the descriptor's offset a 4-byte big-endian size equal to `sizeInBytes`, then the bitmap
 * (magic number 1681511377 little-endian, then the RoaringBitmapArray portable layout: an 8-byte
 * little-endian count of 32-bit bitmaps, each a 4-byte little-endian key and a standard portable
 * roaring bitmap), then the CRC-32 of the bitmap bytes, big-endian. The file is named from the
 * descriptor's Z85 UUID, and the scan reads it back.
 */
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { DeletionVectorDescriptor } from "../../../../src/log/actions.js";
import type { StructField, StructType } from "../../../../src/schema/types.js";
import { MemoryStore } from "../../../../src/storage/memory-store.js";
import { DeltaTable } from "../../../../src/table/delta-table.js";
import { resolveDeletionVectorKey } from "../../../../src/dv/deletion-vector.js";
import { actionsOf, storeKeys } from "../../../helpers/write-tables.js";

const f = (name: string, type: StructField["type"]): StructField => ({ name, type, nullable: true, metadata: {} });
const SCHEMA: StructType = { type: "struct", fields: [f("id", "long"), f("v", "string")] };

/** Values of a standard portable roaring bitmap holding only array containers (cookie 12346). */
function readPortableRoaring(view: DataView, start: number): number[] {
  expect(view.getUint32(start, true)).toBe(12346);
  const containers = view.getUint32(start + 4, true);
  const header = start + 8;
  const values: number[] = [];
  for (let c = 0; c < containers; c++) {
    const key = view.getUint16(header + 4 * c, true);
    const cardinality = view.getUint16(header + 4 * c + 2, true) + 1;
    const offset = view.getUint32(header + 4 * containers + 4 * c, true);
    for (let i = 0; i < cardinality; i++) values.push((key << 16) | view.getUint16(start + offset + 2 * i, true));
  }
  return values;
}

describe("deletion vector files written by DELETE", () => {
  it("follow the protocol's layout: version byte, big-endian size, magic, portable roaring array, CRC-32", async () => {
    const store = new MemoryStore();
    const table = await DeltaTable.create(store.rootUrl, { schema: SCHEMA, properties: { "delta.enableDeletionVectors": "true" }, store });
    await table.write(Array.from({ length: 20 }, (_, i) => ({ id: BigInt(i), v: `v${i}` })));
    await table.delete("id = 1 OR id = 4 OR id = 7 OR id = 1000", { inlineDeletionVectorMaxBytes: 0 });
    const [add] = await actionsOf(store, 2, "add");
    const dv = add!.deletionVector as DeletionVectorDescriptor;
    expect(dv).toMatchObject({ storageType: "u", offset: 1, cardinality: 3 });
    const key = resolveDeletionVectorKey(dv, store.rootUrl);
    expect(await storeKeys(store)).toContain(key);
    const bytes = await store.get(key);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(bytes[0]).toBe(1);
    expect(view.getInt32(1, false)).toBe(dv.sizeInBytes);
    const bitmap = bytes.subarray(5, 5 + dv.sizeInBytes);
    expect(view.getUint32(5, true)).toBe(1681511377);
    expect(Number(view.getBigUint64(9, true))).toBe(1);
    expect(view.getUint32(17, true)).toBe(0);
    expect(readPortableRoaring(view, 21)).toEqual([1, 4, 7]);
    expect(view.getUint32(5 + dv.sizeInBytes, false)).toBe(crc32(bitmap));
    expect(bytes.length).toBe(1 + 4 + dv.sizeInBytes + 4);
    const ids = Array.from((await (await table.refresh()).toArrow({ columns: ["id"] })).getChild("id")!.toArray() as BigInt64Array, Number);
    expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i).filter((i) => ![1, 4, 7].includes(i)));
  });
});
