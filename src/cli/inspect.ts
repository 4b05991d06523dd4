/**
 * CLI commands that inspect a table: info, schema, history, files, scan.
 */
import type { RecordBatch } from "apache-arrow";
import { DeltaTable, type OpenTableOptions } from "../index.js";
import { formatRows, type RowFormat } from "./format.js";

/** The commands this module serves. */
export const INSPECT_COMMANDS = new Set(["info", "schema", "history", "files", "scan"]);

/** Parsed option values the inspect commands read. */
export interface InspectFlags {
  "version-as-of"?: string;
  "timestamp-as-of"?: string;
  limit?: string;
  columns?: string;
  filter?: string;
  format?: string;
}

function openOptions(flags: InspectFlags): OpenTableOptions {
  const options: OpenTableOptions = {};
  if (flags["version-as-of"] !== undefined) options.version = integerFlag("--version-as-of", flags["version-as-of"]);
  if (flags["timestamp-as-of"] !== undefined) {
    const t = flags["timestamp-as-of"];
    options.timestamp = /^\d+$/.test(t) ? Number(t) : t;
  }
  return options;
}

function integerFlag(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} needs a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

/** Runs one inspect command; returns the exit code. */
export async function runInspect(command: string, url: string, flags: InspectFlags): Promise<number> {
  const table = await DeltaTable.open(url, openOptions(flags));
  switch (command) {
    case "info":
      printInfo(table);
      return 0;
    case "schema":
      console.log(JSON.stringify(table.schema, null, 2));
      return 0;
    case "history": {
      const limit = flags.limit === undefined ? undefined : integerFlag("--limit", flags.limit);
      for (const h of await table.history({ limit })) {
        const params = h.operationParameters ? ` ${JSON.stringify(h.operationParameters)}` : "";
        console.log(`${String(h.version).padStart(6)}  ${new Date(h.timestamp).toISOString()}  ${h.operation ?? "?"}${params}`);
      }
      return 0;
    }
    case "files":
      for (const add of table.addActions()) console.log(`${add.path}\t${add.size}`);
      return 0;
    default:
      return scan(table, flags);
  }
}

function printInfo(table: DeltaTable): void {
  let files = 0;
  let bytes = 0;
  for (const add of table.addActions()) {
    files++;
    bytes += add.size;
  }
  const p = table.protocol;
  const lines = [
    ["table", table.url],
    ["version", String(table.version)],
    ["committed", table.timestamp.toISOString()],
    ["name", table.metadata.name ?? ""],
    ["columns", table.schema.fields.map((f) => `${f.name} ${typeof f.type === "string" ? f.type : f.type.type}${f.nullable ? "" : " not null"}`).join(", ")],
    ["partitioned by", table.partitionColumns.join(", ") || "(none)"],
    ["files", `${files} (${(bytes / 2 ** 20).toFixed(1)} MiB)`],
    ["protocol", `reader ${p.minReaderVersion}, writer ${p.minWriterVersion}${p.readerFeatures?.length ? `; reader features ${p.readerFeatures.join(", ")}` : ""}${p.writerFeatures?.length ? `; writer features ${p.writerFeatures.join(", ")}` : ""}`],
    ["properties", Object.entries(table.properties).map(([k, v]) => `${k}=${v}`).join(", ") || "(none)"],
  ];
  for (const [k, v] of lines) console.log(`${k!.padEnd(15)}${v}`);
}

async function scan(table: DeltaTable, flags: InspectFlags): Promise<number> {
  const limit = flags.limit === undefined ? 20 : integerFlag("--limit", flags.limit);
  const format = (flags.format ?? "table") as RowFormat;
  if (!["table", "json", "csv"].includes(format)) throw new RangeError(`--format must be table, json or csv, not ${format}`);
  const batches: RecordBatch[] = [];
  for await (const batch of table.scan({ columns: flags.columns?.split(",").map((c) => c.trim()), filter: flags.filter, limit })) batches.push(batch);
  for (const line of formatRows(batches, format)) console.log(line);
  return 0;
}
