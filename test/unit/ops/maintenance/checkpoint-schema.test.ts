/**
 * Our checkpoints have the column layout Spark writes: the Arrow schema of a Spark-written
 * checkpoint in the golden tables and of ours for the same table, compared column by column
 * (names, order, nesting, types, nullability). Documented deviations (spec/maintenance.md):
 * - `add.stats_parsed` is added when the table's files have statistics, since
 *   `delta.checkpoint.writeStatsAsStruct` defaults to true in current Delta; the Spark version
 *   that wrote these golden tables left it out. It is compared on its own.
 * - the names of map entry and list element groups are not compared (Arrow readers name them).
 */
import { join } from "node:path";
import { type Field, type Schema, Type } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, parquetWasm } from "../../../../src/engine/index.js";
import { loadSnapshot } from "../../../../src/log/snapshot.js";
import { writeCheckpoint } from "../../../../src/ops/maintenance/checkpoint.js";
import { LocalStore } from "../../../../src/storage/local-store.js";
import { GOLDEN_DIR, hasShared } from "../../../helpers/shared-data.js";
import { cleanupTempTables, copyTableToTemp } from "../../../helpers/temp-table.js";

afterAll(cleanupTempTables);

/** A field as a comparable tree: name, type id (with widths), nullability, children. */
function describeField(field: Field, ignoreName = false): unknown {
  const t = field.type;
  const children = (t.children ?? []) as Field[];
  let kind = Type[t.typeId] ?? String(t.typeId);
  if (t.typeId === Type.Int) kind += (t as unknown as { bitWidth: number }).bitWidth;
  if (t.typeId === Type.Timestamp) kind += `(${String((t as unknown as { timezone: string | null }).timezone ?? "")})`;
  // map entries and list elements: compare their content, not the group's name
  const nested =
    t.typeId === Type.Map
      ? (children[0]!.type.children as Field[]).map((c) => describeField(c))
      : children.map((c) => describeField(c, t.typeId === Type.List));
  return { name: ignoreName ? "*" : field.name, kind, nullable: field.nullable, children: nested };
}

function describeSchema(schema: Schema, dropAddChild?: string): unknown[] {
  return schema.fields.map((f) => {
    const d = describeField(f) as { name: string; children: Array<{ name: string }> };
    if (f.name === "add" && dropAddChild) d.children = d.children.filter((c) => c.name !== dropAddChild);
    return d;
  });
}

async function schemas(table: string, sparkCheckpoint: string) {
  const dir = copyTableToTemp(join(GOLDEN_DIR, table, "delta"));
  const store = new LocalStore(dir);
  const spark = await parquetWasm.readInfo(store, `_delta_log/${sparkCheckpoint}`);
  const engine = createEngine(store);
  const metrics = await writeCheckpoint(engine, await loadSnapshot(engine));
  const ours = await parquetWasm.readInfo(store, metrics.files[0]!);
  return { spark: spark.schema, ours: ours.schema };
}

describe.skipIf(!hasShared(GOLDEN_DIR))("checkpoint schema against Spark's", () => {
  it("matches a partitioned table with deletion vectors column by column, partitionValues_parsed included", async () => {
    const { spark, ours } = await schemas("dv-partitioned-with-checkpoint", "00000000000000000010.checkpoint.parquet");
    expect(describeSchema(ours, "stats_parsed")).toEqual(describeSchema(spark));
    expect(ours.fields.map((f) => f.name)).toEqual(["txn", "add", "remove", "metaData", "protocol", "domainMetadata"]);
    for (const f of ours.fields) expect(f.nullable).toBe(true);
  });

  it("matches an unpartitioned table with removes column by column", async () => {
    const { spark, ours } = await schemas("basic-with-inserts-deletes-checkpoint", "00000000000000000010.checkpoint.parquet");
    expect(describeSchema(ours, "stats_parsed")).toEqual(describeSchema(spark));
  });

  it("writes stats_parsed with numRecords, bounds and null counts typed like the table's columns, and tightBounds with deletion vectors", async () => {
    const { ours } = await schemas("dv-partitioned-with-checkpoint", "00000000000000000010.checkpoint.parquet");
    const add = ours.fields.find((f) => f.name === "add")!;
    const stats = (add.type.children as Field[]).find((c) => c.name === "stats_parsed")!;
    const names = (stats.type.children as Field[]).map((c) => c.name);
    expect(names).toEqual(["numRecords", "minValues", "maxValues", "nullCount", "tightBounds"]);
    const min = (stats.type.children as Field[])[1]!;
    expect((min.type.children as Field[]).map((c) => `${c.name}:${String(c.type)}`)).toEqual(["col1:Int32", "col2:Utf8"]);
  });
});
