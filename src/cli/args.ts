/**
 * Parsers for flag values. They throw commander's `InvalidArgumentError`, which the program
 * reports as a one-line usage error (exit status 2).
 */
import { InvalidArgumentError } from "commander";

/** A whole number ≥ `min` (default 0). */
export function wholeNumber(min = 0): (value: string) => number {
  return (value) => {
    const n = /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}`);
    return n;
  };
}

/** A number of hours ≥ 0 (fractions allowed). */
export function hours(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a number of hours ≥ 0");
  return n;
}

/** A point in time: ISO-8601 (`2024-05-01`, `2024-05-01T10:00:00Z`) or epoch milliseconds. */
export function timestamp(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError("expected an ISO-8601 time (2024-05-01T10:00:00Z) or epoch milliseconds");
  return ms;
}

/** A comma-separated list of names, trimmed, without empties. */
export function nameList(value: string): string[] {
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw new InvalidArgumentError("expected one or more comma-separated column names");
  return names;
}

/** `key=value` pairs, repeatable: collects into a record. */
export function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError("expected key=value");
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1) };
}

/** `column=expression` assignments of `update --set`, repeatable: collects into a record. */
export function assignment(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf("=");
  const column =
    eq < 0
      ? ""
      : value
          .slice(0, eq)
          .trim()
          .replace(/^`(.*)`$/, "$1");
  if (column === "" || value.slice(eq + 1).trim() === "")
    throw new InvalidArgumentError('expected column=expression, e.g. "status=\'void\'" or "n=n+1"');
  if (Object.hasOwn(previous, column)) throw new InvalidArgumentError(`column ${column} is set twice`);
  return { ...previous, [column]: value.slice(eq + 1).trim() };
}

/** A choice among `choices`. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${choices.join(", ")}`);
    return value as T;
  };
}
