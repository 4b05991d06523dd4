/**
 * The maintenance and row-level commands: checkpoint, cleanup-log, vacuum, optimize, restore,
 * delete and update. Each runs one library operation on the table's latest version, with a progress bar on a
 * terminal and Ctrl-C wired to its abort signal (an aborted operation commits nothing).
 */
import { DeltaTable } from "../../index.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../exit.js";
import { progressBar } from "../progress.js";
import { humanBytes, humanCount, humanDuration, plural } from "../style.js";
import { printJson } from "./open.js";

/** Flags of `vacuum`. */
export interface VacuumFlags {
  retainHours?: number;
  apply?: boolean;
  dryRun?: boolean;
  full?: boolean;
  retentionCheck: boolean;
  json?: boolean;
}

/** Flags of `optimize`. */
export interface OptimizeFlags {
  where?: string;
  zorderBy?: string[];
  targetSize?: number;
  json?: boolean;
}

/** Flags of `restore`. */
export interface RestoreFlags {
  version?: number;
  timestamp?: number;
  json?: boolean;
}

/** Flags of `delete`. */
export interface DeleteFlags {
  where?: string;
  allRows?: boolean;
  json?: boolean;
}

/** Flags of `update`: `set` maps column names to expression text (`--set col=expr`). */
export interface UpdateFlags {
  where?: string;
  allRows?: boolean;
  set?: Record<string, string>;
  json?: boolean;
}

function open(url: string, ctx: CliContext): Promise<DeltaTable> {
  return DeltaTable.open(url, { signal: ctx.signal });
}

/** `lakelog checkpoint`. */
export async function runCheckpoint(url: string, flags: { json?: boolean }, ctx: CliContext): Promise<number> {
  const table = await open(url, ctx);
  const progress = progressBar(ctx, "actions");
  try {
    const m = await table.checkpoint({ signal: ctx.signal, onProgress: (p) => progress.update(p.actionsWritten, p.totalActions) });
    progress.finish();
    if (flags.json) return printJson(ctx, m).then(() => 0);
    await ctx.print(
      `checkpoint of version ${m.version} written (${m.format}, ${plural(m.parts, "part")}${m.sidecars ? `, ${plural(m.sidecars, "sidecar")}` : ""}): ${humanCount(m.numAddFiles)} active files, ${humanCount(m.numRemoveFiles)} tombstones, ${humanBytes(m.sizeInBytes)} in ${humanDuration(m.durationMs)}`,
    );
    return 0;
  } finally {
    progress.finish();
  }
}

/** `lakelog cleanup-log`. */
export async function runCleanupLog(url: string, flags: { json?: boolean; retainHours?: number }, ctx: CliContext): Promise<number> {
  const table = await open(url, ctx);
  const m = await table.cleanupLog({
    signal: ctx.signal,
    retentionMs: flags.retainHours === undefined ? undefined : Math.round(flags.retainHours * 3_600_000),
  });
  if (flags.json) return printJson(ctx, { ...m, cutoff: new Date(m.cutoff).toISOString() }).then(() => 0);
  const kept =
    m.checkpointVersion === undefined
      ? "no checkpoint before the cutoff, so nothing could go"
      : `kept the checkpoint at version ${m.checkpointVersion} and everything after it`;
  await ctx.print(`deleted ${plural(m.deleted.length, "log file")} older than ${new Date(m.cutoff).toISOString()}; ${kept}`);
  return 0;
}

/** `lakelog vacuum`: a dry run unless `--apply`. */
export async function runVacuum(url: string, flags: VacuumFlags, ctx: CliContext): Promise<number> {
  if (flags.apply && flags.dryRun) throw new UsageError("--apply and --dry-run contradict each other");
  const table = await open(url, ctx);
  const progress = progressBar(ctx, "files");
  let result;
  try {
    result = await table.vacuum({
      retentionHours: flags.retainHours,
      dryRun: !flags.apply,
      mode: flags.full ? "full" : "lite",
      enforceRetention: flags.retentionCheck,
      signal: ctx.signal,
      onProgress: (p) =>
        progress.update(p.phase === "delete" ? p.deleted : p.examined, p.phase === "delete" ? p.candidates : undefined, p.phase),
    });
  } finally {
    progress.finish();
  }
  if (flags.json)
    return printJson(ctx, { ...result, minRetainedTimestamp: new Date(result.minRetainedTimestamp).toISOString() }).then(() => 0);
  const s = ctx.style;
  const verb = result.dryRun ? "would delete" : "deleted";
  for (const path of result.filesDeleted.slice(0, 20)) await ctx.print(`  ${s.dim(path)}`);
  if (result.filesDeleted.length > 20)
    await ctx.print(s.dim(`  …and ${humanCount(result.filesDeleted.length - 20)} more (--json lists all)`));
  await ctx.print(
    `${verb} ${plural(result.filesDeleted.length, "file")} (${humanBytes(result.bytes)}) not needed by any version newer than ${new Date(result.minRetainedTimestamp).toISOString()} (${result.mode} mode)`,
  );
  if (result.dryRun && result.filesDeleted.length > 0) await ctx.print(s.dim("this was a dry run: add --apply to delete them"));
  return 0;
}

