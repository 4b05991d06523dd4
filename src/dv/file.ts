/**
 * The on-disk layout of deletion vector files (protocol appendix "Deletion Vector File Storage
 * Format"): one version byte (1), then per DV a 4-byte big-endian size of its bitmap bytes, the
 * bitmap bytes (magic included), and a 4-byte big-endian CRC-32 of those bitmap bytes. A
 * descriptor's `offset` points at a DV's size prefix. Also the file naming rules of `u` DVs.
 * Pure functions, no I/O.
 */
import { crc32 } from "node:zlib";
import type { DvSource } from "./roaring.js";
import { CorruptDeletionVectorError } from "../errors/dv-errors.js";

/** The format version byte at the start of every DV file. */
export const DV_FILE_VERSION = 1;

/** Bytes a DV occupies in its file besides its bitmap: the size prefix and the checksum. */
export const DV_FRAME_OVERHEAD = 8;

/** A DV file in memory: its bytes and, per DV in input order, the offset of its size prefix. */
export interface DeletionVectorFileLayout {
  bytes: Uint8Array;
  offsets: number[];
}

/**
 * The store-relative key of a `u` DV file: `deletion_vector_<uuid>.bin`, under `<prefix>/` when
 * the descriptor carries a random prefix.
 */
export function deletionVectorFileKey(prefix: string, uuid: string): string {
  const name = `deletion_vector_${uuid}.bin`;
  return prefix === "" ? name : `${prefix}/${name}`;
}

/** Lays out a DV file holding `vectors` (bitmap bytes, magic included) in order. */
export function buildDeletionVectorFile(vectors: readonly Uint8Array[]): DeletionVectorFileLayout {
  const total = 1 + vectors.reduce((sum, v) => sum + v.length + DV_FRAME_OVERHEAD, 0);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes[0] = DV_FILE_VERSION;
  const offsets: number[] = [];
  let pos = 1;
  for (const vector of vectors) {
    offsets.push(pos);
    view.setUint32(pos, vector.length, false);
    bytes.set(vector, pos + 4);
    view.setUint32(pos + 4 + vector.length, crc32(vector), false);
    pos += vector.length + DV_FRAME_OVERHEAD;
  }
  return { bytes, offsets };
}

/**
 * The byte range to read for the DV at `offset` with `sizeInBytes` bitmap bytes. When the DV is
 * the first in its file (offset 1) the range starts at 0 so that the version byte is checked at no
 * extra cost; otherwise only the DV's own frame is read.
 */
export function deletionVectorFrameRange(offset: number, sizeInBytes: number): { offset: number; length: number } {
  const start = offset === 1 ? 0 : offset;
  return { offset: start, length: offset - start + sizeInBytes + DV_FRAME_OVERHEAD };
}

/**
 * Checks a frame read with {@link deletionVectorFrameRange} (the version byte when included, the
 * size prefix against `sizeInBytes`, the CRC-32) and returns the bitmap bytes inside it. Throws
 * {@link CorruptDeletionVectorError} on any mismatch or a short read.
 */
export function unframeDeletionVector(frame: Uint8Array, offset: number, sizeInBytes: number, source: DvSource): Uint8Array {
  const corrupt = (reason: string) => new CorruptDeletionVectorError(source.location, source.offset, reason);
  const { length } = deletionVectorFrameRange(offset, sizeInBytes);
  if (frame.length < length) throw corrupt(`the file ends early: ${frame.length} of ${length} bytes could be read from the DV's frame`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  let pos = 0;
  if (offset === 1) {
    if (frame[0] !== DV_FILE_VERSION) throw corrupt(`format version byte ${frame[0]}, expected ${DV_FILE_VERSION}`);
    pos = 1;
  }
  const declared = view.getUint32(pos, false);
  if (declared !== sizeInBytes) throw corrupt(`the size prefix says ${declared} bytes but the descriptor's sizeInBytes is ${sizeInBytes}`);
  const data = frame.subarray(pos + 4, pos + 4 + sizeInBytes);
  const stored = view.getUint32(pos + 4 + sizeInBytes, false);
  const actual = crc32(data);
  if (stored !== actual) throw corrupt(`CRC-32 mismatch: stored ${hex(stored)}, computed ${hex(actual)}`);
  return data;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
