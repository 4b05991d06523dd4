/**
 * The shared tables that carry the writer features of issue 13, copied to a temp folder, appended
 * to and re-read: liquid clustering with row tracking and deletion vectors
 * (`table_with_liquid_clustering`, Databricks preview feature name `liquid`), domain metadata
 * (`table-with-domain-metadata`, log only: its data files are not in the share), and the variant
 * tables (preview and stable `variantType`, preview `variantShredding`), which lakelog appends
 * to (unshredded files) without changing their protocol.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { clusteringColumnsOf } from "../../../src/ops/maintenance/clustering.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { decodeVariant } from "../../../src/variant/decode.js";
import { TABLES_DIR, hasShared } from "../../helpers/shared-data.js";
import { cleanupTempTables, copyTableToTemp } from "../../helpers/temp-table.js";
import { actionsOf } from "../../helpers/write-tables.js";

afterAll(cleanupTempTables);

const shared = (name: string) => join(TABLES_DIR, name);

describe.skipIf(!hasShared(TABLES_DIR))("shared tables with writer features", () => {
  it("table_with_liquid_clustering: appends with fresh row IDs, re-reads, keeps clustering; optimize keeps row IDs", async () => {
    const dir = copyTableToTemp(shared("table_with_liquid_clustering"));
    const table = await DeltaTable.open(dir);
    expect(clusteringColumnsOf(table.snapshot)).toEqual(["id"]);
    const before = await table.toArrow({ rowTracking: true });
    expect(before.numRows).toBe(10);
    // Spark assigned baseRowId = id here (one row per file)
    for (let i = 0; i < before.numRows; i++) {
      expect(Number((before.getChild("_metadata")!.get(i) as { row_id: bigint }).row_id)).toBe(Number(before.getChild("id")!.get(i)));
    }
    const result = await table.write([{ id: 100n }, { id: 101n }, { id: 102n }]);
    expect(result.version).toBe(1);
    const adds = await actionsOf(table.store, 1, "add");
    expect(adds.map((a) => [a.baseRowId, a.defaultRowCommitVersion])).toEqual([[10, 1]]);
    const domains = await actionsOf(table.store, 1, "domainMetadata");
    expect(domains.map((d) => [d.domain, JSON.parse(d.configuration as string).rowIdHighWaterMark])).toEqual([["delta.rowTracking", 12]]);
    const latest = await DeltaTable.open(dir);
    expect(latest.protocol).toEqual(table.protocol);
    expect([...latest.snapshot.domains.keys()].sort()).toEqual(["delta.liquid", "delta.rowTracking"]);
    const after = await latest.toArrow({ rowTracking: true });
    expect(after.numRows).toBe(13);
    const ids = Array.from({ length: after.numRows }, (_, i) => [
      Number(after.getChild("id")!.get(i)),
      Number((after.getChild("_metadata")!.get(i) as { row_id: bigint }).row_id),
    ]);
    expect(ids.filter(([id]) => id! >= 100).sort()).toEqual([
      [100, 10],
      [101, 11],
      [102, 12],
    ]);
    // time travel still sees the original
    expect((await DeltaTable.open(dir, { version: 0 })).snapshot.files.length).toBe(10);
    // optimize clusters by id and moves every row into a new file: each keeps its row ID and commit version
    const stable = (t: Awaited<ReturnType<DeltaTable["toArrow"]>>) =>
      Array.from({ length: t.numRows }, (_, i) => {
        const m = t.getChild("_metadata")!.get(i) as { row_id: bigint; row_commit_version: bigint };
        return [Number(t.getChild("id")!.get(i)), Number(m.row_id), Number(m.row_commit_version)];
      }).sort((x, y) => x[0]! - y[0]!);
    const metrics = await latest.optimize();
    expect(metrics).toMatchObject({ committed: true, version: 2, numFilesRemoved: 11 });
    const optimized = await DeltaTable.open(dir);
    expect(Array.from(optimized.addActions(), (a) => a.clusteringProvider)).toEqual(["liquid"]);
    expect(stable(await optimized.toArrow({ rowTracking: true }))).toEqual(stable(after));
    // an append after the optimize gets IDs above the optimized file's fresh range, and everything re-reads
    await optimized.write([{ id: 200n }]);
    const appended = await DeltaTable.open(dir);
    const rows = stable(await appended.toArrow({ rowTracking: true }));
    expect(rows).toHaveLength(14);
    expect(rows.slice(0, 13)).toEqual(stable(after));
    expect(rows[13]).toEqual([200, 26, 3]);
    expect(new Set(rows.map(([, rowId]) => rowId)).size).toBe(14);
  });

  it("table-with-domain-metadata: an append keeps the domains", async () => {
    const dir = copyTableToTemp(shared("table-with-domain-metadata"));
    const table = await DeltaTable.open(dir);
    const domains = Object.fromEntries([...table.snapshot.domains].map(([k, v]) => [k, v.configuration]));
    const columns = table.schema.fields.map((f) => f.name);
    const row = Object.fromEntries(
      table.schema.fields.map((f) => [f.name, f.type === "long" ? 1n : f.type === "integer" ? 1 : f.type === "string" ? "x" : null]),
    );
    const result = await table.write([row]);
    expect(result.version).toBe(table.version + 1);
    const latest = await DeltaTable.open(dir);
    const after = Object.fromEntries([...latest.snapshot.domains].map(([k, v]) => [k, v.configuration]));
    // other domains are kept as they were; row tracking's mark moves by the one row appended
    const mark = (config: string | undefined) =>
      config === undefined ? undefined : (JSON.parse(config) as { rowIdHighWaterMark: number }).rowIdHighWaterMark;
    expect(Object.keys(after).sort()).toEqual(Object.keys(domains).sort());
    for (const key of Object.keys(domains)) if (key !== "delta.rowTracking") expect(after[key]).toBe(domains[key]);
    if (domains["delta.rowTracking"] !== undefined) expect(mark(after["delta.rowTracking"])).toBe(mark(domains["delta.rowTracking"])! + 1);
    // the data files of the shared copy are missing; read back just the appended file
    const added = (await actionsOf(latest.store, latest.version, "add"))[0]!;
    const position = Array.from(latest.snapshot.files, (a) => a.path).indexOf(added.path as string);
    const rows = await latest.toArrow({ files: [position] });
    expect(rows.numRows).toBe(1);
    expect(rows.schema.fields.map((f) => f.name)).toEqual(columns);
  });

  it.each([
    ["unshredded-variant", "variantType-preview"],
    ["spark-variant-checkpoint", "variantType-preview"],
    ["spark-variant-stable-feature-checkpoint", "variantType"],
    ["spark-shredded-variant-preview-delta", "variantShredding-preview"],
  ])("%s: an append succeeds and reads back, the protocol keeps %s", async (name, feature) => {
    const dir = copyTableToTemp(shared(name));
    const table = await DeltaTable.open(dir);
    const result = await table.write([{ id: 100000n, v: { key: 100000 }, struct_of_variants: { v: [1, "x"] } }]);
    expect(result.version).toBe(table.version + 1);
    const after = await DeltaTable.open(dir);
    expect(after.version).toBe(table.version + 1);
    expect(after.protocol).toEqual(table.protocol);
    expect(after.protocol.readerFeatures).toContain(feature);
    // statistics prune the other files (the stable-feature fixture has no data files)
    const row = (await after.toArrow({ filter: "id = 100000" })).get(0)!.toJSON() as Record<
      string,
      { metadata: Uint8Array; value: Uint8Array } | null
    >;
    const inner = (row.struct_of_variants as unknown as { v: { metadata: Uint8Array; value: Uint8Array } }).v;
    expect(decodeVariant(row.v!.metadata, row.v!.value)).toEqual({ key: 100000 });
    expect(decodeVariant(inner.metadata, inner.value)).toEqual([1, "x"]);
    expect(row.array_of_variants).toBeNull();
  });
});
