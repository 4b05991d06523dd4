/**
 * Planning an OPTIMIZE: which active files to rewrite, grouped per partition into bins, each bin
 * becoming the input of one rewrite. Pure: reads only the snapshot's file index, no I/O.
 *
 * - Bin-packing considers files smaller than `minFileSize` and files whose deletion vector hides
 *   more than {@link MAX_DELETED_ROWS_RATIO} of their rows (Spark's rule). Per partition, in log
 *   order (so rows keep their insertion order), files are added to the current bin until the next
 *   one would take it past `targetSize`. A bin of one file is dropped (rewriting it changes
 *   nothing) unless that file has a deletion vector to apply.
 * - Z-ordering takes every selected file of a partition as one bin, whatever its size (as Spark
 *   does): the partition's rows are sorted together.
 */
import type { Snapshot } from "../../log/snapshot.js";

/** Rewrite a file whose deletion vector hides more than this share of its rows (Spark's `optimize.maxDeletedRowsRatio`). */
export const MAX_DELETED_ROWS_RATIO = 0.05;

/** Files of one partition rewritten together. */
export interface OptimizeBin {
  /** The partition (as `add.partitionValues`, physical names) every file of the bin shares. */
  partitionValues: Record<string, string | null>;
  /** Positions in `snapshot.files`, in log order. */
  files: number[];
  /** Sum of the files' sizes. */
  bytes: number;
}

/** The outcome of planning. */
export interface OptimizePlan {
  bins: OptimizeBin[];
  /** Files the optimize looked at (those matching `where`). */
  consideredFiles: number;
  /** Considered files left as they are. */
  skippedFiles: number;
}

/** How to plan. */
export interface PlanOptions {
  /** Bytes a bin may reach (the output file size aimed at). */
  targetSize: number;
  /** Files below this size are compaction candidates. */
  minFileSize: number;
  /** Z-order: every selected file of a partition in one bin. */
  zOrder: boolean;
}

/** Plans the bins for `candidates` (positions in `snapshot.files`, ascending). Performs no I/O. */
export function planOptimize(snapshot: Snapshot, candidates: readonly number[], options: PlanOptions): OptimizePlan {
  const byPartition = groupByPartition(snapshot, candidates);
  const bins: OptimizeBin[] = [];
  for (const [partitionValues, files] of byPartition.values()) {
    if (options.zOrder) {
      bins.push({ partitionValues, files, bytes: files.reduce((n, i) => n + snapshot.files.size(i), 0) });
    } else {
      bins.push(...packPartition(snapshot, partitionValues, files, options));
    }
  }
  const rewritten = bins.reduce((n, b) => n + b.files.length, 0);
  return { bins, consideredFiles: candidates.length, skippedFiles: candidates.length - rewritten };
}

/** Candidate files grouped by partition, in order of first appearance. */
function groupByPartition(snapshot: Snapshot, candidates: readonly number[]): Map<string, [Record<string, string | null>, number[]]> {
  const out = new Map<string, [Record<string, string | null>, number[]]>();
  for (const position of candidates) {
    const values = snapshot.files.partitionValues(position);
    const key = partitionKey(values);
    let entry = out.get(key);
    if (!entry) out.set(key, (entry = [values, []]));
    entry[1].push(position);
  }
  return out;
}

/** A stable key for a partition's values (key order ignored). */
export function partitionKey(values: Record<string, string | null>): string {
  return JSON.stringify(
    Object.keys(values)
      .sort()
      .map((k) => [k, values[k] ?? null]),
  );
}

/** Greedy bins of one partition's small files, in log order; single-file bins kept only to apply a DV. */
function packPartition(
  snapshot: Snapshot,
  partitionValues: Record<string, string | null>,
  files: number[],
  options: PlanOptions,
): OptimizeBin[] {
  const bins: OptimizeBin[] = [];
  let current: OptimizeBin = { partitionValues, files: [], bytes: 0 };
  const close = () => {
    if (current.files.length > 1 || (current.files.length === 1 && snapshot.files.deletionVector(current.files[0]!))) bins.push(current);
    current = { partitionValues, files: [], bytes: 0 };
  };
  for (const position of files) {
    const size = snapshot.files.size(position);
    if (!isCandidate(snapshot, position, options.minFileSize)) continue;
    if (current.files.length > 0 && current.bytes + size > options.targetSize) close();
    current.files.push(position);
    current.bytes += size;
  }
  close();
  return bins;
}

/** A file is rewritten when small, or when its deletion vector hides a large share of its rows. */
function isCandidate(snapshot: Snapshot, position: number, minFileSize: number): boolean {
  if (snapshot.files.size(position) < minFileSize) return true;
  const dv = snapshot.files.deletionVector(position);
  if (!dv) return false;
  const records = numRecordsOf(snapshot.files.stats(position));
  // without a row count the share is unknown: apply the deletion vector
  return records === undefined || dv.cardinality > MAX_DELETED_ROWS_RATIO * records;
}

/** `numRecords` of a stats JSON string, when present. */
export function numRecordsOf(stats: string | undefined): number | undefined {
  if (!stats) return undefined;
  try {
    const n = (JSON.parse(stats) as { numRecords?: unknown }).numRecords;
    return typeof n === "number" ? n : undefined;
  } catch {
    return undefined;
  }
}
