/**
 * The one reader of `delta.*` table properties (`metaData.configuration`), with Spark's parsing
 * rules and defaults (DeltaConfigs in delta-io/delta):
 *
 * - booleans: `true` / `false` in any case, surrounding blanks ignored (Scala's `toBoolean`);
 * - integers: an optional sign and decimal digits within the type's range (Java's `parseInt`);
 * - durations: a calendar interval of fixed-length units, `interval 7 days`, `1 week`,
 *   `interval 1 day 12 hours` (the word `interval` optional, case ignored); months and years
 *   are refused, as Delta refuses them for durations.
 *
 * A property that is absent takes its default. A property that is present but malformed raises
 * {@link InvalidTablePropertyError} when it is read (never at load), so a table with one bad
 * setting stays readable for everything that does not depend on it.
 */
import { InvalidTablePropertyError } from "../errors/log-errors.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Milliseconds per interval unit (singular form; plurals are accepted). */
const UNIT_MS: Readonly<Record<string, number>> = {
  nanosecond: 1e-6,
  microsecond: 1e-3,
  millisecond: 1,
  second: 1000,
  minute: 60_000,
  hour: HOUR_MS,
  day: DAY_MS,
  week: 7 * DAY_MS,
};

/**
 * Parses a Spark interval string of fixed-length units to milliseconds; `undefined` when it is
 * not one (the reason in `why`).
 */
export function parseIntervalMs(value: string, why?: (reason: string) => void): number | undefined {
  const words = value.trim().toLowerCase().split(/\s+/);
  if (words[0] === "interval") words.shift();
  if (words.length === 0 || words[0] === "" || words.length % 2 !== 0)
    return void why?.("expected pairs of <number> <unit>, e.g. 'interval 7 days'");
  let ms = 0;
  for (let i = 0; i < words.length; i += 2) {
    const amount = words[i]!;
    const unit = words[i + 1]!.replace(/s$/, "");
    if (!/^[+-]?\d+$/.test(amount)) return void why?.(`${amount} is not a whole number`);
    if (unit === "month" || unit === "year") return void why?.(`${unit}s have no fixed length; use days or weeks`);
    const per = UNIT_MS[unit];
    if (per === undefined) return void why?.(`unknown unit ${words[i + 1]}`);
    ms += Number(amount) * per;
  }
  if (!Number.isSafeInteger(Math.round(ms))) return void why?.("the duration is too large");
  return Math.round(ms);
}

/** Parses a Spark boolean (`true`/`false`, any case). */
export function parseBooleanProperty(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  return v === "true" ? true : v === "false" ? false : undefined;
}

