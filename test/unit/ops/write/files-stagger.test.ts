import { describe, expect, it } from "vitest";
import { createEngine } from "../../../../src/engine/index.js";
import { openParquetFile } from "../../../../src/engine/parquet-read.js";
import { writeDataFiles } from "../../../../src/ops/write/files.js";
import { rowsToBatch } from "../../../../src/ops/write/input.js";
import { toArrowSchema } from "../../../../src/schema/arrow-schema.js";
import type { StructType } from "../../../../src/schema/types.js";
import { MemoryStore } from "../../../../src/storage/memory-store.js";

const SCHEMA: StructType = {
  type: "struct",
  fields: [
    { name: "id", type: "long", nullable: true, metadata: {} },
    { name: "part", type: "integer", nullable: true, metadata: {} },
    // a nested column: the writer then splits every input batch by partition as it comes, without
    // first gathering a million rows, so a small input has many pieces per file
    {
      name: "s",
      type: { type: "struct", fields: [{ name: "a", type: "long", nullable: true, metadata: {} }] },
      nullable: true,
      metadata: {},
    },
  ],
};

describe("row groups of partitioned files", () => {
  it("close the first row group of each file at a different size (1/8 to 8/8 of the limit), then at the limit", async () => {
    const store = new MemoryStore();
    const arrow = toArrowSchema(SCHEMA);
    const batches = Array.from({ length: 40 }, (_, b) =>
      rowsToBatch(
        Array.from({ length: 1000 }, (_, k) => ({ id: BigInt(b * 1000 + k), part: (b * 1000 + k) % 4, s: { a: BigInt(k) } })),
        0,
        1000,
        arrow,
      ),
    );
    const { adds } = await writeDataFiles(createEngine(store), batches, {
      schema: SCHEMA,
      partitionColumns: ["part"],
      columnMappingMode: "none",
      configuration: {},
      rowGroupBytes: 64_000,
    });
    expect(adds).toHaveLength(4);
    const groups: number[][] = [];
    for (const add of adds) groups.push((await openParquetFile(store, add.path)).metadata.rowGroups.map((g) => g.numRows));
    for (const g of groups) expect(g.reduce((a, b) => a + b, 0)).toBe(10_000);
    const firsts = groups.map((g) => g[0]!);
    expect(new Set(firsts).size).toBe(4); // every file's first row group has its own size
    for (const g of groups) for (const later of g.slice(1, -1)) expect(later).toBeGreaterThanOrEqual(Math.max(...firsts.slice(0, 3)));
  });
});
