/**
 * The commands that change tables: create, import, demo, and the maintenance commands. Bodies
 * live in commands/ and are imported only when the command runs.
 */
import { Option, type Command } from "commander";
import { keyValue, nameList } from "./args.js";
import { examples, type ProgramHooks } from "./command-kit.js";
import type { CreateFlags, ImportFlags } from "./flags.js";
import { registerMaintenanceCommands } from "./register-maintenance.js";

/** Adds create, import, demo and the maintenance commands. */
export function registerWriteCommands(program: Command, hooks: ProgramHooks): void {
  const create = program
    .command("create")
    .description("create an empty table with a schema")
    .argument("<table>", "table URL or path")
    .requiredOption(
      "-s, --schema <schema>",
      'columns: "id long not null, name string, price decimal(10,2)", Delta schema JSON, or @file.json',
    )
    .option("-p, --partition-by <columns>", "comma-separated partition columns", nameList)
    .option("--property <key=value>", "a table property (repeatable), e.g. delta.appendOnly=true", keyValue)
    .option("--name <name>", "table name")
    .option("--description <text>", "table description")
    .addOption(new Option("--if-exists <what>", "when a table is already there").choices(["error", "ignore"]).default("error"))
    .option("--json", "print the result as JSON");
  examples(create, [
    'lakelog create ./events --schema "id long not null, day date, kind string" --partition-by day',
    "lakelog create s3://bucket/t --schema @schema.json --property delta.enableChangeDataFeed=true",
  ]);
  create.action((url: string, flags: CreateFlags) =>
    hooks.run("create", async (ctx) => (await import("./commands/create.js")).runCreate(url, flags, ctx)),
  );

  const importer = program
    .command("import")
    .description("write CSV, NDJSON or Parquet files to a table in one commit (creates the table when missing)")
    .argument("<table>", "table URL or path")
    .argument("<files...>", "input files (format from the extension, or --format)")
    .addOption(new Option("-f, --format <format>", "input format").choices(["csv", "ndjson", "parquet"]))
    .addOption(
      new Option("-m, --mode <mode>", "append to the table or replace its rows").choices(["append", "overwrite"]).default("append"),
    )
    .option("-s, --schema <schema>", "column types (same forms as create --schema); default: the table's, else inferred")
    .option("-p, --partition-by <columns>", "partition columns of a new table", nameList)
    .option("--delimiter <char>", "CSV field separator", ",")
    .option("--json", "print the result as JSON");
  examples(importer, [
    "lakelog import ./events data/2024-05-*.csv",
    "lakelog import ./events dump.ndjson --mode overwrite",
    "lakelog import s3://bucket/events part-0.parquet part-1.parquet --partition-by day",
  ]);
  importer.action((url: string, files: string[], flags: ImportFlags) =>
    hooks.run("import", async (ctx) => (await import("./commands/import.js")).runImport(url, files, flags, ctx)),
  );

  const demo = program
    .command("demo")
    .description("create a table, write, overwrite part of it, read back, time travel and show history")
    .argument("[dir]", "folder for the demo table", "./demo-table")
    .option("--overwrite", "replace an earlier demo table in the folder");
  examples(demo, ["lakelog demo", "lakelog demo /tmp/weather --overwrite"]);
  demo.action((dir: string, flags: { overwrite?: boolean }) =>
    hooks.run("demo", async (ctx) => (await import("./commands/demo.js")).runDemo(dir, flags, ctx)),
  );

  registerMaintenanceCommands(program, hooks);
}