/** Parses a Java int/long: optional sign and digits, within safe-integer range. */
export function parseIntegerProperty(value: string): number | undefined {
  const v = value.trim();
  if (!/^[+-]?\d+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Checkpoint layout a writer should use (`delta.checkpointPolicy`). */
export type CheckpointPolicy = "classic" | "v2";

/**
 * Typed, lazily parsed view of a table's properties. Each getter documents its key and Spark's
 * default; a malformed value throws {@link InvalidTablePropertyError} naming key and value.
 */
export class TableProperties {
  constructor(
    /** The raw `metaData.configuration`. */
    readonly raw: Readonly<Record<string, string>>,
    /** The table, for error messages. */
    readonly tableUrl = "",
  ) {}

  /** `delta.appendOnly` (default false): removes with `dataChange` are refused. */
  get appendOnly(): boolean {
    return this.boolean("delta.appendOnly", false);
  }

  /** `delta.enableChangeDataFeed` (default false). */
  get enableChangeDataFeed(): boolean {
    return this.boolean("delta.enableChangeDataFeed", false);
  }

  /** `delta.enableDeletionVectors` (default false): row-level changes write deletion vectors. */
  get enableDeletionVectors(): boolean {
    return this.boolean("delta.enableDeletionVectors", false);
  }

  /** `delta.enableInCommitTimestamps` (default false). */
  get enableInCommitTimestamps(): boolean {
    return this.boolean("delta.enableInCommitTimestamps", false);
  }

  /** `delta.inCommitTimestampEnablementVersion`: the first version with in-commit timestamps (undefined: from the start). */
  get inCommitTimestampEnablementVersion(): number | undefined {
    return this.integer("delta.inCommitTimestampEnablementVersion", undefined, 0);
  }

  /** `delta.enableTypeWidening` (default false). */
  get enableTypeWidening(): boolean {
    return this.boolean("delta.enableTypeWidening", false);
  }

  /**
   * `delta.enableVariantShredding` (default false): writers may shred variant columns (feature
   * `variantShredding`). lakelog never shreds; it only reads shredded files.
   */
  get enableVariantShredding(): boolean {
    return this.boolean("delta.enableVariantShredding", false);
  }

  /** `delta.enableRowTracking` (default false): every row gets a stable row ID (writer feature `rowTracking`). */
  get enableRowTracking(): boolean {
    return this.boolean("delta.enableRowTracking", false);
  }

  /** `delta.checkpointInterval` (Spark's default 10): a checkpoint after every N-th commit. Must be positive. */
  get checkpointInterval(): number {
    return this.integer("delta.checkpointInterval", 10, 1)!;
  }

  /** `delta.checkpoint.writeStatsAsJson` (default true): checkpoints carry `add.stats` as JSON text. */
  get checkpointWriteStatsAsJson(): boolean {
    return this.boolean("delta.checkpoint.writeStatsAsJson", true);
  }

  /** `delta.checkpoint.writeStatsAsStruct` (default true): checkpoints carry `stats_parsed` / `partitionValues_parsed`. */
  get checkpointWriteStatsAsStruct(): boolean {
    return this.boolean("delta.checkpoint.writeStatsAsStruct", true);
  }

  /** `delta.checkpointPolicy` (default `classic`; `v2` with the v2Checkpoint feature). */
  get checkpointPolicy(): CheckpointPolicy {
    const v = this.raw["delta.checkpointPolicy"]?.trim().toLowerCase();
    if (v === undefined || v === "classic") return "classic";
    if (v === "v2") return "v2";
    throw new InvalidTablePropertyError(
      this.tableUrl,
      "delta.checkpointPolicy",
      this.raw["delta.checkpointPolicy"]!,
      "expected classic or v2",
    );
  }

  /** `delta.logRetentionDuration` in ms (default `interval 30 days`). */
  get logRetentionMs(): number {
    return this.duration("delta.logRetentionDuration", 30 * DAY_MS);
  }

  /** `delta.deletedFileRetentionDuration` in ms (default `interval 1 week`). */
  get deletedFileRetentionMs(): number {
    return this.duration("delta.deletedFileRetentionDuration", 7 * DAY_MS);
  }

  /** `delta.enableExpiredLogCleanup` (default true). */
  get enableExpiredLogCleanup(): boolean {
    return this.boolean("delta.enableExpiredLogCleanup", true);
  }

  /** `delta.dataSkippingNumIndexedCols` (default 32; -1 = all columns). */
  get dataSkippingNumIndexedCols(): number {
    return this.integer("delta.dataSkippingNumIndexedCols", 32, -1)!;
  }

  /** `delta.dataSkippingStatsColumns`: the columns to collect statistics for, as written (comma-separated), or undefined. */
  get dataSkippingStatsColumns(): string | undefined {
    return this.raw["delta.dataSkippingStatsColumns"];
  }

  /** `delta.randomizeFilePrefixes` (default false). */
  get randomizeFilePrefixes(): boolean {
    return this.boolean("delta.randomizeFilePrefixes", false);
  }

  /** `delta.randomPrefixLength` (default 2). */
  get randomPrefixLength(): number {
    return this.integer("delta.randomPrefixLength", 2, 1)!;
  }

  /** `delta.columnMapping.maxColumnId` (default 0). */
  get columnMappingMaxColumnId(): number {
    return this.integer("delta.columnMapping.maxColumnId", 0, 0)!;
  }

  /** A boolean property by key (for keys without a getter). */
  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw[key];
    if (value === undefined) return fallback;
    const parsed = parseBooleanProperty(value);
    if (parsed === undefined) throw new InvalidTablePropertyError(this.tableUrl, key, value, "expected true or false");
    return parsed;
  }

  /** An integer property by key, at least `min`. */
  integer<T extends number | undefined>(key: string, fallback: T, min: number): number | T {
    const value = this.raw[key];
    if (value === undefined) return fallback;
    const parsed = parseIntegerProperty(value);
    if (parsed === undefined || parsed < min)
      throw new InvalidTablePropertyError(this.tableUrl, key, value, `expected a whole number of at least ${min}`);
    return parsed;
  }

  /** A duration property by key, in ms. */
  duration(key: string, fallbackMs: number): number {
    const value = this.raw[key];
    if (value === undefined) return fallbackMs;
    let reason = "";
    const ms = parseIntervalMs(value, (r) => (reason = r));
    if (ms === undefined || ms < 0)
      throw new InvalidTablePropertyError(this.tableUrl, key, value, reason || "a duration cannot be negative");
    return ms;
  }
}

/** The typed properties of a configuration (e.g. `readTableProperties(snapshot.metadata.configuration)`). */
export function readTableProperties(configuration: Readonly<Record<string, string>>, tableUrl = ""): TableProperties {
  return new TableProperties(configuration, tableUrl);
}
