/**
 * Binding: resolving an expression's columns against a table schema (case-insensitively, like
 * Spark) and converting its literals to the columns' types. The bound form is what row
 * evaluation and file skipping work on.
 */
import { InvalidExpressionError } from "../errors/expression-errors.js";
import { type PrimitiveTypeName, typeToString } from "../schema/types.js";
import { assignTo, bindValueCompare, bindValueNode, isFlexible, type ValueBindContext } from "./bind-value.js";
import type { BoundExpression, BoundValue, ScalarColumn, ScalarType, ValueType } from "./bound.js";
import { coerceLiteral } from "./coerce.js";
import { formatColumnPath, formatExpression } from "./format.js";
import { type BindInput, type ColumnResolver, resolverOf } from "./resolve.js";
import { commonType, isDecimal, isFloating, isNumeric } from "./typing.js";
import { compareDoubles, compareScalars, compareStrings, type Scalar } from "./values.js";
import type { CompareOp, Expression, LiteralExpression, Operand } from "./expression.js";

export type { BoundColumn, BoundExpression, BoundValue, ScalarColumn, ValueType } from "./bound.js";
export { aliasResolver, type BindInput, type ColumnResolver, resolveColumn, schemaResolver } from "./resolve.js";

/** `a op b` ⇔ `b flip(op) a`. */
export const FLIPPED: Record<CompareOp, CompareOp> = { "=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/** `NOT (a op b)` ⇔ `a negate(op) b` (for non-null operands, under Spark's total order with NaN largest). */
export const NEGATED: Record<CompareOp, CompareOp> = { "=": "!=", "!=": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<" };

/**
 * Resolves the predicate `expr` against `input` (a schema, or a resolver such as
 * `aliasResolver({ source, target })`) and types it.
 * Simple comparisons of a column with a literal keep their exact, skipping-friendly form; any
 * other condition (computed values, LIKE, CASE, functions) becomes a `test` of a boolean value.
 * Throws {@link UnknownColumnError} for a column the input lacks, {@link IncompatibleLiteralError}
 * for a literal that does not fit its column, {@link ExpressionTypeError} for ill-typed values,
 * {@link InvalidExpressionError} for comparisons that make no sense (a struct compared, a string
 * used as a condition).
 *
 * @example
 * const bound = bind(parseExpression("part = 'a' AND id >= 10"), snapshot.schema);
 */
export function bind(expr: Expression, input: BindInput): BoundExpression {
  const resolver = resolverOf(input);
  const ctx: ValueBindContext = { resolver, predicate: (e) => bindPredicate(e, ctx) };
  return bindPredicate(expr, ctx);
}

/** Options of {@link bindValue}. */
export interface BindValueOptions {
  /**
   * The column type the value is for (an update's `set`): the value is converted to it where
   * SQL's store assignment allows (numbers of any type, dates into timestamps, anything into
   * strings; string literals are read as the type), else {@link ExpressionTypeError}.
   */
  targetType?: PrimitiveTypeName;
  /**
   * The name of the column the value is for: a literal that does not fit `targetType` is
   * refused with an {@link IncompatibleLiteralError} naming it (`literal 'ten' does not fit
   * column n of type long`). Without it the error names only the type.
   */
  targetColumn?: string;
}

/**
 * Resolves the value expression `expr` against `input` and types every node (`.type` of the
 * result is the value's type; `"null"` for an untyped NULL without `targetType`). Evaluate it
 * with `evaluateValue`. Throws as {@link bind} does.
 *
 * @example
 * const price = bindValue(parseExpression("price * (1 - discount / 100)"), schema);
 * price.type; // "double" when price is double
 */
export function bindValue(expr: Expression, input: BindInput, options: BindValueOptions = {}): BoundValue {
  const resolver = resolverOf(input);
  const ctx: ValueBindContext = { resolver, predicate: (e) => bindPredicate(e, ctx) };
  const value = bindValueNode(expr, ctx);
  if (options.targetType === undefined) return value;
  return assignTo(value, options.targetType as ValueType, () => formatExpression(expr), options.targetColumn);
}

const isOperand = (e: Expression): e is Operand => e.kind === "column" || e.kind === "literal";

function bindPredicate(expr: Expression, ctx: ValueBindContext): BoundExpression {
  switch (expr.kind) {
    case "literal":
      if (expr.value === null || typeof expr.value === "boolean") return constant(expr.value);
      throw new InvalidExpressionError(formatExpression(expr), "a condition must be boolean");
    case "column": {
      const column = ctx.resolver.resolve(expr.path);
      if (column.type !== "boolean")
        throw new InvalidExpressionError(formatExpression(expr), `a condition must be boolean, the column is ${typeToString(column.type)}`);
      return { kind: "compare", op: "=", column: column as ScalarColumn, value: true };
    }
    case "compare":
      if (isOperand(expr.left) && isOperand(expr.right)) return bindCompare(expr.op, expr.left, expr.right, ctx);
      return bindComputedCompare(expr.op, expr.left, expr.right, ctx);
    case "in":
      if (isOperand(expr.value)) return bindIn(expr.value, expr.list, ctx);
      return bindValueIn(expr.value, expr.list, ctx);
    case "isNull":
    case "isNotNull": {
      if (expr.child.kind === "literal") return constant((expr.child.value === null) === (expr.kind === "isNull"));
      if (expr.child.kind === "column") return { kind: expr.kind, column: ctx.resolver.resolve(expr.child.path) };
      const child = bindValueNode(expr.child, ctx);
      return test({ kind: "isNull", child, negated: expr.kind === "isNotNull", type: "boolean" });
    }
    case "and":
    case "or":
      return combine(
        expr.kind,
        expr.children.map((c) => bindPredicate(c, ctx)),
      );
    case "not": {
      const child = bindPredicate(expr.child, ctx);
      if (child.kind === "constant") return constant(child.value === null ? null : !child.value);
      return { kind: "not", child };
    }
    case "like": {
      const text = () => formatExpression(expr);
      const value = bindValueNode(expr.value, ctx);
      const pattern = bindValueNode(expr.pattern, ctx);
      for (const v of [value, pattern]) {
        if (v.type !== "string" && v.type !== "null")
          throw new InvalidExpressionError(text(), `LIKE compares strings, not ${v.type} (cast it)`);
      }
      if (value.type === "null" || pattern.type === "null") return constant(null);
      return test({ kind: "like", value, pattern, escape: expr.escape ?? "\\", type: "boolean" });
    }
    default: {
      const value = bindValueNode(expr, ctx);
      if (value.type === "null") return constant(null);
      if (value.type !== "boolean")
        throw new InvalidExpressionError(formatExpression(expr), `a condition must be boolean, the value is ${value.type}`);
      return test(value);
    }
  }
}

function test(value: BoundValue): BoundExpression {
  if (value.kind === "predicate") return value.predicate;
  if (value.kind === "literal" && (value.value === null || typeof value.value === "boolean"))
    return constant(value.value as boolean | null);
  return { kind: "test", value };
}

function bindValueIn(valueExpr: Expression, list: readonly LiteralExpression[], ctx: ValueBindContext): BoundExpression {
  const text = formatExpression({ kind: "in", value: valueExpr, list });
  let value = bindValueNode(valueExpr, ctx);
  if (value.type === "null") return constant(null);
  if (isFlexible(value)) value = { kind: "cast", child: value, type: "string" };
  const { values, hasNull } = coerceList(list, value.type as PrimitiveTypeName, undefined, text);
  return test({ kind: "in", value, values, hasNull, type: "boolean" });
}

/**
 * The values of an IN list in `type`: NULLs noted apart, and a value the type cannot hold
 * exactly dropped (it equals no value of the type).
 */
function coerceList(
  list: readonly LiteralExpression[],
  type: PrimitiveTypeName,
  columnPath: string | undefined,
  text?: string,
): { values: Scalar[]; hasNull: boolean } {
  const values: Scalar[] = [];
  let hasNull = false;
  for (const item of list) {
    if (item.value === null) {
      hasNull = true;
      continue;
    }
    const coerced = coerceLiteral(item, type, columnPath, text);
    if (coerced.exact) values.push(coerced.value);
  }
  return { values, hasNull };
}

function constant(value: boolean | null): BoundExpression {
  return { kind: "constant", value };
}

/** AND/OR with constant folding (FALSE absorbs AND, TRUE absorbs OR; the neutral one drops). */
export function combine(kind: "and" | "or", input: readonly BoundExpression[]): BoundExpression {
  const absorbing = kind === "or";
  const children: BoundExpression[] = [];
  for (const c of input) {
    if (c.kind === "constant" && c.value === absorbing) return constant(absorbing);
    if (c.kind === "constant" && c.value === !absorbing) continue;
    if (c.kind === kind) children.push(...c.children);
    else children.push(c);
  }
  if (children.length === 0) return constant(!absorbing);
  return children.length === 1 ? children[0]! : { kind, children };
}

function scalarColumn(operand: Operand & { kind: "column" }, resolver: ColumnResolver, context: string): ScalarColumn {
  const column = resolver.resolve(operand.path);
  if (typeof column.type !== "string" || column.type === "variant") {
    throw new InvalidExpressionError(
      context,
      `column ${formatColumnPath(column.path)} of type ${typeToString(column.type)} cannot be compared`,
    );
  }
  return column as ScalarColumn;
}

/** `left op right` with a computed side: both sides at their common type (typing.ts). */
function bindComputedCompare(op: CompareOp, left: Expression, right: Expression, ctx: ValueBindContext): BoundExpression {
  const text = () => formatExpression({ kind: "compare", op, left, right });
  return test(bindValueCompare(op, bindValueNode(left, ctx), bindValueNode(right, ctx), text));
}

function bindCompare(op: CompareOp, left: Operand, right: Operand, ctx: ValueBindContext): BoundExpression {
  const text = () => formatExpression({ kind: "compare", op, left, right });
  if (left.kind === "literal" && right.kind === "column") return bindCompare(FLIPPED[op], right, left, ctx);
  if (left.kind === "literal" && right.kind === "literal") return constant(compareLiterals(op, left, right, text));
  if (left.kind !== "column") throw new InvalidExpressionError(text(), "unreachable operand");
  const column = scalarColumn(left, ctx.resolver, text());
  if (right.kind === "column") {
    const other = scalarColumn(right, ctx.resolver, text());
    // The common type of typing.ts, as for computed values. Numbers compare exactly as they are
    // read (compareScalars); a date beside a timestamp, or a decimal beside a float, needs a cast.
    const type = commonType(column.type, other.type) as ScalarType | undefined;
    if (type === undefined) throw new InvalidExpressionError(text(), `cannot compare ${column.type} with ${other.type}`);
    const decimalAndFloat = isFloating(type) && (isDecimal(column.type) || isDecimal(other.type));
    if (column.type === other.type || (isNumeric(type) && !decimalAndFloat))
      return { kind: "compareColumns", op, left: column, right: other, compareType: type };
    return bindComputedCompare(op, left, right, ctx);
  }
  if (right.value === null) return constant(null);
  const { value, exact } = coerceLiteral(right, column.type, formatColumnPath(column.path));
  return exact ? { kind: "compare", op, column, value } : inexactCompare(op, column, value);
}

/**
 * `c op v` where v is not representable in c's type and `floor` is v rounded toward −∞ in it:
 * every value x of the type has x < v ⇔ x ≤ floor and x > v ⇔ x > floor, and never x = v.
 */
function inexactCompare(op: CompareOp, column: ScalarColumn, floor: Scalar): BoundExpression {
  const cmp = (o: CompareOp): BoundExpression => ({ kind: "compare", op: o, column, value: floor });
  switch (op) {
    case "<":
    case "<=":
      return cmp("<=");
    case ">":
    case ">=":
      return cmp(">");
    case "=": // FALSE for every value, NULL for NULL
      return { kind: "and", children: [cmp("<"), cmp(">")] };
    case "!=": // TRUE for every value, NULL for NULL
      return { kind: "or", children: [cmp("<="), cmp(">")] };
  }
}

function bindIn(value: Operand, list: readonly LiteralExpression[], ctx: ValueBindContext): BoundExpression {
  if (value.kind === "literal") {
    return combine(
      "or",
      list.map((item) => bindCompare("=", value, item, ctx)),
    );
  }
  const text = formatExpression({ kind: "in", value, list });
  const column = scalarColumn(value, ctx.resolver, text);
  const { values, hasNull } = coerceList(list, column.type, formatColumnPath(column.path));
  return { kind: "in", column, values, hasNull };
}

function compareLiterals(op: CompareOp, a: LiteralExpression, b: LiteralExpression, text: () => string): boolean | null {
  const x = a.value;
  const y = b.value;
  if (x === null || y === null) return null;
  let c: number;
  if ((typeof x === "number" || typeof x === "bigint") && (typeof y === "number" || typeof y === "bigint")) {
    const anyNaN = Number.isNaN(Number(x)) || Number.isNaN(Number(y));
    c = anyNaN || (typeof x === "number" && typeof y === "number") ? compareDoubles(Number(x), Number(y)) : compareScalars(x, y, "long");
  } else if (typeof x === "string" && typeof y === "string") c = compareStrings(x, y);
  else if (typeof x === "boolean" && typeof y === "boolean") c = x === y ? 0 : x ? 1 : -1;
  else throw new InvalidExpressionError(text(), "literals of different kinds cannot be compared without a column");
  return applyOp(op, c);
}

/** The truth of `a op b` given `compare(a, b)`. */
export function applyOp(op: CompareOp, c: number): boolean {
  switch (op) {
    case "=":
      return c === 0;
    case "!=":
      return c !== 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
  }
}
