/**
 * Rows that carry their row tracking columns through a rewrite (see
 * src/scan/row-tracking-columns.ts): conforming them to the table schema without losing the two
 * trailing columns, and dropping them from change data. Pure and synchronous.
 */
import type { RecordBatch } from "apache-arrow";
import type { Snapshot } from "../../log/snapshot.js";
import { joinRowTracking, splitRowTracking } from "../../scan/row-tracking-columns.js";
import type { StructType } from "../../schema/types.js";
import { preservedRowTracking } from "../../txn/row-tracking.js";
import { conformBatch } from "./conform.js";

/**
 * `batch` conformed to `schema` (as {@link conformBatch}), with the carried row tracking columns of
 * `snapshot`'s table kept after the table's columns when `batch` has them.
 */
export function conformCarrying(batch: RecordBatch, schema: StructType, snapshot: Snapshot): RecordBatch {
  const names = preservedRowTracking(snapshot);
  const { rows, tracking } = splitRowTracking(batch, names);
  return joinRowTracking(conformBatch(rows, schema), tracking, names);
}

/** `batch` without the carried row tracking columns of `snapshot`'s table (change data never has them). */
export function withoutCarried(batch: RecordBatch, snapshot: Snapshot): RecordBatch {
  return splitRowTracking(batch, preservedRowTracking(snapshot)).rows;
}
