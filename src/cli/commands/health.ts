/**
 * `health`: the shape of a table and what to run about it — file sizes (a histogram), the share
 * of small files, statistics coverage, deleted rows, the log since the last checkpoint, removed
 * files remembered in the log, and what a vacuum would delete now (a real lite-mode dry run).
 */
import type { DeltaTable } from "../../index.js";
import type { CliContext } from "../context.js";
import type { TimeTravelFlags } from "../flags.js";
import { humanBytes, humanCount, plural, type Style } from "../style.js";
import { coverageText, statsCoverage, type StatsCoverage } from "./files.js";
import { lastCheckpoint, listLog } from "./log-files.js";
import { openTable, printJson } from "./open.js";

const KiB = 1024;
const MiB = 1024 * KiB;
/** Upper bounds (exclusive) of the histogram buckets; the last bucket is open. */
const BUCKETS = [128 * KiB, MiB, 8 * MiB, 32 * MiB, 128 * MiB, 512 * MiB];

/** One histogram bucket. */
export interface SizeBucket {
  label: string;
  minBytes: number;
  maxBytes: number | null;
  files: number;
  bytes: number;
}

/** A recommendation: the command to run and why. */
export interface Advice {
  command: string;
  reason: string;
}

/** Files per size bucket. */
export function sizeHistogram(sizes: Iterable<number>): SizeBucket[] {
  const buckets: SizeBucket[] = [...BUCKETS, Infinity].map((max, i) => {
    const min = i === 0 ? 0 : BUCKETS[i - 1]!;
    const label = i === 0 ? `< ${humanBytes(max)}` : max === Infinity ? `≥ ${humanBytes(min)}` : `${humanBytes(min)} – ${humanBytes(max)}`;
    return { label, minBytes: min, maxBytes: max === Infinity ? null : max, files: 0, bytes: 0 };
  });
  for (const size of sizes) {
    const bucket = buckets.find((b) => b.maxBytes === null || size < b.maxBytes)!;
    bucket.files++;
    bucket.bytes += size;
  }
  return buckets;
}

/** Bars drawn with block characters, scaled to the largest bucket. */
export function histogramLines(buckets: SizeBucket[], style: Style, width = 30): string[] {
  const most = Math.max(1, ...buckets.map((b) => b.files));
  const labelWidth = Math.max(...buckets.map((b) => b.label.length));
  return buckets.map((b) => {
    const cells = b.files === 0 ? 0 : Math.max(1, Math.round((b.files / most) * width));
    return `  ${b.label.padStart(labelWidth)}  ${style.cyan("█".repeat(cells))}${" ".repeat(width - cells)}  ${humanCount(b.files).padStart(7)}  ${style.dim(humanBytes(b.bytes))}`;
  });
}

interface HealthReport {
  version: number;
  numFiles: number;
  sizeBytes: number;
  smallFileThresholdBytes: number;
  smallFiles: number;
  smallFileRatio: number;
  /** Small files sharing a partition with another small file: what optimize would merge. */
  mergeableSmallFiles: number;
  partitions: number;
  histogram: SizeBucket[];
  statsCoverage: StatsCoverage;
  deletionVectors: { files: number; deletedRows: number };
  log: {
    lastCheckpointVersion: number | null;
    commitsSinceCheckpoint: number;
    checkpointInterval: number;
    commitFiles: number;
    logBytes: number;
  };
  removedFiles: { files: number; bytes: number };
  /** A lite-mode vacuum dry run of the latest version with the table's retention. */
  vacuumable: { files: number; bytes: number; retentionHours: number; minRetainedTimestamp: string };
  recommendations: Advice[];
}

function targetFileSize(table: DeltaTable): number {
  const n = Number(table.properties["delta.targetFileSize"]);
  return Number.isSafeInteger(n) && n > 0 ? n : 128 * MiB;
}

async function healthReport(table: DeltaTable, url: string, ctx: CliContext): Promise<HealthReport> {
  const threshold = Math.floor(targetFileSize(table) / 4);
  const sizes: number[] = [];
  const smallPerPartition = new Map<string, number>();
  const partitions = new Set<string>();
  let dvFiles = 0;
  let deletedRows = 0;
  for (const add of table.addActions()) {
    sizes.push(add.size);
    const key = JSON.stringify(add.partitionValues);
    partitions.add(key);
    if (add.size < threshold) smallPerPartition.set(key, (smallPerPartition.get(key) ?? 0) + 1);
    if (add.deletionVector) {
      dvFiles++;
      deletedRows += add.deletionVector.cardinality;
    }
  }
  const smallFiles = [...smallPerPartition.values()].reduce((a, b) => a + b, 0);
  const mergeable = [...smallPerPartition.values()].filter((n) => n >= 2).reduce((a, b) => a + b, 0);
  const log = await listLog(table.store, ctx.signal);
  const checkpoint = lastCheckpoint(log, table.version);
  const interval = Number(table.properties["delta.checkpointInterval"] ?? 10) || 10;
  let removedBytes = 0;
  for (const r of table.snapshot.tombstones.values()) removedBytes += r.size ?? 0;
  const vacuum = await table.vacuum({ dryRun: true, mode: "lite", signal: ctx.signal });
  const report: HealthReport = {
    version: table.version,
    numFiles: sizes.length,
    sizeBytes: sizes.reduce((a, b) => a + b, 0),
    smallFileThresholdBytes: threshold,
    smallFiles,
    smallFileRatio: sizes.length === 0 ? 0 : smallFiles / sizes.length,
    mergeableSmallFiles: mergeable,
    partitions: partitions.size,
    histogram: sizeHistogram(sizes),
    statsCoverage: statsCoverage(table.addActions()),
    deletionVectors: { files: dvFiles, deletedRows },
    log: {
      lastCheckpointVersion: checkpoint ?? null,
      commitsSinceCheckpoint: table.version - (checkpoint ?? -1),
      checkpointInterval: interval,
      commitFiles: log.commits.length,
      logBytes: log.bytes,
    },
    removedFiles: { files: table.snapshot.tombstones.size, bytes: removedBytes },
    vacuumable: {
      files: vacuum.filesDeleted.length,
      bytes: vacuum.bytes,
      retentionHours: vacuum.retentionMillis / 3_600_000,
      minRetainedTimestamp: new Date(vacuum.minRetainedTimestamp).toISOString(),
    },
    recommendations: [],
  };
  report.recommendations = advise(report, url);
  return report;
}

