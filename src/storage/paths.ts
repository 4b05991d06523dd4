/**
 * Store-relative path rules shared by every backend.
 */
import { InvalidPathError } from "../errors/storage-errors.js";
import { compareCodePoints } from "../util/strings.js";

/**
 * Normalises a store-relative path: backslashes are not separators, repeated and trailing `/`
 * collapse, `.` segments vanish, `a/../b` becomes `b`. A path that would climb above the root,
 * is empty, or holds a NUL is refused with {@link InvalidPathError}.
 */
export function normalizePath(path: string, backend: string): string {
  if (typeof path !== "string") throw new InvalidPathError(String(path), backend, "not a string");
  if (path.includes("\0")) throw new InvalidPathError(path, backend, "contains a NUL character");
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.length === 0) throw new InvalidPathError(path, backend, "climbs above the store root");
      out.pop();
      continue;
    }
    out.push(segment);
  }
  if (out.length === 0) throw new InvalidPathError(path, backend, "empty after normalisation");
  return out.join("/");
}

/**
 * Normalises a list prefix: like {@link normalizePath} but the empty prefix (everything) is allowed
 * and a trailing `/` is kept, since `a/` and `a` select different keys.
 */
export function normalizePrefix(prefix: string, backend: string): string {
  if (prefix === "" || prefix === "/") return "";
  const trailing = prefix.endsWith("/");
  const body = normalizePath(prefix, backend);
  return trailing ? `${body}/` : body;
}

/** Compares two keys in UTF-8 byte order (the order S3 and Azure list in); see {@link compareCodePoints}. */
export const compareKeys = compareCodePoints;

/** Joins a root prefix (may be empty) and a relative key with exactly one `/`. */
export function joinKey(root: string, key: string): string {
  if (root === "") return key;
  return root.endsWith("/") ? root + key : `${root}/${key}`;
}
