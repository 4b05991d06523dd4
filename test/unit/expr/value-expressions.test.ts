import {
  Bool,
  type Data,
  DateDay,
  Decimal,
  Field,
  Float64,
  Int8,
  Int32,
  Int64,
  RecordBatch,
  Struct,
  Utf8,
  vectorFromArray,
  type Vector,
  makeData,
  Type,
  TimeUnit,
  Timestamp,
} from "apache-arrow";
import { describe, expect, it } from "vitest";
import {
  AmbiguousColumnError,
  ArithmeticOverflowError,
  DivisionByZeroError,
  ExpressionParseError,
  ExpressionTypeError,
  IncompatibleLiteralError,
  InvalidCastError,
  InvalidExpressionError,
  UnknownColumnError,
} from "../../../src/errors/expression-errors.js";
import type { StructType } from "../../../src/schema/types.js";
import { aliasResolver, bind, bindValue } from "../../../src/expr/bind.js";
import { evaluate, evaluateTriState, evaluateValue } from "../../../src/expr/evaluate.js";
import { formatExpression } from "../../../src/expr/format.js";
import { parseExpression } from "../../../src/expr/parse.js";
import { referencedColumns } from "../../../src/expr/expression.js";

const field = (name: string, type: StructType["fields"][number]["type"], nullable = true) => ({ name, type, nullable, metadata: {} });

const schema: StructType = {
  type: "struct",
  fields: [
    field("i", "integer"),
    field("l", "long"),
    field("b", "byte"),
    field("x", "double"),
    field("amount", "decimal(10,2)"),
    field("s", "string"),
    field("flag", "boolean"),
    field("d", "date"),
    field("ts", "timestamp"),
  ],
};

const batch = new RecordBatch({
  i: vectorFromArray([1, 2, null, -7, 2147483647], new Int32()).data[0]!,
  l: vectorFromArray([10n, null, 30n, -9223372036854775808n, 5n], new Int64()).data[0]!,
  b: vectorFromArray([1, 127, -128, null, 0], new Int8()).data[0]!,
  x: vectorFromArray([1.5, NaN, null, -0.25, 4], new Float64()).data[0]!,
  amount: decimalData([1050n, -1n, null, 99999999n, 0n], 10, 2),
  s: vectorFromArray(["Apple", "banana", null, "a_b%c", "  pad  "], new Utf8()).data[0]!,
  flag: vectorFromArray([true, false, null, true, false], new Bool()).data[0]!,
  d: vectorFromArray(
    [new Date(Date.UTC(2024, 0, 1)), null, new Date(Date.UTC(1970, 0, 2)), new Date(0), new Date(Date.UTC(2024, 1, 29))],
    new DateDay(),
  ).data[0]!,
  ts: makeData({
    type: new Timestamp(TimeUnit.MICROSECOND, "UTC"),
    length: 5,
    nullCount: 1,
    nullBitmap: Uint8Array.of(0b11101),
    data: BigInt64Array.of(1704067200000000n, 0n, 0n, 1n, -1n),
  }),
});

function decimalData(values: (bigint | null)[], precision: number, scale: number): Data {
  const words = new Uint32Array(values.length * 4);
  const valid = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v === null) return;
    valid[i >> 3]! |= 1 << (i & 7);
    let rest = BigInt.asUintN(128, v);
    for (let k = 0; k < 4; k++, rest >>= 32n) words[i * 4 + k] = Number(rest & 0xffffffffn);
  });
  return makeData({
    type: new Decimal(scale, precision, 128),
    length: values.length,
    nullCount: values.filter((v) => v === null).length,
    nullBitmap: valid,
    data: words,
  });
}

