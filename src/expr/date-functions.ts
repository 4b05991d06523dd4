/**
 * Date and time functions of the expression language, with Spark's semantics: `year`, `month`,
 * `day` (`dayofmonth`) and `hour` return integers; `to_date` returns a date. They take a date,
 * a timestamp or a timestamp_ntz (a string is cast first: to a date for the date parts and
 * `to_date`, to a timestamp for `hour`). Timestamps are read in UTC (lakelog has no session
 * time zone), timestamp_ntz as its wall clock; a date's hour is 0. These are the functions Spark
 * tables use most in generated columns (`delta.generationExpression`, e.g. `year(ts)`).
 */
import { ExpressionTypeError } from "../errors/expression-errors.js";
import type { BoundValue, ValueType } from "./bound.js";
import { DATE_FUNCTIONS, type DateFunctionName } from "./expression.js";
import { canCast } from "./typing.js";
import { floorDiv } from "../util/bigint.js";
import { civilFromDays } from "./values.js";
import { allocate, type Col } from "./vectors.js";

/** The date function names (after aliases). */
export type { DateFunctionName } from "./expression.js";

const NAMES = new Set<string>(Object.values(DATE_FUNCTIONS));

/** True when `name` is a date function. */
export function isDateFunction(name: string): name is DateFunctionName {
  return NAMES.has(name);
}

const MICROS_PER_DAY = 86_400_000_000n;
const MICROS_PER_HOUR = 3_600_000_000n;

/**
 * Binds a date function call: one argument of a date or timestamp type (strings and other
 * castable types get a cast node). Throws {@link ExpressionTypeError} for a wrong argument count
 * or type.
 */
export function bindDateFunction(name: DateFunctionName, args: readonly BoundValue[], text: () => string): BoundValue {
  const types = args.map((a) => a.type);
  if (args.length !== 1) throw new ExpressionTypeError(text(), name, types, "takes 1 argument");
  let arg = args[0]!;
  if (arg.type !== "date" && arg.type !== "timestamp" && arg.type !== "timestamp_ntz" && arg.type !== "null") {
    const to: ValueType = name === "hour" ? "timestamp" : "date";
    if (!canCast(arg.type, to)) throw new ExpressionTypeError(text(), name, types, "a date or timestamp is needed");
    arg = { kind: "cast", child: arg, type: to };
  }
  return { kind: "function", name, args: [arg], type: name === "to_date" ? "date" : "integer", text: text() };
}

/** Applies a date function to every row of its (date or timestamp) argument. */
export function dateFunction(name: DateFunctionName, arg: Col): Col {
  const n = arg.length;
  const out = allocate(name === "to_date" ? "date" : "integer", n);
  const values = out.values as Float64Array;
  const isDate = arg.type === "date"; // days as numbers: no bigint per row
  for (let i = 0; i < n; i++) {
    if (arg.valid[i] === 0) continue;
    out.valid[i] = 1;
    const v = arg.values[i] as number | bigint;
    const days = isDate ? (v as number) : Number(floorDiv(v as bigint, MICROS_PER_DAY));
    if (name === "to_date") values[i] = days;
    else if (name === "hour") values[i] = isDate ? 0 : Number(((v as bigint) - BigInt(days) * MICROS_PER_DAY) / MICROS_PER_HOUR);
    else {
      const civil = civilFromDays(days);
      values[i] = name === "year" ? civil.year : name === "month" ? civil.month : civil.day;
    }
  }
  return out;
}
