/**
 * # arrow — helpers over apache-arrow's `Data` and `RecordBatch`
 *
 * Owns the low-level Arrow work every other layer shares, with no Delta knowledge:
 * - `data.ts`: building and inspecting `Data` (one `isValidAt` null-bitmap test, strides, batches);
 * - `adopt.ts`: taking batches from another copy of apache-arrow (CJS/ESM, other versions) by
 *   rebuilding the type and `Data` trees over the same buffers;
 * - `cast.ts`, `cast-leaf.ts`: casting columns to a target type (Parquet's physical forms to the
 *   table's logical types; safe widening on write), refusing lossy casts typed;
 * - `filter.ts`: filtering by a mask and gathering by indices (`filterBatch`, `takeBatch`).
 *
 * Depends on `util` and `errors` only.
 */
export { adoptBatch, adoptSchema } from "./adopt.js";
export { castData, normalizeBatch } from "./cast.js";
export { batchOf, hasNulls, isBitSet, isValidAt, mapLeafTypes, mapLeaves, nullData, strideOf } from "./data.js";
export { filterBatch, maskToIndices, takeBatch, takeData } from "./filter.js";