/** The values of a vector as plain JS (decimals as text, via the Arrow type's scale). */
function plain(v: Vector): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < v.length; i++) {
    const x = v.get(i);
    if (x === null) out.push(null);
    else if (v.type.typeId === Type.Decimal) {
      const words = v.data[0]!.values as Uint32Array;
      let n = 0n;
      for (let k = 3; k >= 0; k--) n = (n << 32n) | BigInt(words[i * 4 + k]!);
      n = BigInt.asIntN(128, n);
      const scale = (v.type as Decimal).scale;
      const neg = n < 0n;
      const digits = (neg ? -n : n).toString().padStart(scale + 1, "0");
      out.push(`${neg ? "-" : ""}${scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits}`);
    } else out.push(x);
  }
  return out;
}

const value = (text: string, rows: RecordBatch = batch) => evaluateValue(bindValue(parseExpression(text), schema), rows);
const typeOf = (text: string) => bindValue(parseExpression(text), schema).type;

describe("parseExpression: value expressions", () => {
  it.each([
    ["i + l * 2", "i + l * 2"],
    ["(i + l) * 2", "(i + l) * 2"],
    ["i - (l - 1)", "i - (l - 1)"],
    ["-i", "-i"],
    ["-(-5)", "-(-5)"],
    ["-(-i)", "-(-i)"],
    ["- - i", "-(-i)"],
    ["- 5 + i", "-5 + i"],
    ["s || 'x' || lower(s)", "s || 'x' || lower(s)"],
    ["s NOT LIKE 'a%'", "NOT (s LIKE 'a%')"],
    ["s LIKE 'a!%%' ESCAPE '!'", "s LIKE 'a!%%' ESCAPE '!'"],
    [
      "CASE WHEN i > 1 THEN 'big' WHEN i IS NULL THEN NULL ELSE 'small' END",
      "CASE WHEN i > 1 THEN 'big' WHEN i IS NULL THEN NULL ELSE 'small' END",
    ],
    ["case i when 1 then 'one' end", "CASE i WHEN 1 THEN 'one' END"],
    ["COALESCE(i, l, 0)", "coalesce(i, l, 0)"],
    ["substr(s, 2, 3)", "substring(s, 2, 3)"],
    ["CAST(amount AS DECIMAL(12, 3))", "cast(amount AS decimal(12,3))"],
    ["cast(i as bigint) % 3", "cast(i AS long) % 3"],
    ["source.x = target.x AND (target.y + 1) / 2 >= 3", "source.x = target.x AND (target.y + 1) / 2 >= 3"],
    ["(i = 1) = flag", "(i = 1) = flag"],
    ["abs(x) * length(trim(s)) + concat(s, 'a', s) IS NULL", "abs(x) * length(trim(s)) + concat(s, 'a', s) IS NULL"],
  ])("parses %s and formats it as %s, which parses back to the same tree", (text, formatted) => {
    const parsed = parseExpression(text);
    expect(formatExpression(parsed)).toBe(formatted);
    expect(parseExpression(formatted)).toEqual(parsed);
  });

  it("gives arithmetic precedence over comparison, * over +, and reads left to right", () => {
    expect(parseExpression("a + b * c > d - e - f")).toEqual({
      kind: "compare",
      op: ">",
      left: {
        kind: "arithmetic",
        op: "+",
        left: { kind: "column", path: ["a"] },
        right: { kind: "arithmetic", op: "*", left: { kind: "column", path: ["b"] }, right: { kind: "column", path: ["c"] } },
      },
      right: {
        kind: "arithmetic",
        op: "-",
        left: { kind: "arithmetic", op: "-", left: { kind: "column", path: ["d"] }, right: { kind: "column", path: ["e"] } },
        right: { kind: "column", path: ["f"] },
      },
    });
  });

  it("lists the columns of every form, qualified ones as written", () => {
    expect(referencedColumns(parseExpression("CASE WHEN source.a > 1 THEN coalesce(b, target.c) ELSE cast(d AS int) END LIKE e"))).toEqual([
      ["source", "a"],
      ["b"],
      ["target", "c"],
      ["d"],
      ["e"],
    ]);
  });

  it.each([
    ["CASE WHEN a > 1 ELSE 2 END", 16, "THEN", "1:17"],
    ["CASE a END", 7, "WHEN", "1:8"],
    ["CASE WHEN a THEN 1 ELSE 2", 25, "END", "1:26"],
    ["cast(a AS int", 13, "')'", "1:14"],
    ["cast(a AS number)", 10, "a type name", "1:11"],
    ["cast(a AS decimal(40,2))", 18, "a precision (1 to 38)", "1:19"],
    ["nosuch(a)", 0, "a known function", "1:1"],
    ["a LIKE 'x' ESCAPE 'ab'", 18, "a one-character string after ESCAPE", "1:19"],
    ["a +\n  * 2", 6, "a column or literal", "2:3"],
  ])("points at the offending token of %j", (text, position, expected, lineColumn) => {
    try {
      parseExpression(text);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ExpressionParseError);
      const e = err as ExpressionParseError;
      expect(e.position).toBe(position);
      expect(e.expected.startsWith(expected)).toBe(true);
      expect(`${e.line}:${e.column}`).toBe(lineColumn);
      expect(e.message).toContain(`at ${lineColumn}`);
      const [line, caret] = e.excerpt.split("\n") as [string, string];
      expect(caret.indexOf("^")).toBe(line.indexOf(text.split("\n")[e.line - 1]!) + e.column - 1);
    }
  });

  it("shows the caret under the token in the message", () => {
    expect(() => parseExpression("CASE WHEN a > 1 ELSE 2 END")).toThrow(
      'expected THEN at 1:17, found "ELSE" (fix the expression text)\n  CASE WHEN a > 1 ELSE 2 END\n                  ^',
    );
  });
});

