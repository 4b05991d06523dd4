import { describe, expect, it } from "vitest";
import {
  ExpressionParseError,
  IncompatibleLiteralError,
  InvalidExpressionError,
  UnknownColumnError,
} from "../../../src/errors/expression-errors.js";
import type { StructType } from "../../../src/schema/types.js";
import { bind, type BoundExpression } from "../../../src/expr/bind.js";
import { formatExpression } from "../../../src/expr/format.js";
import { parseExpression } from "../../../src/expr/parse.js";
import { and, col, type Expression, lit, not, or, referencedColumns, splitColumnPath } from "../../../src/expr/expression.js";

const field = (name: string, type: StructType["fields"][number]["type"], nullable = true) => ({ name, type, nullable, metadata: {} });

const schema: StructType = {
  type: "struct",
  fields: [
    field("id", "long"),
    field("Part", "string"),
    field("n", "integer"),
    field("b", "byte"),
    field("x", "double"),
    field("f", "float"),
    field("amount", "decimal(10,2)"),
    field("d", "date"),
    field("ts", "timestamp"),
    field("ntz", "timestamp_ntz"),
    field("flag", "boolean"),
    field("bin", "binary"),
    field("s", { type: "struct", fields: [field("inner", "integer"), field("deep", { type: "struct", fields: [field("v", "string")] })] }),
    field("arr", { type: "array", elementType: "integer", containsNull: true }),
    field("a.b", "integer"),
  ],
};

const stripBigints = (v: unknown) =>
  JSON.parse(JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x instanceof Uint8Array ? Array.from(x) : x)));

describe("builder", () => {
  it("builds plain-data expressions with fluent column methods", () => {
    expect(stripBigints(col("id").gt(5))).toEqual({
      kind: "compare",
      op: ">",
      left: { kind: "column", path: ["id"] },
      right: { kind: "literal", value: 5 },
    });
    expect(stripBigints(and(col("part").eq("a"), col("x").isNull()))).toEqual({
      kind: "and",
      children: [
        { kind: "compare", op: "=", left: { kind: "column", path: ["part"] }, right: { kind: "literal", value: "a" } },
        { kind: "isNull", child: { kind: "column", path: ["x"] } },
      ],
    });
    expect(stripBigints(col("d").in(["2024-01-01", "2024-01-02"])).list).toHaveLength(2);
    expect(stripBigints(col("s.inner").ge(col("n"))).right).toEqual({ kind: "column", path: ["n"] });
    expect(structuredClone(col("id").between(1, 9n))).toEqual(col("id").between(1, 9n));
  });

  it("treats and()/or() of nothing as TRUE/FALSE and of one as that one", () => {
    expect(and()).toEqual(lit(true));
    expect(or()).toEqual(lit(false));
    const e = col("id").eq(1);
    expect(and(e)).toBe(e);
  });

  it.each([
    ["a", ["a"]],
    ["a.b.c", ["a", "b", "c"]],
    ["`a.b`", ["a.b"]],
    ["`a``b`.c", ["a`b", "c"]],
  ])("splits the column path %s", (text, path) => {
    expect(splitColumnPath(text)).toEqual(path);
  });

  it("lists referenced columns once each, in order", () => {
    const e = or(and(col("a").eq(1), col("b.c").isNull()), not(col("a").in([1, 2])), col("d").lt(col("b.c")));
    expect(referencedColumns(e)).toEqual([["a"], ["b", "c"], ["d"]]);
  });
});

