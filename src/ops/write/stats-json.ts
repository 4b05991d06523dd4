/**
 * Rendering statistics values as the JSON text Spark writes for them, so that `add.stats` of a
 * lakelog file reads exactly like one Spark wrote for the same data. Spark builds stats with
 * `to_json` (Jackson): numbers through Java's `toString` forms, non-finite floats as quoted
 * strings, timestamps through `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` in the session zone. Pure.
 *
 * - `byte`/`short`/`integer`/`long`: decimal digits, exact (a `long` past 2^53 keeps every digit).
 * - `float`/`double`: Java's `Float.toString`/`Double.toString` (shortest digits that read back to
 *   the same value; plain between 10^-3 and 10^7, else `d.dddE±n`; always a `.`: `1.0`, `1.0E10`,
 *   `-0.0`); `NaN`, `Infinity`, `-Infinity` as JSON strings (Jackson quotes non-numeric numbers;
 *   delta-go checked the same against Spark-written logs, and xtable reads them back as strings).
 * - `decimal(p,s)`: `java.math.BigDecimal.toString` of the unscaled value at scale `s` (`1.50`,
 *   `0.00000`, and scientific once the adjusted exponent is below -6: `0E-10`).
 * - `date`: `YYYY-MM-DD`; `timestamp`: `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, truncated toward −∞ to the
 *   millisecond); `timestamp_ntz`: the same without the zone. Years outside 0001–9999 have no
 *   rendering every reader agrees on (Java prints era years), so such bounds are left out.
 * - strings: JSON-escaped text.
 */
import { InternalError } from "../../errors/argument-errors.js";
import { civilFromDays } from "../../expr/values.js";

/** A rendered JSON object: keys in insertion order, values either rendered JSON text or nested objects. */
export type JsonObject = Map<string, string | JsonObject>;

/** Renders a {@link JsonObject} as compact JSON (keys escaped, values as given). */
export function renderJsonObject(obj: JsonObject): string {
  const parts: string[] = [];
  for (const [key, value] of obj) parts.push(`${JSON.stringify(key)}:${typeof value === "string" ? value : renderJsonObject(value)}`);
  return `{${parts.join(",")}}`;
}

/** Java's `Double.toString` for a double, as a JSON value (non-finite values quoted). */
export function javaDoubleJson(x: number): string {
  return Number.isFinite(x) ? javaDoubleText(x) : `"${javaDoubleText(x)}"`;
}

/** Java's `Float.toString` for a 32-bit float value, as a JSON value (non-finite values quoted). */
export function javaFloatJson(x: number): string {
  return Number.isFinite(x) ? javaFloatText(x) : `"${javaDoubleText(x)}"`;
}

/** Java's `Double.toString`: `NaN`, `Infinity`, `-Infinity`, `-0.0`, `1.0E10`, ... */
export function javaDoubleText(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const shortest = x.toExponential();
  return javaLayout(/^-?\de/.test(shortest) ? x.toExponential(1) : shortest);
}

/** Java's `Float.toString` of a 32-bit float (given as a JS number). */
export function javaFloatText(x: number): string {
  if (!Number.isFinite(x) || x === 0) return javaDoubleText(x);
  // the shortest digit string that reads back to the same float: the correctly rounded
  // p-digit form is the closest p-digit decimal, so the first p that round-trips is the answer
  for (let p = 1; p < 9; p++) {
    const text = x.toExponential(p - 1);
    if (Math.fround(Number(text)) === x) return javaLayout(p === 1 ? x.toExponential(1) : text);
  }
  return javaLayout(x.toExponential(8));
}

/**
 * Lays out JS exponential text (`-1.2345e+6`) the way Java's `toString` does. Java (JDK 19+, and
 * earlier JDKs in all but rare cases) picks the shortest decimal that reads back to the value,
 * except that when one digit would do it takes the closest of one or two digits (`4.9E-324`,
 * not `5.0E-324`): callers pass the two-digit form then, and trailing zeros go here.
 */
function javaLayout(exponential: string): string {
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exponential);
  if (!m) throw new InternalError(`javaLayout: unexpected number text ${exponential}`);
  const sign = m[1]!;
  const digits = (m[2]! + (m[3] ?? "")).replace(/(?<=.)0+$/, "");
  const exponent = Number(m[4]);
  if (exponent < -3 || exponent >= 7) {
    return `${sign}${digits[0]}.${digits.length > 1 ? digits.slice(1) : "0"}E${exponent}`;
  }
  const point = exponent + 1; // digits before the decimal point
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** `java.math.BigDecimal.toString` of `unscaled × 10^-scale` (scale ≥ 0), a JSON number. */
export function bigDecimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  const sign = negative ? "-" : "";
  const adjusted = digits.length - 1 - scale;
  if (scale === 0) return sign + digits;
  if (adjusted >= -6) {
    if (digits.length > scale) return `${sign}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
    return `${sign}0.${"0".repeat(scale - digits.length)}${digits}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}E${adjusted}`;
}

const MS_PER_DAY = 86_400_000;

/** `YYYY-MM-DD` of a day number, or undefined outside years 0001–9999. */
export function dateText(days: number): string | undefined {
  const { year, month, day } = civilFromDays(days);
  if (year < 1 || year > 9999) return undefined;
  return `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(day)}`;
}

/**
 * A timestamp in microseconds as Spark's stats write it: millisecond precision, truncated toward
 * −∞, `Z` when `utc`, no zone otherwise. Undefined outside years 0001–9999.
 */
export function timestampText(micros: bigint, utc: boolean): string | undefined {
  const ms = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  const msNumber = Number(ms);
  const days = Math.floor(msNumber / MS_PER_DAY);
  const date = dateText(days);
  if (date === undefined) return undefined;
  let rest = msNumber - days * MS_PER_DAY;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  return `${date}T${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${String(millis).padStart(3, "0")}${utc ? "Z" : ""}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