/** What to run, given a report. */
function advise(r: HealthReport, url: string): Advice[] {
  const advice: Advice[] = [];
  const quoted = /^[\w./:@-]+$/.test(url) ? url : `'${url.replace(/'/g, "'\\''")}'`;
  if (r.mergeableSmallFiles >= 2) {
    advice.push({
      command: `lakelog optimize ${quoted}`,
      reason: `${humanCount(r.mergeableSmallFiles)} files under ${humanBytes(r.smallFileThresholdBytes)} share a partition with another small file; compacting them speeds up scans`,
    });
  }
  if (r.deletionVectors.deletedRows > 0) {
    advice.push({
      command: `lakelog optimize ${quoted}`,
      reason: `${humanCount(r.deletionVectors.deletedRows)} deleted rows are still stored in ${plural(r.deletionVectors.files, "file")} (deletion vectors); rewriting purges them`,
    });
  }
  if (r.log.commitsSinceCheckpoint > r.log.checkpointInterval) {
    advice.push({
      command: `lakelog checkpoint ${quoted}`,
      reason: `${humanCount(r.log.commitsSinceCheckpoint)} commits since the last checkpoint: every open reads them all`,
    });
  }
  if (r.vacuumable.files > 0) {
    advice.push({
      command: `lakelog vacuum ${quoted}`,
      reason: `${plural(r.vacuumable.files, "removed file")} (${humanBytes(r.vacuumable.bytes)}) are past the ${humanCount(r.vacuumable.retentionHours)}-hour retention; vacuum lists them (add --apply to delete them)`,
    });
  }
  const merged = new Map<string, Advice>();
  for (const a of advice) {
    const seen = merged.get(a.command);
    merged.set(a.command, seen ? { command: a.command, reason: `${seen.reason}; ${a.reason}` } : a);
  }
  return [...merged.values()];
}

/** `lakelog health`. */
export async function runHealth(url: string, flags: TimeTravelFlags & { json?: boolean }, ctx: CliContext): Promise<number> {
  const table = await openTable(url, flags, ctx);
  const r = await healthReport(table, url, ctx);
  if (flags.json) {
    await printJson(ctx, r);
    return 0;
  }
  const s = ctx.style;
  await ctx.print(
    `${s.bold(table.url)} at version ${r.version}: ${plural(r.numFiles, "file")}, ${humanBytes(r.sizeBytes)}${r.partitions > 1 ? ` in ${plural(r.partitions, "partition")}` : ""}`,
  );
  await ctx.print();
  await ctx.print(s.bold("file sizes"));
  for (const line of histogramLines(r.histogram, s)) await ctx.print(line);
  await ctx.print();
  const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;
  await ctx.print(
    `small files     ${humanCount(r.smallFiles)} under ${humanBytes(r.smallFileThresholdBytes)} (${pct(r.smallFileRatio)} of files)`,
  );
  await ctx.print(`statistics      ${coverageText(r.statsCoverage)}`);
  await ctx.print(
    `deleted rows    ${r.deletionVectors.files === 0 ? "none pending (no deletion vectors)" : `${humanCount(r.deletionVectors.deletedRows)} in ${plural(r.deletionVectors.files, "file")}`}`,
  );
  const cp = r.log.lastCheckpointVersion === null ? "no checkpoint" : `last checkpoint at version ${r.log.lastCheckpointVersion}`;
  await ctx.print(
    `log             ${cp}; ${plural(r.log.commitsSinceCheckpoint, "commit")} since; ${plural(r.log.commitFiles, "commit file")}, ${humanBytes(r.log.logBytes)} in _delta_log`,
  );
  await ctx.print(`removed files   ${plural(r.removedFiles.files, "file")} (${humanBytes(r.removedFiles.bytes)}) remembered in the log`);
  await ctx.print(
    `vacuumable      ${plural(r.vacuumable.files, "file")} (${humanBytes(r.vacuumable.bytes)}) older than ${r.vacuumable.minRetainedTimestamp} (vacuum dry run of the latest version)`,
  );
  await ctx.print();
  if (r.recommendations.length === 0) {
    await ctx.print(s.green("nothing to do: the table is in good shape"));
  } else {
    await ctx.print(s.bold("what to run"));
    for (const a of r.recommendations) await ctx.print(`  ${s.cyan(a.command)}\n    ${s.dim(a.reason)}`);
  }
  return 0;
}
