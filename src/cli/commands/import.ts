/**
 * `import`: CSV, NDJSON and Parquet files written to a table in one commit. Column types come
 * from `--schema`, else the existing table's schema, else inference from the first rows of the
 * first file. Files are read as streams (Parquet one decode unit at a time, with ranged reads),
 * so memory stays bounded by a batch, not the input size.
 */
import { createReadStream, statSync } from "node:fs";
import { basename, dirname, extname } from "node:path";
import type { RecordBatch } from "apache-arrow";
import { createEngine, DeltaTable, LocalStore, writeDeltaTable, type DataType, type StructField } from "../../index.js";
import type { CliContext } from "../context.js";
import { CliError, UsageError } from "../exit.js";
import { progressBar, type Progress } from "../progress.js";
import type { ImportFlags } from "../flags.js";
import { parseSchemaSpec } from "../schema-spec.js";
import { humanBytes, humanCount, plural } from "../style.js";
import { csvRecords, type CsvRecord } from "../input/csv.js";
import { badValue, batchOf, builderValue, inferJsonType, inferTextType } from "../input/columns.js";
import { printJson } from "./open.js";

const BATCH_ROWS = 16_384;
const SAMPLE_ROWS = 1_000;

type Format = "csv" | "ndjson" | "parquet";

function formatOf(path: string, given: Format | undefined): Format {
  if (given) return given;
  const ext = extname(path).toLowerCase();
  if (ext === ".csv" || ext === ".tsv" || ext === ".txt") return "csv";
  if (ext === ".ndjson" || ext === ".jsonl" || ext === ".json") return "ndjson";
  if (ext === ".parquet" || ext === ".pq") return "parquet";
  throw new UsageError(`cannot tell the format of ${path} from its extension (give --format csv|ndjson|parquet)`);
}

/** Known column types: `--schema`, else the table's, else none (infer). */
async function knownTypes(url: string, flags: ImportFlags, ctx: CliContext): Promise<Map<string, DataType> | undefined> {
  if (flags.schema !== undefined) return new Map(parseSchemaSpec(flags.schema).fields.map((f) => [f.name, f.type]));
  try {
    const table = await DeltaTable.open(url, { signal: ctx.signal });
    return new Map(table.schema.fields.map((f) => [f.name, f.type]));
  } catch (err) {
    if ((err as { code?: unknown }).code === "TABLE_NOT_FOUND") return undefined;
    throw err;
  }
}

interface Tracker {
  bytesDone: number;
  bytesTotal: number;
  rows: number;
  progress: Progress;
}

function advance(t: Tracker, bytes: number, rows: number): void {
  t.bytesDone += bytes;
  t.rows += rows;
  t.progress.update(t.bytesDone, t.bytesTotal, `${humanCount(t.rows)} rows`);
}

async function* textChunks(path: string, tracker: Tracker, signal: AbortSignal): AsyncGenerator<string> {
  const stream = createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20, signal });
  for await (const chunk of stream as AsyncIterable<string>) {
    advance(tracker, Buffer.byteLength(chunk), 0);
    yield chunk;
  }
}

/** Column types known so far: from --schema or the table, else from the first file read. */
interface Types {
  known?: Map<string, DataType>;
}

/** Fields for `names`: known types first, else inferred from the sample column (then known for later files). */
function fieldsFor(names: string[], types: Types, sampleType: (k: number) => DataType): StructField[] {
  const fields = names.map((name, k) => ({ name, type: types.known?.get(name) ?? sampleType(k), nullable: true, metadata: {} }));
  types.known ??= new Map(fields.map((f) => [f.name, f.type]));
  return fields;
}

async function* csvBatches(path: string, flags: ImportFlags, types: Types, tracker: Tracker, ctx: CliContext): AsyncGenerator<RecordBatch> {
  let header: string[] | undefined;
  let fields: StructField[] | undefined;
  const pending: CsvRecord[] = [];
  let row = 0;
  const flush = (records: CsvRecord[]): RecordBatch => {
    const columns = fields!.map((f, k) =>
      records.map((r, i) => builderValue(f.type, r[k] ?? null, () => badValue(f.name, row + i + 1, r[k], f.type))),
    );
    row += records.length;
    tracker.rows += records.length;
    return batchOf(fields!, columns, records.length);
  };
  for await (const group of csvRecords(textChunks(path, tracker, ctx.signal), flags.delimiter)) {
    let records = group;
    if (!header) {
      header = records[0]!.map((h, k) => h ?? `column_${k + 1}`);
      records = records.slice(1);
    }
    pending.push(...records);
    if (!fields && pending.length < SAMPLE_ROWS) continue;
    fields ??= fieldsFor(header, types, (k) => inferTextType(pending.map((r) => r[k] ?? null)));
    while (pending.length >= BATCH_ROWS) yield flush(pending.splice(0, BATCH_ROWS));
  }
  if (!header) throw new CliError("CLI_BAD_INPUT", `${path} is empty (a CSV file needs a header line)`);
  fields ??= fieldsFor(header, types, (k) => inferTextType(pending.map((r) => r[k] ?? null)));
  if (pending.length > 0) yield flush(pending);
}

