/**
 * Binding value expressions: every node gets its result type by Spark's rules (see `typing.ts`),
 * operands are cast to the type an operation works in, and string literals take the type their
 * context needs (`d > '2024-01-01'`). Type errors are refused with {@link ExpressionTypeError}.
 */
import { ExpressionTypeError, IncompatibleLiteralError } from "../errors/expression-errors.js";
import type { PrimitiveTypeName } from "../schema/types.js";
import type { BoundExpression, BoundFunction, BoundValue, ValueType } from "./bound.js";
import { coerceLiteral } from "./coerce.js";
import type { CompareOp, Expression, LiteralExpression } from "./expression.js";
import { formatColumnPath, formatExpression } from "./format.js";
import type { ColumnResolver } from "./resolve.js";
import { arithmeticTypes, canAssign, canCast, commonType, decimalType, isDecimal, isIntegral, isNumeric, MAX_PRECISION } from "./typing.js";
import { parseDecimalText, type Scalar } from "./values.js";
import { bindDateFunction, type DateFunctionName, isDateFunction } from "./date-functions.js";

/** What value binding needs: columns, and a way to bind a condition (CASE WHEN, boolean values). */
export interface ValueBindContext {
  readonly resolver: ColumnResolver;
  readonly predicate: (e: Expression) => BoundExpression;
}

/** Literals whose type follows their context: string text (and NULL). */
const flexible = new WeakMap<BoundValue, LiteralExpression>();

const INT32 = 2 ** 31;
const INT64 = 2n ** 63n;

function literalOf(value: Scalar | null, type: ValueType): BoundValue {
  return { kind: "literal", value, type };
}

/** A literal with its own (natural) type: Spark's typing of literal text. */
export function bindLiteral(lit: LiteralExpression): BoundValue {
  const v = lit.value;
  let out: BoundValue;
  if (v === null) out = literalOf(null, "null");
  else if (typeof v === "boolean") out = literalOf(v, "boolean");
  else if (typeof v === "string") out = literalOf(v, "string");
  else if (v instanceof Uint8Array) out = literalOf(v, "binary");
  else if (v instanceof Date) out = literalOf(BigInt(v.getTime()) * 1000n, "timestamp");
  else if (typeof v === "bigint") out = integerLiteral(v, lit);
  else if (lit.text !== undefined && /^-?\d+$/.test(lit.text)) out = integerLiteral(BigInt(lit.text), lit);
  else if (lit.text !== undefined && !/[eE]/.test(lit.text)) out = decimalLiteral(lit);
  else if (Number.isInteger(v) && lit.text === undefined) out = integerLiteral(BigInt(v), lit);
  else out = literalOf(v, "double");
  if (typeof v === "string" || v === null) flexible.set(out, lit);
  return out;
}

function integerLiteral(v: bigint, lit: LiteralExpression): BoundValue {
  if (v >= -BigInt(INT32) && v < BigInt(INT32)) return literalOf(Number(v), "integer");
  if (v >= -INT64 && v < INT64) return literalOf(v, "long");
  const digits = (v < 0n ? -v : v).toString().length;
  if (digits > MAX_PRECISION)
    throw new ExpressionTypeError(formatExpression(lit), "literal", ["decimal"], `more than ${MAX_PRECISION} digits`);
  return literalOf({ unscaled: v, scale: 0 }, decimalType(digits, 0));
}

function decimalLiteral(lit: LiteralExpression): BoundValue {
  const d = parseDecimalText(lit.text!)!;
  const digits = (d.unscaled < 0n ? -d.unscaled : d.unscaled).toString().length;
  const precision = Math.max(digits, d.scale, 1);
  if (precision > MAX_PRECISION) return literalOf(Number(lit.text), "double");
  return literalOf(d, decimalType(precision, d.scale));
}

/** True when `v` is a string literal (or NULL) whose type may follow its context. */
export function isFlexible(v: BoundValue): boolean {
  return flexible.has(v);
}

/**
 * `v` as a value of type `to`: a flexible literal is converted now (exactly, or refused with
 * {@link IncompatibleLiteralError} naming `column` when the value is for a column, else the
 * context), any other value gets a cast node when the cast exists (else {@link ExpressionTypeError}).
 */
