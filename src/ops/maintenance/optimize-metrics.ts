/**
 * The figures an OPTIMIZE reports, shaped like delta-rs's `Metrics` and Spark's `OptimizeMetrics`,
 * and the `operationMetrics` Spark writes into the OPTIMIZE commitInfo.
 */

/** Sizes of a set of files. */
export interface FileSizeMetrics {
  /** Smallest file (0 when there are none). */
  min: number;
  max: number;
  /** Mean size (0 when there are none). */
  avg: number;
  totalFiles: number;
  /** Sum of the sizes. */
  totalSize: number;
}

/** What an optimize did. */
export interface OptimizeMetrics {
  /** The version committed; the table's version when nothing needed rewriting (no commit). */
  version: number;
  /** Whether a commit was made. */
  committed: boolean;
  numFilesAdded: number;
  numFilesRemoved: number;
  filesAdded: FileSizeMetrics;
  filesRemoved: FileSizeMetrics;
  /** Partitions with at least one rewritten bin. */
  partitionsOptimized: number;
  /** Record batches read from the rewritten files. */
  numBatches: number;
  /** Files that matched `where` (all active files without it). */
  totalConsideredFiles: number;
  /** Considered files left unchanged. */
  totalFilesSkipped: number;
  /** True for bin-packing (files are concatenated in log order); false for z-order (rows are re-sorted). */
  preserveInsertionOrder: boolean;
  /** Rewritten files whose deletion vector was applied (and so dropped). */
  numDeletionVectorsRemoved: number;
  /** Rows written (the rewritten files' rows minus deleted ones). */
  numRowsRewritten: number;
  /** Wall time of the whole operation, in milliseconds. */
  timeMs: number;
}

/** Size figures of `sizes`. */
export function sizeMetrics(sizes: readonly number[]): FileSizeMetrics {
  if (sizes.length === 0) return { min: 0, max: 0, avg: 0, totalFiles: 0, totalSize: 0 };
  let min = Infinity;
  let max = 0;
  let total = 0;
  for (const s of sizes) {
    min = Math.min(min, s);
    max = Math.max(max, s);
    total += s;
  }
  return { min, max, avg: total / sizes.length, totalFiles: sizes.length, totalSize: total };
}

/** Spark's OPTIMIZE `operationMetrics` (file size percentiles are over the added files). */
export function commitMetrics(
  added: readonly number[],
  removed: readonly number[],
  deletionVectorsRemoved: number,
): Record<string, number> {
  const sorted = [...added].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!);
  return {
    numRemovedFiles: removed.length,
    numRemovedBytes: removed.reduce((n, s) => n + s, 0),
    p25FileSize: at(0.25),
    p50FileSize: at(0.5),
    p75FileSize: at(0.75),
    minFileSize: sorted[0] ?? 0,
    maxFileSize: sorted[sorted.length - 1] ?? 0,
    numAddedFiles: added.length,
    numAddedBytes: added.reduce((n, s) => n + s, 0),
    numDeletionVectorsRemoved: deletionVectorsRemoved,
  };
}
