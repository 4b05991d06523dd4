/**
 * Fuzz target over the filter language: random strings, and random sequences of the grammar's
 * tokens (columns, literals, operators, keywords, functions, casts), go through
 * `parseExpression`, `bind` and `evaluateTriState` against a small batch. Each case ends in a
 * typed error or a result that is well formed (one value in {FALSE, NULL, TRUE} per row) and
 * consistent: `NOT e` gives the three-valued negation on every row, and the expression printed
 * by `formatExpression` parses back to one that evaluates identically.
 */
import { DateDay, Float64, Int64, RecordBatch, Utf8, Bool, vectorFromArray } from "apache-arrow";
import fc from "fast-check";
import { bind } from "../../src/expr/bind.js";
import { evaluateTriState } from "../../src/expr/evaluate.js";
import { not } from "../../src/expr/expression.js";
import { formatExpression } from "../../src/expr/format.js";
import { parseExpression } from "../../src/expr/parse.js";
import type { StructType } from "../../src/schema/types.js";
import { FuzzViolation, judge, type Outcome } from "./fuzz-core.js";

const field = (name: string, type: StructType["fields"][number]["type"]) => ({ name, type, nullable: true, metadata: {} });

const SCHEMA: StructType = {
  type: "struct",
  fields: [
    field("id", "long"),
    field("name", "string"),
    field("x", "double"),
    field("flag", "boolean"),
    field("d", "date"),
    field("we ird", "string"),
  ],
};

const BATCH = new RecordBatch({
  id: vectorFromArray([1n, -5n, null, 9223372036854775807n, 0n], new Int64()).data[0]!,
  name: vectorFromArray(["a", "", null, "n1%", "ünï"], new Utf8()).data[0]!,
  x: vectorFromArray([1.5, Number.NaN, null, -0, 1e308], new Float64()).data[0]!,
  flag: vectorFromArray([true, false, null, true, false], new Bool()).data[0]!,
  d: vectorFromArray([0, 19000, null, -1, 2932896], new DateDay()).data[0]!,
  "we ird": vectorFromArray(["x", null, "y", "", "z"], new Utf8()).data[0]!,
});

const TOKENS = [
  "id",
  "name",
  "x",
  "flag",
  "d",
  "`we ird`",
  "`id`",
  "nope",
  "a.b",
  "1",
  "-1",
  "0",
  "1.5",
  "1e10",
  "-0.0",
  "9223372036854775808",
  "9223372036854775807",
  "123456789012345678901234567890",
  "1e400",
  "'a'",
  "'n1%'",
  "''",
  "'%'",
  "'_'",
  "'2024-01-01'",
  "'NaN'",
  "X'0F'",
  "NULL",
  "TRUE",
  "FALSE",
  "AND",
  "OR",
  "NOT",
  "IN",
  "IS",
  "BETWEEN",
  "LIKE",
  "ESCAPE",
  "CASE",
  "WHEN",
  "THEN",
  "ELSE",
  "END",
  "CAST",
  "AS",
  "DATE",
  "TIMESTAMP",
  "TIMESTAMP_NTZ",
  "(",
  ")",
  ",",
  "=",
  "!=",
  "<>",
  "<",
  "<=",
  ">",
  ">=",
  "<=>",
  "+",
  "-",
  "*",
  "/",
  "%",
  "||",
  "coalesce",
  "lower",
  "upper",
  "substring",
  "abs",
  "length",
  "trim",
  "concat",
  "long",
  "string",
  "int",
  "decimal(10,2)",
  "decimal(38,0)",
  "double",
  "date",
  "boolean",
  "byte",
];