export function adapt(v: BoundValue, to: ValueType, context: () => string, column?: string): BoundValue {
  if (v.type === to) return v;
  const source = flexible.get(v);
  if (source && source.value === null) return literalOf(null, to);
  if (source && to !== "null" && to !== "string") {
    const where = column === undefined ? context() : undefined;
    const coerced = coerceLiteral(source, to as PrimitiveTypeName, column, where);
    if (!coerced.exact)
      throw new IncompatibleLiteralError(column, to, formatExpression(source), "the value is not exact in that type", where);
    return literalOf(coerced.value, to);
  }
  if (!canCast(v.type, to)) throw new ExpressionTypeError(context(), "cast", [v.type, to], `no conversion from ${v.type} to ${to}`);
  return { kind: "cast", child: v, type: to };
}

/**
 * The common type of values that meet (CASE branches, COALESCE arguments, compared sides), and
 * the values adapted to it. String literals and NULLs follow the others' type.
 */
export function unify(values: readonly BoundValue[], operator: string, context: () => string): { type: ValueType; values: BoundValue[] } {
  const fixed = values.filter((v) => !isFlexible(v));
  const strings = values.some((v) => isFlexible(v) && v.type === "string");
  let type: ValueType | undefined = fixed.length === 0 ? (strings ? "string" : "null") : fixed[0]!.type;
  for (const v of fixed.slice(1)) {
    type = commonType(type!, v.type);
    if (type === undefined) break;
  }
  if (type === "null" && strings) type = "string";
  if (type === undefined)
    throw new ExpressionTypeError(
      context(),
      operator,
      values.map((v) => v.type),
      "the values have no common type (cast them)",
    );
  const t = type;
  return { type: t, values: values.map((v) => adapt(v, t, context)) };
}

/**
 * Binds a value expression. Predicates (comparisons, AND/OR/NOT, IN, IS NULL, LIKE) become
 * boolean values; columns must be of a primitive type.
 */
export function bindValueNode(e: Expression, ctx: ValueBindContext): BoundValue {
  const text = () => formatExpression(e);
  switch (e.kind) {
    case "column": {
      const column = ctx.resolver.resolve(e.path);
      if (typeof column.type !== "string" || column.type === "variant") {
        throw new ExpressionTypeError(
          formatColumnPath(e.path),
          "value",
          [typeof column.type === "string" ? column.type : column.type.type],
          "only primitive columns are values",
        );
      }
      return { kind: "column", column, type: column.type };
    }
    case "literal":
      return bindLiteral(e);
    case "arithmetic":
      return bindArithmetic(e.op, bindValueNode(e.left, ctx), bindValueNode(e.right, ctx), text);
    case "negate": {
      const child = bindValueNode(e.child, ctx);
      const typed = isFlexible(child) && child.type === "string" ? adapt(child, "double", text) : child;
      if (!isNumeric(typed.type) && typed.type !== "null") throw new ExpressionTypeError(text(), "-", [typed.type], "a number is needed");
      return { kind: "negate", child: typed, type: typed.type, text: text() };
    }
    case "concat":
      return bindFunction("concat", [bindValueNode(e.left, ctx), bindValueNode(e.right, ctx)], text);
    case "case":
      return bindCase(e, ctx, text);
    case "call": {
      const args = e.args.map((a) => bindValueNode(a, ctx));
      if (e.name === "coalesce") {
        if (args.length === 0) throw new ExpressionTypeError(text(), "coalesce", [], "at least one argument is needed");
        const u = unify(args, "coalesce", text);
        return { kind: "coalesce", args: u.values, type: u.type };
      }
      if (isDateFunction(e.name)) return bindDateFunction(e.name, args, text);
      return bindFunction(e.name, args, text);
    }
    case "cast": {
      const child = bindValueNode(e.child, ctx);
      if (!canCast(child.type, e.type))
        throw new ExpressionTypeError(text(), "cast", [child.type, e.type], `no conversion from ${child.type} to ${e.type}`);
      return child.type === e.type ? child : { kind: "cast", child, type: e.type };
    }
    default: {
      const predicate = ctx.predicate(e);
      if (predicate.kind === "test") return predicate.value;
      if (predicate.kind === "constant") return literalOf(predicate.value, "boolean");
      return { kind: "predicate", predicate, type: "boolean" };
    }
  }
}

function bindArithmetic(op: "+" | "-" | "*" | "/" | "%", left: BoundValue, right: BoundValue, text: () => string): BoundValue {
  // A string literal beside a number is read as that number's type (or double for a fraction).
  if (isFlexible(left) && left.type === "string" && isNumeric(right.type))
    left = adapt(left, isIntegral(right.type) ? "double" : right.type, text);
  if (isFlexible(right) && right.type === "string" && isNumeric(left.type))
    right = adapt(right, isIntegral(left.type) ? "double" : left.type, text);
  // An integer literal beside a decimal counts only its own digits (Spark's literal precision).
  if (left.kind === "literal" && isIntegral(left.type) && isDecimal(right.type)) left = integerAsDecimal(left);
  if (right.kind === "literal" && isIntegral(right.type) && isDecimal(left.type)) right = integerAsDecimal(right);
  const types = arithmeticTypes(op, left.type, right.type);
  if (!types) throw new ExpressionTypeError(text(), op, [left.type, right.type], "numbers are needed");
  return {
    kind: "arithmetic",
    op,
    left: adapt(left, types.left, text),
    right: adapt(right, types.right, text),
    type: types.result,
    text: text(),
  };
}

