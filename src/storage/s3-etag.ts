/**
 * ETag spelling for S3 and S3-compatible servers.
 *
 * HTTP defines an entity tag as a quoted string (`"abc"`), and AWS S3 returns and matches it that
 * way. Some S3-compatible servers compare `If-Match` against the bare value instead (Ceph RGW 16,
 * DigitalOcean Spaces), and answer 412 to the quoted spelling even when the object is unchanged.
 * The store therefore hands out one canonical (quoted) spelling everywhere (put, head, list) and
 * decides which spelling to send in `If-Match` as described in `s3-store.ts`.
 */

/** The canonical (quoted) spelling of an ETag as a server returned it, quoted or not. */
export function canonicalEtag(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (value === "") return undefined;
  if (value.startsWith("W/") || (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))) return value;
  return `"${value}"`;
}

/** The two spellings of an etag a caller passed to `{ ifMatch }`: quoted (RFC 9110) and bare. */
export function etagSpellings(etag: string): { quoted: string; bare: string } {
  const quoted = canonicalEtag(etag) ?? etag;
  const bare = quoted.replace(/^W\//, "").replace(/^"(.*)"$/s, "$1");
  return { quoted, bare };
}
