/**
 * Reading the change data feed: the rows inserted, deleted and updated by each commit of a range
 * of versions, with `_change_type`, `_commit_version` and `_commit_timestamp`, streamed file by
 * file. Commits with `cdc` actions are read from their change data files; the others are inferred
 * from their `add` and `remove` actions (see `changes-plan.ts`). See spec/row-level.md.
 */
import { type Data, Field, type RecordBatch, Schema, Utf8 } from "apache-arrow";
import { batchOf } from "../arrow/data.js";
import { filterBatch } from "../arrow/filter.js";
import { DeletedRows, loadDeletionVector } from "../dv/deletion-vector.js";
import { InvalidArgumentError } from "../errors/argument-errors.js";
import { ChangeDataFileMissingError, ChangeDataVersionError } from "../errors/row-level-errors.js";
import { NotFoundError } from "../errors/storage-errors.js";
import { bind, type BoundExpression } from "../expr/bind.js";
import { evaluate } from "../expr/evaluate.js";
import type { Expression } from "../expr/expression.js";
import { parseExpression } from "../expr/parse.js";
import { partitionVector } from "../expr/partition-values.js";
import { loadSnapshot, type Snapshot } from "../log/snapshot.js";
import { toArrowSchema } from "../schema/arrow-schema.js";
import type { StructType } from "../schema/types.js";
import { describeArgument, optionalSafeInteger } from "../util/validate.js";
import { listCommitFiles, monotonicTimes, planChanges, type ChangeRead, type CommitChanges } from "./changes-plan.js";
import { readFileRows, type FileRows } from "./file-rows.js";
import type { ScanEnvironment } from "./scan.js";
import { planScan, type ScanPlan } from "./scan-plan.js";

/** Which changes to read. Give a starting version or a starting timestamp (ms); the end defaults to the snapshot's version. */
export interface ChangesOptions {
  startingVersion?: number;
  /** First version committed at or after this time (ms since the epoch). */
  startingTimestamp?: number;
  endingVersion?: number;
  /** Last version committed at or before this time (ms since the epoch). */
  endingTimestamp?: number;
  /** Table columns to return (default all); the three change columns always follow. */
  columns?: string[];
  /** Only change rows satisfying this predicate (may use the table's columns and `_change_type`, `_commit_version`, `_commit_timestamp`). */
  filter?: string | Expression;
  /** Target rows per batch read from a file. */
  batchSize?: number;
  signal?: AbortSignal;
}

/** The change columns appended to every row. */
export const CHANGE_COLUMNS = ["_change_type", "_commit_version", "_commit_timestamp"] as const;

/**
 * Streams the changes of the versions in range as record batches: the table's columns (as of the
 * snapshot given, normally the latest) followed by `_change_type` (string), `_commit_version`
 * (long) and `_commit_timestamp` (timestamp). Memory: the file actions of the range plus the
 * batches of one file. I/O: one log listing, one `get` per commit of the range, the snapshot at
 * the starting version, then each needed file (change data files, or data files added or removed
 * and their deletion vectors).
 *
 * Throws `ChangeDataFeedNotEnabledError` when `delta.enableChangeDataFeed` was off at a version of
 * the range, `ChangeDataVersionError` for a range the log cannot provide, and
 * `ChangeDataFileMissingError` when a file the range needs was vacuumed (raised before its rows).
 */
export async function* readChanges(env: ScanEnvironment, snapshot: Snapshot, options: ChangesOptions): AsyncGenerator<RecordBatch> {
  const store = env.engine.store;
  const commits = await listCommitFiles(store, options.signal);
  const { startingVersion, endingVersion } = resolveRange(snapshot, commits, options);
  if (startingVersion > endingVersion) return;
  const atStart = await loadSnapshot(env.engine, { version: startingVersion, signal: options.signal });
  const plan = await planChanges(store, { startingVersion, endingVersion, commits }, atStart.metadata, options.signal);
  const output = outputOf(snapshot, options);
  for (const commit of plan) {
    for (const read of commit.reads) {
      for await (const batch of readChange(env, snapshot, output.scan, commit, read, options)) {
        options.signal?.throwIfAborted();
        let out = withChangeColumns(batch.batch, batch.changeType, commit, output.schema);
        if (output.filter) out = filterBatch(out, evaluate(output.filter, out));
        if (out.numRows > 0) yield project(out, output.columns);
      }
    }
  }
}

