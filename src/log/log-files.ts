/**
 * Names of the files in `_delta_log/`, parsed into a tagged union.
 */
import type { ObjectMeta } from "../storage/store.js";

/** The folder holding the log, relative to the table root. */
export const LOG_DIR = "_delta_log";

/** A file of the log, by kind. `path` is store-relative (from the table root). */
export type LogFile =
  | { kind: "commit"; version: number; path: string; size: number; lastModified: number }
  | {
      kind: "checkpoint";
      version: number;
      path: string;
      size: number;
      lastModified: number;
      /** `classic` single file, `multipart` (part of parts), or `v2` (UUID-named, JSON or Parquet). */
      format: "classic" | "multipart" | "v2";
      fileType: "parquet" | "json";
      part?: number;
      parts?: number;
    }
  | { kind: "compaction"; version: number; endVersion: number; path: string; size: number; lastModified: number }
  | { kind: "crc"; version: number; path: string; size: number; lastModified: number };

const VERSION = "(\\d{20})";
const COMMIT = new RegExp(`^${VERSION}\\.json$`);
const CLASSIC = new RegExp(`^${VERSION}\\.checkpoint\\.parquet$`);
const MULTIPART = new RegExp(`^${VERSION}\\.checkpoint\\.(\\d{10})\\.(\\d{10})\\.parquet$`);
const V2 = new RegExp(
  `^${VERSION}\\.checkpoint\\.[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\.(json|parquet)$`,
);
const COMPACTION = new RegExp(`^${VERSION}\\.${VERSION}\\.compacted\\.json$`);
const CRC = new RegExp(`^${VERSION}\\.crc$`);

/** Zero-pads a version to the 20 digits log file names use. */
export function padVersion(version: number): string {
  return String(version).padStart(20, "0");
}

/** Store-relative path of the commit file for `version`. */
export function commitPath(version: number): string {
  return `${LOG_DIR}/${padVersion(version)}.json`;
}

/**
 * Classifies one listed object of the log folder, or returns undefined for anything else
 * (`_last_checkpoint`, sidecars, temp files, unknown names).
 */
export function parseLogFile(meta: ObjectMeta): LogFile | undefined {
  const prefix = `${LOG_DIR}/`;
  if (!meta.path.startsWith(prefix)) return undefined;
  const name = meta.path.slice(prefix.length);
  if (name.includes("/")) return undefined;
  const base = { path: meta.path, size: meta.size, lastModified: meta.lastModified };
  let m = COMMIT.exec(name);
  if (m) return { kind: "commit", version: Number(m[1]), ...base };
  m = CLASSIC.exec(name);
  if (m) return { kind: "checkpoint", version: Number(m[1]), format: "classic", fileType: "parquet", ...base };
  m = MULTIPART.exec(name);
  if (m) {
    return {
      kind: "checkpoint",
      version: Number(m[1]),
      format: "multipart",
      fileType: "parquet",
      part: Number(m[2]),
      parts: Number(m[3]),
      ...base,
    };
  }
  m = V2.exec(name);
  if (m) return { kind: "checkpoint", version: Number(m[1]), format: "v2", fileType: m[2] as "json" | "parquet", ...base };
  m = COMPACTION.exec(name);
  if (m) return { kind: "compaction", version: Number(m[1]), endVersion: Number(m[2]), ...base };
  m = CRC.exec(name);
  if (m) return { kind: "crc", version: Number(m[1]), ...base };
  return undefined;
}
