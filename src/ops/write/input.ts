/**
 * What a write accepts, turned into one shape: a schema known before writing starts and a stream
 * of record batches of lakelog's own apache-arrow classes.
 *
 * Accepted: an Arrow `Table`, a `RecordBatch`, an iterable or async iterable of `RecordBatch`es,
 * or an array of plain-object rows. Arrow objects are recognised by their shape, not
 * `instanceof`, so those made by another copy of apache-arrow (its CommonJS build loaded next to
 * the ES module one, or the application's own version) work: they are adopted into this copy's
 * classes with their buffers shared (`src/arrow/adopt.ts`).
 *
 * Rows are typed by `options.schema` when given (a table's schema): its columns, in its order,
 * missing keys as nulls, keys matched exactly and then case-insensitively; keys the schema lacks
 * are inferred and appended after its columns (whether such a column may be written is the
 * caller's decision). Without a schema every column is inferred (details in `write-rows-infer.ts`):
 * integer-only numbers (within ±2^63) and bigints → `long`; other numbers → `double`; strings →
 * `string`; booleans → `boolean`; `Date` → `timestamp` (UTC, µs); `Uint8Array` → `binary`;
 * plain objects → `struct` of their keys; arrays → `array` of the elements' common type; `Map`s →
 * `map`; null/undefined/missing → null in a nullable column typed by the other rows. A column
 * that is null (or an empty array/map) in every row, or mixes kinds without a common type, is
 * refused with {@link SchemaInferenceError} naming it. What values a given schema's types accept
 * is listed in `write-rows-build.ts`. Rows are built into batches of `batchRows` (default
 * 65 536) as the stream is read, so a large array never becomes one giant batch.
 *
 * An async source is peeked for its first batch to learn the schema; an empty input takes
 * `options.schema` (or fails with {@link SchemaInferenceError} without one).
 */
import { Data, RecordBatch, Schema, Struct, type Table } from "apache-arrow";
import { adoptBatch, adoptSchema } from "../../arrow/adopt.js";
import { SchemaInferenceError } from "./errors.js";
import { builderFor } from "./rows-build.js";
import { describeValue, inferredFields, isPlainObject, observeRows } from "./rows-infer.js";

/** Data a write accepts. */
export type WriteInput = Table | RecordBatch | Iterable<RecordBatch> | AsyncIterable<RecordBatch> | Array<Record<string, unknown>>;

/** Options of {@link openWriteInput}. */
export interface WriteInputOptions {
  /** Arrow schema typing plain-object rows (e.g. the table's) and describing an empty input. */
  schema?: Schema;
  /** Rows per batch built from plain objects (default 65 536). */
  batchRows?: number;
  signal?: AbortSignal;
}

/** The input as a schema and a batch stream (iterate it once). */
export interface OpenedWriteInput {
  schema: Schema;
  batches: AsyncIterable<RecordBatch>;
}

const DEFAULT_BATCH_ROWS = 65_536;

/** True for a `RecordBatch` of any apache-arrow copy. */
export function isRecordBatchLike(v: unknown): v is RecordBatch {
  if (typeof v !== "object" || v === null) return false;
  const b = v as { schema?: { fields?: unknown }; data?: { children?: unknown }; numRows?: unknown };
  return (
    typeof b.numRows === "number" &&
    Array.isArray(b.schema?.fields) &&
    typeof b.data === "object" &&
    b.data !== null &&
    Array.isArray(b.data.children)
  );
}

/** True for a `Table` of any apache-arrow copy. */
export function isTableLike(v: unknown): v is Table {
  if (typeof v !== "object" || v === null) return false;
  const t = v as { schema?: { fields?: unknown }; batches?: unknown; numRows?: unknown };
  return typeof t.numRows === "number" && Array.isArray(t.batches) && Array.isArray(t.schema?.fields);
}

/**
 * Opens any {@link WriteInput}: resolves once the schema is known (for an async source, after
 * its first batch arrives). Reads nothing else ahead; the batches are produced as they are
 * iterated, adopted into lakelog's apache-arrow classes.
 *
 * @example
 * const { schema, batches } = await openWriteInput([{ id: 1, name: "a" }, { id: 2, name: null }]);
 */
