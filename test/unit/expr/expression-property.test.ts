/**
 * Property tests: random expressions built from the grammar (arithmetic, comparison, CASE,
 * COALESCE, LIKE, string functions over integer, long, double, string and boolean columns)
 * (1) format → parse → format to the same text and the same tree, and (2) evaluate, vectorised,
 * to what an independent row-by-row interpreter written here computes, errors included.
 */
import { Bool, Float64, Int32, Int64, RecordBatch, Utf8, vectorFromArray } from "apache-arrow";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LakelogError } from "../../../src/errors/base.js";
import type { StructType } from "../../../src/schema/types.js";
import { bind, bindValue } from "../../../src/expr/bind.js";
import { evaluateTriState, evaluateValue } from "../../../src/expr/evaluate.js";
import type { ArithmeticOp, CompareOp, Expression } from "../../../src/expr/expression.js";
import { formatExpression } from "../../../src/expr/format.js";
import { parseExpression } from "../../../src/expr/parse.js";

type T = "int" | "long" | "double" | "string" | "bool";
interface Node {
  e: Expression;
  t: T;
}
type V = bigint | number | string | boolean | null;
type Row = Record<string, V>;

const field = (name: string, type: StructType["fields"][number]["type"]) => ({ name, type, nullable: true, metadata: {} });
const schema: StructType = {
  type: "struct",
  fields: [field("i", "integer"), field("l", "long"), field("x", "double"), field("s", "string"), field("flag", "boolean")],
};

const rows: Row[] = [
  { i: 1n, l: 10n, x: 1.5, s: "apple", flag: true },
  { i: -2n, l: null, x: -0.5, s: "Banana", flag: false },
  { i: null, l: 9223372036854775807n, x: NaN, s: null, flag: null },
  { i: 2147483647n, l: -5n, x: null, s: "a_b%", flag: true },
  { i: -2147483648n, l: 0n, x: 0, s: "", flag: false },
  { i: 0n, l: 3n, x: 1e300, s: "cherry pie", flag: true },
  { i: 7n, l: -9223372036854775808n, x: -2.25, s: "b\\%x", flag: null },
];
const batch = new RecordBatch({
  i: vectorFromArray(
    rows.map((r) => (r.i === null ? null : Number(r.i))),
    new Int32(),
  ).data[0]!,
  l: vectorFromArray(
    rows.map((r) => r.l as bigint | null),
    new Int64(),
  ).data[0]!,
  x: vectorFromArray(
    rows.map((r) => r.x as number | null),
    new Float64(),
  ).data[0]!,
  s: vectorFromArray(
    rows.map((r) => r.s as string | null),
    new Utf8(),
  ).data[0]!,
  flag: vectorFromArray(
    rows.map((r) => r.flag as boolean | null),
    new Bool(),
  ).data[0]!,
});

// ---- generators -------------------------------------------------------------------------------

const column = (name: string, t: T): Node => ({ e: { kind: "column", path: [name] }, t });
const intLit = (n: number): Node => ({ e: { kind: "literal", value: n, text: String(n) }, t: "int" });
const wider = (a: T, b: T): T => (a === "double" || b === "double" ? "double" : a === "long" || b === "long" ? "long" : "int");