describe("parseExpression", () => {
  it.each<[string, Expression]>([
    ["part = 'a' AND id >= 10", and(col("part").eq("a"), col("id").ge(10))],
    ["x IS NOT NULL", col("x").isNotNull()],
    ["x is null", col("x").isNull()],
    ["d IN ('2024-01-01', '2024-01-02')", col("d").in(["2024-01-01", "2024-01-02"])],
    ["d NOT IN (1, NULL)", not(col("d").in([1, null]))],
    ["a = 1 OR b = 2 AND c = 3", or(col("a").eq(1), and(col("b").eq(2), col("c").eq(3)))],
    ["(a = 1 OR b = 2) AND NOT c", and(or(col("a").eq(1), col("b").eq(2)), not(col("c")))],
    ["s.deep.v <> 'it''s'", col("s.deep.v").ne("it's")],
    ["`a.b` != -3", col(["a.b"]).ne(-3)],
    ["x BETWEEN 1 AND 2", col("x").between(1, 2)],
    ["ts > TIMESTAMP '2024-01-01 10:00:00'", col("ts").gt("2024-01-01 10:00:00")],
    ["d = DATE '2024-01-01'", col("d").eq("2024-01-01")],
    ["bin = X'00fF'", col("bin").eq(Uint8Array.of(0, 255))],
    ["flag == TRUE", col("flag").eq(true)],
    ["1 < id", { kind: "compare", op: "<", left: lit(1), right: col("id") }],
    ["s = 'back\\\\slash \\'q\\''", col("s").eq("back\\slash 'q'")],
  ])("parses %s", (text, expected) => {
    const withoutText = (v: unknown) => JSON.parse(JSON.stringify(stripBigints(v), (k, x) => (k === "text" ? undefined : x)));
    expect(withoutText(parseExpression(text))).toEqual(withoutText(expected));
  });

  it("keeps the digits of numbers, and makes big integers bigints", () => {
    expect(parseExpression("amount = 12345678901234567.89")).toMatchObject({ right: { kind: "literal", text: "12345678901234567.89" } });
    expect(parseExpression("id = 9223372036854775807")).toMatchObject({ right: { value: 9223372036854775807n } });
    expect(parseExpression("id = -5")).toMatchObject({ right: { value: -5, text: "-5" } });
    expect(parseExpression("x < 1.5e3")).toMatchObject({ right: { value: 1500 } });
  });

  it.each([
    ["", 0, "a predicate"],
    ["id >", 4, "a column or literal"],
    ["id = 1 AND", 10, "a column or literal"],
    ["id = 1 id = 2", 7, "AND, OR or end of input"],
    ["(id = 1", 7, "')'"],
    ["x IS 5", 5, "NULL"],
    ["s = 'open", 4, "a closing '"],
    ["id IN 1", 6, "'('"],
    ["id # 2", 3, "a column, literal, operator or parenthesis"],
    ["bin = X'0'", 8, "an even number of hex digits"],
  ])("reports %j at position %i, expecting %s", (text, position, expected) => {
    try {
      parseExpression(text);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ExpressionParseError);
      expect((err as ExpressionParseError).position).toBe(position);
      expect((err as ExpressionParseError).expected).toBe(expected);
      expect((err as ExpressionParseError).code).toBe("EXPRESSION_PARSE");
    }
  });
});

describe("formatExpression", () => {
  it.each([
    "part = 'a' AND id >= 10",
    "(a = 1 OR b = 2) AND NOT (c)",
    "x IS NOT NULL OR d IN ('2024-01-01', NULL)",
    "`a.b` != -3 AND `and`.x < 1.50",
    "bin = X'00ff' AND ts > TIMESTAMP '2024-01-01T00:00:00.000Z'",
    "amount = 12345678901234567.89",
  ])("writes text that parses back to the same expression: %s", (text) => {
    const parsed = parseExpression(text);
    const formatted = formatExpression(parsed);
    expect(stripBigints(parseExpression(formatted))).toEqual(stripBigints(parsed));
    expect(formatExpression(parseExpression(formatted))).toBe(formatted);
  });

  it("renders builder values: Dates, NaN, bigints", () => {
    expect(formatExpression(col("ts").lt(new Date(0)))).toBe("ts < TIMESTAMP '1970-01-01T00:00:00.000Z'");
    expect(formatExpression(col("x").eq(NaN))).toBe("x = 'NaN'");
    expect(formatExpression(col("id").eq(2n ** 70n))).toBe("id = 1180591620717411303424");
  });
});

