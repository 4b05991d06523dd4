/**
 * Timestamp text as predicates, statistics and partition values write it, read into microseconds
 * since the epoch; and wall-clock times in a named time zone converted to UTC.
 */
import { daysFromCivil, isValidDate } from "./values.js";

const MICROS_PER_DAY = 86_400_000_000n;

/** A timestamp read from text: the wall clock as if in UTC, and the zone offset if the text had one. */
export interface ParsedTimestamp {
  /** Microseconds of the wall clock read as UTC (rounded toward −∞ below 1 µs). */
  wallMicros: bigint;
  /** Offset of the written zone in minutes east of UTC (`Z` → 0); undefined when the text had no zone. */
  offsetMinutes: number | undefined;
  /** False when the text had digits below the microsecond that were dropped. */
  exact: boolean;
}

const TIMESTAMP_RE =
  /^([+-]?\d{4,})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.fffffffff]]][Z|±HH[:MM]]`. A date alone is midnight.
 * Undefined when the text is not such a timestamp or names an impossible date or time.
 */
export function parseTimestampText(text: string): ParsedTimestamp | undefined {
  const m = TIMESTAMP_RE.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (!isValidDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = (m[7] ?? "").padEnd(9, "0");
  const micros = BigInt(fraction.slice(0, 6));
  const exact = /^0*$/.test(fraction.slice(6));
  const seconds = BigInt(daysFromCivil(year, month, day)) * 86_400n + BigInt(hour * 3600 + minute * 60 + second);
  return { wallMicros: seconds * 1_000_000n + micros, offsetMinutes: parseOffset(m[8]), exact };
}

function parseOffset(zone: string | undefined): number | undefined {
  if (zone === undefined) return undefined;
  if (zone === "Z" || zone === "z" || zone === "UTC") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
}

/**
 * The instant of a parsed timestamp in microseconds since the epoch. Text without a zone is read
 * in `timeZone` (an IANA name; UTC when omitted).
 */
export function timestampToMicros(parsed: ParsedTimestamp, timeZone?: string): bigint {
  if (parsed.offsetMinutes !== undefined) return parsed.wallMicros - BigInt(parsed.offsetMinutes) * 60_000_000n;
  if (timeZone === undefined || isUtcName(timeZone)) return parsed.wallMicros;
  return wallToUtcMicros(parsed.wallMicros, timeZone);
}

function isUtcName(zone: string): boolean {
  return /^(utc|gmt|z|etc\/utc|etc\/gmt|\+00:00)$/i.test(zone);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is a zone name this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Offset of `timeZone` from UTC at the instant `utcMs`, in milliseconds (local − UTC). */
export function zoneOffsetMs(timeZone: string, utcMs: number): number {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(utcMs))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === "BC" || parts.era === "B") year = 1 - year;
  const days = daysFromCivil(year, Number(parts.month), Number(parts.day));
  const localMs = (days * 86400 + Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second)) * 1000;
  return localMs - Math.floor(utcMs / 1000) * 1000;
}

/**
 * Converts a wall-clock time in `timeZone` (µs, read as UTC) to the instant. In a gap (spring
 * forward) the time is shifted forward; in an overlap the earlier instant is taken.
 */
export function wallToUtcMicros(wallMicros: bigint, timeZone: string): bigint {
  const wallMs = Number(wallMicros / 1000n);
  const before = zoneOffsetMs(timeZone, wallMs - 86_400_000);
  const after = zoneOffsetMs(timeZone, wallMs + 86_400_000);
  let offset = before;
  if (before !== after) {
    const fits = (o: number) => zoneOffsetMs(timeZone, wallMs - o) === o;
    const [fitsBefore, fitsAfter] = [fits(before), fits(after)];
    if (fitsBefore && fitsAfter)
      offset = Math.max(before, after); // overlap: the earlier instant
    else if (fitsAfter) offset = after;
    // neither fits: a gap; the offset before it moves the time forward, like java.time
  }
  return wallMicros - BigInt(offset) * 1000n;
}

/** Splits microseconds into whole days (toward −∞) for date comparisons. */
export function microsToDays(micros: bigint): { days: number; exact: boolean } {
  let days = micros / MICROS_PER_DAY;
  const rest = micros % MICROS_PER_DAY;
  if (rest < 0n) days -= 1n;
  return { days: Number(days), exact: rest === 0n };
}

/** Renders microseconds since the epoch as ISO-8601 UTC text with 6 fractional digits. */
export function formatTimestampMicros(micros: bigint, withZone = true): string {
  const { days } = microsToDays(micros);
  const inDay = micros - BigInt(days) * MICROS_PER_DAY;
  const ms = Number(inDay / 1000n);
  const date = new Date(0);
  date.setUTCFullYear(1970, 0, 1 + days);
  date.setUTCHours(0, 0, 0, ms);
  const iso = date.toISOString(); // ...THH:MM:SS.mmmZ
  const sub = String(Number(inDay % 1000n)).padStart(3, "0");
  return `${iso.slice(0, -1)}${sub}${withZone ? "Z" : ""}`;
}
