/**
 * An independent writer of shredded variants: DuckDB writes a Parquet file with `SHREDDING`
 * (objects shredded into typed fields with the rest left in `value`, arrays of typed elements, a
 * top-level primitive), lakelog reads it as a Delta table with the variantShredding feature, and
 * every row must equal DuckDB's own JSON rendering of the variant.
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { variantToJson } from "../../../src/variant/decode.js";
import { openDuckDB, sqlString } from "../../helpers/write-duckdb.js";
import { removeTempDirs, tempTableDir } from "../../helpers/write-tables.js";

afterAll(removeTempDirs);

// row shapes: fully shredded, partially shredded (extra keys), a field of another type, missing
// fields, a non-object, JSON null, SQL NULL, nested objects and arrays with nulls
const SOURCE = `
  SELECT i AS id,
    (CASE i % 8
      WHEN 0 THEN '{"a": ' || i || ', "b": "s' || i || '", "c": [1, 2, ' || i || '], "o": {"x": 1.5, "y": "t"}}'
      WHEN 1 THEN '{"a": ' || i || ', "extra": {"deep": [true, null]}, "z": "k"}'
      WHEN 2 THEN '{"a": "not a number", "b": null, "c": ["x", null]}'
      WHEN 3 THEN '{}'
      WHEN 4 THEN '"just a string"'
      WHEN 5 THEN 'null'
      WHEN 6 THEN NULL
      ELSE '[{"a": 1}, 2, "three"]'
    END)::JSON::VARIANT AS v,
    (CASE WHEN i % 3 = 0 THEN (i * 1000)::VARCHAR WHEN i % 3 = 1 THEN '"n/a"' ELSE '2.25' END)::JSON::VARIANT AS w
  FROM range(64) t(i)`;

describe("shredded files written by DuckDB", () => {
  it("read back through DeltaTable equal DuckDB's JSON of every row", async () => {
    const dir = tempTableDir();
    mkdirSync(join(dir, "_delta_log"), { recursive: true });
    const file = join(dir, "part-0.parquet");
    const db = await openDuckDB();
    let expected: Array<Array<string | null>>;
    try {
      await db.rows(
        `COPY (${SOURCE}) TO ${sqlString(file)} (FORMAT PARQUET, SHREDDING {` +
          `'v': 'STRUCT(a BIGINT, b VARCHAR, c BIGINT[], o STRUCT(x DOUBLE, y VARCHAR))', 'w': 'BIGINT'})`,
      );
      const layout = await db.rows(`SELECT name FROM parquet_schema(${sqlString(file)})`);
      expect(layout.map((r) => r[0])).toContain("typed_value");
      expected = await db.rows(`SELECT id, v::JSON, w::JSON FROM read_parquet(${sqlString(file)}) ORDER BY id`);
    } finally {
      db.close();
    }
    const schema = {
      type: "struct",
      fields: [
        { name: "id", type: "long", nullable: true, metadata: {} },
        { name: "v", type: "variant", nullable: true, metadata: {} },
        { name: "w", type: "variant", nullable: true, metadata: {} },
      ],
    };
    const features = ["variantShredding", "variantType"];
    const { size } = statSync(file);
    const log = [
      { protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: features, writerFeatures: features } },
      {
        metaData: {
          id: "duckdb-shredded",
          format: { provider: "parquet", options: {} },
          schemaString: JSON.stringify(schema),
          partitionColumns: [],
          configuration: { "delta.enableVariantShredding": "true" },
          createdTime: 0,
        },
      },
      { add: { path: "part-0.parquet", partitionValues: {}, size, modificationTime: 0, dataChange: true } },
    ];
    writeFileSync(join(dir, "_delta_log", "00000000000000000000.json"), log.map((a) => JSON.stringify(a)).join("\n") + "\n");

    const arrow = await (await DeltaTable.open(dir)).toArrow();
    const json = (p: { metadata: Uint8Array; value: Uint8Array } | null) =>
      p === null ? null : (JSON.parse(variantToJson(p.metadata, p.value)) as unknown);
    const ours = arrow.toArray().map((r: { id: bigint; v: never; w: never }) => [Number(r.id), json(r.v), json(r.w)]);
    const parse = (text: string | null | undefined) => (text === null || text === undefined ? null : (JSON.parse(text) as unknown));
    const theirs = expected.map(([id, v, w]) => [Number(id), parse(v), parse(w)]);
    expect(ours).toHaveLength(64);
    expect(ours).toStrictEqual(theirs);
  });
});