const { num, str, bool } = fc.letrec<{ num: Node; str: Node; bool: Node }>((tie) => {
  const num = tie("num") as fc.Arbitrary<Node>;
  const str = tie("str") as fc.Arbitrary<Node>;
  const bool = tie("bool") as fc.Arbitrary<Node>;
  const numLeaf = fc.oneof(
    fc.constantFrom(column("i", "int"), column("l", "long"), column("x", "double")),
    fc.integer({ min: -20, max: 20 }).map(intLit),
    fc.constantFrom(
      intLit(2147483647),
      { e: { kind: "literal", value: 3000000000, text: "3000000000" }, t: "long" } as Node,
      { e: { kind: "literal", value: 2.5, text: "2.5e0" }, t: "double" } as Node,
    ),
  );
  const strLeaf = fc.oneof(
    fc.constant(column("s", "string")),
    fc.constantFrom("a", "apple", "B", "", "it's").map((v): Node => ({ e: { kind: "literal", value: v }, t: "string" })),
  );
  const caseOf = (value: fc.Arbitrary<Node>, merge: (a: T, b: T) => T) =>
    fc
      .tuple(fc.array(fc.tuple(bool, value), { minLength: 1, maxLength: 2 }), fc.option(value, { nil: undefined }))
      .map(([branches, otherwise]): Node => ({
        e: {
          kind: "case",
          branches: branches.map(([w, v]) => ({ when: w.e, then: v.e })),
          ...(otherwise ? { otherwise: otherwise.e } : {}),
        },
        t: [...branches.map(([, v]) => v.t), ...(otherwise ? [otherwise.t] : [])].reduce(merge),
      }));
  return {
    num: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      numLeaf,
      fc.tuple(fc.constantFrom<ArithmeticOp>("+", "-", "*", "/", "%"), num, num).map(([op, a, b]): Node => ({
        e: { kind: "arithmetic", op, left: a.e, right: b.e },
        t: op === "/" ? "double" : wider(a.t, b.t),
      })),
      num.map((a): Node => ({ e: { kind: "negate", child: a.e }, t: a.t })),
      caseOf(num, wider),
      fc.array(num, { minLength: 1, maxLength: 3 }).map((args): Node => ({
        e: { kind: "call", name: "coalesce", args: args.map((a) => a.e) },
        t: args.map((a) => a.t).reduce(wider),
      })),
      num.map((a): Node => ({ e: { kind: "call", name: "abs", args: [a.e] }, t: a.t })),
      str.map((a): Node => ({ e: { kind: "call", name: "length", args: [a.e] }, t: "int" })),
    ),
    str: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      strLeaf,
      fc.tuple(str, str).map(([a, b]): Node => ({ e: { kind: "concat", left: a.e, right: b.e }, t: "string" })),
      fc
        .tuple(fc.constantFrom("lower", "upper") as fc.Arbitrary<"lower" | "upper">, str)
        .map(([name, a]): Node => ({ e: { kind: "call", name, args: [a.e] }, t: "string" })),
      fc
        .tuple(str, fc.integer({ min: -4, max: 4 }), fc.option(fc.integer({ min: -1, max: 4 }), { nil: undefined }))
        .map(([a, p, n]): Node => ({
          e: { kind: "call", name: "substring", args: [a.e, intLit(p).e, ...(n === undefined ? [] : [intLit(n).e])] },
          t: "string",
        })),
      caseOf(str, () => "string"),
      fc
        .array(str, { minLength: 1, maxLength: 3 })
        .map((args): Node => ({ e: { kind: "call", name: "coalesce", args: args.map((a) => a.e) }, t: "string" })),
    ),
    bool: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.constant(column("flag", "bool")),
      fc
        .tuple(fc.constantFrom<CompareOp>("=", "!=", "<", "<=", ">", ">="), num, num)
        .map(([op, a, b]): Node => ({ e: { kind: "compare", op, left: a.e, right: b.e }, t: "bool" })),
      fc
        .tuple(fc.constantFrom<CompareOp>("=", "<", ">="), str, str)
        .map(([op, a, b]): Node => ({ e: { kind: "compare", op, left: a.e, right: b.e }, t: "bool" })),
      fc
        .tuple(str, fc.constantFrom("a%", "%a%", "_pple", "%", "", "a\\_%", "b\\\\\\%x", "%e_"), fc.boolean())
        .map(([a, p, negated]): Node => {
          const like: Expression = { kind: "like", value: a.e, pattern: { kind: "literal", value: p } };
          return { e: negated ? { kind: "not", child: like } : like, t: "bool" };
        }),
      fc
        .tuple(fc.constantFrom<"and" | "or">("and", "or"), bool, bool)
        .map(([kind, a, b]): Node => ({ e: { kind, children: [a.e, b.e] }, t: "bool" })),
      bool.map((a): Node => ({ e: { kind: "not", child: a.e }, t: "bool" })),
      fc
        .tuple(fc.oneof(num, str), fc.boolean())
        .map(([a, negated]): Node => ({ e: { kind: negated ? "isNotNull" : "isNull", child: a.e }, t: "bool" })),
    ),
  };
});

// ---- the reference interpreter ----------------------------------------------------------------

class AnsiError extends Error {}
const RANGE: Record<string, [bigint, bigint]> = { int: [-(2n ** 31n), 2n ** 31n - 1n], long: [-(2n ** 63n), 2n ** 63n - 1n] };