/** Well-formed filters from the grammar (types may still clash: that is a typed error too). */
const grammar = fc.letrec<{ value: string; pred: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(
      "id",
      "name",
      "x",
      "d",
      "`we ird`",
      "1",
      "-7",
      "2.5",
      "'a'",
      "''",
      "NULL",
      "DATE '2024-02-29'",
      "9223372036854775807",
      "1e308",
      "'NaN'",
    ),
    fc.tuple(tie("value"), fc.constantFrom("+", "-", "*", "/", "%", "||"), tie("value")).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(fc.constantFrom("coalesce", "lower", "upper", "abs", "length", "trim"), tie("value")).map(([f, a]) => `${f}(${a})`),
    fc
      .tuple(tie("value"), fc.integer({ min: -2, max: 5 }), fc.integer({ min: -1, max: 4 }))
      .map(([a, i, n]) => `substring(${a}, ${i}, ${n})`),
    fc
      .tuple(tie("value"), fc.constantFrom("long", "int", "string", "double", "date", "boolean", "decimal(10,2)", "byte"))
      .map(([a, t]) => `CAST(${a} AS ${t})`),
    fc.tuple(tie("pred"), tie("value"), tie("value")).map(([p, a, b]) => `CASE WHEN ${p} THEN ${a} ELSE ${b} END`),
  ),
  pred: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom("flag", "TRUE", "FALSE", "NULL"),
    fc.tuple(tie("value"), fc.constantFrom("=", "!=", "<>", "<", "<=", ">", ">="), tie("value")).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(tie("value"), fc.constantFrom("IS NULL", "IS NOT NULL")).map(([a, t]) => `${a} ${t}`),
    fc
      .tuple(
        tie("value"),
        fc.boolean(),
        fc.array(fc.constantFrom("1", "'a'", "NULL", "2.5", "-0.0", "DATE '2024-01-01'"), { minLength: 1, maxLength: 3 }),
      )
      .map(([a, n, l]) => `${a} ${n ? "NOT " : ""}IN (${l.join(", ")})`),
    fc.tuple(tie("value"), tie("value"), tie("value")).map(([a, lo, hi]) => `${a} BETWEEN ${lo} AND ${hi}`),
    fc.tuple(tie("value"), fc.constantFrom("'a%'", "'%'", "'_'", "'n1\\%'", "'%ï'", "''")).map(([a, p]) => `${a} LIKE ${p}`),
    fc.tuple(tie("pred"), fc.constantFrom("AND", "OR"), tie("pred")).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie("pred").map((p) => `NOT (${p})`),
  ),
})).pred;

/** A filter text: random characters, tokens of the grammar joined by spaces, or a grammatical filter. */
export const filterCase: fc.Arbitrary<string> = fc.oneof(
  grammar,
  grammar,
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 20, unit: "binary" }),
  fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 12 }).map((t) => t.join(" ")),
  fc
    .tuple(
      fc.constantFrom("id", "name", "x", "flag", "d", "`we ird`"),
      fc.constantFrom("=", "!=", "<", ">=", "IS NULL", "IS NOT NULL", "IN", "LIKE", "BETWEEN"),
      fc.array(fc.constantFrom(...TOKENS), { maxLength: 5 }),
    )
    .map(([c, op, rest]) => `${c} ${op} ${rest.join(" ")}`),
);

function check(mask: Uint8Array, what: string, text: string): void {
  if (mask.length !== BATCH.numRows)
    throw new FuzzViolation("filter", `${what}: ${mask.length} results for ${BATCH.numRows} rows (${JSON.stringify(text)})`);
  for (const v of mask)
    if (v > 2) throw new FuzzViolation("filter", `${what}: value ${v} is not FALSE/NULL/TRUE (${JSON.stringify(text)})`);
}

/** Parses, binds and evaluates `text`; checks the result's shape, its negation and its printed form. */
export function runFilterCase(text: string): Promise<Outcome> {
  return judge("filter", async () => {
    const expr = parseExpression(text);
    const tri = evaluateTriState(bind(expr, SCHEMA), BATCH);
    check(tri, "result", text);
    const negated = evaluateTriState(bind(not(expr), SCHEMA), BATCH);
    check(negated, "NOT", text);
    for (let i = 0; i < tri.length; i++) {
      if (negated[i] !== 2 - tri[i]!)
        throw new FuzzViolation("filter", `row ${i}: ${tri[i]} but NOT gives ${negated[i]} (${JSON.stringify(text)})`);
    }
    const printed = formatExpression(expr);
    let again: Uint8Array;
    try {
      again = evaluateTriState(bind(parseExpression(printed), SCHEMA), BATCH);
    } catch (err) {
      throw new FuzzViolation("filter", `${JSON.stringify(text)} prints as ${JSON.stringify(printed)}, which fails: ${String(err)}`);
    }
    if (again.join() !== tri.join())
      throw new FuzzViolation(
        "filter",
        `${JSON.stringify(text)} prints as ${JSON.stringify(printed)}, which evaluates to ${again.join()} instead of ${tri.join()}`,
      );
    return "ok";
  });
}
