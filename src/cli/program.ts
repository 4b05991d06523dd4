/**
 * The command-line program: commander set-up shared by every command (one-line usage errors with
 * suggestions, exit codes, help with examples) and the command table. Commands are loaded only
 * when run, so `--help` and `--version` never load Arrow or Parquet.
 */
import { Command, CommanderError, Option } from "commander";
import { registerReadCommands } from "./register-read.js";
import { registerWriteCommands } from "./register-write.js";
import type { ProgramHooks } from "./command-kit.js";
import { EXIT } from "./exit.js";

export type { CommandRunner, ProgramHooks } from "./command-kit.js";

const GLOBAL_HELP = `
Table URLs: a path, file:///abs/path, s3://bucket/prefix, az://container/prefix,
abfss://container@account.dfs.core.windows.net/path, memory://name.
Credentials come from the usual environment (AWS_*, AZURE_STORAGE_*); they are never printed.

Exit codes: 0 ok, 1 error, 2 usage, 3 not a Delta table, 4 conflict (a concurrent writer won,
or the table exists), 5 validate found problems, 130 interrupted.

Examples:
  $ lakelog info ./events
  $ lakelog scan s3://bucket/events --where "day = '2024-05-01'" --limit 5
  $ lakelog scan ./events --format csv --all > events.csv
  $ lakelog history ./events --json | jq '.[0]'
  $ lakelog demo ./demo-table`;

/** A commander error as one line: `lakelog scan: unknown option '--limt' (did you mean --limit?)`. */
export function usageLine(command: string, commanderText: string): string {
  const lines = commanderText
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const first = (lines[0] ?? "").replace(/^error:\s*/, "");
  const rest = lines.slice(1).map((l) => l.replace(/^\((.*)\)$/, "$1").replace(/^Did you mean/, "did you mean"));
  const suggestion = rest.length > 0 ? ` (${rest.join("; ")})` : "";
  const name = command ? `lakelog ${command}` : "lakelog";
  return `${name}: ${first}${suggestion}; see ${name} --help`;
}

/** Builds the program. `parseAsync` rejects with a `CommanderError` for usage errors, help and version. */
export function buildProgram(version: string, hooks: ProgramHooks): Command {
  const program = new Command("lakelog")
    .description("Delta Lake tables from the command line: inspect, scan, validate, import and maintain.")
    .version(version, "-V, --version", "print lakelog's version")
    .addOption(new Option("--verbose", "print the cause chain of errors"))
    .helpOption("-h, --help", "show help for a command")
    .showSuggestionAfterError(true)
    .enablePositionalOptions() // `restore --version N` is restore's flag, not the program's
    .addHelpText("after", GLOBAL_HELP);
  registerReadCommands(program, hooks);
  registerWriteCommands(program, hooks);
  configure(program, "", hooks);
  for (const command of program.commands) {
    command.addOption(new Option("--verbose", "print the cause chain of errors"));
    configure(command, command.name(), hooks);
  }
  return program;
}

function configure(command: Command, name: string, hooks: ProgramHooks): void {
  command.exitOverride().configureOutput({
    writeOut: hooks.writeOut,
    writeErr: hooks.writeErr,
    outputError: (text, write) => write(`${usageLine(name, text)}\n`),
  });
}

/** The exit code for a `CommanderError` (help and version are not errors). */
export function commanderExitCode(err: CommanderError): number {
  if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return EXIT.ok;
  return EXIT.usage;
}

export { CommanderError };
