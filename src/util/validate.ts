/**
 * Checks of numbers taken from callers at the public boundary (versions, limits, sizes), so a
 * fractional, negative or non-numeric value is refused typed before it reaches the log.
 */
import { InvalidArgumentError } from "../errors/argument-errors.js";

/** A short description of a received value for error messages. */
export function describeArgument(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return "null";
  return typeof value;
}

/**
 * Returns `value` when it is a safe integer ≥ `min` (0 unless given); otherwise throws
 * {@link InvalidArgumentError} naming `argument`.
 */
export function requireSafeInteger(value: unknown, argument: string, min = 0): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(
      argument,
      describeArgument(value),
      min === 0 ? "a non-negative safe integer" : `a safe integer >= ${min}`,
    );
  }
  return value;
}

/** As {@link requireSafeInteger}, but `undefined` passes through (an omitted option). */
export function optionalSafeInteger(value: unknown, argument: string, min = 0): number | undefined {
  return value === undefined ? undefined : requireSafeInteger(value, argument, min);
}
