#!/usr/bin/env node
/**
 * The command-line interface: inspect tables and run the demo. It uses only the public API
 * (`src/index.ts`), so it doubles as a usage test. Only this layer prints.
 */
import { parseArgs } from "node:util";
import { isLakelogError } from "../index.js";
import { runDemo } from "./demo.js";
import { runInspect, INSPECT_COMMANDS } from "./inspect.js";

const HELP = `lakelog — Delta Lake tables from the command line

Usage: lakelog <command> [options]

Commands:
  demo [dir]            create a table, write, read back, time travel and show history
                        (default dir ./demo-table; --overwrite replaces an existing demo table)
  info <url>            version, schema, partitioning, properties, protocol, file count and size
  schema <url>          the table schema as JSON
  history <url>         commit history, newest first (--limit N)
  files <url>           the active data files
  scan <url>            print rows (--columns a,b --filter "expr" --limit N --format table|json|csv)

Options for info, schema, history, files, scan:
  --version-as-of N     read version N (time travel)
  --timestamp-as-of T   read the version current at time T (ISO-8601 or epoch ms)

Table URLs: a path, file://, s3://bucket/prefix, az://container/prefix, abfss://..., memory://...
Credentials come from the usual environment variables (AWS_*, AZURE_STORAGE_*); see the README.

  -h, --help            this help
  -v, --version         print lakelog's version
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
      "version-as-of": { type: "string" },
      "timestamp-as-of": { type: "string" },
      limit: { type: "string" },
      columns: { type: "string" },
      filter: { type: "string" },
      format: { type: "string" },
      overwrite: { type: "boolean" },
    },
  });
  const [command, ...rest] = positionals;
  if (values.version) {
    console.log("lakelog 0.1.0");
    return 0;
  }
  if (values.help || !command) {
    console.log(HELP);
    return command || values.help ? 0 : 1;
  }
  if (command === "demo") return runDemo(rest[0] ?? "./demo-table", { overwrite: values.overwrite ?? false });
  if (INSPECT_COMMANDS.has(command)) {
    const url = rest[0];
    if (!url) {
      console.error(`lakelog ${command}: missing the table URL (lakelog ${command} <url>)`);
      return 2;
    }
    return runInspect(command, url, values);
  }
  console.error(`lakelog: unknown command ${command} (lakelog --help lists the commands)`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (isLakelogError(err)) {
      console.error(`lakelog: ${err.message} [${err.code}]`);
    } else {
      console.error("lakelog: unexpected failure:", err);
    }
    process.exitCode = 1;
  },
);
