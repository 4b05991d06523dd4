/**
 * Which data files a scan may read. A log is data, and data can be hostile: an `add.path` may be
 * an absolute path or a URL anywhere (`file:///etc/passwd` in a `memory://` table), or a relative
 * path that climbs out of the table with `..`. Files outside the table's root are refused unless
 * the caller opts in (shallow clones legitimately point elsewhere). See spec/reader.md.
 */
import { ExternalPathRefusedError } from "../errors/argument-errors.js";

/** The caller's consent to read files outside the table root. Default: refuse them all. */
export interface ExternalPathPolicy {
  /** Read any absolute path or URL the log names (trusted logs only). */
  allowExternalPaths?: boolean;
  /**
   * Read absolute paths under these roots only (URLs such as `s3://bucket/clones/` or
   * `file:///data/shared/`; a root matches at a `/` boundary).
   */
  allowedRoots?: readonly string[];
}

/** True when some `/`-separated segment of `path` is `..`. */
function hasParentSegment(path: string): boolean {
  return path.split("/").includes("..");
}

/**
 * Refuses a table-relative key that climbs above the table root (`../x`, `a/../../x`), with
 * {@link ExternalPathRefusedError}. Returns the key.
 */
export function checkRelativeKey(key: string, path: string, tableUrl: string): string {
  let depth = 0;
  for (const segment of key.split("/")) {
    if (segment === "..") depth--;
    else if (segment !== "" && segment !== ".") depth++;
    if (depth < 0) throw new ExternalPathRefusedError(path, tableUrl, "the relative path climbs above the table root");
  }
  return key;
}

/**
 * Checks an absolute file URL outside the table root against `policy`: allowed when
 * `allowExternalPaths` is set, or when it lies under one of `allowedRoots` and has no `..`
 * segment; otherwise throws {@link ExternalPathRefusedError}.
 */
export function checkExternalUrl(absoluteUrl: string, tableUrl: string, policy: ExternalPathPolicy = {}): string {
  if (policy.allowExternalPaths === true) return absoluteUrl;
  const roots = policy.allowedRoots ?? [];
  if (roots.length === 0) throw new ExternalPathRefusedError(absoluteUrl, tableUrl, "the file lies outside the table root");
  if (hasParentSegment(absoluteUrl)) throw new ExternalPathRefusedError(absoluteUrl, tableUrl, "an external path may not contain '..'");
  const inside = roots.some((root) => {
    const base = root.endsWith("/") ? root : `${root}/`;
    return absoluteUrl.startsWith(base);
  });
  if (!inside)
    throw new ExternalPathRefusedError(
      absoluteUrl,
      tableUrl,
      `the file lies outside the table root and outside allowedRoots (${roots.join(", ")})`,
    );
  return absoluteUrl;
}