describe("bindValue: result types (Spark's rules)", () => {
  it.each([
    ["i + i", "integer"],
    ["b + b", "byte"],
    ["i + l", "long"],
    ["i / i", "double"],
    ["l % i", "long"],
    ["i + 1", "integer"],
    ["l + 3000000000", "long"],
    ["i * 1.5", "decimal(13,1)"],
    ["x + i", "double"],
    ["amount + amount", "decimal(11,2)"],
    ["amount * amount", "decimal(21,4)"],
    ["amount / amount", "decimal(23,13)"],
    ["amount % 3", "decimal(3,2)"],
    ["amount + i", "decimal(13,2)"],
    ["amount + x", "double"],
    ["-amount", "decimal(10,2)"],
    ["s || 1", "string"],
    ["CASE WHEN flag THEN i ELSE l END", "long"],
    ["CASE WHEN flag THEN 1 END", "integer"],
    ["coalesce(d, '2024-01-01')", "date"],
    ["coalesce(NULL, NULL)", "null"],
    ["coalesce(amount, 1)", "decimal(12,2)"],
    ["length(s)", "integer"],
    ["abs(b)", "byte"],
    ["cast(s AS timestamp_ntz)", "timestamp_ntz"],
    ["i > 1", "boolean"],
    ["s LIKE 'a%'", "boolean"],
    ["cast(amount AS decimal(38,10)) * cast(amount AS decimal(38,10))", "decimal(38,6)"],
  ])("%s is %s", (text, type) => {
    expect(typeOf(text)).toBe(type);
  });

  it.each([
    ["s + 1", "+"],
    ["flag * 2", "*"],
    ["lower(i)", "lower"],
    ["substring(s, 'a')", "substring"],
    ["CASE WHEN flag THEN s ELSE i END", "CASE"],
    ["coalesce(d, i)", "coalesce"],
    ["cast(d AS int)", "cast"],
    ["-s", "-"],
    ["upper(s, s)", "upper"],
  ])("refuses %s with a typed error naming %s and the operand types", (text, operator) => {
    try {
      bindValue(parseExpression(text), schema);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ExpressionTypeError);
      expect((err as ExpressionTypeError).operator).toBe(operator);
      expect((err as ExpressionTypeError).code).toBe("EXPRESSION_TYPE");
      expect((err as ExpressionTypeError).operandTypes.length).toBeGreaterThan(0);
    }
  });

  it("refuses a string literal that does not read as the type it meets", () => {
    expect(() => bindValue(parseExpression("coalesce(d, 'soon')"), schema)).toThrow(IncompatibleLiteralError);
  });

  it.each([
    // [expression, options, columnPath, type, message]
    ["'ten'", { targetType: "long", targetColumn: "l" }, "l", "long", "literal 'ten' does not fit column l of type long: "],
    ["'1.5'", { targetType: "integer", targetColumn: "i" }, "i", "integer", "literal '1.5' does not fit column i of type integer: "],
    ["'ten'", { targetType: "long" }, undefined, "long", "literal 'ten' does not fit type long: "],
    ["coalesce(d, 'soon')", {}, undefined, "date", "literal 'soon' does not fit type date in coalesce(d, 'soon'): "],
    ["l + 1 IN ('x')", {}, undefined, "long", "literal 'x' does not fit type long in l + 1 IN ('x'): "],
  ] as const)(
    "names the column (or else the expression) when the literal in %s does not fit",
    (text, options, columnPath, type, message) => {
      try {
        if (text.includes(" IN ")) bind(parseExpression(text), schema);
        else bindValue(parseExpression(text), schema, options);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(IncompatibleLiteralError);
        expect((err as IncompatibleLiteralError).columnPath).toBe(columnPath);
        expect((err as IncompatibleLiteralError).columnType).toBe(type);
        expect((err as Error).message.startsWith(message)).toBe(true);
      }
    },
  );

  it("refuses non-boolean conditions and LIKE on non-strings", () => {
    expect(() => bind(parseExpression("i + 1"), schema)).toThrow(InvalidExpressionError);
    expect(() => bind(parseExpression("i LIKE '1%'"), schema)).toThrow(InvalidExpressionError);
    expect(() => bind(parseExpression("CASE WHEN flag THEN i END"), schema)).toThrow(InvalidExpressionError);
  });

  it("converts to a target column type under store-assignment rules", () => {
    expect(bindValue(parseExpression("i + 1"), schema, { targetType: "long" }).type).toBe("long");
    expect(bindValue(parseExpression("'2024-01-02'"), schema, { targetType: "date" })).toEqual({
      kind: "literal",
      value: 19724,
      type: "date",
    });
    expect(bindValue(parseExpression("NULL"), schema, { targetType: "decimal(5,1)" })).toEqual({
      kind: "literal",
      value: null,
      type: "decimal(5,1)",
    });
    expect(() => bindValue(parseExpression("flag"), schema, { targetType: "integer" })).toThrow(ExpressionTypeError);
    expect(() => bindValue(parseExpression("s"), schema, { targetType: "date" })).toThrow(ExpressionTypeError);
  });
});

