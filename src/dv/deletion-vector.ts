/**
 * Deletion vectors (DVs): reading the rows a DV marks deleted in a data file, and writing new DVs
 * for DELETE/UPDATE, exactly as the Delta protocol lays them out ("Deletion Vectors" and the
 * "Deletion Vector Format" appendix). The byte-level work lives in the `dv-*` helpers: Z85 text
 * (`dv-z85`), roaring bitmaps (`dv-roaring`, `dv-roaring-encode`), the file frame (`dv-file`) and
 * the decoded set (`dv-deleted-rows`). Only this file talks to the store.
 */
import { InvalidArgumentError } from "../errors/argument-errors.js";
import { randomUUID } from "node:crypto";
import { CorruptDeletionVectorError, DeletionVectorOutsideTableError, InvalidDeletionVectorDescriptorError } from "../errors/dv-errors.js";
import type { DeletionVectorDescriptor } from "../log/actions.js";
import { canonicalizePath, isAbsoluteKey } from "../log/file-paths.js";
import type { CallOptions, ObjectStore } from "../storage/store.js";
import { DeletedRows, normalizeRowIndexes } from "./deleted-rows.js";
import { buildDeletionVectorFile, deletionVectorFileKey, deletionVectorFrameRange, unframeDeletionVector } from "./file.js";
import { encodeDeletionVectorBitmap } from "./roaring-encode.js";
import { decodeDeletionVectorBitmap, deletionVectorBitmapCardinality, type DvSource, type SortedRowIndexes } from "./roaring.js";
import { decodeZ85, encodeZ85, uuidToZ85, z85ToUuid } from "./z85.js";

export { DeletedRows } from "./deleted-rows.js";

/** Characters of the UUID at the end of a `u` descriptor's `pathOrInlineDv`. */
const ENCODED_UUID_LENGTH = 20;

/**
 * Loads the set of rows a deletion vector deletes from its data file.
 *
 * I/O: none for inline (`i`) DVs; otherwise one ranged `get` of the DV's frame in its file
 * (`[offset, offset + 4 + sizeInBytes + 4)`, starting at byte 0 instead when `offset` is 1 so that
 * the format version byte is checked too), never the whole file. A missing `offset` means 1.
 *
 * Checks the version byte (when read), the size prefix, the CRC-32, the magic number, the roaring
 * structure and that the decoded cardinality equals `descriptor.cardinality`; any mismatch throws
 * {@link CorruptDeletionVectorError} naming the file. A descriptor that cannot be resolved throws
 * {@link InvalidDeletionVectorDescriptorError}; a `p` path outside the table root throws
 * {@link DeletionVectorOutsideTableError}; store errors (`NotFoundError`, ...) pass through.
 *
 * @example
 * ```ts
 * const deleted = await loadDeletionVector(store, add.deletionVector, { signal });
 * const keep = deleted.keepMask(batchStartRow, batch.numRows); // 1 = keep the row
 * ```
 */
export async function loadDeletionVector(
  store: ObjectStore,
  descriptor: DeletionVectorDescriptor,
  options: CallOptions = {},
): Promise<DeletedRows> {
  options.signal?.throwIfAborted();
  checkDescriptor(descriptor);
  if (descriptor.storageType === "i") return DeletedRows.fromSorted(decodeInline(descriptor));
  const key = resolveDeletionVectorKey(descriptor, store.rootUrl);
  const offset = descriptor.offset ?? 1;
  const source: DvSource = { location: key, offset };
  const frame = await store.get(key, { range: deletionVectorFrameRange(offset, descriptor.sizeInBytes), signal: options.signal });
  options.signal?.throwIfAborted();
  const bitmap = unframeDeletionVector(frame, offset, descriptor.sizeInBytes, source);
  return DeletedRows.fromSorted(decodeDeletionVectorBitmap(bitmap, descriptor.cardinality, source));
}

/**
 * The store-relative key of the file holding a `u` or `p` deletion vector. `u`: the random prefix
 * (if any) as a directory and `deletion_vector_<uuid>.bin`, the UUID decoded from the last 20 Z85
 * characters. `p`: the absolute path made relative to `tableUrl` (the store's `rootUrl`).
 * No I/O. Throws {@link InvalidDeletionVectorDescriptorError} for inline DVs and malformed UUIDs,
 * {@link DeletionVectorOutsideTableError} for a `p` path outside the table.
 */
export function resolveDeletionVectorKey(descriptor: DeletionVectorDescriptor, tableUrl: string): string {
  const { storageType, pathOrInlineDv } = descriptor;
  if (storageType === "u") {
    if (pathOrInlineDv.length < ENCODED_UUID_LENGTH) {
      throw new InvalidDeletionVectorDescriptorError(
        storageType,
        pathOrInlineDv,
        `shorter than the ${ENCODED_UUID_LENGTH}-character encoded UUID`,
      );
    }
    const split = pathOrInlineDv.length - ENCODED_UUID_LENGTH;
    const decoded = z85ToUuid(pathOrInlineDv.slice(split));
    if (!decoded.ok) throw new InvalidDeletionVectorDescriptorError(storageType, pathOrInlineDv, `bad encoded UUID: ${decoded.reason}`);
    return deletionVectorFileKey(pathOrInlineDv.slice(0, split), decoded.uuid);
  }
  if (storageType === "p") {
    const root = tableUrl.replace(/\/+$/, "");
    const key = canonicalizePath(pathOrInlineDv, root);
    if (isAbsoluteKey(key)) throw new DeletionVectorOutsideTableError(pathOrInlineDv, tableUrl);
    return key;
  }
  throw new InvalidDeletionVectorDescriptorError(storageType, pathOrInlineDv, "only u and p deletion vectors are stored in files");
}

