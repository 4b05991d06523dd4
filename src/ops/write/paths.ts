/**
 * Where data files go and how `add.path` spells them, as Spark writes them:
 *
 * - Partition directories `col=value/…` with each name and value escaped by Hive's
 *   `escapePathName` (Spark's `ExternalCatalogUtils`): U+0001–U+001F, `"`, `#`, `%`, `'`, `*`,
 *   `/`, `:`, `=`, `?`, `\`, U+007F, `{`, `[`, `]`, `^` become `%XX` (uppercase hex of the UTF-16
 *   unit); everything else, non-ASCII included, stays. A null (or empty string) value is
 *   `__HIVE_DEFAULT_PARTITION__`. Unlike Hive, U+0000 is escaped too (`%00`): no store accepts
 *   it in a key.
 * - `add.path` is that relative path as a URI path, the way Hadoop's `Path.toUri().toString()`
 *   quotes it (`java.net.URI`): ASCII letters, digits and `-_.!~*'();/:@&=+$,` stay, every other
 *   ASCII character (`%` and space included) becomes `%XX`; non-ASCII characters stay unless they
 *   are Unicode spaces or C1 controls, which become their UTF-8 bytes as `%XX`. So a `%` in a
 *   directory name appears as `%25` in the log, and readers decode `add.path` exactly once.
 * - File names `part-<seq:5>-<uuid>-c000.<codec>.parquet` (`.parquet` alone when uncompressed).
 * - Tables with column mapping (or `delta.randomizeFilePrefixes`) get no partition directories:
 *   each file goes under a random directory of `delta.randomPrefixLength` (default 2)
 *   alphanumerics, as Spark does, since a rename would leave directory names wrong.
 * Pure, except the random parts.
 */
import { readTableProperties } from "../../log/table-properties.js";
import { randomBytes, randomUUID } from "node:crypto";

export const HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__";

const ESCAPED = new Set<number>([0x22, 0x23, 0x25, 0x27, 0x2a, 0x2f, 0x3a, 0x3d, 0x3f, 0x5c, 0x7f, 0x7b, 0x5b, 0x5d, 0x5e]);

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, "0");
}

/** Hive's `escapePathName`: the characters listed in the module header as `%XX`. */
export function escapePathName(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out += c <= 0x1f || ESCAPED.has(c) ? `%${hex2(c)}` : text[i];
  }
  return out;
}

/** One `name=value` directory of a Hive-style partition path (`value` null for the null partition). */
export function partitionDirectory(name: string, value: string | null): string {
  return `${escapePathName(name)}=${value === null || value === "" ? HIVE_DEFAULT_PARTITION : escapePathName(value)}`;
}

const URI_PATH_SAFE = /[A-Za-z0-9\-_.!~*'();/:@&=+$,]/;
const utf8 = new TextEncoder();

/** A relative object key as `add.path`: quoted like `java.net.URI`'s path component (see the module header). */
export function toLogPath(key: string): string {
  let out = "";
  for (const ch of key) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out += URI_PATH_SAFE.test(ch) ? ch : `%${hex2(c)}`;
    else if ((c >= 0x80 && c <= 0x9f) || /\p{Z}/u.test(ch)) for (const b of utf8.encode(ch)) out += `%${hex2(b)}`;
    else out += ch;
  }
  return out;
}

/** The file extension for a codec: `.snappy.parquet`, `.zstd.parquet`, `.parquet`. */
export function parquetExtension(compression: "snappy" | "zstd" | "uncompressed"): string {
  return compression === "uncompressed" ? ".parquet" : `.${compression}.parquet`;
}

/** A data file name unique across writers: `part-<seq:5>-<uuid>-c000<ext>`. */
export function dataFileName(seq: number, extension: string): string {
  return `part-${String(seq).padStart(5, "0")}-${randomUUID()}-c000${extension}`;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `length` random letters and digits (Spark's random file prefix). */
export function randomPrefix(length: number): string {
  let out = "";
  for (const b of randomBytes(length)) out += ALPHANUMERIC[b % ALPHANUMERIC.length];
  return out;
}

/**
 * The random prefix length for files of a table, or undefined when files go into partition
 * directories: column mapping always uses prefixes; otherwise `delta.randomizeFilePrefixes`.
 */
export function randomPrefixLength(configuration: Readonly<Record<string, string>>, columnMapping: boolean): number | undefined {
  const properties = readTableProperties(configuration);
  if (!columnMapping && !properties.randomizeFilePrefixes) return undefined;
  return Math.min(properties.randomPrefixLength, 64);
}
