/**
 * Byte-range arithmetic shared by the backends.
 */
import { InvalidArgumentError } from "../errors/argument-errors.js";
import type { ByteRange } from "./store.js";

/** A resolved `[start, end)` window inside an object of `size` bytes. */
export interface ResolvedRange {
  start: number;
  end: number;
}

/**
 * Resolves a range against the object size. Ranges are clamped to the object: a suffix longer
 * than the object returns all of it, and a range starting at or past the end is empty.
 */
export function resolveRange(range: ByteRange, size: number): ResolvedRange {
  if ("suffix" in range) {
    assertNonNegative(range.suffix, "suffix");
    return { start: Math.max(0, size - range.suffix), end: size };
  }
  assertNonNegative(range.offset, "offset");
  if (range.length !== undefined) assertNonNegative(range.length, "length");
  const start = Math.min(range.offset, size);
  const end = range.length === undefined ? size : Math.min(size, range.offset + range.length);
  return { start, end: Math.max(start, end) };
}

/** The HTTP `Range` header for a range, or undefined when the range is empty by construction. */
export function httpRangeHeader(range: ByteRange): string | undefined {
  if ("suffix" in range) return range.suffix === 0 ? undefined : `bytes=-${range.suffix}`;
  if (range.length === undefined) return `bytes=${range.offset}-`;
  if (range.length === 0) return undefined;
  return `bytes=${range.offset}-${range.offset + range.length - 1}`;
}

function assertNonNegative(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`byte range ${what}`, String(n), "a non-negative safe integer");
}
