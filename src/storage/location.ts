/**
 * Parsing of table URLs into a typed storage location.
 */
import * as nodePath from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidStorageConfigError } from "../errors/storage-errors.js";

/** Where a store is rooted, by backend. Prefixes have no leading or trailing `/`. */
export type StoreLocation =
  | { kind: "local"; directory: string }
  | { kind: "memory"; bucket: string; prefix: string }
  | { kind: "s3"; bucket: string; prefix: string }
  | { kind: "azure"; container: string; prefix: string; account?: string; endpoint?: string };

const trimSlashes = (s: string) => s.replace(/^\/+|\/+$/g, "");

/**
 * Parses a table URL. Accepted forms:
 * plain paths and `file://` URLs; `memory://name/prefix`; `s3://bucket/prefix` and `s3a://`;
 * `az://container/prefix` (also `azure://`); `abfs[s]://container@account.dfs.core.windows.net/path`;
 * `https://account.blob.core.windows.net/container/path` (and `.dfs.`).
 * Throws {@link InvalidStorageConfigError} for anything else.
 */
export function parseLocation(url: string): StoreLocation {
  if (typeof url !== "string" || url.trim() === "") throw new InvalidStorageConfigError(String(url), "empty table URL");
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: "local", directory: nodePath.resolve(url) };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new InvalidStorageConfigError(url, `not a valid URL (${(cause as Error).message})`);
  }
  let path: string;
  try {
    path = decodeURIComponent(trimSlashes(parsed.pathname));
  } catch {
    throw new InvalidStorageConfigError(url, "the path has a malformed percent-escape (escape '%' as %25)");
  }
  switch (scheme) {
    case "file":
      return { kind: "local", directory: fileURLToPath(parsed) };
    case "memory":
      return { kind: "memory", bucket: parsed.host || "default", prefix: path };
    case "s3":
    case "s3a":
      if (!parsed.hostname) throw new InvalidStorageConfigError(url, "no bucket name (expected s3://bucket/prefix)");
      return { kind: "s3", bucket: parsed.hostname, prefix: path };
    case "az":
    case "azure":
      if (!parsed.hostname) throw new InvalidStorageConfigError(url, "no container name (expected az://container/prefix)");
      return { kind: "azure", container: parsed.hostname, prefix: path };
    case "abfs":
    case "abfss": {
      const account = /^([a-z0-9]+)\.dfs\./i.exec(parsed.hostname)?.[1];
      if (!parsed.username || !account) {
        throw new InvalidStorageConfigError(url, "expected abfss://container@account.dfs.core.windows.net/path");
      }
      return { kind: "azure", container: parsed.username, account, prefix: path, endpoint: `https://${account}.blob.core.windows.net` };
    }
    case "https":
    case "http": {
      const m = /^([a-z0-9]+)\.(blob|dfs)\.core\.windows\.net$/i.exec(parsed.hostname);
      if (!m?.[1]) throw new InvalidStorageConfigError(url, "only Azure storage https URLs (account.blob.core.windows.net) are tables");
      const [container, ...rest] = path.split("/");
      if (!container) throw new InvalidStorageConfigError(url, "no container in the URL path");
      return { kind: "azure", container, account: m[1], prefix: rest.join("/"), endpoint: `https://${m[1]}.blob.core.windows.net` };
    }
    default:
      throw new InvalidStorageConfigError(
        url,
        `unsupported scheme ${scheme}:// (use a path, file://, memory://, s3://, az:// or abfss://)`,
      );
  }
}
