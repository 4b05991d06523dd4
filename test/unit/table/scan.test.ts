import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isLakelogError } from "../../../src/errors/base.js";
import { writeDeletionVectorFile, encodeDeletionVector } from "../../../src/dv/deletion-vector.js";
import { col } from "../../../src/expr/expression.js";
import { CountingStore } from "../../../src/storage/counting-store.js";
import { MemoryStore } from "../../../src/storage/memory-store.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { metadataFor, writeCommit, writeDataFile } from "../../helpers/table-builder.js";

const protocol = { protocol: { minReaderVersion: 1, minWriterVersion: 2 } };

/** Three partitions of ten rows each: id 0..29, part a/b/c, x = id * 1.5. */
async function partitionedTable() {
  const store = new MemoryStore({ bucket: `scan-${randomUUID()}`, prefix: "t" });
  const adds = [];
  for (const [k, part] of ["a", "b", "c"].entries()) {
    const ids = BigInt64Array.from({ length: 10 }, (_, i) => BigInt(k * 10 + i));
    adds.push(
      await writeDataFile(store, `part=${part}/f${k}.parquet`, { id: ids, x: Float64Array.from(ids, (v) => Number(v) * 1.5) }, { part }),
    );
  }
  await writeCommit(store, 0, [
    protocol,
    metadataFor(
      [
        ["id", "long"],
        ["x", "double"],
        ["part", "string"],
      ],
      ["part"],
    ),
    ...adds,
  ]);
  return store;
}

async function ids(table: DeltaTable, options: Parameters<DeltaTable["toArrow"]>[0] = {}): Promise<number[]> {
  const arrow = await table.toArrow(options);
  return Array.from(arrow.getChild("id")!.toArray() as BigInt64Array, Number).sort((a, b) => a - b);
}

describe("DeltaTable scan", () => {
  it("returns every row with partition values materialised in schema order", async () => {
    const table = await DeltaTable.open("memory://unused", { store: await partitionedTable() });
    const arrow = await table.toArrow();
    expect(arrow.schema.fields.map((f) => f.name)).toEqual(["id", "x", "part"]);
    expect(arrow.numRows).toBe(30);
    const rows = arrow.toArray().map((r) => r.toJSON());
    expect(rows.find((r) => r.id === 25n)).toEqual({ id: 25n, x: 37.5, part: "c" });
  });

  it("projects the requested columns in the requested order", async () => {
    const table = await DeltaTable.open("memory://unused", { store: await partitionedTable() });
    const arrow = await table.toArrow({ columns: ["part", "id"] });
    expect(arrow.schema.fields.map((f) => f.name)).toEqual(["part", "id"]);
  });

  it.each([
    ["part = 'b'", [10, 19]],
    ["id >= 5 AND id < 8", [5, 7]],
    ["part = 'c' OR id = 0", [0, 29]],
    ["x > 40", [27, 29]],
  ])("filters rows exactly: %s", async (filter, [lo, hi]) => {
    const table = await DeltaTable.open("memory://unused", { store: await partitionedTable() });
    const got = await ids(table, { filter });
    const expected = Array.from({ length: 30 }, (_, i) => i).filter((i) => {
      const part = ["a", "b", "c"][Math.floor(i / 10)];
      const x = i * 1.5;
      return {
        "part = 'b'": part === "b",
        "id >= 5 AND id < 8": i >= 5 && i < 8,
        "part = 'c' OR id = 0": part === "c" || i === 0,
        "x > 40": x > 40,
      }[filter];
    });
    expect(got).toEqual(expected);
    expect(got[0]).toBe(lo);
    expect(got.at(-1)).toBe(hi);
  });

  it("reads only the files a partition filter or statistics can match", async () => {
    const counting = new CountingStore(await partitionedTable());
    const table = await DeltaTable.open("memory://unused", { store: counting });
    counting.reset();
    await table.toArrow({ filter: col("part").eq("b") });
    expect(new Set(counting.gets.filter((p) => p.endsWith(".parquet")))).toEqual(new Set(["part=b/f1.parquet"]));
    counting.reset();
    await table.toArrow({ filter: "id > 25" });
    expect(new Set(counting.gets.filter((p) => p.endsWith(".parquet")))).toEqual(new Set(["part=c/f2.parquet"]));
    counting.reset();
    await table.toArrow({ filter: "id > 1000" });
    expect(counting.gets.filter((p) => p.endsWith(".parquet"))).toEqual([]);
  });

  it("stops at the limit", async () => {
    const table = await DeltaTable.open("memory://unused", { store: await partitionedTable() });
    expect((await table.toArrow({ limit: 12 })).numRows).toBe(12);
    expect((await table.toArrow({ limit: 0 })).numRows).toBe(0);
  });

  it("applies deletion vectors", async () => {
    const store = new MemoryStore({ bucket: `dv-${randomUUID()}`, prefix: "t" });
    const add = (await writeDataFile(store, "f.parquet", { id: BigInt64Array.from({ length: 10 }, (_, i) => BigInt(i)) })) as unknown as {
      add: Record<string, unknown>;
    };
    const [dv] = await writeDeletionVectorFile(store, [encodeDeletionVector([0, 3, 9])]);
    await writeCommit(store, 0, [
      { protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["deletionVectors"], writerFeatures: ["deletionVectors"] } },
      metadataFor([["id", "long"]]),
      { add: { ...add.add, deletionVector: dv } } as never,
    ]);
    expect(await ids(await DeltaTable.open("memory://unused", { store }))).toEqual([1, 2, 4, 5, 6, 7, 8]);
  });

  it("fills columns added by a later schema with nulls for older files", async () => {
    const store = new MemoryStore({ bucket: `evo-${randomUUID()}`, prefix: "t" });
    const old = await writeDataFile(store, "old.parquet", { id: BigInt64Array.from([1n, 2n]) });
    await writeCommit(store, 0, [protocol, metadataFor([["id", "long"]]), old]);
    const newer = await writeDataFile(store, "new.parquet", { id: BigInt64Array.from([3n]), note: ["hello"] });
    await writeCommit(store, 1, [
      metadataFor([
        ["id", "long"],
        ["note", "string"],
      ]),
      newer,
    ]);
    const rows = (await (await DeltaTable.open("memory://unused", { store })).toArrow()).toArray().map((r) => r.toJSON());
    expect(rows.sort((a, b) => Number(a.id) - Number(b.id))).toEqual([
      { id: 1n, note: null },
      { id: 2n, note: null },
      { id: 3n, note: "hello" },
    ]);
  });

  it("names an unknown column in a typed error", async () => {
    const table = await DeltaTable.open("memory://unused", { store: await partitionedTable() });
    const err = await table.toArrow({ columns: ["nope"] }).catch((e: unknown) => e);
    expect(isLakelogError(err, "UNKNOWN_COLUMN")).toBe(true);
    const err2 = await table.toArrow({ filter: "nope = 1" }).catch((e: unknown) => e);
    expect(isLakelogError(err2, "UNKNOWN_COLUMN")).toBe(true);
  });

  it("reports a missing data file as NotFoundError naming it", async () => {
    const store = await partitionedTable();
    await store.delete("part=a/f0.parquet");
    const table = await DeltaTable.open("memory://unused", { store });
    await expect(table.toArrow()).rejects.toMatchObject({ code: "NOT_FOUND", path: "part=a/f0.parquet" });
  });
});
