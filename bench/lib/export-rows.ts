/**
 * The 1M-row table of the CLI export measurements (bench/cli-export.ts and
 * test/integration/cli-memory.test.ts): id long (not null), name string (5000 distinct), value
 * double, at timestamp (µs, UTC), generated in batches.
 */
import { Field, Float64, Int64, makeData, RecordBatch, Schema, Struct, Timestamp, TimeUnit, Utf8, vectorFromArray } from "apache-arrow";

/** `rows` rows (a multiple of `batchRows`) in batches of `batchRows`. */
export function* exportBatches(rows: number, batchRows: number): Generator<RecordBatch> {
  const schema = new Schema([
    new Field("id", new Int64(), false),
    new Field("name", new Utf8(), true),
    new Field("value", new Float64(), true),
    new Field("at", new Timestamp(TimeUnit.MICROSECOND, "UTC"), true),
  ]);
  for (let start = 0; start < rows; start += batchRows) {
    const ids = new BigInt64Array(batchRows);
    const values = new Float64Array(batchRows);
    const at = new BigInt64Array(batchRows);
    const names: string[] = [];
    for (let i = 0; i < batchRows; i++) {
      ids[i] = BigInt(start + i);
      values[i] = (start + i) / 7;
      at[i] = 1_700_000_000_000_000n + BigInt(start + i) * 1_000_123n;
      names.push(`name-${(start + i) % 5000}`);
    }
    const children = [
      makeData({ type: new Int64(), length: batchRows, data: ids }),
      vectorFromArray(names, new Utf8()).data[0]!,
      makeData({ type: new Float64(), length: batchRows, data: values }),
      makeData({ type: new Timestamp(TimeUnit.MICROSECOND, "UTC"), length: batchRows, data: at }),
    ];
    yield new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batchRows, nullCount: 0, children }));
  }
}
