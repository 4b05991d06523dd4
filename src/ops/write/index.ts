/**
 * # ops/write — the write pipeline
 *
 * Turns caller data into data files and one commit. In the order a write runs:
 * 1. `input.ts`, `rows-infer.ts`, `rows-build.ts`: accept Arrow tables/batches (from any copy
 *    of apache-arrow), (async) iterables of batches, or plain objects, as a stream of batches;
 * 2. `plan.ts`: the metadata and protocol the write needs (schema enforcement and evolution,
 *    partitioning, column mapping, features) — `src/schema` holds the rules;
 * 3. `conform*.ts`, `constraints.ts`, `constraint-values.ts`: cast each batch to the table's
 *    types and check NOT NULL, CHECK constraints and invariants before anything is written;
 * 4. `files.ts`, `scatter.ts`, `partitions.ts`, `paths.ts`, `physical.ts`, `file-sink.ts`:
 *    scatter rows to partitions and stream each file through the engine's Parquet writer into
 *    the store, rolling at the target size;
 * 5. `stats*.ts`: per-file statistics in Spark's JSON encodings;
 * 6. `row-deletion.ts`: the `remove` action of a replaced file (the rows a `replaceWhere`
 *    overwrite removes and copies are found by `src/ops/row-level/replace-where.ts`);
 * 7. `write-table.ts`: the whole write, ending in one commit through `src/txn`.
 */
export { constraintPropertyKey, validateExistingData } from "./constraints.js";
export { writeDataFiles, type DataFileOptions, type WrittenFiles } from "./files.js";
export type { WriteInput } from "./input.js";
export { writeTable, type WriteMetrics, type WriteOptions, type WriteResult } from "./write-table.js";
