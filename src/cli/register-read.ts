/**
 * The read commands' flags, help and examples. Their bodies live in commands/ and are imported
 * only when the command runs.
 */
import { Option, type Command } from "commander";
import { nameList, timestamp, wholeNumber } from "./args.js";
import { examples, timeTravelOptions, type ProgramHooks } from "./command-kit.js";
import type { ChangesFlags, ScanFlags, TimeTravelFlags } from "./flags.js";

const FORMATS = ["table", "ndjson", "json", "csv", "parquet"];

function readCommand(program: Command, spec: string, description: string, json = true): Command {
  const command = program.command(spec).description(description).argument("<table>", "table URL or path");
  timeTravelOptions(command, wholeNumber(0), timestamp);
  if (json) command.option("--json", "machine-readable output (shape in spec/cli.md)");
  return command;
}

function scanOptions(command: Command, defaultLimitText: string): Command {
  return command
    .option("-c, --columns <names>", "comma-separated columns to return", nameList)
    .option("-w, --where <expr>", "SQL-like row filter, e.g. \"day = '2024-05-01' AND n > 3\"")
    .addOption(new Option("--filter <expr>", "same as --where").hideHelp())
    .addOption(new Option("-n, --limit <rows>", `at most this many rows (${defaultLimitText})`).argParser(wholeNumber(0)).conflicts("all"))
    .option("--all", "every row, also on a terminal")
    .addOption(new Option("-f, --format <format>", "table, ndjson, json, csv, or parquet (needs --output)").choices(FORMATS))
    .option("-o, --output <file>", "write to this file instead of stdout (progress shown on a terminal)")
    .option("--force", "replace the --output file when it exists")
    .addOption(new Option("--binary <encoding>", "how binary values are written").choices(["hex", "base64"]).default("hex"));
}

/** Adds info, schema, history, files, scan, head, health and validate. */
export function registerReadCommands(program: Command, hooks: ProgramHooks): void {
  const info = readCommand(program, "info", "version, commit time, schema summary, partitioning, size, protocol and properties").alias(
    "describe",
  );
  examples(info, ["lakelog info ./events", "lakelog info s3://bucket/events --version-as-of 3 --json"]);
  info.action((url: string, flags: TimeTravelFlags & { json?: boolean }) =>
    hooks.run("info", async (ctx) => (await import("./commands/info.js")).runInfo(url, flags, ctx)),
  );

  const schema = readCommand(program, "schema", "the table schema as a tree (--json: the Delta schema JSON)");
  examples(schema, ["lakelog schema ./events", "lakelog schema ./events --json | jq '.fields[].name'"]);
  schema.action((url: string, flags: TimeTravelFlags & { json?: boolean }) =>
    hooks.run("schema", async (ctx) => (await import("./commands/info.js")).runSchema(url, flags, ctx)),
  );

  const history = program
    .command("history")
    .description("commits, newest first: version, time, operation, parameters, metrics")
    .argument("<table>", "table URL or path")
    .option("-n, --limit <commits>", "at most this many commits", wholeNumber(0))
    .option("--json", "machine-readable output (shape in spec/cli.md)");
  examples(history, ["lakelog history ./events --limit 5", "lakelog history ./events --json | jq '.[] | .operation'"]);
  history.action((url: string, flags: { limit?: number; json?: boolean }) =>
    hooks.run("history", async (ctx) => (await import("./commands/info.js")).runHistory(url, flags, ctx)),
  );

  const files = readCommand(program, "files", "the active data files with size, rows, partition values and statistics").option(
    "-w, --where <expr>",
    "only files that may hold matching rows (partition values and statistics)",
  );
  examples(files, ["lakelog files ./events", "lakelog files ./events --where \"day = '2024-05-01'\" --json"]);
  files.action((url: string, flags: TimeTravelFlags & { json?: boolean; where?: string }) =>
    hooks.run("files", async (ctx) => (await import("./commands/files.js")).runFiles(url, flags, ctx)),
  );

  const scan = scanOptions(
    readCommand(program, "scan", "print rows, streamed batch by batch", false),
    "default: 20 on a terminal, all otherwise",
  );
  examples(scan, [
    "lakelog scan ./events --where \"kind = 'click'\" --columns id,at",
    "lakelog scan ./events --format ndjson --all | jq .id",
    "lakelog scan ./events --format csv --all > events.csv",
    "lakelog scan ./events --format parquet --output events.parquet",
  ]);
  scan.action((url: string, flags: ScanFlags) =>
    hooks.run("scan", async (ctx) => (await import("./commands/scan.js")).runScan(url, flags, ctx, undefined)),
  );

  const head = scanOptions(readCommand(program, "head", "the first rows (like scan --limit 10)", false), "default: 10");
  examples(head, ["lakelog head ./events", "lakelog head ./events -n 3 --format ndjson"]);
  head.action((url: string, flags: ScanFlags) =>
    hooks.run("head", async (ctx) => (await import("./commands/scan.js")).runScan(url, flags, ctx, 10)),
  );

  const changes = scanOptions(
    program
      .command("changes")
      .description(
        "the change data feed (delta.enableChangeDataFeed) of a version range: rows with _change_type, _commit_version, _commit_timestamp",
      )
      .argument("<table>", "table URL or path")
      .requiredOption("--from <version>", "first version", wholeNumber(0))
      .option("--to <version>", "last version (default: the latest)", wholeNumber(0)),
    "default: 20 on a terminal, all otherwise",
  );
  examples(changes, ["lakelog changes ./events --from 5", "lakelog changes ./events --from 5 --to 7 --format ndjson --all"]);
  changes.action((url: string, flags: ChangesFlags) =>
    hooks.run("changes", async (ctx) => (await import("./commands/scan.js")).runChanges(url, flags, ctx)),
  );

  const health = readCommand(
    program,
    "health",
    "file sizes (histogram), small files, statistics coverage, log since the last checkpoint, and what to run",
  );
  examples(health, ["lakelog health ./events", "lakelog health ./events --json"]);
  health.action((url: string, flags: TimeTravelFlags & { json?: boolean }) =>
    hooks.run("health", async (ctx) => (await import("./commands/health.js")).runHealth(url, flags, ctx)),
  );

  const validate = readCommand(
    program,
    "validate",
    "check every active file exists with its recorded size, the log is contiguous and the protocol is supported (exit 5 on problems)",
  );
  examples(validate, ["lakelog validate ./events && echo ok", "lakelog validate s3://bucket/events --json"]);
  validate.action((url: string, flags: TimeTravelFlags & { json?: boolean }) =>
    hooks.run("validate", async (ctx) => (await import("./commands/validate.js")).runValidate(url, flags, ctx)),
  );
}