function integerAsDecimal(lit: BoundValue & { kind: "literal" }): BoundValue {
  if (lit.value === null) return lit;
  const v = BigInt(lit.value as number | bigint);
  const digits = (v < 0n ? -v : v).toString().length;
  return literalOf({ unscaled: v, scale: 0 }, decimalType(digits, 0));
}

function bindCase(e: Expression & { kind: "case" }, ctx: ValueBindContext, text: () => string): BoundValue {
  const whens = e.branches.map((b) =>
    ctx.predicate(e.operand ? { kind: "compare", op: "=" as CompareOp, left: e.operand, right: b.when } : b.when),
  );
  const values = [
    ...e.branches.map((b) => bindValueNode(b.then, ctx)),
    e.otherwise ? bindValueNode(e.otherwise, ctx) : bindLiteral({ kind: "literal", value: null }),
  ];
  const u = unify(values, "CASE", text);
  const otherwise = u.values.pop()!;
  return { kind: "case", branches: whens.map((when, k) => ({ when, then: u.values[k]! })), otherwise, type: u.type };
}

const ARITY: Record<Exclude<BoundFunction, DateFunctionName>, [number, number]> = {
  lower: [1, 1],
  upper: [1, 1],
  trim: [1, 1],
  length: [1, 1],
  abs: [1, 1],
  substring: [2, 3],
  concat: [1, Infinity],
};

function bindFunction(name: Exclude<BoundFunction, DateFunctionName>, args: BoundValue[], text: () => string): BoundValue {
  const [min, max] = ARITY[name];
  const types = () => args.map((a) => a.type);
  if (args.length < min || args.length > max) {
    throw new ExpressionTypeError(text(), name, types(), `takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? "" : "s"}`);
  }
  const fail = (detail: string): never => {
    throw new ExpressionTypeError(text(), name, types(), detail);
  };
  const node = (args: BoundValue[], type: ValueType): BoundValue => ({ kind: "function", name, args, type, text: text() });
  const asString = (a: BoundValue) => (a.type === "string" || a.type === "null" ? adapt(a, "string", text) : fail("a string is needed"));
  switch (name) {
    case "lower":
    case "upper":
    case "trim":
      return node([asString(args[0]!)], "string");
    case "length":
      if (args[0]!.type === "binary") return node(args, "integer");
      return node([asString(args[0]!)], "integer");
    case "abs": {
      const a = isFlexible(args[0]!) ? adapt(args[0]!, "double", text) : args[0]!;
      if (!isNumeric(a.type) && a.type !== "null") fail("a number is needed");
      return node([a], a.type);
    }
    case "substring": {
      const position = args
        .slice(1)
        .map((a) =>
          isIntegral(a.type) || a.type === "null" ? adapt(a, "integer", text) : fail("the position and length must be integers"),
        );
      return node([asString(args[0]!), ...position], "string");
    }
    case "concat":
      // Spark casts non-string arguments to string.
      return node(
        args.map((a) => adapt(a, "string", text)),
        "string",
      );
  }
}

/**
 * A value for a column of type `to` (an update's `set`): adapted when {@link canAssign} allows it
 * (numbers are range-checked when evaluated), else {@link ExpressionTypeError}. `column` (when
 * known) is named if a literal does not fit.
 */
export function assignTo(v: BoundValue, to: ValueType, context: () => string, column?: string): BoundValue {
  if (v.type === to) return v;
  if (!isFlexible(v) && !canAssign(v.type, to)) {
    throw new ExpressionTypeError(
      context(),
      "assignment",
      [v.type, to],
      `a ${v.type} value cannot be stored in a ${to} column without an explicit cast`,
    );
  }
  return adapt(v, to, context, column);
}

/** The comparison `left op right` over values, at their common type. */
export function bindValueCompare(op: CompareOp, left: BoundValue, right: BoundValue, text: () => string): BoundValue {
  const u = unify([left, right], op, text);
  return { kind: "compare", op, left: u.values[0]!, right: u.values[1]!, compareType: u.type, type: "boolean" };
}
