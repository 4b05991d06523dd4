/**
 * `info`, `schema` and `history`: what a table is, its columns, and its commits.
 */
import type { AddFile, DataType, DeltaTable, HistoryEntry, StructType } from "../../index.js";
import type { CliContext } from "../context.js";
import type { TimeTravelFlags } from "../flags.js";
import { humanBytes, humanCount, keyValueLines, plural, timeAgo, type Style } from "../style.js";
import { openTable, printJson } from "./open.js";

/** A Delta type in compact text: `long`, `decimal(10,2)`, `array<string>`, `struct<a: int, b: string>`. */
export function typeText(type: DataType): string {
  if (typeof type === "string") return type;
  switch (type.type) {
    case "struct":
      return `struct<${type.fields.map((f) => `${f.name}: ${typeText(f.type)}`).join(", ")}>`;
    case "array":
      return `array<${typeText(type.elementType)}>`;
    case "map":
      return `map<${typeText(type.keyType)}, ${typeText(type.valueType)}>`;
  }
}

/** Totals over the active files. */
export interface FileTotals {
  files: number;
  bytes: number;
  /** Sum of numRecords over files that record it. */
  rows: number;
  filesWithoutRowCount: number;
}

const NUM_RECORDS = /"numRecords"\s*:\s*(\d+)/;

/** numRecords from an add's stats, or undefined. */
export function numRecords(add: AddFile): number | undefined {
  if (typeof add.stats !== "string") return undefined;
  const m = NUM_RECORDS.exec(add.stats);
  return m ? Number(m[1]) : undefined;
}

/** File count, bytes and row count of the active files. */
export function fileTotals(table: DeltaTable): FileTotals {
  const totals: FileTotals = { files: 0, bytes: 0, rows: 0, filesWithoutRowCount: 0 };
  for (const add of table.addActions()) {
    totals.files++;
    totals.bytes += add.size;
    const n = numRecords(add);
    if (n === undefined) totals.filesWithoutRowCount++;
    else totals.rows += n - deletedRows(add);
  }
  return totals;
}

function deletedRows(add: AddFile): number {
  return add.deletionVector?.cardinality ?? 0;
}

/** The commit of the loaded version (timestamp as `history` shows it). */
async function currentCommit(table: DeltaTable, ctx: CliContext): Promise<HistoryEntry | undefined> {
  const [entry] = await table.history({ limit: 1, signal: ctx.signal });
  return entry?.version === table.version ? entry : undefined;
}

/** `lakelog info`. */
export async function runInfo(url: string, flags: TimeTravelFlags & { json?: boolean }, ctx: CliContext): Promise<number> {
  const table = await openTable(url, flags, ctx);
  const commit = await currentCommit(table, ctx);
  const committedMs = commit?.timestamp ?? table.timestamp.getTime();
  const totals = fileTotals(table);
  const meta = table.metadata;
  const p = table.protocol;
  if (flags.json) {
    await printJson(ctx, {
      url: table.url,
      version: table.version,
      timestamp: new Date(committedMs).toISOString(),
      timestampMs: committedMs,
      operation: commit?.operation ?? null,
      id: meta.id,
      name: meta.name ?? null,
      description: meta.description ?? null,
      createdTime: typeof meta.createdTime === "number" ? new Date(meta.createdTime).toISOString() : null,
      columns: table.schema.fields.map((f) => ({ name: f.name, type: typeText(f.type), nullable: f.nullable })),
      partitionColumns: table.partitionColumns,
      numFiles: totals.files,
      sizeBytes: totals.bytes,
      numRows: totals.filesWithoutRowCount === 0 ? totals.rows : null,
      filesWithoutRowCount: totals.filesWithoutRowCount,
      protocol: {
        minReaderVersion: p.minReaderVersion,
        minWriterVersion: p.minWriterVersion,
        readerFeatures: p.readerFeatures ?? [],
        writerFeatures: p.writerFeatures ?? [],
      },
      properties: table.properties,
    });
    return 0;
  }
  const s = ctx.style;
  const rows: Array<[string, string]> = [
    ["table", table.url],
    ["version", String(table.version)],
    ["committed", `${new Date(committedMs).toISOString()} (${timeAgo(committedMs)})${commit?.operation ? `, ${commit.operation}` : ""}`],
  ];
  if (meta.name) rows.push(["name", meta.name]);
  if (meta.description) rows.push(["description", meta.description]);
  rows.push(["id", meta.id]);
  rows.push([
    "columns",
    `${table.schema.fields.length}: ${table.schema.fields.map((f) => `${f.name} ${s.dim(typeText(f.type))}`).join(", ")}`,
  ]);
  rows.push(["partitioned by", table.partitionColumns.join(", ") || s.dim("(not partitioned)")]);
  rows.push(["files", `${plural(totals.files, "file")}, ${humanBytes(totals.bytes)}`]);
  rows.push([
    "rows",
    totals.filesWithoutRowCount === 0
      ? humanCount(totals.rows)
      : `at least ${humanCount(totals.rows)} (${plural(totals.filesWithoutRowCount, "file")} without a row count)`,
  ]);
  rows.push(["protocol", protocolText(table)]);
  const props = Object.entries(table.properties);
  rows.push(["properties", props.length === 0 ? s.dim("(none)") : props.map(([k, v]) => `${k}=${v}`).join(", ")]);
  for (const line of keyValueLines(rows, s)) await ctx.print(line);
  return 0;
}