function typeOf(e: Expression): T {
  switch (e.kind) {
    case "column":
      return ({ i: "int", l: "long", x: "double", s: "string", flag: "bool" } as Record<string, T>)[e.path[0]!]!;
    case "literal":
      if (typeof e.value === "string") return "string";
      if (e.text?.includes("e")) return "double";
      return BigInt(e.text!) >= -(2n ** 31n) && BigInt(e.text!) < 2n ** 31n ? "int" : "long";
    case "arithmetic":
      return e.op === "/" ? "double" : wider(typeOf(e.left), typeOf(e.right));
    case "negate":
      return typeOf(e.child);
    case "case":
      return [...e.branches.map((b) => typeOf(b.then)), ...(e.otherwise ? [typeOf(e.otherwise)] : [])].reduce((a, b) =>
        a === "string" ? a : wider(a, b),
      );
    case "call":
      if (e.name === "length") return "int";
      if (e.name === "abs") return typeOf(e.args[0]!);
      if (e.name === "coalesce") return e.args.map(typeOf).reduce((a, b) => (a === "string" ? a : wider(a, b)));
      return "string";
    case "concat":
      return "string";
    default:
      return "bool";
  }
}

const cmpDouble = (a: number, b: number) =>
  Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a < b ? -1 : a > b ? 1 : 0;

function likeMatches(s: string, p: string): boolean {
  const sc = [...s];
  const pc = [...p];
  const go = (i: number, j: number): boolean => {
    if (j === pc.length) return i === sc.length;
    if (pc[j] === "\\" && j + 1 < pc.length) return i < sc.length && sc[i] === pc[j + 1] && go(i + 1, j + 2);
    if (pc[j] === "%") return go(i, j + 1) || (i < sc.length && go(i + 1, j));
    if (pc[j] === "_") return i < sc.length && go(i + 1, j + 1);
    return i < sc.length && sc[i] === pc[j] && go(i + 1, j + 1);
  };
  return go(0, 0);
}

function sparkSubstring(s: string, pos: number, len?: number): string {
  const cs = [...s];
  let start = pos > 0 ? pos - 1 : pos < 0 ? cs.length + pos : 0;
  const end = len === undefined ? cs.length : start + len;
  start = Math.max(0, start);
  return start >= end ? "" : cs.slice(start, end).join("");
}

function arith(op: ArithmeticOp, a: V, b: V, t: T): V {
  if (a === null || b === null) return null;
  if (t === "double") {
    const [x, y] = [Number(a), Number(b)];
    if ((op === "/" || op === "%") && y === 0) throw new AnsiError("divide by zero");
    return op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : op === "/" ? x / y : x % y;
  }
  const [x, y] = [a as bigint, b as bigint];
  if (op === "%" && y === 0n) throw new AnsiError("divide by zero");
  const r = op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : x % y;
  if (r < RANGE[t]![0] || r > RANGE[t]![1]) throw new AnsiError("overflow");
  return r;
}

/** A value of a narrower numeric type as one of type `t` (integers are bigints, doubles numbers). */
function as(v: V, t: T): V {
  return t === "double" && typeof v === "bigint" ? Number(v) : v;
}