describe("binding against aliased inputs (merge)", () => {
  const source: StructType = { type: "struct", fields: [field("id", "long"), field("v", "integer"), field("only_s", "string")] };
  const target: StructType = { type: "struct", fields: [field("ID", "long"), field("v", "integer"), field("only_t", "double")] };
  const joined = new RecordBatch({
    source: makeData({
      type: new Struct([new Field("id", new Int64()), new Field("v", new Int32()), new Field("only_s", new Utf8())]),
      length: 3,
      nullCount: 0,
      children: [
        vectorFromArray([1n, 2n, 3n], new Int64()).data[0]!,
        vectorFromArray([10, 20, null], new Int32()).data[0]!,
        vectorFromArray(["a", "b", "c"], new Utf8()).data[0]!,
      ],
    }),
    target: makeData({
      type: new Struct([new Field("ID", new Int64()), new Field("v", new Int32()), new Field("only_t", new Float64())]),
      length: 3,
      nullCount: 0,
      children: [
        vectorFromArray([1n, 5n, 3n], new Int64()).data[0]!,
        vectorFromArray([1, 2, 3], new Int32()).data[0]!,
        vectorFromArray([0.5, 1.5, 2.5], new Float64()).data[0]!,
      ],
    }),
  });
  const resolver = aliasResolver({ source, target });

  it("binds qualified names to their input and unqualified names to the one input that has them", () => {
    expect(bind(parseExpression("source.id = target.id"), resolver)).toMatchObject({
      kind: "compareColumns",
      left: { path: ["source", "id"] },
      right: { path: ["target", "ID"] },
    });
    expect(bindValue(parseExpression("only_s || cast(only_t AS string)"), resolver).type).toBe("string");
    expect(Array.from(evaluate(bind(parseExpression("source.id = target.id AND source.v + target.v > 12"), resolver), joined))).toEqual([
      0, 0, 0,
    ]);
    expect(
      Array.from(evaluate(bind(parseExpression("source.id = target.id AND coalesce(source.v, 0) + target.v < 12"), resolver), joined)),
    ).toEqual([1, 0, 1]);
    expect(plain(evaluateValue(bindValue(parseExpression("coalesce(source.v, target.v * 100) + 1"), resolver), joined))).toEqual([
      11, 21, 301,
    ]);
  });

  it("refuses an unqualified name both inputs have, and one neither has", () => {
    expect(() => bind(parseExpression("v > 1"), resolver)).toThrow(AmbiguousColumnError);
    expect(() => bind(parseExpression("nope > 1"), resolver)).toThrow(UnknownColumnError);
    expect(() => bind(parseExpression("source.only_t > 1"), resolver)).toThrow(UnknownColumnError);
  });

  it("lets the caller place each input's columns in the batch", () => {
    const flat = aliasResolver({ source, target }, { columnPath: (alias, path) => [`${alias}_${path.join("_")}`] });
    expect(bindValue(parseExpression("target.only_t"), flat)).toMatchObject({ column: { path: ["target_only_t"] } });
  });
});

