/**
 * `scan` and `head`: rows streamed batch by batch to stdout or a file, in any format. On a
 * terminal `scan` stops at 20 rows unless told otherwise and says when it cut rows.
 */
import { existsSync } from "node:fs";
import type { RecordBatch, Schema } from "apache-arrow";
import type { ScanOptions } from "../../index.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../exit.js";
import { progressBar } from "../progress.js";
import { fileOutput, type Output } from "../render/output.js";
import { rowSink, type RowSink, type TextFormat } from "../render/rows.js";
import type { ChangesFlags, ScanFlags } from "../flags.js";
import { humanCount } from "../style.js";
import { openTable } from "./open.js";

/** Rows `scan` shows on a terminal without `--limit` or `--all`. */
export const TTY_DEFAULT_LIMIT = 20;

interface Plan {
  format: TextFormat | "parquet";
  /** Rows to print (undefined: all). */
  limit: number | undefined;
  /** Whether to say so when rows were cut (the TTY default limit). */
  hintWhenCut: boolean;
}

function planOutput(flags: ScanFlags, ctx: CliContext, headDefault: number | undefined): Plan {
  const format = flags.format ?? (flags.output?.endsWith(".parquet") ? "parquet" : flags.output ? "ndjson" : "table");
  if (format === "parquet" && flags.output === undefined)
    throw new UsageError("--format parquet writes binary data: give a file with --output FILE");
  if (flags.output !== undefined && existsSync(flags.output) && !flags.force)
    throw new UsageError(`${flags.output} exists (pass --force to replace it)`);
  if (flags.limit !== undefined) return { format, limit: flags.limit, hintWhenCut: false };
  if (flags.all) return { format, limit: undefined, hintWhenCut: false };
  if (headDefault !== undefined) return { format, limit: headDefault, hintWhenCut: false };
  if (flags.output === undefined && ctx.out.isTTY) return { format, limit: TTY_DEFAULT_LIMIT, hintWhenCut: true };
  return { format, limit: undefined, hintWhenCut: false };
}

/**
 * Batches up to `limit` rows; sets `cut` when more rows existed (the scan asked for one more).
 * Stops at Ctrl-C (`signal`) between batches, also when the rest is already read: the rows of a
 * table's last file are in hand before they are printed.
 */
async function* limited(
  source: AsyncIterable<RecordBatch>,
  limit: number | undefined,
  state: { rows: number; cut: boolean },
  signal: AbortSignal,
): AsyncGenerator<RecordBatch> {
  for await (const batch of source) {
    signal.throwIfAborted();
    if (limit !== undefined && state.rows + batch.numRows > limit) {
      const keep = limit - state.rows;
      state.cut = true;
      if (keep > 0) {
        state.rows += keep;
        yield batch.slice(0, keep);
      }
      return;
    }
    state.rows += batch.numRows;
    yield batch;
  }
}

/** `lakelog scan` and `lakelog head` (`headDefault` rows unless `--limit`). */
export async function runScan(url: string, flags: ScanFlags, ctx: CliContext, headDefault: number | undefined): Promise<number> {
  const plan = planOutput(flags, ctx, headDefault);
  const table = await openTable(url, flags, ctx);
  const progress = flags.output !== undefined ? progressBar(ctx, "files") : undefined;
  const options: ScanOptions = {
    columns: flags.columns,
    filter: flags.where ?? flags.filter,
    limit: plan.limit === undefined ? undefined : plan.limit + (plan.hintWhenCut ? 1 : 0),
    // rendering, not reading, is the bottleneck of an export: one file read ahead of the one
    // being printed overlaps all the I/O there is to overlap, and holds one file's batches less
    concurrency: 1,
    signal: ctx.signal,
    onProgress: progress ? (p) => progress.update(p.filesRead, p.filesTotal, `${humanCount(p.rowsReturned)} rows`) : undefined,
  };
  const emptySchema = async (): Promise<Schema> =>
    (await table.toArrow({ columns: options.columns, filter: options.filter, limit: 0 })).schema;
  try {
    return await emitRows(table.scan(options), emptySchema, plan, flags, ctx);
  } finally {
    progress?.finish();
  }
}

/** `lakelog changes`: the change data feed of a version range, in the formats of `scan`. */
export async function runChanges(url: string, flags: ChangesFlags, ctx: CliContext): Promise<number> {
  const plan = planOutput(flags, ctx, undefined);
  const table = await openTable(url, {}, ctx);
  const source = table.changes({
    startingVersion: flags.from,
    endingVersion: flags.to,
    columns: flags.columns,
    filter: flags.where ?? flags.filter,
    signal: ctx.signal,
  });
  const emptySchema = async (): Promise<Schema> => {
    const arrow = await import("apache-arrow");
    const fields = table.arrowSchema.fields.filter((f) => flags.columns === undefined || flags.columns.includes(f.name));
    return new arrow.Schema([
      ...fields,
      new arrow.Field("_change_type", new arrow.Utf8(), false),
      new arrow.Field("_commit_version", new arrow.Int64(), false),
      new arrow.Field("_commit_timestamp", new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, "UTC"), false),
    ]);
  };
  return emitRows(source, emptySchema, plan, flags, ctx);
}

/** Writes batches from `source` as the plan says; says so when the terminal limit cut rows. */
async function emitRows(
  source: AsyncIterable<RecordBatch>,
  emptySchema: () => Promise<Schema>,
  plan: Plan,
  flags: ScanFlags,
  ctx: CliContext,
): Promise<number> {
  const state = { rows: 0, cut: false };
  const batches = limited(source, plan.limit, state, ctx.signal);
  if (plan.format === "parquet") {
    const { writeParquetFile } = await import("../render/parquet-file.js");
    await writeParquetFile(flags.output!, withSchema(batches, emptySchema), ctx.signal);
  } else {
    await writeText(plan.format, batches, emptySchema, flags, ctx);
  }
  if (flags.output !== undefined) ctx.err(`wrote ${humanCount(state.rows)} rows to ${flags.output}`);
  if (state.cut && plan.hintWhenCut) {
    ctx.err(ctx.errStyle.dim(`showing the first ${plan.limit} rows; --limit N for more, --all for every row`));
  }
  return 0;
}

async function writeText(
  format: TextFormat,
  batches: AsyncGenerator<RecordBatch>,
  emptySchema: () => Promise<Schema>,
  flags: ScanFlags,
  ctx: CliContext,
): Promise<void> {
  const out: Output = flags.output === undefined ? ctx.out : fileOutput(flags.output);
  const sinkFor = (schema: Schema): RowSink =>
    rowSink(format, schema, out, { binary: flags.binary, style: out === ctx.out ? ctx.style : undefined });
  try {
    let sink: RowSink | undefined;
    for await (const batch of batches) {
      if (out.closed) break;
      sink ??= sinkFor(batch.schema);
      await sink.batch(batch); // no batch is kept past its turn: memory stays at one batch
    }
    sink ??= sinkFor(await emptySchema());
    await sink.end();
  } finally {
    if (out !== ctx.out) await out.close();
  }
}

/** Yields the batches, or one empty batch of the schema when there are none (a Parquet file needs a schema). */
async function* withSchema(batches: AsyncIterable<RecordBatch>, emptySchema: () => Promise<Schema>): AsyncGenerator<RecordBatch> {
  let any = false;
  for await (const batch of batches) {
    any = true;
    yield batch;
  }
  if (!any) {
    const { RecordBatch: Batch } = await import("apache-arrow");
    yield new Batch(await emptySchema());
  }
}
