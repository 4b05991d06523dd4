/**
 * # dv — deletion vectors
 *
 * Owns the deletion-vector formats of the Delta protocol and nothing else:
 * - `roaring.ts`, `roaring-encode.ts`: the RoaringBitmapArray "portable" 64-bit format, read and
 *   written;
 * - `z85.ts`: the Z85 text encoding of inline vectors and of UUIDs in DV file names;
 * - `file.ts`: the framing of vectors inside a deletion-vector file (size, bitmap, CRC-32);
 * - `deleted-rows.ts`: a vector as a fast "is row i deleted" lookup for scans;
 * - `deletion-vector.ts`: resolving a descriptor (inline, relative UUID, absolute path), loading
 *   it through the store, and writing new vector files.
 *
 * Depends on `log` (descriptor types, path rules), `storage` and `errors`.
 */
export { loadDeletionVector, resolveDeletionVectorKey } from "./deletion-vector.js";
