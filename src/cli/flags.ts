/**
 * The parsed flags of each command, as commander hands them to the command bodies.
 */

/** `--version-as-of` / `--timestamp-as-of` values. */
export interface TimeTravelFlags {
  versionAsOf?: number;
  timestampAsOf?: number;
}

/** Flags of `scan` and `head`. */
export interface ScanFlags extends TimeTravelFlags {
  columns?: string[];
  where?: string;
  /** Hidden alias of `where`. */
  filter?: string;
  limit?: number;
  all?: boolean;
  format?: "table" | "ndjson" | "json" | "csv" | "parquet";
  output?: string;
  binary?: "hex" | "base64";
  force?: boolean;
}

/** Flags of `changes`: a version range and the output flags of `scan`. */
export interface ChangesFlags extends ScanFlags {
  from: number;
  to?: number;
}

/** Flags of `create`. */
export interface CreateFlags {
  schema: string;
  partitionBy?: string[];
  property?: Record<string, string>;
  name?: string;
  description?: string;
  ifExists?: "error" | "ignore";
  json?: boolean;
}

/** Flags of `import`. */
export interface ImportFlags {
  format?: "csv" | "ndjson" | "parquet";
  mode: "append" | "overwrite";
  schema?: string;
  partitionBy?: string[];
  delimiter: string;
  json?: boolean;
}