interface Output {
  scan: ScanPlan;
  /** Every table column plus the change columns. */
  schema: Schema;
  columns: string[];
  filter?: BoundExpression;
}

function outputOf(snapshot: Snapshot, options: ChangesOptions): Output {
  const scan = planScan(snapshot, {});
  const struct: StructType = {
    type: "struct",
    fields: [
      ...snapshot.schema.fields,
      { name: "_change_type", type: "string", nullable: false, metadata: {} },
      { name: "_commit_version", type: "long", nullable: false, metadata: {} },
      { name: "_commit_timestamp", type: "timestamp", nullable: false, metadata: {} },
    ],
  };
  const wanted = options.columns ?? snapshot.schema.fields.map((f) => f.name);
  planScan(snapshot, { columns: options.columns }); // checks the names
  const expr = typeof options.filter === "string" ? parseExpression(options.filter) : options.filter;
  return { scan, schema: toArrowSchema(struct), columns: [...wanted, ...CHANGE_COLUMNS], filter: expr ? bind(expr, struct) : undefined };
}

/** The versions of the request (timestamps resolved against commit times). */
function resolveRange(
  snapshot: Snapshot,
  commits: Awaited<ReturnType<typeof listCommitFiles>>,
  options: ChangesOptions,
): { startingVersion: number; endingVersion: number } {
  const url = snapshot.tableUrl;
  optionalSafeInteger(options.startingVersion, "startingVersion");
  optionalSafeInteger(options.endingVersion, "endingVersion");
  const hasStartVersion = options.startingVersion !== undefined;
  const hasStartTime = options.startingTimestamp !== undefined;
  if (hasStartVersion === hasStartTime)
    throw new InvalidArgumentError(
      "changes start",
      describeArgument(options.startingVersion ?? options.startingTimestamp),
      "exactly one of startingVersion or startingTimestamp",
    );
  if (options.endingVersion !== undefined && options.endingTimestamp !== undefined)
    throw new InvalidArgumentError(
      "changes end",
      describeArgument(options.endingTimestamp),
      "at most one of endingVersion or endingTimestamp",
    );
  const latest = snapshot.version;
  const times = monotonicTimes(commits);
  const known = commits.map((c, i) => ({ version: c.version, time: times[i]! })).filter((c) => c.version <= latest);
  let start = options.startingVersion ?? 0;
  if (hasStartTime) {
    const ms = checkTime(options.startingTimestamp, "startingTimestamp");
    const first = known.find((c) => c.time >= ms);
    if (!first)
      throw new ChangeDataVersionError(
        url,
        latest + 1,
        latest,
        `no commit at or after ${new Date(ms).toISOString()} (the latest is version ${latest})`,
      );
    start = first.version;
  }
  let end = options.endingVersion ?? latest;
  if (options.endingTimestamp !== undefined) {
    const ms = checkTime(options.endingTimestamp, "endingTimestamp");
    const last = [...known].reverse().find((c) => c.time <= ms);
    end = last ? last.version : -1;
  }
  if (start > latest) throw new ChangeDataVersionError(url, start, end, `the starting version is after the latest version ${latest}`);
  return { startingVersion: start, endingVersion: Math.min(end, latest) };
}

function checkTime(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new InvalidArgumentError(name, describeArgument(value), "milliseconds since the epoch");
  return value;
}

type ChangeBatch = { batch: RecordBatch; changeType: string | undefined };