function interp(e: Expression, row: Row): V {
  switch (e.kind) {
    case "column":
      return row[e.path[0]!]!;
    case "literal":
      return typeof e.value === "string" ? e.value : typeOf(e) === "double" ? Number(e.text) : BigInt(e.text!);
    case "arithmetic": {
      const t = typeOf(e);
      const promote = (v: V) => (t === "double" && typeof v === "bigint" ? Number(v) : v);
      return arith(e.op, promote(interp(e.left, row)), promote(interp(e.right, row)), t);
    }
    case "negate": {
      const v = interp(e.child, row);
      if (v === null) return null;
      if (typeof v === "number") return -v;
      if ((v as bigint) === RANGE[typeOf(e)]![0]) throw new AnsiError("overflow");
      return -(v as bigint);
    }
    case "case": {
      const t = typeOf(e);
      for (const b of e.branches) if (interp(b.when, row) === true) return as(interp(b.then, row), t);
      return e.otherwise ? as(interp(e.otherwise, row), t) : null;
    }
    case "call": {
      if (e.name === "coalesce") {
        for (const a of e.args) {
          const v = interp(a, row);
          if (v !== null) return as(v, typeOf(e));
        }
        return null;
      }
      const args = e.args.map((a) => interp(a, row));
      if (args.some((a) => a === null)) return null;
      const [a, p, n] = [args[0]!, args[1], args[2]];
      if (e.name === "abs") {
        if (typeof a === "number") return Math.abs(a);
        if (a === RANGE[typeOf(e)]![0]) throw new AnsiError("overflow");
        return (a as bigint) < 0n ? -(a as bigint) : a;
      }
      if (e.name === "length") return BigInt([...(a as string)].length);
      if (e.name === "lower") return (a as string).toLowerCase();
      if (e.name === "upper") return (a as string).toUpperCase();
      return sparkSubstring(a as string, Number(p), n === undefined ? undefined : Number(n));
    }
    case "concat": {
      const [a, b] = [interp(e.left, row), interp(e.right, row)];
      return a === null || b === null ? null : `${a as string}${b as string}`;
    }
    case "compare": {
      const [a, b] = [interp(e.left, row), interp(e.right, row)];
      if (a === null || b === null) return null;
      const c =
        typeof a === "string"
          ? a < (b as string)
            ? -1
            : a > (b as string)
              ? 1
              : 0
          : typeof a === "number" || typeof b === "number"
            ? cmpDouble(Number(a), Number(b))
            : (a as bigint) < (b as bigint)
              ? -1
              : (a as bigint) > (b as bigint)
                ? 1
                : 0;
      return { "=": c === 0, "!=": c !== 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0 }[e.op];
    }
    case "like": {
      const [a, p] = [interp(e.value, row), interp(e.pattern, row)];
      return a === null || p === null ? null : likeMatches(a as string, p as string);
    }
    case "and":
    case "or": {
      const stop = e.kind === "or";
      let unknown = false;
      for (const c of e.children) {
        const v = interp(c, row);
        if (v === stop) return stop;
        if (v === null) unknown = true;
      }
      return unknown ? null : !stop;
    }
    case "not": {
      const v = interp(e.child, row);
      return v === null ? null : !v;
    }
    case "isNull":
    case "isNotNull":
      return (interp(e.child, row) === null) === (e.kind === "isNull");
    default:
      throw new Error(`not generated: ${e.kind}`);
  }
}

// ---- the properties ---------------------------------------------------------------------------

const anyNode = fc.oneof(num, str, bool);
const BOUND_TYPE: Record<T, string> = { int: "integer", long: "long", double: "double", string: "string", bool: "boolean" };

/** Interpreter results for every row, or "error" when a row raises an ANSI error. */
function expected(e: Expression): V[] | "error" {
  try {
    return rows.map((r) => interp(e, r));
  } catch (err) {
    if (err instanceof AnsiError) return "error";
    throw err;
  }
}

function normalise(v: unknown): unknown {
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? 0 : v;
  if (typeof v === "bigint") return Number(v) === Number(v) && v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
  return v;
}

describe("expression properties", () => {
  it("format → parse → format gives the same text and the same tree", () => {
    fc.assert(
      fc.property(anyNode, ({ e }) => {
        const text = formatExpression(e);
        const parsed = parseExpression(text);
        expect(formatExpression(parsed)).toBe(text);
        expect(parsed).toEqual(e);
      }),
      { numRuns: 400, seed: Number(process.env.EXPR_SEED ?? 20261206) },
    );
  });

  it("vectorised evaluation equals the row-by-row interpreter (values, NULLs, ANSI errors)", () => {
    fc.assert(
      fc.property(anyNode, ({ e, t }) => {
        const text = formatExpression(e);
        const want = expected(e);
        const run = (): unknown[] => {
          if (t === "bool") {
            const tri = evaluateTriState(bind(parseExpression(text), schema), batch);
            return Array.from(tri, (v) => (v === 1 ? null : v === 2));
          }
          const bound = bindValue(parseExpression(text), schema);
          expect(bound.type).toBe(BOUND_TYPE[t]);
          const vector = evaluateValue(bound, batch);
          return Array.from({ length: vector.length }, (_, k) => vector.get(k) as unknown);
        };
        if (want === "error") {
          expect(run).toThrow(LakelogError);
          return;
        }
        expect(run().map(normalise)).toEqual(want.map(normalise));
      }),
      { numRuns: 400, seed: Number(process.env.EXPR_SEED ?? 7) },
    );
  });
});