describe("evaluateValue", () => {
  it.each<[string, unknown[]]>([
    ["i * 2 - 1", [1, 3, null, -15, "overflow"]],
    ["l + i", [11n, null, null, "overflow", 2147483652n]],
    ["l - i", [9n, null, null, -9223372036854775801n, -2147483642n]],
    ["l + b", [11n, null, -98n, null, 5n]],
    ["i / 2", [0.5, 1, null, -3.5, 1073741823.5]],
    ["i % 3", [1, 2, null, -1, 1]],
    ["-x", [-1.5, NaN, null, 0.25, -4]],
    ["amount * 2", ["21.00", "-0.02", null, "1999999.98", "0.00"]],
    ["amount / 3", ["3.500000", "-0.003333", null, "333333.330000", "0.000000"]],
    ["amount / amount", ["1.0000000000000", "1.0000000000000", null, "1.0000000000000", "division by zero"]],
    ["amount * -0.333", ["-3.49650", "0.00333", null, "-332999.99667", "0.00000"]],
    ["amount + 0.005", ["10.505", "-0.005", null, "999999.995", "0.005"]],
    ["b + b", [2, "overflow", "overflow", null, 0]],
    ["cast(b AS int) + b", [2, 254, -256, null, 0]],
  ])("computes %s with SQL types and NULLs", (text, expected) => {
    if (expected.includes("overflow")) {
      expect(() => value(text)).toThrow(ArithmeticOverflowError);
      return;
    }
    if (expected.includes("division by zero")) {
      expect(() => value(text)).toThrow(DivisionByZeroError);
      const guarded = plain(value(`CASE WHEN amount = 0 THEN NULL ELSE ${text} END`));
      expect(guarded).toEqual(expected.map((v) => (v === "division by zero" ? null : v)));
      return;
    }
    const out = plain(value(text));
    expect(out.map((v) => (typeof v === "number" && Number.isNaN(v) ? "NaN" : v))).toEqual(
      expected.map((v) => (typeof v === "number" && Number.isNaN(v) ? "NaN" : v)),
    );
  });

  it("computes long arithmetic exactly on both sides of 2^53", () => {
    const big = [2n ** 53n - 1n, -(2n ** 53n) + 1n, 2n ** 40n, -123n, 3037000499n, null];
    const longs = new RecordBatch({ l: vectorFromArray(big, new Int64()).data[0]! });
    const run = (text: string) => plain(value(text, longs));
    const exact = (f: (v: bigint) => bigint) => big.map((v) => (v === null ? null : f(v)));
    expect(run("l * 3")).toEqual(exact((v) => v * 3n));
    expect(run("l + 4503599627370496")).toEqual(exact((v) => v + 4503599627370496n));
    expect(run("l - l * 2")).toEqual(exact((v) => -v));
    expect(run("CASE WHEN l = 3037000499 OR l = -123 THEN l * l END")).toEqual([null, null, null, 15129n, 9223372030926249001n, null]);
    expect(() => run("l * l")).toThrow(ArithmeticOverflowError);
    expect(run("l % 7")).toEqual(exact((v) => v % 7n));
    expect(run("l / 2")).toEqual(big.map((v) => (v === null ? null : Number(v) / 2)));
  });

  it("names the row and type of an overflow, and refuses division by zero (ANSI)", () => {
    try {
      value("i + 1");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ArithmeticOverflowError);
      expect((err as ArithmeticOverflowError).row).toBe(4);
      expect((err as ArithmeticOverflowError).resultType).toBe("integer");
    }
    expect(() => value("l - 1")).toThrow(ArithmeticOverflowError);
    expect(() => value("-l")).toThrow(ArithmeticOverflowError);
    expect(() => value("abs(b)")).toThrow(ArithmeticOverflowError);
    expect(() => value("i / b")).toThrow(DivisionByZeroError);
    expect(() => value("amount % amount")).toThrow(DivisionByZeroError);
  });

  it("returns Arrow vectors of the bound type", () => {
    expect(value("b + l").type).toBeInstanceOf(Int64);
    expect(value("i / i").type).toBeInstanceOf(Float64);
    expect(value("amount + 1").type).toMatchObject({ precision: 11, scale: 2 });
    expect(value("cast(d AS timestamp)").type).toMatchObject({ unit: TimeUnit.MICROSECOND, timezone: "UTC" });
    expect(value("d").type).toBeInstanceOf(DateDay);
    expect(value("NULL").length).toBe(5);
    expect(value("b + l").length).toBe(5);
  });

  it("evaluates CASE lazily: a branch not taken never divides by zero", () => {
    expect(plain(value("CASE WHEN b = 0 THEN NULL WHEN b IS NULL THEN -1 ELSE i / b END"))).toEqual([1, 2 / 127, null, -1, null]);
    expect(plain(value("CASE i WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE s END"))).toEqual(["one", "two", null, "a_b%c", "  pad  "]);
    expect(plain(value("CASE WHEN flag THEN amount END"))).toEqual(["10.50", null, null, "999999.99", null]);
    expect(plain(value("coalesce(i, 100 / b)"))).toEqual([1, 2, -100 / 128, -7, 2147483647]);
  });

  it("keeps predicates three-valued inside values and AND skips rows already FALSE", () => {
    expect(plain(value("i > 1"))).toEqual([false, true, null, false, true]);
    expect(plain(value("flag AND i > 1"))).toEqual([false, false, null, false, false]);
    expect(plain(value("s LIKE '%a%'"))).toEqual([false, true, null, true, true]);
    expect(Array.from(evaluateTriState(bind(parseExpression("b <> 0 AND i / b > 0"), schema), batch))).toEqual([2, 2, 1, 1, 0]);
    expect(Array.from(evaluateTriState(bind(parseExpression("b = 0 OR i / b > 0"), schema), batch))).toEqual([2, 2, 1, 1, 2]);
  });

  it.each<[string, number[]]>([
    ["i < amount", [2, 0, 1, 2, 0]],
    ["x < amount", [2, 0, 1, 2, 0]],
    ["d = ts", [2, 1, 0, 0, 0]],
    ["d < ts", [0, 1, 0, 2, 0]],
    ["ts > d", [0, 1, 0, 2, 0]],
  ])("compares columns of different types at their common type: %s", (text, expected) => {
    expect(Array.from(evaluateTriState(bind(parseExpression(text), schema), batch))).toEqual(expected);
  });

  it("refuses to compare columns without a common type", () => {
    expect(() => bind(parseExpression("s = i"), schema)).toThrow(InvalidExpressionError);
    expect(() => bind(parseExpression("d = flag"), schema)).toThrow(InvalidExpressionError);
  });

  it.each<[string, unknown[]]>([
    ["s LIKE 'a%'", [false, false, null, true, false]],
    ["s LIKE 'A____'", [true, false, null, false, false]],
    ["s LIKE '%\\_b\\%%'", [false, false, null, true, false]],
    ["s LIKE 'a!_b!%c' ESCAPE '!'", [false, false, null, true, false]],
    ["s NOT LIKE '%an%'", [true, false, null, true, true]],
    ["lower(s) LIKE 'apple'", [true, false, null, false, false]],
  ])("matches %s with %% and _ and escapes", (text, expected) => {
    expect(plain(value(text))).toEqual(expected);
  });

  it.each<[string, unknown[]]>([
    ["upper(s)", ["APPLE", "BANANA", null, "A_B%C", "  PAD  "]],
    ["trim(s)", ["Apple", "banana", null, "a_b%c", "pad"]],
    ["length(s)", [5, 6, null, 5, 7]],
    ["substring(s, 2)", ["pple", "anana", null, "_b%c", " pad  "]],
    ["substring(s, 0, 2)", ["Ap", "ba", null, "a_", "  "]],
    ["substring(s, -3, 2)", ["pl", "an", null, "b%", "d "]],
    ["substring(s, -9, 4)", ["", "b", null, "", "  "]],
    ["substring(s, 2, -1)", ["", "", null, "", ""]],
    ["s || '!' || i", ["Apple!1", "banana!2", null, "a_b%c!-7", "  pad  !2147483647"]],
    ["concat(s, b)", ["Apple1", "banana127", null, null, "  pad  0"]],
    ["abs(x)", [1.5, NaN, null, 0.25, 4]],
  ])("computes the string function %s", (text, expected) => {
    const out = plain(value(text)).map((v) => (typeof v === "number" && Number.isNaN(v) ? "NaN" : v));
    expect(out).toEqual(expected.map((v) => (typeof v === "number" && Number.isNaN(v) ? "NaN" : v)));
  });

  it("counts code points, not UTF-16 units", () => {
    const emoji = new RecordBatch({ s: vectorFromArray(["a😀b"], new Utf8()).data[0]! });
    expect(plain(value("length(s)", emoji))).toEqual([3]);
    expect(plain(value("substring(s, 2, 1)", emoji))).toEqual(["😀"]);
    expect(plain(value("s LIKE 'a_b'", emoji))).toEqual([true]);
  });

  it.each<[string, unknown[] | "error"]>([
    ["cast(i AS string)", ["1", "2", null, "-7", "2147483647"]],
    ["cast(x AS string)", ["1.5", "NaN", null, "-0.25", "4.0"]],
    ["cast(amount AS string)", ["10.50", "-0.01", null, "999999.99", "0.00"]],
    ["cast(x AS int)", "error"],
    ["cast(amount AS int)", [10, 0, null, 999999, 0]],
    ["cast(amount AS decimal(3,1))", "error"],
    ["cast(cast(amount AS decimal(9,1)) AS string)", ["10.5", "0.0", null, "1000000.0", "0.0"]],
    ["cast(d AS string)", ["2024-01-01", null, "1970-01-02", "1970-01-01", "2024-02-29"]],
    [
      "cast(ts AS string)",
      ["2024-01-01 00:00:00", null, "1970-01-01 00:00:00", "1970-01-01 00:00:00.000001", "1969-12-31 23:59:59.999999"],
    ],
    ["cast(ts AS date)", [19723, null, 0, 0, -1]],
    ["cast(flag AS int)", [1, 0, null, 1, 0]],
    ["cast(i AS boolean)", [true, true, null, true, true]],
    ["cast(l AS byte)", "error"],
    ["cast(s AS int)", "error"],
    ["cast(cast(i AS string) AS long)", [1n, 2n, null, -7n, 2147483647n]],
  ])("casts %s (ANSI: invalid values are errors)", (text, expected) => {
    if (expected === "error") {
      expect(() => value(text)).toThrow(InvalidCastError);
      return;
    }
    const out = plain(value(text)).map((v) => (v instanceof Date ? v.getTime() : typeof v === "number" && Number.isNaN(v) ? "NaN" : v));
    const want = text.endsWith("AS date)")
      ? (expected as unknown[]).map((d) => (d === null ? null : (d as number) * 86_400_000))
      : expected;
    expect(out).toEqual(want);
  });

  it("casts text to dates, timestamps, booleans and numbers", () => {
    const rows = ["2024-03-01", "2024-03-01 10:00:00+02:00", " yes ", "12.5"].map(
      (t) => new RecordBatch({ s: vectorFromArray([t], new Utf8()).data[0]! }),
    );
    const texts = new RecordBatch({
      s: vectorFromArray(["2024-03-01", "2024-03-01 10:00:00+02:00", " yes ", "12.5"], new Utf8()).data[0]!,
    });
    const one = (text: string, row: number) => plain(evaluateValue(bindValue(parseExpression(text), schema), rows[row]!))[0];
    expect(one("cast(s AS date)", 0)).toEqual(Date.UTC(2024, 2, 1));
    expect(one("cast(s AS timestamp)", 1)).toEqual(Date.UTC(2024, 2, 1, 8));
    expect(one("cast(s AS boolean)", 2)).toBe(true);
    expect(one("cast(s AS decimal(4,1))", 3)).toBe("12.5");
    expect(one("cast(s AS double)", 3)).toBe(12.5);
    expect(one("cast(s AS int)", 3)).toBe(12);
    try {
      evaluateValue(bindValue(parseExpression("cast(s AS date)"), schema), texts);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidCastError);
      expect((err as InvalidCastError).row).toBe(2);
      expect((err as InvalidCastError).toType).toBe("date");
    }
  });

  it("evaluates conditions over computed values as filters, three-valued", () => {
    const mask = (text: string) => Array.from(evaluate(bind(parseExpression(text), schema), batch));
    expect(mask("l + 1 > 2 OR s LIKE 'a%'")).toEqual([1, 0, 1, 1, 1]);
    expect(mask("NOT (s LIKE 'a%')")).toEqual([1, 1, 0, 0, 1]);
    expect(mask("coalesce(i, 0) = 0")).toEqual([0, 0, 1, 0, 0]);
    expect(mask("CASE WHEN flag THEN i ELSE 0 END > 0")).toEqual([1, 0, 0, 0, 0]);
    expect(mask("lower(s) IN ('apple', 'banana')")).toEqual([1, 1, 0, 0, 0]);
    expect(mask("upper(s) IS NULL")).toEqual([0, 0, 1, 0, 0]);
    expect(() => mask("d + 0 > 0")).toThrow(ExpressionTypeError);
  });
});
