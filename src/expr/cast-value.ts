/**
 * `cast(x AS type)` on one value, with ANSI semantics: text that does not read as the type, a
 * number out of the target's range, NaN or infinity into an integer or decimal are errors
 * ({@link InvalidCastError}), never NULL. Numbers to integers truncate toward zero; to decimals
 * round half up. Dates and timestamps are read and written in UTC.
 */
import { InvalidCastError } from "../errors/expression-errors.js";
import type { ValueType } from "./bound.js";
import { formatLiteral } from "./format.js";
import { formatTimestampMicros, microsToDays, parseTimestampText, timestampToMicros } from "./time.js";
import { asDecimalParts, isDecimal, isFloating, isIntegral } from "./typing.js";
import {
  formatDate,
  formatDecimal,
  isDecimalValue,
  parseDateText,
  parseDecimalText,
  pow10,
  utf8,
  type DecimalValue,
  type Scalar,
} from "./values.js";

/** Inclusive ranges of the integral types. */
export const INTEGRAL_RANGE: Record<string, [bigint, bigint]> = {
  byte: [-128n, 127n],
  short: [-32768n, 32767n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
};

const MICROS_PER_DAY = 86_400_000_000n;
const decoder = new TextDecoder("utf-8", { fatal: false });

/** `a / b` rounded half away from zero (b ≠ 0). */
export function divideHalfUp(a: bigint, b: bigint): bigint {
  const negative = a < 0n !== b < 0n;
  const [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  const exact = x / y;
  const rounded = 2n * (x % y) >= y ? exact + 1n : exact;
  return negative ? -rounded : rounded;
}

/** A decimal value moved to `scale`, rounding half up when digits are dropped. */
export function rescaleHalfUp(v: DecimalValue, scale: number): bigint {
  if (v.scale <= scale) return v.unscaled * pow10(scale - v.scale);
  return divideHalfUp(v.unscaled, pow10(v.scale - scale));
}

/** Java's rendering of a double (`1.0`, `1.0E20`, `NaN`), which Spark's cast to string follows. */
export function javaDoubleText(v: number, isFloat = false): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v === 0) return Object.is(v, -0) ? "-0.0" : "0.0";
  let digits = String(v);
  if (isFloat) {
    for (let p = 1; p <= 9; p++) {
      const t = v.toPrecision(p);
      if (Math.fround(Number(t)) === v) {
        digits = String(Number(t));
        break;
      }
    }
  }
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = Number(digits).toString().includes("e") ? Number(digits).toFixed(20).replace(/0+$/, "") : String(Number(digits));
    return plain.includes(".") ? plain : `${plain}.0`;
  }
  const [mantissa, exponent] = Number(digits).toExponential().split("e") as [string, string];
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

