/**
 * Maintenance and row-level commands: checkpoint, cleanup-log, vacuum, optimize, restore, delete,
 * update.
 */
import { Option, type Command } from "commander";
import { assignment, hours, nameList, timestamp, wholeNumber } from "./args.js";
import type { DeleteFlags, OptimizeFlags, RestoreFlags, UpdateFlags, VacuumFlags } from "./commands/maintenance.js";
import { examples, type ProgramHooks } from "./command-kit.js";

function tableCommand(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .argument("<table>", "table URL or path")
    .option("--json", "print the result as JSON");
}

/** Adds the maintenance commands. */
export function registerMaintenanceCommands(program: Command, hooks: ProgramHooks): void {
  const load = () => import("./commands/maintenance.js");

  const checkpoint = tableCommand(program, "checkpoint", "write a checkpoint of the latest version (faster opens)");
  examples(checkpoint, ["lakelog checkpoint ./events"]);
  checkpoint.action((url: string, flags: { json?: boolean }) =>
    hooks.run("checkpoint", async (ctx) => (await load()).runCheckpoint(url, flags, ctx)),
  );

  const cleanup = tableCommand(
    program,
    "cleanup-log",
    "delete log files older than delta.logRetentionDuration (default 30 days) that no kept version needs",
  ).option("--retain-hours <hours>", "keep this much log history instead of the table's setting", hours);
  examples(cleanup, ["lakelog cleanup-log ./events", "lakelog cleanup-log ./events --retain-hours 168"]);
  cleanup.action((url: string, flags: { json?: boolean; retainHours?: number }) =>
    hooks.run("cleanup-log", async (ctx) => (await load()).runCleanupLog(url, flags, ctx)),
  );

  const vacuum = tableCommand(program, "vacuum", "delete data files no version within the retention needs (a dry run unless --apply)")
    .option("--retain-hours <hours>", "retention (default: delta.deletedFileRetentionDuration, 7 days)", hours)
    .option("--dry-run", "only list what would be deleted (the default)")
    .option("--apply", "delete the files")
    .option("--full", "list the whole table folder: also orphans of failed writes (default: only removed files)")
    .addOption(new Option("--no-retention-check", "allow a retention shorter than the table's (unsafe with concurrent readers)"));
  examples(vacuum, [
    "lakelog vacuum ./events",
    "lakelog vacuum ./events --full --apply",
    "lakelog vacuum ./events --retain-hours 24 --no-retention-check --apply",
  ]);
  vacuum.action((url: string, flags: VacuumFlags) => hooks.run("vacuum", async (ctx) => (await load()).runVacuum(url, flags, ctx)));

  const optimize = tableCommand(program, "optimize", "compact small files (or Z-order with --zorder-by) in one commit that changes no data")
    .option("-w, --where <expr>", "only partitions matching this partition filter")
    .option("--zorder-by <columns>", "cluster rows by these columns (comma-separated)", nameList)
    .option("--target-size <bytes>", "target file size in bytes (default: delta.targetFileSize or 128 MiB)", wholeNumber(1));
  examples(optimize, ["lakelog optimize ./events", "lakelog optimize ./events --where \"day >= '2024-05-01'\" --zorder-by user_id,ts"]);
  optimize.action((url: string, flags: OptimizeFlags) => hooks.run("optimize", async (ctx) => (await load()).runOptimize(url, flags, ctx)));

  const restore = tableCommand(program, "restore", "make the latest version hold the content of an earlier one (a new RESTORE commit)")
    .addOption(new Option("--version <version>", "restore this version").argParser(wholeNumber(0)).conflicts("timestamp"))
    .addOption(new Option("--timestamp <time>", "restore the version current at this time (ISO-8601 or epoch ms)").argParser(timestamp));
  examples(restore, ["lakelog restore ./events --version 12", "lakelog restore ./events --timestamp 2024-05-01T00:00:00Z"]);
  restore.action((url: string, flags: RestoreFlags) => hooks.run("restore", async (ctx) => (await load()).runRestore(url, flags, ctx)));

  const del = tableCommand(program, "delete", "delete the rows matching a filter in one commit")
    .option("-w, --where <expr>", "rows to delete, e.g. \"day = '2024-05-01' AND status = 'void'\"")
    .option("--all-rows", "delete every row");
  examples(del, ["lakelog delete ./events --where \"status = 'void'\""]);
  del.action((url: string, flags: DeleteFlags) => hooks.run("delete", async (ctx) => (await load()).runDelete(url, flags, ctx)));

  const update = tableCommand(program, "update", "set columns of the rows matching a filter in one commit")
    .option("-w, --where <expr>", 'rows to update, e.g. "id = 3"')
    .option("--all-rows", "update every row")
    .option(
      "--set <column=expr>",
      'a new value (repeatable): "status=\'void\'" sets a string, "n=n+1" an expression of the row',
      assignment,
    );
  examples(update, [
    'lakelog update ./events --where "id = 3" --set "status=\'void\'"',
    'lakelog update ./events --where "day = \'2024-05-01\'" --set "amount=amount*2" --set "note=NULL"',
  ]);
  update.action((url: string, flags: UpdateFlags) => hooks.run("update", async (ctx) => (await load()).runUpdate(url, flags, ctx)));
}
