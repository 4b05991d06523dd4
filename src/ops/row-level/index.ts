/**
 * # ops/row-level — delete, update and merge
 *
 * Row-level changes as one commit each (spec/row-level.md). They share the pieces in this folder:
 * `candidates.ts` picks the files a predicate may touch (partition pruning and statistics) and
 * declares them as the transaction's read set; `file-rows.ts` finds matching rows; a touched
 * file gets a deletion vector (`deletion-vectors.ts`, when `delta.enableDeletionVectors`) or is
 * rewritten (`merge-rewrite.ts`); `change-data.ts` writes `_change_data` files for the change
 * data feed. `delete.ts`, `update.ts` and `merge*.ts` are the operations;
 * `replace-where.ts` gives `replaceWhere` overwrites the same row removal (copy-on-write) and
 * change data.
 */
export { deleteRows } from "./delete.js";
export { MergeBuilder, mergeRows } from "./merge.js";
export { updateRows } from "./update.js";
