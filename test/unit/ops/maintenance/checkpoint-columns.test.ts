/** The column builders of the checkpoint fast path: UTF-8 offsets, nulls, typed partition values and statistics. */
import { Vector } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { Metadata, Protocol } from "../../../../src/log/actions.js";
import { FileIndexBuilder } from "../../../../src/log/file-index.js";
import { AddBatchBuilder, utf8Data } from "../../../../src/ops/maintenance/checkpoint-columns.js";
import { PartitionValueParser } from "../../../../src/ops/maintenance/checkpoint-rows.js";
import { addColumnOptions, checkpointSchema } from "../../../../src/ops/maintenance/checkpoint-schema.js";

describe("utf8Data", () => {
  it.each([
    { name: "ASCII", values: ["a", "bc", "", "def"] },
    { name: "non-ASCII (offsets in bytes, not UTF-16 units)", values: ["é", "日本", "x", "😀b"] },
    { name: "nulls between values", values: ["a", null, "ü", undefined, "z"] },
  ])("round-trips $name", ({ values }) => {
    const data = utf8Data(values);
    const vector = new Vector([data]);
    expect(Array.from({ length: values.length }, (_, i) => vector.get(i))).toEqual(values.map((v) => v ?? null));
    expect(data.nullCount).toBe(values.filter((v) => v === null || v === undefined).length);
  });
});

describe("AddBatchBuilder", () => {
  const metadata: Metadata = {
    id: "t",
    format: { provider: "parquet" },
    schemaString: JSON.stringify({
      type: "struct",
      fields: [
        { name: "d", type: "decimal(5,2)", nullable: true, metadata: {} },
        { name: "i", type: "integer", nullable: true, metadata: {} },
        { name: "p", type: "integer", nullable: true, metadata: {} },
      ],
    }),
    partitionColumns: ["p"],
    configuration: {},
  };
  const protocol: Protocol = { minReaderVersion: 1, minWriterVersion: 2 };

  function batchOf(stats: string[]) {
    const builder = new FileIndexBuilder();
    stats.forEach((s, k) =>
      builder.add(`f${k}`, {
        path: `f${k}`,
        partitionValues: { p: String(k) },
        size: 10 + k,
        modificationTime: 1000 + k,
        dataChange: true,
        stats: s,
      }),
    );
    const files = builder.build();
    const options = addColumnOptions(metadata, protocol, { writeStatsAsJson: true, writeStatsAsStruct: true }, true);
    const schema = checkpointSchema("classic", options);
    return new AddBatchBuilder(schema, files, new PartitionValueParser(metadata)).batch(0, files.length);
  }

  it("builds adds with typed partition values and statistics", () => {
    const batch = batchOf(['{"numRecords":1,"minValues":{"d":1.5,"i":3},"maxValues":{"d":2.25,"i":9},"nullCount":{"d":0,"i":1}}']);
    const add = batch.getChild("add")!.get(0)!.toJSON() as Record<string, unknown>;
    expect(add).toMatchObject({ path: "f0", size: 10n, modificationTime: 1000n, dataChange: false });
    expect((add.partitionValues_parsed as { toJSON(): unknown }).toJSON()).toEqual({ p: 0 });
    const stats = (add.stats_parsed as { toJSON(): Record<string, { toJSON(): unknown }> }).toJSON();
    expect(stats.numRecords).toBe(1n);
    expect(stats.nullCount!.toJSON()).toEqual({ d: 0n, i: 1n });
    expect(batch.getChild("metaData")!.nullCount).toBe(1);
  });

  it("turns statistics that do not fit the column type into null for that file only", () => {
    const good = '{"numRecords":1,"minValues":{"d":1.5,"i":3},"maxValues":{"d":2.5,"i":3},"nullCount":{"d":0,"i":0}}';
    const tooWide = '{"numRecords":2,"minValues":{"d":123456789.5,"i":4},"maxValues":{"d":123456789.5,"i":4},"nullCount":{"d":0,"i":0}}';
    const batch = batchOf([good, tooWide]);
    const stats = batch.getChild("add")!.getChild("stats_parsed")!;
    expect(stats.isValid(0)).toBe(true);
    expect(stats.isValid(1)).toBe(false);
    // the JSON statistics are kept whole either way
    expect(batch.getChild("add")!.getChild("stats")!.get(1)).toBe(tooWide);
  });
});
