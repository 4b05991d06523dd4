// Schema rules on the real schemas of the shared golden tables (written by Spark/Delta): the
// Arrow form of each schema maps back to it, and data of that shape fits the table in every mode.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toArrowSchema } from "../../../src/schema/arrow-schema.js";
import { planWriteSchema } from "../../../src/schema/enforce.js";
import { fromArrowSchema } from "../../../src/schema/from-arrow.js";
import { parseSchemaString } from "../../../src/schema/parse-schema.js";
import type { DataType, StructType } from "../../../src/schema/types.js";
import { GOLDEN_DIR } from "../../helpers/shared-data.js";

const GOLDEN = GOLDEN_DIR;

/** The last metaData action in a table's JSON commits, if any. */
function latestMetadata(table: string): { schema: StructType; partitionColumns: string[] } | undefined {
  const log = join(GOLDEN, table, "delta", "_delta_log");
  if (!existsSync(log)) return undefined;
  let found: { schemaString: string; partitionColumns: string[] } | undefined;
  for (const file of readdirSync(log)
    .filter((f) => /^\d{20}\.json$/.test(f))
    .sort()) {
    for (const line of readFileSync(join(log, file), "utf8").split("\n")) {
      if (!line.includes('"metaData"')) continue;
      const action = JSON.parse(line);
      if (action.metaData?.schemaString) found = action.metaData;
    }
  }
  return found && { schema: parseSchemaString(found.schemaString), partitionColumns: found.partitionColumns };
}

/** The schema without field metadata (Arrow → Delta does not carry it). */
function stripMetadata(type: DataType): DataType {
  if (typeof type === "string") return type;
  switch (type.type) {
    case "struct":
      return { type: "struct", fields: type.fields.map((f) => ({ ...f, metadata: {}, type: stripMetadata(f.type) })) };
    case "array":
      return { ...type, elementType: stripMetadata(type.elementType) };
    case "map":
      return { ...type, keyType: stripMetadata(type.keyType), valueType: stripMetadata(type.valueType) };
  }
}

const tables = existsSync(GOLDEN)
  ? readdirSync(GOLDEN)
      .map((name) => ({ name, meta: latestMetadata(name) }))
      .filter((t): t is { name: string; meta: NonNullable<ReturnType<typeof latestMetadata>> } => t.meta !== undefined)
  : [];

describe.skipIf(tables.length === 0)("schema rules on golden table schemas (needs ../shared/delta-golden)", () => {
  it("covers many tables", () => {
    expect(tables.length).toBeGreaterThan(50);
  });

  it.each(tables.map((t) => [t.name, t.meta] as const))("%s: Arrow round trip and data of the table's own shape fits", (_name, meta) => {
    const dataSchema = fromArrowSchema(toArrowSchema(meta.schema));
    expect(dataSchema).toEqual(stripMetadata(meta.schema));
    const base = { tableSchema: meta.schema, dataSchema, partitionColumns: meta.partitionColumns, typeWidening: false } as const;
    const append = planWriteSchema({ ...base, mode: "append" });
    expect(append.changed).toBe(false);
    expect(append.partitionColumns).toEqual(meta.partitionColumns);
    const merged = planWriteSchema({ ...base, mode: "append", schemaMode: "merge", newPartitionColumns: meta.partitionColumns });
    expect(merged.schema).toBe(meta.schema);
    const overwritten = planWriteSchema({ ...base, mode: "overwrite", schemaMode: "overwrite" });
    expect(overwritten.partitionColumns).toEqual(meta.partitionColumns);
  });
});
