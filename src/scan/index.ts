/**
 * # scan — reading a snapshot's rows
 *
 * `scan-plan.ts` turns a request (columns, filter, limit) into the files to read: partition
 * pruning and statistics skipping (`src/expr/skipping.ts`), the physical columns to fetch
 * (column mapping), and the output schema. `scan.ts` reads the selected files through the
 * engine's Parquet handler a few at a time, applies deletion vectors (`src/dv`), adds partition
 * values, casts to the table's types and filters rows exactly (`src/expr/evaluate.ts`), yielding
 * Arrow record batches in bounded memory. `path-policy.ts` decides which data-file locations
 * outside the table root may be read.
 */
export { planScan } from "./scan-plan.js";
export { scanSnapshot, type ScanEnvironment, type ScanOptions, type ScanProgress } from "./scan.js";