/** `lakelog optimize`. */
export async function runOptimize(url: string, flags: OptimizeFlags, ctx: CliContext): Promise<number> {
  const table = await open(url, ctx);
  const progress = progressBar(ctx, "bins");
  let m;
  try {
    m = await table.optimize({
      where: flags.where,
      zOrderBy: flags.zorderBy,
      targetSize: flags.targetSize,
      signal: ctx.signal,
      onProgress: (p) => progress.update(p.binsDone, p.binsTotal, `${humanBytes(p.bytesWritten)} written`),
    });
  } finally {
    progress.finish();
  }
  if (flags.json) return printJson(ctx, m).then(() => 0);
  if (!m.committed) {
    await ctx.print(`nothing to optimize (${plural(m.totalConsideredFiles, "file")} considered)`);
    return 0;
  }
  await ctx.print(
    `version ${m.version}: ${plural(m.numFilesRemoved, "file")} rewritten into ${humanCount(m.numFilesAdded)} (${humanCount(m.numRowsRewritten)} rows, ${plural(m.partitionsOptimized, "partition")}) in ${humanDuration(m.timeMs)}`,
  );
  return 0;
}

/** `lakelog restore`. */
export async function runRestore(url: string, flags: RestoreFlags, ctx: CliContext): Promise<number> {
  if ((flags.version === undefined) === (flags.timestamp === undefined))
    throw new UsageError("give exactly one of --version N or --timestamp T");
  const table = await open(url, ctx);
  const target = flags.version !== undefined ? { version: flags.version } : { timestamp: flags.timestamp! };
  const r = await table.restore(target, { signal: ctx.signal });
  if (flags.json) return printJson(ctx, { version: r.version, restoredVersion: r.restoredVersion, metrics: r.metrics }).then(() => 0);
  const m = r.metrics;
  await ctx.print(
    `version ${r.version}: restored the content of version ${r.restoredVersion} (${plural(m.numRestoredFiles, "file")} re-added, ${plural(m.numRemovedFiles, "file")} removed; ${plural(m.numOfFilesAfterRestore, "file")}, ${humanBytes(m.tableSizeAfterRestore)} now)`,
  );
  return 0;
}

/** `lakelog delete`. */
export async function runDelete(url: string, flags: DeleteFlags, ctx: CliContext): Promise<number> {
  if (flags.where === undefined && !flags.allRows) throw new UsageError("give --where EXPR (or --all-rows to delete every row)");
  if (flags.where !== undefined && flags.allRows) throw new UsageError("--where and --all-rows contradict each other");
  const table = await open(url, ctx);
  const r = await table.delete(flags.where, { signal: ctx.signal });
  if (flags.json) return printJson(ctx, { version: r.version ?? null, metrics: r.metrics }).then(() => 0);
  if (r.version === undefined) await ctx.print("no rows matched: nothing committed");
  else
    await ctx.print(
      `version ${r.version}: deleted ${plural(r.metrics.numDeletedRows, "row")} (${plural(r.metrics.numRemovedFiles, "file")} removed, ${plural(r.metrics.numAddedFiles, "file")} added)`,
    );
  return 0;
}

/** `lakelog update`: `--set` values are expression text (`'x'` a string literal, `n + 1` an expression). */
export async function runUpdate(url: string, flags: UpdateFlags, ctx: CliContext): Promise<number> {
  if (flags.set === undefined || Object.keys(flags.set).length === 0) throw new UsageError("give at least one --set column=expression");
  if (flags.where === undefined && !flags.allRows) throw new UsageError("give --where EXPR (or --all-rows to update every row)");
  if (flags.where !== undefined && flags.allRows) throw new UsageError("--where and --all-rows contradict each other");
  const table = await open(url, ctx);
  const r = await table.update({ where: flags.where, set: flags.set, signal: ctx.signal });
  if (flags.json) return printJson(ctx, { version: r.version ?? null, metrics: r.metrics }).then(() => 0);
  const m = r.metrics;
  if (r.version === undefined) await ctx.print("no rows matched: nothing committed");
  else
    await ctx.print(
      `version ${r.version}: updated ${plural(m.numUpdatedRows, "row")} (${plural(m.numAddedFiles, "file")} added, ${plural(m.numRemovedFiles, "file")} removed, ${plural(m.numDeletionVectorsAdded, "deletion vector")} added, ${plural(m.numCopiedRows, "row")} copied)`,
    );
  return 0;
}