function render(v: Scalar, type: ValueType): string {
  if (isDecimalValue(v)) return formatDecimal(v);
  if (type === "date" && typeof v === "number") return formatDate(v);
  if ((type === "timestamp" || type === "timestamp_ntz") && typeof v === "bigint") return timestampText(v);
  if (isFloating(type)) return javaDoubleText(v as number, type === "float");
  if (v instanceof Uint8Array) return decoder.decode(v);
  return String(v);
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC, trailing zeros of the fraction dropped (Spark's form). */
export function timestampText(micros: bigint): string {
  const iso = formatTimestampMicros(micros, false); // YYYY-MM-DDTHH:MM:SS.ffffff
  const [date, time] = iso.split("T") as [string, string];
  const [hms, fraction] = time.split(".") as [string, string];
  const f = fraction.replace(/0+$/, "");
  return `${date} ${hms}${f ? `.${f}` : ""}`;
}

/** The exact value of a number-like scalar as a decimal; undefined for NaN or infinity. */
function exactOf(v: Scalar, from: ValueType): DecimalValue | undefined {
  if (isDecimalValue(v)) return v;
  if (typeof v === "bigint") return { unscaled: v, scale: 0 };
  if (typeof v === "boolean") return { unscaled: v ? 1n : 0n, scale: 0 };
  if (typeof v === "number" && Number.isFinite(v)) return parseDecimalText(isIntegral(from) ? String(v) : v.toExponential());
  return undefined;
}

/**
 * Casts a non-null value of type `from` to `to`. `row` (0-based) is named in errors.
 * Throws {@link InvalidCastError}.
 */
export function castScalar(v: Scalar, from: ValueType, to: ValueType, row?: number): Scalar {
  const fail = (detail: string): never => {
    throw new InvalidCastError(
      formatLiteral(typeof v === "object" && !(v instanceof Uint8Array) ? formatDecimal(v) : (v as never)),
      from,
      to,
      row,
      detail,
    );
  };
  if (from === to) return v;
  if (to === "string") return render(v, from);
  if (to === "binary") return typeof v === "string" ? utf8(v) : fail("only strings convert to binary");
  if (to === "boolean") return toBoolean(v, fail);
  if (isIntegral(to) || isDecimal(to) || isFloating(to)) return toNumber(v, from, to, fail);
  if (to === "date") {
    if (typeof v === "string") {
      const days = parseDateText(v) ?? (parseTimestampText(v) ? microsToDays(timestampToMicros(parseTimestampText(v)!)).days : undefined);
      return days ?? fail("expected 'YYYY-MM-DD'");
    }
    if (typeof v === "bigint") return microsToDays(v).days;
    return fail("not a date");
  }
  // timestamp, timestamp_ntz
  if (typeof v === "string") {
    const parsed = parseTimestampText(v);
    return parsed ? timestampToMicros(parsed) : fail("expected ISO-8601 text such as '2024-01-01 10:00:00'");
  }
  if (from === "date" && typeof v === "number") return BigInt(v) * MICROS_PER_DAY;
  if (typeof v === "bigint") return v;
  return fail("not a timestamp");
}

function toBoolean(v: Scalar, fail: (d: string) => never): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") {
    const t = v.trim().toLowerCase();
    if (["t", "true", "y", "yes", "1"].includes(t)) return true;
    if (["f", "false", "n", "no", "0"].includes(t)) return false;
    return fail("expected true or false");
  }
  if (typeof v === "number") return v !== 0;
  if (typeof v === "bigint") return v !== 0n;
  if (isDecimalValue(v)) return v.unscaled !== 0n;
  return fail("not a boolean");
}

function toNumber(v: Scalar, from: ValueType, to: ValueType, fail: (d: string) => never): Scalar {
  if (isFloating(to)) {
    let x: number;
    if (typeof v === "string") {
      const t = v.trim();
      x = /^[+-]?(nan|inf|infinity)$/i.test(t)
        ? /nan/i.test(t)
          ? NaN
          : t.startsWith("-")
            ? -Infinity
            : Infinity
        : parseDecimalText(t)
          ? Number(t)
          : fail("not a number");
    } else if (isDecimalValue(v)) x = Number(formatDecimal(v));
    else if (typeof v === "boolean") x = v ? 1 : 0;
    else x = Number(v);
    return to === "float" ? Math.fround(x) : x;
  }
  let exact: DecimalValue | undefined;
  if (typeof v === "string") exact = parseDecimalText(v.trim()) ?? fail("not a number");
  else exact = exactOf(v, from) ?? fail("NaN and infinity have no exact value");
  if (isIntegral(to)) {
    const truncated = exact.unscaled / pow10(exact.scale); // toward zero
    const [lo, hi] = INTEGRAL_RANGE[to]!;
    if (truncated < lo || truncated > hi) fail(`out of the range of ${to}`);
    return to === "long" ? truncated : Number(truncated);
  }
  const { precision, scale } = asDecimalParts(to)!;
  const unscaled = rescaleHalfUp(exact, scale);
  if ((unscaled < 0n ? -unscaled : unscaled) >= pow10(precision)) fail(`more than ${precision - scale} digits before the point`);
  return { unscaled, scale };
}
