/**
 * `create`: an empty table with a schema, partitioning and properties.
 */
import { DeltaTable } from "../../index.js";
import type { CliContext } from "../context.js";
import type { CreateFlags } from "../flags.js";
import { parseSchemaSpec } from "../schema-spec.js";
import { typeText } from "./info.js";
import { printJson } from "./open.js";

/** `lakelog create`. */
export async function runCreate(url: string, flags: CreateFlags, ctx: CliContext): Promise<number> {
  const schema = parseSchemaSpec(flags.schema);
  const table = await DeltaTable.create(url, {
    schema,
    partitionBy: flags.partitionBy,
    properties: flags.property,
    name: flags.name,
    description: flags.description,
    ifExists: flags.ifExists === "ignore" ? "ignore" : "error",
    signal: ctx.signal,
  });
  if (flags.json) {
    await printJson(ctx, {
      url: table.url,
      version: table.version,
      columns: table.schema.fields.map((f) => ({ name: f.name, type: typeText(f.type), nullable: f.nullable })),
      partitionColumns: table.partitionColumns,
    });
    return 0;
  }
  const columns = table.schema.fields.map((f) => `${f.name} ${typeText(f.type)}${f.nullable ? "" : " not null"}`).join(", ");
  await ctx.print(
    `created ${table.url} at version ${table.version}: ${columns}${table.partitionColumns.length ? `; partitioned by ${table.partitionColumns.join(", ")}` : ""}`,
  );
  return 0;
}