export async function openWriteInput(data: WriteInput, options: WriteInputOptions = {}): Promise<OpenedWriteInput> {
  options.signal?.throwIfAborted();
  const given = options.schema ? adoptSchema(options.schema) : undefined;
  if (isTableLike(data)) return { schema: adoptSchema(data.schema), batches: adopted(data.batches, options.signal) };
  if (isRecordBatchLike(data)) return { schema: adoptSchema(data.schema), batches: adopted([data], options.signal) };
  if (Array.isArray(data)) {
    const first: unknown = data[0];
    if (first === undefined) return { schema: given ?? noSchema(), batches: adopted([], options.signal) };
    if (isRecordBatchLike(first))
      return { schema: adoptSchema(first.schema), batches: adopted(data as unknown as RecordBatch[], options.signal) };
    return openRows(data, given, options);
  }
  if (typeof data === "object" && data !== null && (Symbol.asyncIterator in data || Symbol.iterator in data)) {
    return peek(data as AsyncIterable<RecordBatch> | Iterable<RecordBatch>, given, options.signal);
  }
  throw new SchemaInferenceError(
    "",
    `cannot write a ${describeValue(data)}: pass an Arrow Table, RecordBatch(es) or an array of plain objects`,
  );
}

function noSchema(): never {
  throw new SchemaInferenceError("", "the input is empty and no schema was given");
}

function checkBatch(v: unknown, index: number): RecordBatch {
  if (!isRecordBatchLike(v))
    throw new SchemaInferenceError("", `item ${index} of the input is a ${describeValue(v)}, not an Arrow RecordBatch`);
  return adoptBatch(v);
}

async function* adopted(batches: Iterable<unknown> | AsyncIterable<unknown>, signal: AbortSignal | undefined): AsyncGenerator<RecordBatch> {
  let index = 0;
  for await (const b of batches) {
    signal?.throwIfAborted();
    yield checkBatch(b, index++);
  }
}

/** Reads the first batch of an (async) iterable to learn the schema; the stream still yields it. */
async function peek(
  source: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  given: Schema | undefined,
  signal: AbortSignal | undefined,
): Promise<OpenedWriteInput> {
  const iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Iterable<RecordBatch>)[Symbol.iterator]();
  const head = await iterator.next();
  if (head.done) return { schema: given ?? noSchema(), batches: adopted([], signal) };
  const first = checkBatch(head.value, 0);
  async function* rest(): AsyncGenerator<RecordBatch> {
    let done = false;
    try {
      yield first;
      for (let index = 1; ; index++) {
        signal?.throwIfAborted();
        const next = await iterator.next();
        if (next.done) {
          done = true;
          return;
        }
        yield checkBatch(next.value, index);
      }
    } finally {
      if (!done) await iterator.return?.();
    }
  }
  return { schema: first.schema, batches: rest() };
}

/** Plain-object rows: the schema (given columns first, then inferred ones) and batches built lazily. */
function openRows(rows: readonly unknown[], given: Schema | undefined, options: WriteInputOptions): OpenedWriteInput {
  const known = new Set<string>();
  for (const f of given?.fields ?? []) {
    known.add(f.name);
    known.add(f.name.toLowerCase());
  }
  const observed = observeRows(rows, new Map(), known);
  const schema = new Schema([...(given?.fields ?? []), ...inferredFields(observed)]);
  const size = Math.max(1, options.batchRows ?? DEFAULT_BATCH_ROWS);
  async function* build(): AsyncGenerator<RecordBatch> {
    for (let start = 0; start < rows.length; start += size) {
      options.signal?.throwIfAborted();
      yield rowsToBatch(rows, start, Math.min(rows.length, start + size), schema);
    }
  }
  return { schema, batches: build() };
}

/** Rows `start` to `end` (exclusive) as one batch of `schema`. */
export function rowsToBatch(rows: readonly unknown[], start: number, end: number, schema: Schema): RecordBatch {
  const builders = schema.fields.map((f) => builderFor(f, f.name));
  const index = new Map<string, number>();
  schema.fields.forEach((f, i) => {
    index.set(f.name, i);
    if (!index.has(f.name.toLowerCase())) index.set(f.name.toLowerCase(), i);
  });
  const values: unknown[] = new Array(builders.length);
  for (let r = start; r < end; r++) {
    const row = rows[r];
    if (!isPlainObject(row)) throw new SchemaInferenceError("", `row ${r} is a ${describeValue(row)}, not a plain object`);
    values.fill(undefined);
    for (const key of Object.keys(row)) {
      const i = index.get(key) ?? index.get(key.toLowerCase());
      if (i !== undefined) values[i] = row[key];
    }
    builders.forEach((b, i) => b.append(values[i]));
  }
  const columns = builders.map((b) => b.finish());
  return new RecordBatch(schema, new Data(new Struct(schema.fields), 0, end - start, 0, [undefined, undefined, undefined], columns));
}