/** The rows of one planned read, in the scan's read schema; `changeType` undefined when the batch carries `_change_type`. */
async function* readChange(
  env: ScanEnvironment,
  snapshot: Snapshot,
  plan: ScanPlan,
  commit: CommitChanges,
  read: ChangeRead,
  options: ChangesOptions,
): AsyncGenerator<ChangeBatch> {
  const path = read.kind === "cdc" ? read.file.path : read.path;
  const opts = { batchSize: options.batchSize, signal: options.signal };
  try {
    if (read.kind === "cdc") {
      const extra = new Schema([new Field("_change_type", new Utf8(), true)]);
      const file = { path: read.file.path, size: read.file.size, partitionValues: read.file.partitionValues };
      for await (const r of readFileRows(snapshot.tableUrl, env, plan, file, { ...opts, deleted: DeletedRows.EMPTY, extraColumns: extra }))
        yield { batch: r.batch, changeType: undefined };
    } else if (read.kind === "rows") {
      for await (const r of readFileRows(snapshot.tableUrl, env, plan, read, opts)) yield { batch: r.batch, changeType: read.changeType };
    } else {
      yield* readDvUpdate(env, snapshot, plan, read, opts);
    }
  } catch (err) {
    if (err instanceof NotFoundError) throw new ChangeDataFileMissingError(snapshot.tableUrl, commit.version, path, { cause: err });
    throw err;
  }
}

/** Rows whose deletion state a re-add changed: newly deleted rows are deletes, undeleted rows inserts. */
async function* readDvUpdate(
  env: ScanEnvironment,
  snapshot: Snapshot,
  plan: ScanPlan,
  read: Extract<ChangeRead, { kind: "dv-update" }>,
  opts: { batchSize?: number; signal?: AbortSignal },
): AsyncGenerator<ChangeBatch> {
  const load = (d: typeof read.before) =>
    d ? loadDeletionVector(env.engine.store, d, { signal: opts.signal }) : Promise.resolve(DeletedRows.EMPTY);
  const before = await load(read.before);
  const after = await load(read.after);
  for await (const { batch, rowIndexes } of readFileRows(snapshot.tableUrl, env, plan, read, { ...opts, deleted: DeletedRows.EMPTY })) {
    const deletes = maskOf(rowIndexes, (i) => after.has(i) && !before.has(i));
    const inserts = maskOf(rowIndexes, (i) => before.has(i) && !after.has(i));
    if (deletes.some((m) => m === 1)) yield { batch: filterBatch(batch, deletes), changeType: "delete" };
    if (inserts.some((m) => m === 1)) yield { batch: filterBatch(batch, inserts), changeType: "insert" };
  }
}

function maskOf(rowIndexes: FileRows["rowIndexes"], test: (i: number) => boolean): Uint8Array {
  const mask = new Uint8Array(rowIndexes.length);
  for (let i = 0; i < rowIndexes.length; i++) if (test(rowIndexes[i]!)) mask[i] = 1;
  return mask;
}

/** `batch` (table columns, plus `_change_type` for change data files) with the three change columns. */
function withChangeColumns(batch: RecordBatch, changeType: string | undefined, commit: CommitChanges, schema: Schema): RecordBatch {
  const rows = batch.numRows;
  const tableColumns = schema.fields.length - CHANGE_COLUMNS.length;
  const children = batch.data.children.slice(0, tableColumns) as Data[];
  const type =
    changeType === undefined ? (batch.data.children[tableColumns] as Data) : (partitionVector(changeType, "string", rows).data[0] as Data);
  const version = partitionVector(BigInt(commit.version), "long", rows).data[0] as Data;
  const timestamp = partitionVector(BigInt(commit.timestamp) * 1000n, "timestamp", rows).data[0] as Data;
  return batchOf(schema, [...children, type, version, timestamp], rows);
}

function project(batch: RecordBatch, columns: string[]): RecordBatch {
  if (columns.length === batch.schema.fields.length) return batch;
  const fields = columns.map((c) => batch.schema.fields.find((f) => f.name === c)!);
  return batchOf(
    new Schema(fields),
    columns.map((c) => batch.getChild(c)!.data[0] as Data),
    batch.numRows,
  );
}