function protocolText(table: DeltaTable): string {
  const p = table.protocol;
  const features = [...new Set([...(p.readerFeatures ?? []), ...(p.writerFeatures ?? [])])];
  return `reader ${p.minReaderVersion}, writer ${p.minWriterVersion}${features.length ? `; features ${features.join(", ")}` : ""}`;
}

/** `lakelog schema`. */
export async function runSchema(url: string, flags: TimeTravelFlags & { json?: boolean }, ctx: CliContext): Promise<number> {
  const table = await openTable(url, flags, ctx);
  if (flags.json) {
    await printJson(ctx, table.schema);
    return 0;
  }
  const partitions = new Set(table.partitionColumns);
  await ctx.print("root");
  for (const line of schemaTree(table.schema, "", ctx.style, partitions)) await ctx.print(line);
  return 0;
}

/** The lines of a schema drawn as a tree. */
export function schemaTree(schema: StructType, indent: string, style: Style, partitions: Set<string> = new Set()): string[] {
  const lines: string[] = [];
  schema.fields.forEach((f, i) => {
    const last = i === schema.fields.length - 1;
    const notes = [f.nullable ? "" : "not null", partitions.has(f.name) ? "partition" : ""].filter(Boolean);
    const note = notes.length ? style.dim(` (${notes.join(", ")})`) : "";
    lines.push(`${indent}${last ? "└── " : "├── "}${f.name}: ${style.cyan(shortType(f.type))}${note}`);
    lines.push(...nestedTree(f.type, indent + (last ? "    " : "│   "), style));
  });
  return lines;
}

function shortType(type: DataType): string {
  if (typeof type === "string") return type;
  if (type.type === "array") return typeof type.elementType === "string" ? `array<${type.elementType}>` : "array";
  if (type.type === "map")
    return typeof type.valueType === "string" && typeof type.keyType === "string" ? `map<${type.keyType}, ${type.valueType}>` : "map";
  return "struct";
}

function nestedTree(type: DataType, indent: string, style: Style): string[] {
  if (typeof type === "string") return [];
  if (type.type === "struct") return schemaTree(type, indent, style);
  if (type.type === "array" && typeof type.elementType !== "string") {
    return schemaTree(
      { type: "struct", fields: [{ name: "element", type: type.elementType, nullable: type.containsNull, metadata: {} }] },
      indent,
      style,
    );
  }
  if (type.type === "map" && (typeof type.keyType !== "string" || typeof type.valueType !== "string")) {
    return schemaTree(
      {
        type: "struct",
        fields: [
          { name: "key", type: type.keyType, nullable: false, metadata: {} },
          { name: "value", type: type.valueType, nullable: type.valueContainsNull, metadata: {} },
        ],
      },
      indent,
      style,
    );
  }
  return [];
}

/** `lakelog history`. */
export async function runHistory(url: string, flags: { limit?: number; json?: boolean }, ctx: CliContext): Promise<number> {
  const { DeltaTable } = await import("../../index.js");
  const table = await DeltaTable.open(url, { signal: ctx.signal });
  const entries = await table.history({ limit: flags.limit, signal: ctx.signal });
  if (flags.json) {
    await printJson(ctx, entries.map(historyJson));
    return 0;
  }
  const s = ctx.style;
  const width = Math.max(7, ...entries.map((e) => String(e.version).length));
  await ctx.print(s.bold(`${"version".padStart(width)}  ${"timestamp".padEnd(24)}  ${"operation".padEnd(18)}  details`));
  for (const e of entries) {
    const params = e.operationParameters && Object.keys(e.operationParameters).length ? JSON.stringify(e.operationParameters) : "";
    const metrics = metricsText(e.operationMetrics);
    const details = [params, metrics ? s.dim(metrics) : ""].filter(Boolean).join("  ");
    await ctx.print(
      `${String(e.version).padStart(width)}  ${new Date(e.timestamp).toISOString().padEnd(24)}  ${(e.operation ?? "?").padEnd(18)}  ${details}`.trimEnd(),
    );
  }
  return 0;
}

function metricsText(metrics: Record<string, unknown> | undefined): string {
  if (!metrics) return "";
  const pick = ["numOutputRows", "numFiles", "numAddedFiles", "numRemovedFiles", "numDeletedRows", "numUpdatedRows", "numOutputBytes"];
  return pick
    .filter((k) => metrics[k] !== undefined)
    .map((k) => `${k}=${String(metrics[k])}`)
    .join(" ");
}

/** The stable JSON shape of a history entry (spec/cli.md). */
export function historyJson(e: HistoryEntry): Record<string, unknown> {
  return {
    version: e.version,
    timestamp: new Date(e.timestamp).toISOString(),
    timestampMs: e.timestamp,
    operation: e.operation ?? null,
    operationParameters: e.operationParameters ?? {},
    operationMetrics: e.operationMetrics ?? {},
    isBlindAppend: e.isBlindAppend ?? null,
    engineInfo: e.engineInfo ?? null,
    commitInfo: e,
  };
}
