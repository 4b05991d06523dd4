/**
 * `files`: the active data files, optionally only those a filter may match, with how many carry
 * statistics (files without them can never be skipped by a filter).
 */
import type { AddFile } from "../../index.js";
import type { CliContext } from "../context.js";
import type { TimeTravelFlags } from "../flags.js";
import { humanBytes, humanCount, plural } from "../style.js";
import { numRecords } from "./info.js";
import { openTable } from "./open.js";

/** Which statistics an add carries. */
export interface StatsPresence {
  rowCount: boolean;
  minMax: boolean;
}

/** What the stats of `add` hold (without parsing the whole JSON). */
export function statsPresence(add: AddFile): StatsPresence {
  const stats = typeof add.stats === "string" ? add.stats : "";
  return { rowCount: stats.includes('"numRecords"'), minMax: /"minValues"\s*:\s*\{\s*"/.test(stats) };
}

/** Counts of files with row counts and with min/max values. */
export interface StatsCoverage {
  files: number;
  withRowCount: number;
  withMinMax: number;
}

/** Statistics coverage over `adds`. */
export function statsCoverage(adds: Iterable<AddFile>): StatsCoverage {
  const c: StatsCoverage = { files: 0, withRowCount: 0, withMinMax: 0 };
  for (const add of adds) {
    const p = statsPresence(add);
    c.files++;
    if (p.rowCount) c.withRowCount++;
    if (p.minMax) c.withMinMax++;
  }
  return c;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? "100%" : `${Math.floor((part / whole) * 1000) / 10}%`;
}

/** One line of coverage text. */
export function coverageText(c: StatsCoverage): string {
  return `${humanCount(c.withMinMax)} of ${plural(c.files, "file")} ${c.files === 1 ? "has" : "have"} min/max statistics (${percent(c.withMinMax, c.files)}), ${humanCount(c.withRowCount)} have row counts (${percent(c.withRowCount, c.files)})`;
}

function fileJson(add: AddFile): Record<string, unknown> {
  const p = statsPresence(add);
  return {
    path: add.path,
    size: add.size,
    modificationTime: new Date(add.modificationTime).toISOString(),
    partitionValues: add.partitionValues,
    numRecords: numRecords(add) ?? null,
    hasMinMax: p.minMax,
    deletedRows: add.deletionVector?.cardinality ?? 0,
  };
}

/** `lakelog files`. */
export async function runFiles(url: string, flags: TimeTravelFlags & { json?: boolean; where?: string }, ctx: CliContext): Promise<number> {
  const table = await openTable(url, flags, ctx);
  const adds: AddFile[] = flags.where === undefined ? [...table.addActions()] : table.matchingAddActions(flags.where);
  const coverage = statsCoverage(adds);
  const bytes = adds.reduce((sum, a) => sum + a.size, 0);
  if (flags.json) {
    await ctx.out.write('{\n  "version": ' + table.version + ',\n  "numFiles": ' + adds.length + ',\n  "sizeBytes": ' + bytes);
    await ctx.out.write(`,\n  "statsCoverage": ${JSON.stringify(coverage)},\n  "files": [`);
    for (let i = 0; i < adds.length; i += 1000) {
      const chunk = adds
        .slice(i, i + 1000)
        .map((a) => `\n    ${JSON.stringify(fileJson(a))}`)
        .join(",");
      await ctx.out.write((i === 0 ? "" : ",") + chunk);
    }
    await ctx.out.write(`${adds.length ? "\n  " : ""}]\n}\n`);
    return 0;
  }
  const s = ctx.style;
  const partitioned = table.partitionColumns.length > 0;
  await ctx.print(s.bold(`${"size".padStart(10)}  ${"rows".padStart(12)}  ${partitioned ? "partition  " : ""}path`));
  for (let i = 0; i < adds.length; i += 1000) {
    const lines = adds.slice(i, i + 1000).map((a) => {
      const rows = numRecords(a);
      const part = partitioned
        ? `${Object.entries(a.partitionValues)
            .map(([k, v]) => `${k}=${v ?? "NULL"}`)
            .join(",")}  `
        : "";
      const dv = a.deletionVector ? s.dim(` (${humanCount(a.deletionVector.cardinality)} deleted)`) : "";
      const noStats = statsPresence(a).minMax ? "" : s.yellow(" (no min/max)");
      return `${humanBytes(a.size).padStart(10)}  ${(rows === undefined ? "?" : humanCount(rows)).padStart(12)}  ${part}${a.path}${dv}${noStats}`;
    });
    await ctx.out.write(`${lines.join("\n")}\n`);
  }
  const total = flags.where === undefined ? "" : ` (of ${humanCount(table.files().length)} active; --where kept those that may match)`;
  await ctx.print(`${plural(adds.length, "file")}, ${humanBytes(bytes)}${total}`);
  await ctx.print(`statistics: ${coverageText(coverage)}`);
  return 0;
}