describe("bind", () => {
  const b = (e: Expression | string) => stripBigints(bind(typeof e === "string" ? parseExpression(e) : e, schema));
  const cmp = (path: string[], type: string, op: string, value: unknown, nullable = true) => ({
    kind: "compare",
    op,
    column: { path, type, nullable },
    value,
  });

  it("resolves columns case-insensitively to the schema's spelling", () => {
    expect(b("part = 'a'")).toEqual(cmp(["Part"], "string", "=", "a"));
    expect(b("S.DEEP.V = 'x'")).toEqual(cmp(["s", "deep", "v"], "string", "=", "x"));
  });

  it.each<[string, unknown]>([
    ["id = 5", "5n"],
    ["id = '5'", "5n"],
    ["id = 9223372036854775807", "9223372036854775807n"],
    ["n = '7'", 7],
    ["x = 0.1", 0.1],
    ["x = 'NaN'", null],
    ["f = 0.1", Math.fround(0.1)],
    ["amount = 12.5", { unscaled: "1250n", scale: 2 }],
    ["amount = '-0.01'", { unscaled: "-1n", scale: 2 }],
    ["d = '2024-01-02'", 19724],
    ["ts = '2024-01-01T00:00:00.000001Z'", "1704067200000001n"],
    ["ts = '2024-01-01 02:00:00+02:00'", "1704067200000000n"],
    ["ts = '2024-01-01'", "1704067200000000n"],
    ["ntz = '2024-01-01 00:00:00'", "1704067200000000n"],
    ["flag = 'TRUE'", true],
    ["bin = 'AB'", [65, 66]],
  ])("types the literal of %s", (text, value) => {
    expect((b(text) as { value: unknown }).value).toEqual(value);
  });

  it("types builder literals: Date for timestamps and dates, bigint microseconds", () => {
    expect(b(col("ts").eq(new Date(1000)))).toMatchObject({ value: "1000000n" });
    expect(b(col("ts").eq(5n))).toMatchObject({ value: "5n" });
    expect(b(col("d").eq(new Date(Date.UTC(1970, 0, 3))))).toMatchObject({ value: 2 });
  });

  it.each([
    ["n > 2.5", { kind: "compare", op: ">", value: 2 }],
    ["n < 2.5", { kind: "compare", op: "<=", value: 2 }],
    ["n >= -2.5", { kind: "compare", op: ">", value: -3 }],
    ["amount <= 1.005", { kind: "compare", op: "<=", value: { unscaled: "100n", scale: 2 } }],
    ["d < '2024-01-01T12:00:00Z'", { kind: "compare", op: "<=", value: 19723 }],
    ["ts > '1970-01-01T00:00:00.0000015Z'", { kind: "compare", op: ">", value: "1n" }],
  ])("rewrites %s, whose literal the type cannot hold, into an exact equivalent", (text, expected) => {
    expect(b(text)).toMatchObject(expected);
  });

  it("rewrites = and != against an unrepresentable literal so they are never/always TRUE for non-null values", () => {
    expect(b("n = 2.5")).toMatchObject({
      kind: "and",
      children: [
        { op: "<", value: 2 },
        { op: ">", value: 2 },
      ],
    });
    expect(b("n != 2.5")).toMatchObject({
      kind: "or",
      children: [
        { op: "<=", value: 2 },
        { op: ">", value: 2 },
      ],
    });
    expect(b("n IN (2.5, 3)")).toMatchObject({ kind: "in", values: [3], hasNull: false });
  });

  it("folds constants: NULL comparisons, literal comparisons, TRUE/FALSE in AND/OR", () => {
    const constant = (value: boolean | null): BoundExpression => ({ kind: "constant", value });
    expect(b("id = NULL")).toEqual(constant(null));
    expect(b("1 = 1")).toEqual(constant(true));
    expect(b("'a' > 'b'")).toEqual(constant(false));
    expect(b("1 = 1 OR id = 3")).toEqual(constant(true));
    expect(b("1 = 1 AND id = 3")).toEqual(cmp(["id"], "long", "=", "3n"));
    expect(b("NOT (1 = 2)")).toEqual(constant(true));
    expect(b("NULL IS NULL")).toEqual(constant(true));
    expect(b("3 IN (1, 3)")).toEqual(constant(true));
  });

  it("flips literal-first comparisons and binds a boolean column as a condition", () => {
    expect(b("5 < id")).toEqual(cmp(["id"], "long", ">", "5n"));
    expect(b("flag")).toEqual(cmp(["flag"], "boolean", "=", true));
  });

  it("binds column-to-column comparisons with a common type", () => {
    expect(b(col("id").lt(col("n")))).toMatchObject({ kind: "compareColumns", compareType: "long" });
    expect(b(col("x").lt(col("n")))).toMatchObject({ kind: "compareColumns", compareType: "double" });
    expect(() => bind(col("part").lt(col("n")), schema)).toThrow(InvalidExpressionError);
  });

  it("names the unknown column and the columns there are", () => {
    try {
      bind(parseExpression("s.nope = 1"), schema);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UnknownColumnError);
      expect((err as UnknownColumnError).columnPath).toBe("s.nope");
      expect((err as UnknownColumnError).available).toEqual(["s.inner", "s.deep"]);
    }
    expect(() => bind(col("id.x").eq(1), schema)).toThrow(UnknownColumnError);
  });

  it.each([
    ["part = 1", "Part", "quote the value"],
    ["id = 'abc'", "id", "numeric text"],
    ["n = 'NaN'", "n", "NaN compares only"],
    ["amount = 'NaN'", "amount", "cannot be NaN"],
    ["d = 'yesterday'", "d", "YYYY-MM-DD"],
    ["d = '2024-02-30'", "d", "YYYY-MM-DD"],
    ["ts = 5", "ts", "ambiguous"],
    ["flag = 'yes'", "flag", "true or false"],
  ])("refuses the literal in %s, naming column %s", (text, column, detail) => {
    try {
      bind(parseExpression(text), schema);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(IncompatibleLiteralError);
      expect((err as IncompatibleLiteralError).columnPath).toBe(column);
      expect((err as Error).message).toContain(detail);
    }
  });

  it("refuses longs past 2^53 given as numbers, and comparisons on non-primitive columns", () => {
    expect(() => bind(col("id").eq(2 ** 60), schema)).toThrow(/pass a bigint/);
    expect(() => bind(parseExpression("s = 1"), schema)).toThrow(InvalidExpressionError);
    expect(() => bind(parseExpression("arr IN (1)"), schema)).toThrow(InvalidExpressionError);
    expect(() => bind(parseExpression("n"), schema)).toThrow(InvalidExpressionError);
    expect(() => bind(lit(5), schema)).toThrow(InvalidExpressionError);
    expect(b("arr IS NULL")).toMatchObject({ kind: "isNull", column: { path: ["arr"] } });
  });
});