/**
 * Serialises row indexes (0-based positions in one data file; any order, duplicates ignored) as
 * DV bitmap bytes: the magic number and the portable 64-bit roaring bitmap, with each container in
 * its smallest kind (array, bitset or runs). These bytes go into {@link writeDeletionVectorFile}
 * or {@link inlineDescriptor}. No I/O. Throws `InvalidRowIndexError` for a negative, fractional or
 * unsafe (> 2^53 - 1) index.
 */
export function encodeDeletionVector(rowIndexes: ArrayLike<number> | Iterable<number> | DeletedRows): Uint8Array {
  const sorted = rowIndexes instanceof DeletedRows ? rowIndexes.indexes : normalizeRowIndexes(rowIndexes);
  return encodeDeletionVectorBitmap(sorted);
}

/** Options for {@link writeDeletionVectorFile}. */
export interface WriteDeletionVectorFileOptions extends CallOptions {
  /**
   * Random prefix (letters and digits) placing the file in a subdirectory of the table root, as
   * Spark does with `delta.randomizeFilePrefixes`; none by default.
   */
  prefix?: string;
}

/**
 * Writes one new DV file, `[<prefix>/]deletion_vector_<random uuid>.bin` under the table root,
 * holding `vectors` (bitmap bytes from {@link encodeDeletionVector}) in order, and returns one `u`
 * descriptor per vector with its offset, size and cardinality (read from the bitmap headers).
 *
 * I/O: a single `put` in `create` mode (never overwrites); nothing when `vectors` is empty.
 * Throws {@link CorruptDeletionVectorError} when a vector is not valid bitmap bytes, `RangeError`
 * for a prefix that is not alphanumeric, and the store's errors as they are.
 */
export async function writeDeletionVectorFile(
  store: ObjectStore,
  vectors: readonly Uint8Array[],
  options: WriteDeletionVectorFileOptions = {},
): Promise<DeletionVectorDescriptor[]> {
  const prefix = options.prefix ?? "";
  if (!/^[A-Za-z0-9]*$/.test(prefix))
    throw new InvalidArgumentError("deletion vector prefix", JSON.stringify(prefix), "letters and digits only");
  options.signal?.throwIfAborted();
  if (vectors.length === 0) return [];
  const cardinalities = vectors.map((v, i) =>
    deletionVectorBitmapCardinality(v, { location: `new deletion vector #${i}`, offset: undefined }),
  );
  const uuid = randomUUID();
  const { bytes, offsets } = buildDeletionVectorFile(vectors);
  await store.put(deletionVectorFileKey(prefix, uuid), bytes, { mode: "create", signal: options.signal });
  const pathOrInlineDv = prefix + uuidToZ85(uuid);
  return vectors.map((v, i) => ({
    storageType: "u",
    pathOrInlineDv,
    offset: offsets[i]!,
    sizeInBytes: v.length,
    cardinality: cardinalities[i]!,
  }));
}

/**
 * An inline (`i`) descriptor carrying the DV bitmap bytes in the log itself, Z85-encoded (zero
 * padded to a multiple of 4 bytes, as Spark does; `sizeInBytes` keeps the true length). Meant for
 * small DVs: the text is 5/4 of the bytes and lands in every log replay. No I/O. Throws
 * {@link CorruptDeletionVectorError} when `bytes` are not valid bitmap bytes.
 */
export function inlineDescriptor(bytes: Uint8Array): DeletionVectorDescriptor {
  const cardinality = deletionVectorBitmapCardinality(bytes, { location: "new inline deletion vector", offset: undefined });
  return { storageType: "i", pathOrInlineDv: encodeZ85(bytes), sizeInBytes: bytes.length, cardinality };
}

function decodeInline(descriptor: DeletionVectorDescriptor): SortedRowIndexes {
  const source: DvSource = { location: "inline", offset: undefined };
  const decoded = decodeZ85(descriptor.pathOrInlineDv);
  if (!decoded.ok) throw new CorruptDeletionVectorError("inline", undefined, `not Z85: ${decoded.reason}`);
  const { sizeInBytes } = descriptor;
  if (decoded.bytes.length < sizeInBytes || decoded.bytes.length >= sizeInBytes + 4) {
    throw new CorruptDeletionVectorError("inline", undefined, `${decoded.bytes.length} bytes decoded but sizeInBytes is ${sizeInBytes}`);
  }
  return decodeDeletionVectorBitmap(decoded.bytes.subarray(0, sizeInBytes), descriptor.cardinality, source);
}

function checkDescriptor(d: DeletionVectorDescriptor): void {
  const invalid = (reason: string) => new InvalidDeletionVectorDescriptorError(String(d.storageType), String(d.pathOrInlineDv), reason);
  if (d.storageType !== "u" && d.storageType !== "i" && d.storageType !== "p") throw invalid("storageType must be u, i or p");
  if (typeof d.pathOrInlineDv !== "string") throw invalid("pathOrInlineDv is not a string");
  if (!Number.isSafeInteger(d.sizeInBytes) || d.sizeInBytes < 4)
    throw invalid(`sizeInBytes ${d.sizeInBytes} is not an integer of at least 4`);
  if (!Number.isSafeInteger(d.cardinality) || d.cardinality < 0)
    throw invalid(`cardinality ${d.cardinality} is not a non-negative integer`);
  const offset = d.offset ?? undefined;
  if (d.storageType !== "i" && offset !== undefined && (!Number.isSafeInteger(offset) || offset < 1)) {
    throw invalid(`offset ${offset} is not an integer of at least 1 (byte 0 is the file's version byte)`);
  }
}
