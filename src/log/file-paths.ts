/**
 * File paths in the log: `add.path` and friends are URI strings, relative to the table root or
 * absolute, percent-encoded. Replay keys files by one canonical spelling so that `file:/a`,
 * `file:///a` and `/a` name the same file, and escapes are decoded exactly once.
 */

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
const SLASH = 0x2f;

/** Percent-decodes once; a malformed escape leaves the string as it is. */
export function decodePath(path: string): string {
  if (!path.includes("%")) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * The canonical key of a log path. Relative paths (the common case) are returned decoded;
 * absolute ones are qualified (`/a` takes the table root's scheme and authority; `file:/a` and
 * `file:///a` become `file:///a`) and, when they lie under `tableRoot`, made relative again.
 *
 * @param tableRoot the table's root URL without a trailing slash, e.g. `file:///data/t` or `s3://b/t`.
 */
export function canonicalizePath(path: string, tableRoot: string): string {
  // the common case, a relative path without escapes, is its own key (no scheme without a colon)
  if (path.charCodeAt(0) !== SLASH && path.indexOf(":") < 0 && path.indexOf("%") < 0) return path;
  const hasScheme = SCHEME.test(path);
  if (!hasScheme && !path.startsWith("/")) return decodePath(path);
  const absolute = hasScheme ? qualifyUri(path) : `${rootOrigin(tableRoot)}${decodePath(path)}`;
  const root = `${tableRoot}/`;
  return absolute.startsWith(root) ? absolute.slice(root.length) : absolute;
}

/** True when a canonical key is an absolute URI (the file lies outside the table root). */
export function isAbsoluteKey(key: string): boolean {
  return SCHEME.test(key);
}

/** `scheme://authority` of the root URL (`file://` for local tables). */
function rootOrigin(tableRoot: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*)/.exec(tableRoot);
  return m?.[1] ?? "file://";
}

function qualifyUri(path: string): string {
  const scheme = SCHEME.exec(path)![0].toLowerCase();
  const rest = path.slice(scheme.length);
  if (scheme === "file:") {
    // file:/a, file:///a and file://localhost/a are the same file
    const withoutAuthority = rest.startsWith("//") ? rest.slice(2).replace(/^[^/]*/, "") : rest;
    return `file://${decodePath(withoutAuthority)}`;
  }
  return `${scheme}${decodePath(rest)}`;
}
