/**
 * The mapping between store-relative paths and keys in one S3 bucket under a root prefix.
 * Pure: no I/O.
 */
import { joinKey, normalizePath, normalizePrefix } from "./paths.js";

/** Maps paths under `s3://bucket/root` to bucket keys and back. */
export class S3KeyMap {
  readonly bucket: string;
  /** Normalised root prefix without leading or trailing `/`; empty for the bucket's top. */
  readonly root: string;
  /** `s3://bucket/root`, or `s3://bucket` for an empty root. */
  readonly rootUrl: string;

  /**
   * @param location bucket and root prefix as parsed from the table URL; the prefix is
   *   normalised like a path (a `..` that climbs out of the bucket throws `InvalidPathError`).
   */
  constructor(
    location: { bucket: string; prefix: string },
    readonly backend: string,
  ) {
    this.bucket = location.bucket;
    this.root = location.prefix.replace(/^\/+|\/+$/g, "") === "" ? "" : normalizePath(location.prefix, backend);
    this.rootUrl = this.root === "" ? `s3://${this.bucket}` : `s3://${this.bucket}/${this.root}`;
  }

  /** The bucket key of a store-relative path (normalised; throws `InvalidPathError`). */
  key(path: string): string {
    return joinKey(this.root, normalizePath(path, this.backend));
  }

  /** The `Prefix` to list for a store-relative prefix: always inside the root "directory". */
  listPrefix(prefix: string): string {
    const wanted = normalizePrefix(prefix, this.backend);
    return this.root === "" ? wanted : `${this.root}/${wanted}`;
  }

  /**
   * The store-relative path of a listed key, or undefined for a key this store cannot address:
   * outside the root, or a "folder marker" ending in `/` (as consoles create).
   */
  relative(key: string): string | undefined {
    if (key.endsWith("/")) return undefined;
    if (this.root === "") return key === "" ? undefined : key;
    const scope = `${this.root}/`;
    if (!key.startsWith(scope) || key.length === scope.length) return undefined;
    return key.slice(scope.length);
  }
}
