/**
 * Shared pieces of command registration: the hooks a command body runs through, help examples,
 * and the time-travel flags. Kept apart from program.ts so the command tables do not import the
 * program (no import cycles).
 */
import { Option, type Command } from "commander";
import type { CliContext } from "./context.js";

/** Runs a command with its context; resolves with the exit code. */
export type CommandRunner = (ctx: CliContext) => Promise<number>;

/** Hooks the program calls: how to build a context and where the exit code goes. */
export interface ProgramHooks {
  /** Runs a command body (context, error reporting, exit code). */
  run(command: string, body: CommandRunner): Promise<void>;
  writeOut(text: string): void;
  writeErr(text: string): void;
}

/** Appends examples to a command's help. */
export function examples(command: Command, lines: string[]): Command {
  return command.addHelpText("after", `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}`);
}

/** `--version-as-of` and `--timestamp-as-of`, which cannot be combined. */
export function timeTravelOptions(command: Command, parseVersion: (v: string) => number, parseTime: (v: string) => number): Command {
  return command
    .addOption(
      new Option("--version-as-of <version>", "read this version (time travel)").argParser(parseVersion).conflicts("timestampAsOf"),
    )
    .addOption(new Option("--timestamp-as-of <time>", "read the version current at this time (ISO-8601 or epoch ms)").argParser(parseTime));
}
