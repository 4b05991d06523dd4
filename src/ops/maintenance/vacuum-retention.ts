/**
 * The retention rules of vacuum: the table's `delta.deletedFileRetentionDuration` (read through
 * the table-properties reader: a Spark interval string, default one week), the retention a caller
 * asks for, and the check that refuses a shorter one.
 */
import { InvalidArgumentError } from "../../errors/argument-errors.js";
import { VacuumRetentionTooShortError } from "../../errors/maintenance-vacuum-errors.js";
import { readTableProperties } from "../../log/table-properties.js";
import { describeArgument } from "../../util/validate.js";

const HOUR_MS = 3600_000;

/** The retention a vacuum applies, with the values its VACUUM START commit records. */
export interface VacuumRetention {
  /** The retention applied, in ms. */
  retentionMs: number;
  /** The table's configured minimum (deletedFileRetentionDuration), in ms. */
  defaultRetentionMs: number;
  /** The caller's retention in ms, when one was given. */
  specifiedRetentionMs?: number;
  /** Files last modified, and tombstones deleted, before this time (ms) may be deleted. */
  cutoff: number;
}

/**
 * Resolves the retention: `retentionHours` when given (a finite number >= 0, else
 * `InvalidArgumentError`), the table's `delta.deletedFileRetentionDuration` otherwise (a malformed
 * value throws `InvalidTablePropertyError`). With `enforce`, a retention below the table's
 * minimum throws {@link VacuumRetentionTooShortError}. No I/O.
 */
export function resolveRetention(
  configuration: Record<string, string>,
  tableUrl: string,
  retentionHours: number | undefined,
  enforce: boolean,
  now: number,
): VacuumRetention {
  const defaultRetentionMs = readTableProperties(configuration, tableUrl).deletedFileRetentionMs;
  if (retentionHours !== undefined && (typeof retentionHours !== "number" || !Number.isFinite(retentionHours) || retentionHours < 0)) {
    throw new InvalidArgumentError("vacuum.retentionHours", describeArgument(retentionHours), "a finite number of hours >= 0");
  }
  const specifiedRetentionMs = retentionHours === undefined ? undefined : Math.round(retentionHours * HOUR_MS);
  const retentionMs = specifiedRetentionMs ?? defaultRetentionMs;
  if (enforce && retentionMs < defaultRetentionMs) {
    throw new VacuumRetentionTooShortError(tableUrl, retentionHours ?? retentionMs / HOUR_MS, Math.ceil(defaultRetentionMs / HOUR_MS));
  }
  return { retentionMs, defaultRetentionMs, specifiedRetentionMs, cutoff: now - retentionMs };
}
