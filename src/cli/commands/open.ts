/**
 * Opening the table a command names, with time travel, and printing JSON documents.
 */
import { DeltaTable, type OpenTableOptions } from "../../index.js";
import type { CliContext } from "../context.js";
import type { TimeTravelFlags } from "../flags.js";

/** Opens `url` at the version the flags ask for (latest by default). */
export function openTable(url: string, flags: TimeTravelFlags, ctx: CliContext): Promise<DeltaTable> {
  const options: OpenTableOptions = { signal: ctx.signal };
  if (flags.versionAsOf !== undefined) options.version = flags.versionAsOf;
  if (flags.timestampAsOf !== undefined) options.timestamp = flags.timestampAsOf;
  return DeltaTable.open(url, options);
}

/** Writes a JSON document (two-space indent) and a newline to stdout. */
export async function printJson(ctx: CliContext, value: unknown): Promise<void> {
  await ctx.out.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
}

/** bigint → number when safe, else its digits as a string. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}
