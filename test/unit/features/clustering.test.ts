/**
 * Liquid clustering (`clustering`): the clustering columns come from the `delta.clustering`
 * domain (physical names); appends need nothing special; `optimize()` without `zOrderBy`
 * clusters the rows by those columns and marks the files `clusteringProvider: "liquid"`.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { StructType } from "../../../src/schema/types.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { Transaction } from "../../../src/txn/transaction.js";
import { canonicalRows } from "../../helpers/arrow-rows.js";
import { actionsOf, memoryUrl, removeTempDirs } from "../../helpers/write-tables.js";

afterAll(removeTempDirs);

const SCHEMA: StructType = {
  type: "struct",
  fields: [
    { name: "x", type: "long", nullable: true, metadata: {} },
    { name: "y", type: "long", nullable: true, metadata: {} },
    { name: "s", type: "string", nullable: true, metadata: {} },
  ],
};

async function clusteredTable(properties: Record<string, string> = {}): Promise<DeltaTable> {
  const table = await DeltaTable.create(memoryUrl("clustered"), {
    schema: SCHEMA,
    properties: { "delta.feature.clustering": "supported", ...properties },
  });
  const txn = new Transaction(table.engine, table.snapshot);
  const physical = (name: string) =>
    String(table.schema.fields.find((f) => f.name === name)!.metadata["delta.columnMapping.physicalName"] ?? name);
  txn.setDomainMetadata({
    domain: "delta.clustering",
    configuration: JSON.stringify({ clusteringColumns: [[physical("x")], [physical("y")]] }),
    removed: false,
  });
  await txn.commit({ operation: "CLUSTER BY", operationParameters: { clusteringColumns: ["x", "y"] } });
  return table.refresh();
}

describe("liquid clustering", () => {
  it("creates the table with clustering + domainMetadata", async () => {
    const table = await clusteredTable();
    expect(table.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ["clustering", "domainMetadata"] });
  });

  it.each([
    ["no column mapping", {}],
    ["name column mapping", { "delta.columnMapping.mode": "name" }],
  ])("appends, then optimize() clusters by the clustering columns (%s)", async (_title, properties) => {
    const table = await clusteredTable(properties);
    for (let k = 0; k < 3; k++) {
      await table.write(Array.from({ length: 8 }, (_, i) => ({ x: BigInt((i * 5 + k) % 8), y: BigInt((i * 3 + k) % 8), s: `r${k}-${i}` })));
    }
    const before = canonicalRows(await (await table.refresh()).toArrow());
    const metrics = await (await table.refresh()).optimize();
    expect(metrics.committed).toBe(true);
    expect(metrics.numFilesRemoved).toBe(3);
    expect(metrics.preserveInsertionOrder).toBe(false);
    const latest = await table.refresh();
    const adds = await actionsOf(latest.store, latest.version, "add");
    expect(adds.map((a) => a.clusteringProvider)).toEqual(adds.map(() => "liquid"));
    expect(canonicalRows(await latest.toArrow())).toEqual(before);
    // rows come back in z-order of (x, y): the first rows have the smallest x and y
    const arrow = await latest.toArrow();
    const first = [Number(arrow.getChild("x")!.get(0)), Number(arrow.getChild("y")!.get(0))];
    expect(first).toEqual([0, 0]);
  });

  it("an explicit zOrderBy still wins over the clustering columns", async () => {
    const table = await clusteredTable();
    await table.write([{ x: 1n, y: 2n, s: "a" }]);
    await table.write([{ x: 2n, y: 1n, s: "b" }]);
    const metrics = await (await table.refresh()).optimize({ zOrderBy: ["s"] });
    expect(metrics.committed).toBe(true);
    const latest = await table.refresh();
    const adds = await actionsOf(latest.store, latest.version, "add");
    expect(adds.map((a) => a.clusteringProvider)).toEqual([undefined]);
  });
});
