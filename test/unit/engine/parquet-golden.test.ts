/**
 * Type fidelity against Spark-written golden tables: every data file of the table, read and
 * normalised to the schema of `expected/`, must give exactly the expected rows. These cases have
 * no removes or deletion vectors, so the data files are the table; partition columns (not stored
 * in data files) are left out of the comparison.
 */
import type { RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { normalizeBatch } from "../../../src/arrow/cast.js";
import { openParquetFile } from "../../../src/engine/parquet-read.js";
import { HAS_SHARED, parquetFilesUnder, rowStrings, sharedStore, SKIP_REASON } from "./fixtures.js";

const CASES: [name: string, covers: string][] = [
  ["parquet-all-types", "INT96, int8/16, decimal(int64), ntz, struct, lists, maps"],
  ["parquet-all-types-legacy-format", "decimal(fixed_len_byte_array), 2-level lists named bag/array, MAP_KEY_VALUE"],
  ["data-reader-primitives", "every primitive with nulls"],
  ["basic-decimal-table", "decimals up to precision 20"],
  ["basic-decimal-table-legacy", "legacy decimal encodings"],
  ["parquet-decimal-type", "decimal(5,1), (10,5), (20,5)"],
  ["parquet-decimal-dictionaries", "dictionary-encoded decimals"],
  ["124-decimal-decode-bug", "decimal(10,0) regression"],
  ["data-reader-array-primitives", "lists of every primitive"],
  ["data-reader-array-complex-objects", "3- and 4-deep lists, lists of maps"],
  ["data-reader-nested-struct", "nested structs"],
  ["data-reader-date-types-utc", "dates and timestamps"],
  ["data-reader-date-types-Pst", "timestamps written in another zone"],
  ["data-reader-timestamp_ntz", "timestamp_ntz"],
  ["kernel-timestamp-timestamp_micros", "INT64 timestamp micros"],
  ["kernel-timestamp-timestamp_millis", "INT64 timestamp millis"],
  ["kernel-timestamp-pst", "timestamps, Pacific writer"],
  ["data-skipping-basic-stats-all-types", "all stats types"],
];

async function readAll(paths: string[], target?: Parameters<typeof normalizeBatch>[1]): Promise<RecordBatch[]> {
  const store = sharedStore();
  const out: RecordBatch[] = [];
  for (const path of paths) {
    const file = await openParquetFile(store, path);
    const columns = target?.fields.map((f) => f.name);
    for await (const batch of file.readBatches({ columns })) out.push(target ? normalizeBatch(batch, target) : batch);
  }
  return out;
}

describe.skipIf(!HAS_SHARED)(`golden tables read with the expected types (${SKIP_REASON})`, () => {
  it.each(CASES)("%s: data files normalised to the expected schema equal expected/ (%s)", async (name) => {
    const store = sharedStore();
    const expectedPaths = parquetFilesUnder(`delta-golden/${name}/expected`);
    const dataPaths = parquetFilesUnder(`delta-golden/${name}/delta`);
    const expectedSchema = (await openParquetFile(store, expectedPaths[0] as string)).metadata.schema;
    const stored = new Set((await openParquetFile(store, dataPaths[0] as string)).metadata.schema.fields.map((f) => f.name));
    const target = expectedSchema.select(expectedSchema.fields.map((f) => f.name).filter((n) => stored.has(n)));

    const actual = rowStrings(await readAll(dataPaths, target)).sort();
    const expected = rowStrings(
      await readAll(expectedPaths),
      target.fields.map((f) => f.name),
    ).sort();

    expect(actual.length).toBe(expected.length);
    expect(actual).toEqual(expected);
  });
});