async function* ndjsonBatches(path: string, types: Types, tracker: Tracker, ctx: CliContext): AsyncGenerator<RecordBatch> {
  let fields: StructField[] | undefined;
  const pending: Array<Record<string, unknown>> = [];
  let line = 0;
  let row = 0;
  let rest = "";
  const flush = (objects: Array<Record<string, unknown>>): RecordBatch => {
    const columns = fields!.map((f) =>
      objects.map((o, i) => builderValue(f.type, o[f.name], () => badValue(f.name, row + i + 1, o[f.name], f.type))),
    );
    row += objects.length;
    tracker.rows += objects.length;
    return batchOf(fields!, columns, objects.length);
  };
  const decide = (): StructField[] => {
    const names = [...new Set(pending.flatMap((o) => Object.keys(o)))];
    return fieldsFor(names, types, (k) => inferJsonType(pending.map((o) => o[names[k]!])));
  };
  const parse = (text: string): void => {
    line++;
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new CliError("CLI_BAD_INPUT", `${path} line ${line}: not JSON (${(err as Error).message})`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new CliError("CLI_BAD_INPUT", `${path} line ${line}: not a JSON object`);
    pending.push(value as Record<string, unknown>);
  };
  for await (const chunk of textChunks(path, tracker, ctx.signal)) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const text of lines) parse(text);
    if (!fields && pending.length < SAMPLE_ROWS) continue;
    fields ??= decide();
    while (pending.length >= BATCH_ROWS) yield flush(pending.splice(0, BATCH_ROWS));
  }
  parse(rest);
  fields ??= decide();
  if (pending.length > 0) yield flush(pending);
}

/**
 * The batches of a Parquet file through the library's reader (the one scans use): ranged reads
 * of one decode unit (a row group, or a few columns of a large one) at a time, so memory is
 * bounded by that unit, not the file; a damaged file fails with CorruptParquetError.
 */
async function* parquetBatches(path: string, tracker: Tracker, signal: AbortSignal): AsyncGenerator<RecordBatch> {
  const { parquet, store } = createEngine(new LocalStore(dirname(path)));
  const name = basename(path);
  const { numRows } = await parquet.readInfo(store, name, { signal });
  const size = statSync(path).size;
  let rows = 0;
  for await (const batch of parquet.read(store, name, { size, signal })) {
    // progress counts input bytes: credit them in proportion to the rows read
    const before = Math.round((size * rows) / Math.max(1, numRows));
    rows += batch.numRows;
    advance(tracker, Math.round((size * rows) / Math.max(1, numRows)) - before, batch.numRows);
    yield batch;
  }
}

/** `lakelog import`. */
export async function runImport(url: string, files: string[], flags: ImportFlags, ctx: CliContext): Promise<number> {
  const formats = files.map((f) => formatOf(f, flags.format));
  const bytesTotal = files.reduce((sum, f) => {
    try {
      return sum + statSync(f).size;
    } catch {
      throw new UsageError(`cannot read ${f}: no such file`);
    }
  }, 0);
  const types: Types = { known: await knownTypes(url, flags, ctx) };
  const tracker: Tracker = { bytesDone: 0, bytesTotal, rows: 0, progress: progressBar(ctx, "bytes") };
  async function* all(): AsyncGenerator<RecordBatch> {
    for (const [i, path] of files.entries()) {
      const source =
        formats[i] === "csv"
          ? csvBatches(path, flags, types, tracker, ctx)
          : formats[i] === "ndjson"
            ? ndjsonBatches(path, types, tracker, ctx)
            : parquetBatches(path, tracker, ctx.signal);
      for await (const batch of source) {
        ctx.signal.throwIfAborted();
        yield batch;
      }
    }
  }
  let result;
  try {
    result = await writeDeltaTable(url, all(), { mode: flags.mode, partitionBy: flags.partitionBy, signal: ctx.signal });
  } finally {
    tracker.progress.finish();
  }
  const m = result.metrics;
  if (flags.json) {
    await printJson(ctx, {
      version: result.version,
      rows: m.numOutputRows,
      files: m.numFiles,
      bytes: m.numOutputBytes,
      removedFiles: m.numRemovedFiles,
    });
    return 0;
  }
  await ctx.print(
    `imported ${humanCount(m.numOutputRows)} rows from ${plural(files.length, "file")} into ${url}: version ${result.version}, ${plural(m.numFiles, "data file")} (${humanBytes(m.numOutputBytes)})${flags.mode === "overwrite" ? `, replaced ${plural(m.numRemovedFiles, "file")}` : ""}`,
  );
  return 0;
}
