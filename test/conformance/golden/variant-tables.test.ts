/**
 * The shared Spark variant tables (../shared/delta-tables), decoded value by value against what
 * their generating query says (unshredded-variant/info.txt: for id in 0..99, then ids 0 and 1
 * appended once more, `v = parse_json('{"key": id}')` placed at the top level, in arrays, a
 * struct, a map, an array of structs and a struct of an array), appended to and re-read through
 * the checkpoint the table's `delta.checkpointInterval = 2` makes lakelog write. The
 * variantShredding-preview table holds the same data and must decode the same. Skipped when the
 * shared folder is absent.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { MaintenanceEvent } from "../../../src/ops/maintenance/checkpoint-auto.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { decodeVariant } from "../../../src/variant/decode.js";
import { TABLES_DIR, hasShared } from "../../helpers/shared-data.js";
import { cleanupTempTables, copyTableToTemp } from "../../helpers/temp-table.js";

afterAll(cleanupTempTables);

const shared = (name: string) => join(TABLES_DIR, name);

type Pair = { metadata: Uint8Array; value: Uint8Array } | null;

/** A row of the fixture's query with every variant decoded (undefined for SQL NULL). */
function expectedRow(id: number): Record<string, unknown> {
  const v = { key: id };
  return {
    id: BigInt(id),
    v,
    array_of_variants: [v, undefined, v, undefined, v],
    struct_of_variants: { v },
    map_of_variants: { [String(id)]: v, nullKey: undefined },
    array_of_struct_of_variants: [{ v }, { v: undefined }, undefined, { v }, undefined, { v }],
    struct_of_array_of_variants: { v: [undefined, v] },
  };
}

/** One variant of a row decoded (undefined for SQL NULL). */
function decodePair(value: unknown): unknown {
  const p = value as Pair | undefined;
  return p === null || p === undefined ? undefined : decodeVariant(p.metadata, p.value);
}

async function decodedRows(table: DeltaTable): Promise<Array<Record<string, unknown>>> {
  const arrow = await table.toArrow();
  const rows = arrow.toArray() as Array<Record<string, unknown>>;
  const list = (x: unknown) => (x ? [...(x as Iterable<unknown>)] : undefined);
  return rows
    .map((r) => ({
      id: r.id,
      v: decodePair(r.v),
      array_of_variants: list(r.array_of_variants)?.map((e) => decodePair(e)),
      struct_of_variants: r.struct_of_variants ? { v: decodePair((r.struct_of_variants as { v: Pair }).v) } : undefined,
      map_of_variants: r.map_of_variants
        ? Object.fromEntries([...(r.map_of_variants as Map<string, Pair>)].map(([k, x]) => [k, decodePair(x)]))
        : undefined,
      array_of_struct_of_variants: list(r.array_of_struct_of_variants)?.map((s) =>
        s ? { v: decodePair((s as { v: Pair }).v) } : undefined,
      ),
      struct_of_array_of_variants: r.struct_of_array_of_variants
        ? { v: list((r.struct_of_array_of_variants as { v: unknown }).v)?.map((e) => decodePair(e)) }
        : undefined,
    }))
    .sort((a, b) => Number((a.id as bigint) - (b.id as bigint)));
}

/** ids 0..99 from the CREATE, then 0 and 1 appended once more. */
const EXPECTED_IDS = [0, 0, 1, 1, ...Array.from({ length: 98 }, (_, i) => i + 2)];

describe.skipIf(!hasShared(TABLES_DIR))("shared variant tables", () => {
  it.each([["unshredded-variant"], ["spark-variant-checkpoint"], ["spark-shredded-variant-preview-delta"]])(
    "%s: every variant decodes to what the generating query wrote",
    async (name) => {
      const table = await DeltaTable.open(shared(name));
      const rows = await decodedRows(table);
      expect(rows.map((r) => Number(r.id))).toEqual(EXPECTED_IDS);
      rows.forEach((row) => expect(row).toStrictEqual(expectedRow(Number(row.id))));
    },
  );

  it("spark-variant-stable-feature-checkpoint: the log opens (its data files are not in the share) with variant columns everywhere", async () => {
    const table = await DeltaTable.open(shared("spark-variant-stable-feature-checkpoint"));
    expect(table.version).toBe(1);
    expect(table.protocol.readerFeatures).toEqual(["variantType"]);
    expect(table.schema.fields.map((f) => f.type)).toContainEqual("variant");
    expect(table.arrowSchema.fields.find((f) => f.name === "v")!.metadata.get("ARROW:extension:name")).toBe("arrow.parquet.variant");
  });

  it("spark-variant-checkpoint: two appends make lakelog write a checkpoint; the table re-read from it holds Spark's rows and ours", async () => {
    const dir = copyTableToTemp(shared("spark-variant-checkpoint"));
    let table = await DeltaTable.open(dir);
    let maintenance: Promise<MaintenanceEvent> | undefined;
    for (const id of [200, 201]) {
      const v = { key: id };
      let report: (event: MaintenanceEvent) => void = () => undefined;
      maintenance = new Promise((resolve) => (report = resolve));
      await table.write(
        [
          {
            id: BigInt(id),
            v,
            array_of_variants: [v, null, v, null, v],
            struct_of_variants: { v },
            map_of_variants: { [String(id)]: v, nullKey: null },
            array_of_struct_of_variants: [{ v }, { v: null }, null, { v }, null, { v }],
            struct_of_array_of_variants: { v: [null, v] },
          },
        ],
        { onMaintenance: (event) => report(event) },
      );
      table = await table.refresh();
    }
    expect(table.version).toBe(4);
    // the automatic checkpoint of version 4 runs in the background: wait for its report
    const event = await maintenance!;
    if (event.kind === "checkpoint-error") throw event.error;
    expect(event.kind).toBe("checkpoint");
    const reopened = await DeltaTable.open(dir);
    expect(reopened.version).toBe(4);
    const rows = await decodedRows(reopened);
    expect(rows).toHaveLength(104);
    rows.forEach((row) => expect(row).toStrictEqual(expectedRow(Number(row.id))));
    // the checkpoint lakelog wrote is the one the reopened table started from
    expect(JSON.parse(readFileSync(join(dir, "_delta_log", "_last_checkpoint"), "utf8"))).toMatchObject({ version: 4 });
  });
});
