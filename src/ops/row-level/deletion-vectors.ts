/**
 * Marking rows of data files deleted with deletion vectors instead of rewriting the files: for
 * each file, the new rows are merged with the file's existing vector, the result is serialised in
 * the RoaringBitmapArray portable format and stored inline in the log when at most
 * {@link INLINE_DV_MAX_BYTES} bytes, otherwise in one new `deletion_vector_<uuid>.bin` file shared
 * by every vector of the operation. The file is then re-added: a `remove` of the old `add` (with
 * its old vector) and an `add` of the same path with the new descriptor, `dataChange: true`, its
 * statistics kept but marked `"tightBounds":false` (min/max may now describe deleted rows).
 */
import {
  DeletedRows,
  encodeDeletionVector,
  inlineDescriptor,
  loadDeletionVector,
  resolveDeletionVectorKey,
  writeDeletionVectorFile,
} from "../../dv/deletion-vector.js";
import type { Engine } from "../../engine/index.js";
import type { AddFile, DeletionVectorDescriptor, RemoveFile } from "../../log/actions.js";
import type { Snapshot } from "../../log/snapshot.js";
import { hasFeature } from "../../log/table-features.js";
import { randomPrefix, randomPrefixLength } from "../write/paths.js";
import { removeFor } from "../write/row-deletion.js";

/**
 * Vectors of at most this many bytes are stored inline (storageType `i`). Spark writes DV files
 * for DELETE/UPDATE/MERGE and inline vectors only in special cases; a few dozen bytes (a handful
 * of deleted rows) cost less in the log than an extra object and a ranged read per scan.
 */
export const INLINE_DV_MAX_BYTES = 64;

/** True when row-level operations on `snapshot`'s table mark rows deleted with deletion vectors instead of rewriting files. */
export function usesDeletionVectors(snapshot: Snapshot): boolean {
  return snapshot.tableProperties.enableDeletionVectors && hasFeature(snapshot.protocol, "deletionVectors");
}

/** Rows to mark deleted in one file. */
export interface DeletionVectorChange {
  add: AddFile;
  /** Positions (in the file) newly deleted; rows its current vector deletes may be repeated. */
  deleted: DeletedRows;
}

/** The actions and files of {@link applyDeletionVectors}. */
export interface DeletionVectorActions {
  removes: RemoveFile[];
  adds: AddFile[];
  /** Store keys of the DV files written (to delete if the commit fails). */
  writtenKeys: string[];
  /** Vectors given to files that had none. */
  numDeletionVectorsAdded: number;
  /** Existing vectors replaced by a merged one. */
  numDeletionVectorsUpdated: number;
}

/** Options of {@link applyDeletionVectors}. */
export interface ApplyDeletionVectorsOptions {
  /** Largest vector stored inline (default {@link INLINE_DV_MAX_BYTES}; 0 writes every vector to a file). */
  inlineMaxBytes?: number;
  /** `remove.deletionTimestamp`. */
  now: number;
  signal?: AbortSignal;
}

/**
 * Builds the new vectors of `changes` and the remove/add pairs re-adding their files. I/O: one
 * ranged read per existing file-stored vector, and at most one `put` of a new DV file.
 */
export async function applyDeletionVectors(
  engine: Engine,
  snapshot: Snapshot,
  changes: readonly DeletionVectorChange[],
  options: ApplyDeletionVectorsOptions,
): Promise<DeletionVectorActions> {
  const inlineMax = options.inlineMaxBytes ?? INLINE_DV_MAX_BYTES;
  const encoded: Uint8Array[] = [];
  for (const change of changes) {
    options.signal?.throwIfAborted();
    const existing = change.add.deletionVector
      ? await loadDeletionVector(engine.store, change.add.deletionVector, { signal: options.signal })
      : DeletedRows.EMPTY;
    encoded.push(encodeDeletionVector(existing.union(change.deleted)));
  }
  const toFile = encoded.map((bytes, i) => ({ bytes, i })).filter(({ bytes }) => bytes.length > inlineMax);
  const prefixLength = randomPrefixLength(snapshot.metadata.configuration, snapshot.columnMappingMode !== "none");
  const stored = await writeDeletionVectorFile(
    engine.store,
    toFile.map((v) => v.bytes),
    { prefix: prefixLength === undefined ? "" : randomPrefix(prefixLength), signal: options.signal },
  );
  const descriptors: DeletionVectorDescriptor[] = encoded.map((bytes) =>
    bytes.length > inlineMax ? undefined : inlineDescriptor(bytes),
  ) as DeletionVectorDescriptor[];
  toFile.forEach(({ i }, k) => (descriptors[i] = stored[k]!));
  const out: DeletionVectorActions = { removes: [], adds: [], writtenKeys: [], numDeletionVectorsAdded: 0, numDeletionVectorsUpdated: 0 };
  if (stored.length > 0) out.writtenKeys.push(resolveDeletionVectorKey(stored[0]!, engine.store.rootUrl));
  changes.forEach((change, i) => {
    const { add } = change;
    if (add.deletionVector) out.numDeletionVectorsUpdated++;
    else out.numDeletionVectorsAdded++;
    out.removes.push(removeFor(add, options.now));
    out.adds.push(withDeletionVector(add, descriptors[i]!));
  });
  return out;
}

/** `add` re-added with a new deletion vector and loose statistics bounds. */
function withDeletionVector(add: AddFile, descriptor: DeletionVectorDescriptor): AddFile {
  const next: AddFile = { ...add, deletionVector: descriptor, dataChange: true };
  if (add.stats) next.stats = looseBounds(add.stats);
  return next;
}

/**
 * Stats JSON with `"tightBounds":false`, edited as text so that bounds beyond 2^53 keep their
 * digits (parsing and printing would round them).
 */
export function looseBounds(stats: string): string {
  if (/"tightBounds"\s*:\s*(true|false)/.test(stats)) return stats.replace(/"tightBounds"\s*:\s*(true|false)/, '"tightBounds":false');
  const end = stats.lastIndexOf("}");
  if (end < 0) return stats;
  const body = stats.slice(0, end).trimEnd();
  return `${body}${body.endsWith("{") ? "" : ","}"tightBounds":false}`;
}
